"""Message rendering: Markdown, mentions, links and, above all, no way to smuggle in script.

Pure functions: no database, no other chat module."""

import re
from html.parser import HTMLParser

import pytest

from apps.chat.markup import Rendered, excerpt, plain_text, render_message

ANNA, ANNA_BELL, BOB = 1, 2, 3
MEMBERS = [(ANNA, "Anna"), (ANNA_BELL, "Anna Bell"), (BOB, "Bob Builder")]

# Members whose names are themselves attacks: a name is user input too.
HOSTILE_MEMBERS = [
    (66, "<img src=x onerror=alert(1)>"),
    (67, '"><script>alert(1)</script>'),
    (68, 'Eve" onmouseover="alert(1)'),
]

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "span", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel", "target"},
    "span": {"class", "data-user-id"},
    "code": {"class"},
}


class Elements(HTMLParser):
    """Every start tag of a fragment, with its attributes as the browser would read them."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def elements(fragment: str, tag: str | None = None) -> list[dict[str, str]]:
    return [attrs for name, attrs in Elements(fragment).found if tag in (None, name)]


def render(body: str) -> str:
    return render_message(body, MEMBERS).html


# --- Formatting -------------------------------------------------------------------------------


def test_it_renders_bold_italic_and_strikethrough():
    html = render("**bold** *italic* ~~gone~~")
    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert re.search(r"<(s|del)>gone</\1>", html)


def test_it_renders_inline_code_escaped():
    assert "<code>a &lt;b&gt; c</code>" in render("`a <b> c`")


def test_it_renders_a_fenced_code_block_with_its_content_escaped():
    html = render("```python\nif a < b and c > d:\n    print('<b>')\n```")
    assert '<pre><code class="language-python">' in html
    assert "if a &lt; b and c &gt; d:" in html
    assert "&lt;b&gt;" in html
    assert "<b>" not in html


def test_it_drops_a_code_language_that_is_not_a_plain_word():
    html = render('```x" onclick="alert(1)\ncode\n```')
    assert elements(html, "code") == [{}]


def test_it_renders_lists_and_quotes():
    html = render("- one\n- two\n\n1. first\n\n> quoted")
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<ol>\n<li>first</li>\n</ol>" in html
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html


def test_it_turns_a_newline_into_a_line_break():
    assert "<p>first<br>\nsecond</p>" in render("first\nsecond")


def test_it_renders_tables():
    html = render("| a | b |\n|---|--:|\n| 1 | 2 |")
    assert "<th>a</th>" in html
    assert "<td>2</td>" in html
    assert "style" not in html  # alignment is dropped, not passed through


def test_it_linkifies_a_bare_url_opening_a_new_tab_without_opener():
    [link] = elements(render("see https://example.com/page?a=1 now"), "a")
    assert link == {
        "href": "https://example.com/page?a=1",
        "target": "_blank",
        "rel": "noopener nofollow",
    }


def test_it_linkifies_www_hosts():
    [link] = elements(render("see www.example.com"), "a")
    assert link["href"] == "http://www.example.com"


def test_it_leaves_file_names_that_look_like_hosts_as_text():
    html = render("edit main.py and README.md, or example.com")
    assert "<a" not in html
    assert "edit main.py and README.md, or example.com" in html


def test_it_renders_an_explicit_link():
    html = render('[the docs](https://example.com/docs "Docs")')
    [link] = elements(html, "a")
    assert link["href"] == "https://example.com/docs"
    assert link["title"] == "Docs"
    assert link["target"] == "_blank"
    assert link["rel"] == "noopener nofollow"
    assert ">the docs</a>" in html


def test_it_shows_an_image_as_a_link_to_it_never_as_an_image():
    html = render("![the plan](https://example.com/plan.png)")
    assert "<img" not in html
    [link] = elements(html, "a")
    assert link["href"] == "https://example.com/plan.png"
    assert ">the plan</a>" in html


def test_it_shows_an_image_inside_a_link_as_the_links_text():
    html = render("[![build passing](https://ci.example/badge.svg)](https://ci.example/)")
    assert [link["href"] for link in elements(html, "a")] == ["https://ci.example/"]
    assert ">build passing</a>" in html


def test_it_renders_headings_and_rules():
    html = render("# Title\n\n---")
    assert "<h1>Title</h1>" in html
    assert "<hr>" in html


def test_it_returns_a_rendered_value():
    rendered = render_message("hi")
    assert rendered == Rendered(html="<p>hi</p>\n", mentioned_ids=frozenset(), links=())


# --- XSS ------------------------------------------------------------------------------------

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](java\nscript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&colon;alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x]( javascript:alert(1))",
    "[x](\x00javascript:alert(1))",
    "[x]: javascript:alert(1)\n\n[x]",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    "<a href=javascript:alert(1)>x",
    "![img](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    '![x](https://example.com/a.png" onerror="alert(1))',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<iframe src=//evil>",
    "<style>body{}</style>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    '<div style="background:url(javascript:alert(1))">',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "[a](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    '<https://example.com/"onmouseover="alert(1)>',
    "<form action=javascript:alert(1)><button>go</button></form>",
    '<object data="javascript:alert(1)">',
    "<embed src=javascript:alert(1)>",
    "<xss onpointerover=alert(1)>hover</xss>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    '```js" onmouseover="alert(1)\nx\n```',
    '[x](https://example.com "t\\" onmouseover=\\"alert(1)")',
    'https://example.com/?q="><script>alert(1)</script>',
    "<!-- x --><script>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "*<script>*alert(1)",
    "[<img src=x onerror=alert(1)>](https://example.com)",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "@<img src=x onerror=alert(1)> look",
    '@**"><script>alert(1)</script>**',
    '@Eve" onmouseover="alert(1) hi',
]
FORBIDDEN_TAGS = ("script", "img", "svg", "iframe", "style", "form", "input", "math", "object")


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_input_renders_harmless(payload):
    html = render_message(payload, HOSTILE_MEMBERS).html
    lowered = html.lower()
    for tag in FORBIDDEN_TAGS:
        assert f"<{tag}" not in lowered
    # No event handler inside a tag; escaped text ("&lt;img onerror=") and quoted attribute
    # values (title="t&quot; onmouseover=...") are harmless, so they are blanked first.
    tags_only = re.sub(r'"[^"]*"', '""', html)
    assert not re.search(r"<[^>]*\son\w+\s*=", tags_only, re.IGNORECASE)
    for tag, attrs in Elements(html).found:
        assert tag in ALLOWED_TAGS
        assert set(attrs) <= ALLOWED_ATTRIBUTES.get(tag, set())
        for name in ("href", "src"):
            url = re.sub(r"[\x00-\x20]", "", attrs.get(name, "")).lower()
            scheme = re.match(r"([a-z][a-z0-9+.-]*):", url)
            assert scheme is None or scheme[1] in {"http", "https", "mailto"}, url


def test_a_javascript_link_is_never_a_link():
    html = render("[click](javascript:alert(1))")
    assert "href" not in html


def test_raw_html_is_shown_as_text():
    assert "<p>&lt;b&gt;bold&lt;/b&gt;</p>" in render("<b>bold</b>")


def test_a_hostile_member_name_is_escaped_inside_its_mention():
    rendered = render_message("hi @<img src=x onerror=alert(1)>!", HOSTILE_MEMBERS)
    assert (
        '<span class="mention" data-user-id="66">@&lt;img src=x onerror=alert(1)&gt;</span>!'
        in rendered.html
    )
    assert rendered.mentioned_ids == {66}


# --- Mentions ---------------------------------------------------------------------------------


def mention(user_id: int, name: str) -> str:
    return f'<span class="mention" data-user-id="{user_id}">@{name}</span>'


def test_it_marks_a_mention():
    rendered = render_message("hi @Bob Builder, look", MEMBERS)
    assert f"<p>hi {mention(BOB, 'Bob Builder')}, look</p>" in rendered.html
    assert rendered.mentioned_ids == {BOB}


def test_it_marks_two_mentions():
    rendered = render_message("@Anna and @Bob Builder", MEMBERS)
    assert mention(ANNA, "Anna") in rendered.html
    assert mention(BOB, "Bob Builder") in rendered.html
    assert rendered.mentioned_ids == {ANNA, BOB}


def test_the_longest_name_wins():
    rendered = render_message("@Anna Bell and @Anna Bellamy", MEMBERS)
    assert mention(ANNA_BELL, "Anna Bell") in rendered.html
    # "Anna Bell" is followed by a letter in "Bellamy", so that one is plain Anna.
    assert f"{mention(ANNA, 'Anna')} Bellamy" in rendered.html
    assert rendered.mentioned_ids == {ANNA, ANNA_BELL}


def test_mentions_are_case_insensitive_and_show_the_members_name():
    rendered = render_message("ping @bob builder", MEMBERS)
    assert mention(BOB, "Bob Builder") in rendered.html
    assert rendered.mentioned_ids == {BOB}


def test_a_name_must_not_run_on_into_a_word():
    rendered = render_message("@Annabel", MEMBERS)
    assert "mention" not in rendered.html
    assert rendered.mentioned_ids == frozenset()


def test_a_mention_may_follow_punctuation_and_precede_it():
    rendered = render_message("(@Anna), @Anna's, **@Anna**", MEMBERS)
    assert rendered.html.count(mention(ANNA, "Anna")) == 3


def test_a_mention_inside_code_is_not_a_mention():
    rendered = render_message("`@Anna` and\n```\n@Bob Builder\n```", MEMBERS)
    assert "<code>@Anna</code>" in rendered.html
    assert "mention" not in rendered.html
    assert rendered.mentioned_ids == frozenset()


def test_an_email_address_is_not_a_mention():
    rendered = render_message("write to x@Anna or anna@Anna.example.com", MEMBERS)
    assert "mention" not in rendered.html
    assert rendered.mentioned_ids == frozenset()


def test_a_link_is_not_a_mention():
    body = "https://example.com/@Anna and [@Bob Builder](https://example.com/@Anna)"
    rendered = render_message(body, MEMBERS)
    assert "mention" not in rendered.html
    assert rendered.mentioned_ids == frozenset()


def test_it_marks_zulips_bold_mention_form():
    rendered = render_message("thanks @**Anna Bell**! and @**anna**", MEMBERS)
    assert f"thanks {mention(ANNA_BELL, 'Anna Bell')}! and {mention(ANNA, 'Anna')}" in (
        rendered.html
    )
    assert "<strong>" not in rendered.html
    assert rendered.mentioned_ids == {ANNA, ANNA_BELL}


def test_the_bold_form_needs_the_whole_name():
    rendered = render_message("@**Anna Be**", MEMBERS)
    assert "<strong>Anna Be</strong>" in rendered.html
    assert rendered.mentioned_ids == frozenset()


def test_the_bold_form_inside_an_email_is_not_a_mention():
    rendered = render_message("x@**Anna**", MEMBERS)
    assert rendered.mentioned_ids == frozenset()


def test_an_unknown_name_stays_text():
    rendered = render_message("@Somebody else", MEMBERS)
    assert rendered.html == "<p>@Somebody else</p>\n"
    assert rendered.mentioned_ids == frozenset()


def test_without_members_nothing_is_a_mention():
    assert render_message("@Anna").mentioned_ids == frozenset()


def test_a_name_typed_across_extra_spaces_is_still_a_mention():
    rendered = render_message("@Bob   Builder", [(BOB, "  Bob  Builder ")])
    assert mention(BOB, "Bob Builder") in rendered.html


def test_when_two_members_share_a_name_the_first_listed_is_mentioned():
    rendered = render_message("@Sam", [(7, "Sam"), (8, "sam")])
    assert mention(7, "Sam") in rendered.html
    assert rendered.mentioned_ids == {7}


def test_members_may_be_any_iterable_of_pairs():
    rendered = render_message("@Anna", (pair for pair in MEMBERS))
    assert rendered.mentioned_ids == {ANNA}


def test_a_message_full_of_at_signs_with_many_members_mentions_nobody_wrongly():
    # A plain alternation of all names took seconds on this (bench/ measures it); the trie of
    # names does not. Here: near-misses of a name never count as mentions.
    members = [(i, f"Member Number{i} Person") for i in range(1000)]
    rendered = render_message("@" * 10_000 + " @Member Number1 Perso" * 500, members)
    assert rendered.mentioned_ids == frozenset()
    assert rendered.html.count("@Member Number1 Perso") == 500


def test_a_mention_after_an_entity_is_still_a_mention():
    rendered = render_message("&amp;@Anna", MEMBERS)
    assert f"&amp;{mention(ANNA, 'Anna')}" in rendered.html


# --- Links ------------------------------------------------------------------------------------


def test_it_collects_links_in_order_without_duplicates():
    body = (
        "see https://b.example/x and [docs](https://a.example/docs)\n"
        "again https://b.example/x, <http://c.example/> and www.d-example.org"
    )
    assert render_message(body).links == (
        "https://b.example/x",
        "https://a.example/docs",
        "http://c.example/",
        "http://www.d-example.org",
    )


def test_it_collects_only_web_links():
    body = "[mail](mailto:a@example.com) anna@example.com [here](/collabs/1/) ftp://f.example"
    assert render_message(body).links == ()


def test_it_collects_an_image_link():
    assert render_message("![x](https://example.com/a.png)").links == ("https://example.com/a.png",)


def test_a_mailto_link_stays_a_link():
    [link] = elements(render("[mail me](mailto:a@example.com)"), "a")
    assert link["href"] == "mailto:a@example.com"


# --- Plain text and excerpts --------------------------------------------------------------------


def test_plain_text_drops_the_markup():
    body = "**Hello** _you_,\nsee [the docs](https://example.com) & `a<b`\n\n- one\n- two"
    assert plain_text(body) == "Hello you,\nsee the docs & a<b\n\none\ntwo"


def test_plain_text_keeps_what_looks_like_html_as_text():
    assert plain_text("<b>not bold</b> &amp; @**Anna**") == "<b>not bold</b> & @Anna"


def test_an_empty_message_has_empty_text():
    assert plain_text("") == ""
    assert excerpt("   \n") == ""


def test_an_excerpt_of_a_short_message_is_the_whole_message_on_one_line():
    assert excerpt("# Title\n\nshort *text*") == "Title short text"


def test_an_excerpt_is_cut_at_a_word_with_an_ellipsis():
    text = excerpt("lorem ipsum " * 30, length=40)
    assert text == "lorem ipsum lorem ipsum lorem ipsum…"
    assert len(text) <= 40


def test_an_excerpt_cuts_a_long_word_rather_than_dropping_it():
    text = excerpt("a " + "x" * 100, length=20)
    assert text == "a " + "x" * 17 + "…"
    assert len(text) == 20
