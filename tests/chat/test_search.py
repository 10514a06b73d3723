"""Search in a collab's chat (apps/chat/search.py through /collabs/<id>/chat/search/?q=).

PostgreSQL searches with Russian and English stemming (a form of a word finds the others);
SQLite looks for every word, case-insensitively even in Cyrillic. Both run in CI, so the
stemming checks run only on PostgreSQL, and the plain-word checks everywhere."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from apps.chat import services
from apps.chat.access import visible_messages
from apps.chat.models import Message
from apps.chat.search import search
from apps.collabs.models import Collab

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="stemming is PostgreSQL's full-text search"
)


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


@on_postgresql
@pytest.mark.parametrize("query", ["договоры", "подписали", "договора подписана"])
def test_on_postgresql_another_form_of_a_russian_word_finds_the_message(
    client, collab, member, chat, query
):
    assert found(client, member, collab, query) == [chat["contract"].pk]


@on_postgresql
def test_on_postgresql_another_form_of_an_english_word_finds_the_message(
    client, collab, member, chat
):
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
