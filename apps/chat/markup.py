"""Chat message rendering: Markdown in; sanitized HTML, mentions and links out.

Why this shape:
- markdown-it parses with raw HTML disabled, so tags a user types are text from the start.
- Mentions are found on the token stream, never in HTML strings: only tokens know what is code,
  what is link text and what is plain text, and a mention must not fire inside code or a URL.
- nh3 sanitizes the result anyway, as a second wall: a bug here or a Markdown edge case must not
  become XSS. The output is therefore safe to `mark_safe`.

Pure functions, no database: the caller passes the collab's members as (user_id, full_name).

Two mention forms:
- `@Full Name` (typed by hand): matched against the members' names as they are now;
- `@**Full Name|12**` (what the composer's autocomplete inserts, as Zulip does): the id decides,
  so the mention survives a rename and shows the member's current name. The name in it is only
  what the writer saw; for someone who is not a member it is shown as plain "@Full Name" text,
  and it is not a mention.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore, text_join
from markdown_it.token import Token

__all__ = [
    "MAX_LINK_LENGTH",
    "MENTION_BY_ID",
    "Rendered",
    "excerpt",
    "extract_links",
    "mention_syntax",
    "plain_text",
    "readable_url",
    "render_message",
]

# Links longer than this are left out of `Rendered.links` (they stay links in the message):
# about what browsers and search engines handle, and past it a "link" is a data blob, not
# something to list. It also keeps the stored URL within what a database index takes.
MAX_LINK_LENGTH = 2000


@dataclass(frozen=True)
class Rendered:
    html: str  # sanitized HTML, safe to mark_safe
    mentioned_ids: frozenset[int]
    # every http(s) URL in the message (of at most MAX_LINK_LENGTH), in order, deduplicated
    links: tuple[str, ...]


def render_message(body: str, members: Iterable[tuple[int, str]] = ()) -> Rendered:
    """Render a message body; `members` are the (user_id, full_name) who can be mentioned."""
    env: dict = {"members": _members_index(tuple((int(i), str(n)) for i, n in members))}
    tokens = _md.parse(body, env)
    raw = _md.renderer.render(tokens, _md.options, env)
    return Rendered(
        html=_CLEANER.clean(raw),
        mentioned_ids=frozenset(env.get("mentioned_ids", ())),
        links=_collect_links(tokens),
    )


def extract_links(body: str) -> tuple[str, ...]:
    """What `render_message(body, members).links` is, without rendering or sanitizing: for
    re-reading stored messages (migration 0003's backfill). Mentions never change the links
    (they are looked for outside links only), so no members are needed."""
    return _collect_links(_md.parse(body, {}))


def readable_url(url: str) -> str:
    """A URL as `render_message` stores it (percent-encoded, host in punycode) as a person
    reads it: what markdown-it shows as the text of a link it found in the message."""
    return _md.normalizeLinkText(url)


def plain_text(body: str) -> str:
    """The message as plain text, for email digests, notifications and search previews."""
    return html.unescape(nh3.clean(render_message(body).html, tags=set())).strip()


def excerpt(body: str, length: int = 140) -> str:
    """One line of at most `length` characters, cut at a word boundary when one is near."""
    text = " ".join(plain_text(body).split())
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    head, _, _ = cut.rpartition(" ")
    if len(head) >= length // 2:  # don't cut a long word (a URL) down to almost nothing
        cut = head
    return cut.rstrip() + "…"


# --- Mentions -----------------------------------------------------------------------------

_WORD_CHAR = re.compile(r"[^\W_]")  # a letter or digit, in any script
# The inside of `@**Name|12**`: the name as written, then the member's id.
MENTION_BY_ID = re.compile(r"(?P<name>[^|*\n]{0,150})\|(?P<id>[0-9]{1,12})")


_MARKDOWN_PUNCTUATION = re.compile(r"[\\`_\[\]<>~&!#]")


def mention_syntax(user_id: int, name: str) -> str:
    """The mention the composer inserts for a member: `@**Name|id**`."""
    clean = " ".join(name.replace("|", " ").replace("*", " ").split())
    # Markdown punctuation in a name (an underscore, a bracket) is escaped, so the name stays
    # one piece of text inside the ** (the escapes are gone once parsed).
    clean = _MARKDOWN_PUNCTUATION.sub(r"\\\g<0>", clean)
    return f"@**{clean}|{int(user_id):d}**"


@dataclass(frozen=True)
class _Members:
    pattern: re.Pattern[str] | None  # None when no member has a name
    by_key: dict[str, tuple[int, str]]  # _key(name) -> (user_id, canonical name)
    by_id: dict[int, str]  # user_id -> canonical (current) name

    def lookup(self, match: re.Match[str]) -> tuple[int, str] | None:
        # None only for exotic case folds where the regex and str.lower() disagree.
        return self.by_key.get(_key(match[1]))


def _key(name: str) -> str:
    return " ".join(name.split()).lower()


@lru_cache(maxsize=128)
def _members_index(members: tuple[tuple[int, str], ...]) -> _Members | None:
    """One regex for all names, shaped as a trie of their letters.

    A plain alternation of 500 names costs 500 tries at every "@": a message of 100k "@" took
    15 s. The trie costs at most one name's length. Cached because a collab's member list is
    the same for every message rendered in a burst. When two members share a name, the first
    one listed gets the mention.
    """
    names: dict[str, tuple[int, str]] = {}
    by_id: dict[int, str] = {}
    for user_id, name in members:
        by_id.setdefault(user_id, " ".join(name.split()))
        if key := _key(name):
            names.setdefault(key, (user_id, " ".join(name.split())))
    if not by_id:
        return None
    # Not after a letter or digit (so not in "a@Anna"), not followed by one ("@Annabel").
    pattern = rf"(?<![^\W_])@({_trie_regex(names)})(?![^\W_])" if names else None
    return _Members(re.compile(pattern, re.IGNORECASE) if pattern else None, names, by_id)


def _trie_regex(names: Iterable[str]) -> str:
    trie: dict = {}
    for name in names:
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}  # a name ends here
    return _node_regex(trie)


def _node_regex(node: dict) -> str:
    """Longer names are tried first and the end of a shorter one last, so "@Anna Bell" beats
    "@Anna", yet "@Anna Bellamy" falls back to "@Anna"; any run of spaces matches a space."""
    branches = [
        (r"\s+" if char == " " else re.escape(char)) + _node_regex(child)
        for char, child in node.items()
        if char
    ]
    if "" in node:
        branches.append("")
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


def _mention_token(user_id: int, name: str) -> Token:
    token = Token("html_inline", "", 0)
    # The only HTML built here: an int and an escaped name, never trusted text.
    token.content = f'<span class="mention" data-user-id="{user_id:d}">@{html.escape(name)}</span>'
    return token


def _text_token(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _split_mentions(text: str, members: _Members, found: set[int]) -> list[Token]:
    """Split one text token into text and mention tokens."""
    tokens: list[Token] = []
    start = 0
    if members.pattern is None:
        return [_text_token(text)]
    for match in members.pattern.finditer(text):
        if (member := members.lookup(match)) is None:
            continue
        user_id, name = member
        if match.start() > start:
            tokens.append(_text_token(text[start : match.start()]))
        tokens.append(_mention_token(user_id, name))
        found.add(user_id)
        start = match.end()
    if start < len(text):
        tokens.append(_text_token(text[start:]))
    return tokens


def _strong_inside(children: list[Token], i: int) -> str | None:
    """Zulip's `@**Full Name**` reaches us as a text ending in "@", then a strong triple: the
    text inside the triple, or None when there is no such triple at children[i]."""
    text = children[i].content
    triple = children[i + 1 : i + 4]
    if (
        text.endswith("@")
        and not _WORD_CHAR.fullmatch(text[-2:-1])
        and [token.type for token in triple] == ["strong_open", "text", "strong_close"]
        and triple[0].markup == "**"
    ):
        return triple[1].content
    return None


def _strong_mention(inside: str, members: _Members | None) -> tuple[int, str] | str | None:
    """What `@**inside**` is: a member (id, current name); a string (an id-carrying mention of
    someone who is not a member: its text, shown plain); None (bold text, not a mention)."""
    if by_id := MENTION_BY_ID.fullmatch(inside):
        user_id = int(by_id["id"])
        if members is not None and user_id in members.by_id:
            return user_id, members.by_id[user_id]
        return "@" + " ".join(by_id["name"].split())
    pattern = members.pattern if members is not None else None
    if pattern is not None and (match := pattern.fullmatch("@" + inside)):
        return members.lookup(match)
    return None


def _mark_mentions(children: list[Token], members: _Members | None, found: set[int]) -> list[Token]:
    """Replace mentions in plain text tokens; code spans are not text, link text is skipped."""
    out: list[Token] = []
    in_link = False
    i = 0
    while i < len(children):
        token = children[i]
        if token.type in ("link_open", "link_close"):
            in_link = token.type == "link_open"
        elif token.type == "text" and not in_link:
            inside = _strong_inside(children, i)
            strong = _strong_mention(inside, members) if inside is not None else None
            if strong is not None:
                out += _split_plain(token.content[:-1], members, found)
                if isinstance(strong, str):
                    out.append(_text_token(strong))
                else:
                    out.append(_mention_token(*strong))
                    found.add(strong[0])
                i += 4
            else:
                out += _split_plain(token.content, members, found)
                i += 1
            continue
        out.append(token)
        i += 1
    return out


def _split_plain(text: str, members: _Members | None, found: set[int]) -> list[Token]:
    if members is None:
        return [_text_token(text)] if text else []
    return _split_mentions(text, members, found)


# --- Images and bare host names -------------------------------------------------------------


_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://")


def _is_bare_host(children: list[Token], i: int) -> bool:
    """linkify also links "main.py" or "README.md" (.py and .md are country domains); in a team
    chat those are file names. Only links typed with a scheme or "www." stay links."""
    token = children[i]
    if token.markup != "linkify" or i + 1 >= len(children):
        return False
    text = children[i + 1].content.lower()
    href = token.attrGet("href") or ""
    # Typed with a scheme means the text starts with one: "example.com/ftp://" is a bare host.
    return href.startswith("http") and not _SCHEME.match(text) and not text.startswith("www.")


def _simplify(children: list[Token], in_link: bool = False) -> list[Token]:
    """Images become links to the image (an inline image from any host is a tracking pixel,
    and files belong in the files app); an image inside a link becomes its alt text."""
    out: list[Token] = []
    drop_close = False
    for i, token in enumerate(children):
        if token.type == "image":
            alt = _simplify(token.children or [], in_link=True)
            src = str(token.attrGet("src") or "")
            if in_link or not src:
                out += alt
                continue
            link_open = Token("link_open", "a", 1)
            link_open.attrSet("href", src)
            if title := token.attrGet("title"):
                link_open.attrSet("title", str(title))
            out += [link_open, *alt, Token("link_close", "a", -1)]
        elif token.type == "link_open" and _is_bare_host(children, i):
            drop_close = True
        elif token.type == "link_close" and drop_close:
            drop_close = False
        else:
            if token.type in ("link_open", "link_close"):
                in_link = token.type == "link_open"
            out.append(token)
    return out


def _chat_rule(state: StateCore) -> None:
    """markdown-it core rule, run after inline parsing and text joining."""
    inlines = [token for token in state.tokens if token.type == "inline" and token.children]
    for token in inlines:
        token.children = _simplify(token.children or [])
    text_join(state)  # merge the text that unwrapped links left next to other text
    members: _Members | None = state.env.get("members")
    if members is None and "|" not in state.src:
        return  # no member to mention, and no id-carrying mention to show as text
    found: set[int] = state.env.setdefault("mentioned_ids", set())
    for token in inlines:
        token.children = _mark_mentions(token.children or [], members, found)


# --- Links ----------------------------------------------------------------------------------

_HTTP = re.compile(r"https?:", re.IGNORECASE)


def _collect_links(tokens: list[Token]) -> tuple[str, ...]:
    """http(s) hrefs in order of appearance, for the collab's Links tab. The hrefs are as
    markdown-it normalized them: percent-encoded ASCII, so a length in characters is one in
    bytes too."""
    links: dict[str, None] = {}
    for block in tokens:
        for token in block.children or []:
            href = str(token.attrGet("href") or "") if token.type == "link_open" else ""
            if _HTTP.match(href) and len(href.encode()) <= MAX_LINK_LENGTH:
                links.setdefault(href, None)
    return tuple(links)


# --- Markdown and sanitizer -----------------------------------------------------------------

_md = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True}).enable(
    ["linkify", "strikethrough", "table"]
)
_md.core.ruler.push("chat", _chat_rule)

_LANGUAGE_CLASS = re.compile(r"language-[\w+#.-]{1,40}")
_USER_ID = re.compile(r"[0-9]{1,20}")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Only our own classes and ids survive, whatever reached the sanitizer."""
    if tag == "span" and attribute == "class":
        return "mention" if "mention" in value.split() else None
    if tag == "span" and attribute == "data-user-id":
        return value if _USER_ID.fullmatch(value) else None
    if tag == "code" and attribute == "class":
        return value if _LANGUAGE_CLASS.fullmatch(value) else None
    return value


# What chat Markdown can produce; anything else is dropped, its text kept.
_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "span", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip

_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes={"a": {"href", "title"}, "span": {"class", "data-user-id"}, "code": {"class"}},
    attribute_filter=_filter_attribute,
    strip_comments=True,
    link_rel="noopener nofollow",
    set_tag_attribute_values={"a": {"target": "_blank"}},
    url_schemes={"http", "https", "mailto"},
)


def title_from(body: str) -> str:
    """A title proposed from a message's text (for a task or a meeting made from it): its
    first line, cut at a word."""
    first = next((line for line in body.splitlines() if line.strip()), "")
    return excerpt(first, 100)
