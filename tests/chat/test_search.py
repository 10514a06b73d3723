"""Search in a collab's chat (apps/chat/search.py through /collabs/<id>/chat/search/?q=).

Both databases search with Russian and English stemming (a form of a word finds the others):
PostgreSQL with its full-text search, SQLite with its FTS5 table of Snowball stems. CI runs
the suite on both, so every check here runs on both; the few that look at SQLite's table
itself are marked."""

import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.urls import reverse

from apps.chat import services
from apps.chat.access import visible_messages
from apps.chat.markup import plain_text
from apps.chat.models import Message
from apps.chat.search import START, STOP, highlight, marked, search, stems
from apps.collabs import services as collab_services
from apps.collabs.models import Collab
from tests.chat.test_markup import XSS_PAYLOADS
from tests.conftest import make_user

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 table")


@pytest.fixture(autouse=True)
def roomy_limits(settings):
    settings.CHAT_BURST_MESSAGES = 10_000
    settings.CHAT_SUSTAINED_MESSAGES = 10_000


def found(client, user, collab: Collab, query: str) -> list[int]:
    """The ids of the messages the search page shows, in its order."""
    client.force_login(user)
    response = client.get(reverse("chat:search", kwargs={"collab_id": collab.pk}), {"q": query})
    assert response.status_code == 200
    return [int(i) for i in re.findall(r"data-message-id=\"(\d+)\"", response.content.decode())]


@pytest.fixture
def chat(collab, owner, member, guest) -> dict[str, Message]:
    return {
        "contract": services.send_message(collab, owner, "Договор подписан"),
        "invoice": services.send_message(collab, member, "The invoice is paid"),
        "logo": services.send_message(collab, guest, "New logo drafts attached"),
        "both": services.send_message(collab, member, "Logo and invoice, both done"),
    }


def test_a_word_finds_the_messages_containing_it(client, collab, member, chat):
    assert set(found(client, member, collab, "invoice")) == {chat["invoice"].pk, chat["both"].pk}


def test_every_word_must_be_there(client, collab, member, chat):
    assert found(client, member, collab, "logo invoice") == [chat["both"].pk]


def test_a_word_that_is_nowhere_finds_nothing(client, collab, member, chat):
    client.force_login(member)
    response = client.get(reverse("chat:search", kwargs={"collab_id": collab.pk}), {"q": "zebra"})

    assert "0 messages found" in response.content.decode()


def test_the_search_ignores_case(client, collab, member, chat):
    assert set(found(client, member, collab, "INVOICE")) == {chat["invoice"].pk, chat["both"].pk}


def test_a_russian_word_is_found_in_any_case(client, collab, member, chat):
    assert found(client, member, collab, "договор") == [chat["contract"].pk]
    assert found(client, member, collab, "ДОГОВОР") == [chat["contract"].pk]
    assert found(client, member, collab, "Подписан") == [chat["contract"].pk]


@pytest.mark.parametrize("query", ["договоры", "подписали", "договора подписана"])
def test_another_form_of_a_russian_word_finds_the_message(client, collab, member, chat, query):
    assert found(client, member, collab, query) == [chat["contract"].pk]


def test_another_form_of_an_english_word_finds_the_message(client, collab, member, chat):
    assert set(found(client, member, collab, "invoices")) == {chat["invoice"].pk, chat["both"].pk}
    assert chat["logo"].pk in found(client, member, collab, "draft")


def test_a_plain_russian_word_is_found_on_every_database(collab, member, chat):
    """The same query through the search function itself, whatever the backend."""
    hits = list(search(visible_messages(member, collab), "подписан"))

    assert [m.pk for m in hits] == [chat["contract"].pk]


def test_a_deleted_message_is_not_found(client, collab, member, chat):
    services.delete_message(collab, member, chat["invoice"].pk)

    assert found(client, member, collab, "invoice") == [chat["both"].pk]


def test_an_edited_message_is_found_by_its_new_text_only(client, collab, member, chat):
    services.edit_message(collab, member, chat["invoice"].pk, "The receipt is paid")

    assert chat["invoice"].pk not in found(client, member, collab, "invoice")
    assert found(client, member, collab, "receipt") == [chat["invoice"].pk]


def test_system_messages_are_not_found(client, collab, member, owner, chat):
    # "Olga Owner added Gleb Guest (guest)" is in the chat as a system message.
    assert Message.objects.filter(collab=collab, kind="system", system_type="member_added")

    assert found(client, member, collab, "added") == []
    assert found(client, member, collab, "Gleb") == []


def test_a_message_of_another_collab_is_not_found(
    client, collab, member, chat, other_collab, other_owner
):
    services.send_message(other_collab, other_owner, "Zeta invoice, top secret")

    assert set(found(client, member, collab, "invoice")) == {chat["invoice"].pk, chat["both"].pk}


def test_a_result_links_to_the_message_in_the_chat(client, collab, member, chat):
    client.force_login(member)
    response = client.get(reverse("chat:search", kwargs={"collab_id": collab.pk}), {"q": "договор"})

    pk = chat["contract"].pk
    link = f'href="{reverse("collabs:detail", args=[collab.pk])}?message={pk}#m{pk}"'
    assert link in response.content.decode()
    page = client.get(reverse("collabs:detail", args=[collab.pk]), {"message": pk})
    assert f'id="m{pk}"' in page.content.decode()


def test_an_empty_query_shows_the_form_and_no_results(client, collab, member, chat):
    client.force_login(member)

    response = client.get(reverse("chat:search", kwargs={"collab_id": collab.pk}), {"q": "   "})

    assert response.status_code == 200
    assert response.context["results"] == []


@pytest.mark.parametrize(
    "query", ['"', "'", "!", "&", "|", "(", ")", ":*", "<->", "договор & | !", "a" * 500, "%_"]
)
def test_a_query_of_odd_characters_is_no_error(client, collab, member, chat, query):
    found(client, member, collab, query)


def test_search_shows_at_most_fifty_results(client, collab, member):
    for i in range(55):
        services.send_message(collab, member, f"Status update {i}")

    assert len(found(client, member, collab, "status")) == 50


# --- Stemming, both languages, both databases ------------------------------------------------


@pytest.fixture
def mockups(collab, owner, member) -> dict[str, Message]:
    return {
        "one": services.send_message(collab, owner, "Макет главной страницы готов"),
        "many": services.send_message(collab, member, "Макеты отправлены заказчику"),
        "design": services.send_message(collab, member, "The design is approved"),
        "running": services.send_message(collab, owner, "Tests are running overnight"),
        "other": services.send_message(collab, owner, "Обед в час"),
    }


@pytest.mark.parametrize("query", ["макета", "макет", "макеты", "МАКЕТАМИ"])
def test_a_russian_word_finds_its_other_forms(client, collab, member, mockups, query):
    assert set(found(client, member, collab, query)) == {mockups["one"].pk, mockups["many"].pk}


@pytest.mark.parametrize(
    ("query", "key"),
    [("designs", "design"), ("Design", "design"), ("run", "running"), ("runs", "running")],
)
def test_an_english_word_finds_its_other_forms(client, collab, member, mockups, query, key):
    assert found(client, member, collab, query) == [mockups[key].pk]


def test_words_of_both_languages_in_one_query_must_all_be_there(client, collab, member):
    both = services.send_message(collab, member, "Макеты: the designs are ready")
    services.send_message(collab, member, "Макеты ещё в работе")

    assert found(client, member, collab, "макет design") == [both.pk]


def test_a_word_is_not_found_inside_another_word(client, collab, member, mockups):
    # Stems are whole words: "мак" is not "макет".
    assert found(client, member, collab, "мак") == []


def test_the_stemmers_keep_script_apart():
    assert stems("Макеты designs RUNNING ёлки word3 東京") == [
        "макет",
        "design",
        "run",
        "елк",
        "word3",
        "東京",
    ]


# --- Access ----------------------------------------------------------------------------------


def test_a_newcomer_does_not_find_what_was_said_before_they_came(client, collab, owner, member):
    collab_services.change_settings(collab, owner, new_members_see_history=False)
    collab = Collab.objects.get(pk=collab.pk)
    services.send_message(collab, member, "Макет: секретная версия")
    nina = make_user("nina@example.com", "Nina Newcomer")
    collab_services.add_member(collab, owner, nina)
    collab = Collab.objects.get(pk=collab.pk)
    after = services.send_message(collab, member, "Макеты для всех")

    assert found(client, nina, collab, "макета") == [after.pk]
    assert [m.pk for m in search(visible_messages(nina, collab), "макета")] == [after.pk]


def test_a_non_member_finds_nothing(client, collab, outsider, mockups):
    client.force_login(outsider)
    url = reverse("chat:search", kwargs={"collab_id": collab.pk})

    assert client.get(url, {"q": "макета"}).status_code == 404
    assert list(search(visible_messages(outsider, collab), "макета")) == []


def test_a_deleted_message_is_not_found_by_any_form(client, collab, owner, member, mockups):
    services.delete_message(collab, owner, mockups["one"].pk)

    assert found(client, member, collab, "макета") == [mockups["many"].pk]


def test_an_edited_message_is_found_by_its_new_words_not_its_old_ones(
    client, collab, member, mockups
):
    services.edit_message(collab, member, mockups["many"].pk, "Сметы отправлены заказчику")

    assert found(client, member, collab, "макета") == [mockups["one"].pk]
    assert found(client, member, collab, "смета") == [mockups["many"].pk]


@on_sqlite
def test_the_index_holds_live_messages_only(collab, owner, member, mockups):
    def indexed() -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM chat_message_fts")
            return {row[0] for row in cursor.fetchall()}

    user_messages = set(Message.objects.filter(kind="user").values_list("pk", flat=True))
    assert indexed() == user_messages  # system messages are not there
    services.delete_message(collab, owner, mockups["one"].pk)
    assert indexed() == user_messages - {mockups["one"].pk}
    # A message gone from its table (its collab deleted) goes from the index too (a trigger).
    Message.objects.filter(pk=mockups["many"].pk).delete()
    assert indexed() == user_messages - {mockups["one"].pk, mockups["many"].pk}


@on_sqlite
def test_the_migration_fills_the_index_with_the_messages_already_there(
    client, collab, owner, member, mockups
):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("apps.chat.migrations.0005_message_search_fts")

    class Editor:  # what the migration's functions use of a schema editor
        connection = connection

        def execute(self, sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    services.delete_message(collab, owner, mockups["one"].pk)
    migration.drop(apps, Editor())
    migration.create(apps, Editor())

    assert found(client, member, collab, "макета") == [mockups["many"].pk]
    assert found(client, member, collab, "designs") == [mockups["design"].pk]


# --- Highlighting ----------------------------------------------------------------------------


def snippets(client, user, collab: Collab, query: str) -> list[str]:
    """The HTML of each result's snippet, in the page's order."""
    client.force_login(user)
    response = client.get(reverse("chat:search", kwargs={"collab_id": collab.pk}), {"q": query})
    assert response.status_code == 200
    return re.findall(
        r'<p class="search-card-snippet">(.*?)</p>', response.content.decode(), re.DOTALL
    )


def test_the_found_words_are_marked_in_every_form(client, collab, member, mockups):
    assert sorted(snippets(client, member, collab, "макета")) == [
        "<mark>Макет</mark> главной страницы готов",
        "<mark>Макеты</mark> отправлены заказчику",
    ]
    assert snippets(client, member, collab, "designs") == ["The <mark>design</mark> is approved"]


def test_the_snippet_escapes_the_text_around_the_marks(client, collab, member):
    services.send_message(collab, member, "Макет <b>готов</b> & <i>одобрен</i>")

    [snippet] = snippets(client, member, collab, "макеты")

    assert snippet.startswith("<mark>Макет</mark>")
    assert "<b>" not in snippet
    assert "<i>" not in snippet
    assert set(tags(snippet)) <= {"mark"}


def test_a_long_message_is_cut_around_the_first_match(client, collab, member):
    filler = " ".join(f"слово{i}" for i in range(200))
    services.send_message(collab, member, f"{filler} вот макет {filler}")

    [snippet] = snippets(client, member, collab, "макета")

    assert "<mark>макет</mark>" in snippet
    assert len(re.sub(r"<[^>]+>", "", snippet)) < 600


def test_a_result_is_a_card_with_author_time_and_a_jump_into_the_chat(
    client, collab, member, mockups
):
    client.force_login(member)
    response = client.get(reverse("chat:search", kwargs={"collab_id": collab.pk}), {"q": "design"})
    html = response.content.decode()

    pk = mockups["design"].pk
    [card] = re.findall(r'<li class="search-card">.*?</li>', html, re.DOTALL)
    assert "Marina Member" in card
    assert re.search(r'<time class="search-card-time" datetime="[^"]+"', card)
    assert f'href="/collabs/{collab.pk}/?message={pk}#m{pk}"' in card
    assert "Show in the chat" in card
    # Not the chat's message partial: none of its classes, menus or forms.
    assert 'class="msg' not in card
    assert "<form" not in card


# --- Nothing but <mark> gets through ---------------------------------------------------------


class Tags(HTMLParser):
    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list]] = []
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    def handle_endtag(self, tag):
        self.found.append((f"/{tag}", []))

    handle_startendtag = handle_starttag


def tags(fragment: str) -> list[str]:
    """The tags of a fragment; each mark without an attribute."""
    found = Tags(fragment).found
    assert all(attrs == [] for _tag, attrs in found), fragment
    return [tag.lstrip("/") for tag, _attrs in found]


def assert_only_marks(fragment: str) -> None:
    assert set(tags(fragment)) <= {"mark"}, fragment
    assert fragment.count("<mark>") == fragment.count("</mark>"), fragment
    assert not re.search(r"<(?!/?mark>)", fragment), fragment


HOSTILE_QUERIES = ["alert", "script img onerror", "javascript x svg", "a b iframe evil"]
FORGED = [
    f"{START}<script>alert(1)</script>{STOP}",
    f"{STOP}{START}{START}<img src=x onerror=alert(1)>",
    f'x{START}" onmouseover="alert(1){STOP}',
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS + FORGED)
def test_a_highlighted_snippet_lets_no_markup_through(payload):
    for query in HOSTILE_QUERIES:
        assert_only_marks(highlight(plain_text(payload), query))
        assert_only_marks(highlight(payload, query))
    # ts_headline's text: the payload with every word between the marks, and as it is.
    assert_only_marks(marked(re.sub(r"(\w+)", rf"{START}\1{STOP}", payload)))
    assert_only_marks(marked(payload))


# What can be sent: no database stores a NUL, so the service refuses it.
STORABLE = [payload.replace("\x00", "") for payload in XSS_PAYLOADS + FORGED]


@pytest.mark.parametrize("payload", STORABLE)
def test_a_hostile_message_found_by_search_shows_only_marks(client, collab, member, payload):
    # "needle" first: PostgreSQL's parser skips what follows an unclosed <script> tag.
    services.send_message(collab, member, f"needle {payload}")

    for query in ("needle", "needle alert" if "alert" in payload else "needle x"):
        for snippet in snippets(client, member, collab, query):
            assert_only_marks(snippet)
    assert snippets(client, member, collab, "needle")


def test_the_newest_match_comes_first(client, collab, member, chat):
    later = services.send_message(collab, member, "One more invoice, the last")

    assert found(client, member, collab, "invoice") == [
        later.pk,
        chat["both"].pk,
        chat["invoice"].pk,
    ]
