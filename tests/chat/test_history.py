"""Reading the history: where the collab page opens (the first unread message, after a "New
messages" divider), keyset pages back through a long history, and the collab setting that keeps
earlier history from members added later."""

import re

import pytest
from django.urls import reverse

from apps.chat import services
from apps.chat.models import Message, ReadState
from apps.collabs import services as collab_services
from apps.collabs.models import Collab
from tests.chat.helpers import bulk_messages, ids_on
from tests.conftest import make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def roomy_limits(settings):
    settings.CHAT_BURST_MESSAGES = 10_000
    settings.CHAT_SUSTAINED_MESSAGES = 10_000
    settings.CHAT_PAGE_SIZE = 50


def collab_page(collab: Collab, query: str = "") -> str:
    return reverse("collabs:detail", args=[collab.pk]) + query


def history_url(collab: Collab, query: str = "") -> str:
    return reverse("chat:history", kwargs={"collab_id": collab.pk}) + query


def get(client, user, path: str, **extra) -> str:
    client.force_login(user)
    response = client.get(path, **extra)
    assert response.status_code == 200, path
    return response.content.decode()


# --- Where the page opens -----------------------------------------------------------------


@pytest.fixture
def thirty_unread(collab, owner, moderator, member) -> list[Message]:
    """The member read up to the owner's last message; then the moderator posted 30."""
    read = [services.send_message(collab, owner, f"Old news {i}") for i in range(40)]
    services.mark_read(collab, member, read[-1].pk)
    return [services.send_message(collab, moderator, f"Fresh news {i}") for i in range(30)]


def test_the_page_opens_at_the_first_unread_message_after_a_divider(
    client, collab, member, thirty_unread
):
    html = get(client, member, collab_page(collab))

    first = thirty_unread[0]
    assert html.count('id="unread-divider"') == 1
    divider = html.index('id="unread-divider"')
    assert "New messages" in html[divider : divider + 200]
    # Right before the first unread message: the next message after it is that one.
    assert re.search(r'id="m(\d+)"', html[divider:])[1] == str(first.pk)
    # ... and the one before it is the last message read.
    last_read = ReadState.objects.get(collab=collab, user=member).last_read_id
    assert ids_on(html[:divider])[-1] == last_read
    shown = ids_on(html)
    # All 30 unread are on the page, with some of what was read before them for context.
    assert shown[-30:] == [m.pk for m in thirty_unread]
    assert len(shown) > 30


def test_the_divider_is_not_before_my_own_messages(client, collab, member, thirty_unread):
    services.send_message(collab, member, "My reply")
    # Sending marks everything up to my message read.
    html = get(client, member, collab_page(collab))

    assert 'id="unread-divider"' not in html


def test_when_everything_is_read_there_is_no_divider_and_the_newest_page_shows(
    client, collab, member, thirty_unread
):
    services.mark_read(collab, member, thirty_unread[-1].pk)
    newest = list(Message.objects.filter(collab=collab).order_by("-pk")[:50])

    html = get(client, member, collab_page(collab))

    assert 'id="unread-divider"' not in html
    assert ids_on(html) == sorted(m.pk for m in newest)
    assert 'data-at-latest="1"' in html
    assert "Load earlier messages" in html


def test_someone_who_never_read_the_chat_opens_at_the_first_message_they_have_not_read(
    client, collab, owner, moderator
):
    newcomer = make_user("nina@example.com", "Nina Newcomer")
    collab_services.add_member(collab, owner, newcomer)
    ReadState.objects.filter(user=newcomer).delete()
    first = services.send_message(collab, moderator, "Welcome, Nina")

    html = get(client, newcomer, collab_page(collab))

    assert 'id="unread-divider"' in html
    assert first.pk in ids_on(html)


def test_a_link_to_a_message_opens_around_it(client, collab, owner, member):
    old = bulk_messages(collab, owner, 200)
    target = old[20]

    html = get(client, member, collab_page(collab, f"?message={target.pk}"))

    shown = ids_on(html)
    assert target.pk in shown
    assert old[-1].pk not in shown
    assert f'data-target="{target.pk}"' in html
    assert "Newer messages" in html


# --- Scrolling back ------------------------------------------------------------------------


def test_scrolling_back_visits_every_message_exactly_once(client, collab, owner, member):
    bulk_messages(collab, owner, 230)
    everything = list(
        Message.objects.filter(collab=collab).order_by("pk").values_list("pk", flat=True)
    )
    client.force_login(member)

    seen: list[int] = []
    html = client.get(history_url(collab), headers=HTMX).content.decode()
    pages = 1
    while True:
        page = ids_on(html)
        assert page == sorted(page)
        assert len(page) <= 50
        seen = page + seen
        more = re.search(r'href="[^"]*\?before=(\d+)" data-more="before"', html)
        if more is None:
            break
        assert int(more[1]) == page[0]
        html = client.get(history_url(collab, f"?before={more[1]}"), headers=HTMX).content.decode()
        pages += 1
        assert pages < 20

    assert len(seen) == len(set(seen))
    assert seen == everything
    assert pages == -(-len(everything) // 50)


def test_scrolling_forward_from_the_start_visits_every_message_exactly_once(
    client, collab, owner, member
):
    bulk_messages(collab, owner, 230)
    everything = list(
        Message.objects.filter(collab=collab).order_by("pk").values_list("pk", flat=True)
    )
    client.force_login(member)

    seen: list[int] = []
    after = 0
    while True:
        html = client.get(history_url(collab, f"?after={after}"), headers=HTMX).content.decode()
        page = ids_on(html)
        seen += page
        if "Newer messages" not in html:
            break
        after = page[-1]

    assert seen == everything


# --- New members do not see earlier history -----------------------------------------------------


@pytest.fixture
def private_past(collab, owner, member) -> dict:
    """The collab hides its earlier history from newcomers; Nina joins after 60 messages."""
    collab_services.change_settings(collab, owner, new_members_see_history=False)
    collab = Collab.objects.get(pk=collab.pk)
    old = [
        services.send_message(collab, member, f"Before Nina: secret plan {i}") for i in range(60)
    ]
    nina = make_user("nina@example.com", "Nina Newcomer")
    collab_services.add_member(collab, owner, nina)
    collab = Collab.objects.get(pk=collab.pk)
    new = services.send_message(collab, member, "After Nina: hello plan")
    return {"collab": collab, "old": old, "new": new, "nina": nina}


def test_a_newcomer_does_not_see_earlier_messages_on_the_page(client, private_past):
    html = get(client, private_past["nina"], collab_page(private_past["collab"]))

    assert "secret plan" not in html
    assert "After Nina: hello plan" in html
    assert min(ids_on(html)) > private_past["old"][-1].pk
    assert "Load earlier messages" not in html


def test_a_newcomer_does_not_get_earlier_messages_from_history_pages(client, private_past):
    collab, nina, old = private_past["collab"], private_past["nina"], private_past["old"]

    for query in (
        f"?before={private_past['new'].pk}",
        f"?before={old[-1].pk}",
        f"?before={old[10].pk}",
        "?after=0",
        f"?after={old[0].pk}",
    ):
        html = get(client, nina, history_url(collab, query), headers=HTMX)
        assert "secret plan" not in html, query
        assert not set(ids_on(html)) & {m.pk for m in old}, query


def test_a_newcomer_does_not_get_earlier_messages_around_an_old_one(client, private_past):
    collab, nina, old = private_past["collab"], private_past["nina"], private_past["old"]

    for path in (
        history_url(collab, f"?around={old[30].pk}"),
        collab_page(collab, f"?message={old[30].pk}"),
        collab_page(collab, f"?message={old[-1].pk}"),
    ):
        html = get(client, nina, path)
        assert "secret plan" not in html, path
        assert not set(ids_on(html)) & {m.pk for m in old}, path


def test_a_newcomer_does_not_find_earlier_messages_in_search(client, private_past):
    collab = private_past["collab"]

    html = get(
        client,
        private_past["nina"],
        reverse("chat:search", kwargs={"collab_id": collab.pk}) + "?q=plan",
    )

    assert "secret" not in html
    assert "After Nina: hello <mark>plan</mark>" in html


def test_a_newcomer_does_not_see_an_earlier_message_quoted_in_a_reply(client, private_past, member):
    collab, old = private_past["collab"], private_past["old"]
    services.send_message(collab, member, "As I said before", reply_to_id=old[5].pk)

    html = get(client, private_past["nina"], collab_page(collab))

    assert "As I said before" in html
    assert "secret plan" not in html


def test_a_newcomer_cannot_act_on_an_earlier_message(client, private_past):
    collab, nina, old = private_past["collab"], private_past["nina"], private_past["old"]
    client.force_login(nina)

    edit = client.get(
        reverse("chat:revisions", kwargs={"collab_id": collab.pk, "message_id": old[0].pk})
    )
    client.post(
        reverse("chat:react", kwargs={"collab_id": collab.pk, "message_id": old[0].pk}),
        {"emoji": "👍"},
    )

    assert edit.status_code == 404
    assert not old[0].reactions.exists()


def test_members_who_were_there_still_see_everything(client, private_past, member, owner):
    for reader in (member, owner):
        html = get(
            client,
            reader,
            history_url(private_past["collab"], f"?around={private_past['old'][30].pk}"),
        )
        assert private_past["old"][30].pk in ids_on(html)


def test_with_history_shared_a_newcomer_sees_earlier_messages(client, collab, owner, member):
    old = services.send_message(collab, member, "Shared from the start")
    nina = make_user("nina@example.com", "Nina Newcomer")
    collab_services.add_member(collab, owner, nina)

    html = get(client, nina, history_url(collab, f"?around={old.pk}"))

    assert "Shared from the start" in html
