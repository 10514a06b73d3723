"""The event publisher as a registry (apps.collabs.live): a kind registered by any app reaches
the collab's open pages through the same socket, only the readers holding the right it needs,
never a newcomer for something older than their view of the history; the page and the socket
build their reader with one factory, so they agree on the language."""

import asyncio
import re
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.test import Client
from django.utils import timezone

from apps.chat import services as chat
from apps.collabs import live
from apps.collabs import services as collabs
from apps.collabs.models import Collab
from apps.collabs.readers import reader_for
from tests.chat.ws import (  # noqa: F401  (fixtures)
    channel_layer_of_its_own,
    session_cookie,
    sockets_fixture,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)

publish = database_sync_to_async(live.publish)

# A message's time as Russian writes it in the partial's title (day, month's name in Cyrillic,
# year, "g." in Cyrillic, time): the partial holds no other words of the reader's language since
# its actions moved to the page's shared menu.
RUSSIAN_TIME = re.compile(r'title="\d{1,2} [\u0430-\u044f]+ \d{4} \u0433\. \d{1,2}:\d{2}"')


@pytest.fixture
def board_events():
    """A second feature's event kinds, as a feature app would register them: one every member
    sees, one for those who may remove members (moderators and the owner)."""

    def render(event, reader, collab):
        return {"type": event["kind"], "title": event["data"]["title"], "to": reader.user_id}

    live.register_event("test.card", render)
    live.register_event("test.secret_card", render, right="collabs.remove_member")
    yield
    live.unregister_event("test.card")
    live.unregister_event("test.secret_card")


async def test_a_registered_kind_reaches_every_member_through_the_chat_socket(
    sockets, board_events, collab, owner, member, guest
):
    opened = {user.pk: await sockets.open(user, collab) for user in (owner, member, guest)}

    await publish(collab.pk, "test.card", {"title": "Brief"})

    for user_id, socket in opened.items():
        assert await socket.frame() == {"type": "test.card", "title": "Brief", "to": user_id}


async def test_an_event_reaches_only_the_readers_with_its_right(
    sockets, board_events, collab, owner, moderator, member, guest
):
    allowed = [await sockets.open(user, collab) for user in (owner, moderator)]
    kept_out = [await sockets.open(user, collab) for user in (member, guest)]

    await publish(collab.pk, "test.secret_card", {"title": "Salaries"})
    # A narrower right named when publishing holds too, on a kind every member sees.
    await publish(collab.pk, "test.card", {"title": "Owner only"}, right="collabs.change_role")
    await publish(collab.pk, "test.card", {"title": "For all"})

    for socket in allowed:
        assert (await socket.frame())["title"] == "Salaries"
    owner_socket = allowed[0]
    assert (await owner_socket.frame())["title"] == "Owner only"
    for socket in [*allowed, *kept_out]:
        assert (await socket.frame())["title"] == "For all"  # nothing else came before it


async def test_a_role_change_changes_what_reaches_the_socket(
    sockets, board_events, collab, owner, member
):
    socket = await sockets.open(member, collab)

    def promote() -> list:
        with live.handing_over() as sent:
            collabs.change_role(collab, owner, member, "moderator")
            return list(sent)

    # The role change's events are handed to the loop's publisher; once they are out, the
    # socket handles them in order: the access change, then the chat's note of it. A ping
    # may overtake both (Channels reads the page's frames and the layer's events side by
    # side), so the note is awaited first.
    sent = await database_sync_to_async(promote)()
    await asyncio.gather(*(asyncio.wrap_future(f) for f in sent))
    await socket.frames_until("message")  # the role change's note
    assert await socket.pong() == []  # the access check went through first
    await publish(collab.pk, "test.secret_card", {"title": "Now yours"})

    frames = await socket.frames_until("test.secret_card")
    assert frames[-1]["title"] == "Now yours"


@pytest.fixture
def tally_events():
    """A kind whose events may come late and together (as read receipts do): its merge adds
    the counts up."""

    def render(event, reader, collab):
        return {"type": "test.tally", "n": event["data"]["n"], "tags": event["data"]["tags"]}

    def merge(datas):
        return {"n": sum(d["n"] for d in datas), "tags": [t for d in datas for t in d["tags"]]}

    live.register_event("test.tally", render, merge=merge)
    yield
    live.unregister_event("test.tally")


async def test_events_of_a_mergeable_kind_go_out_together_and_the_others_at_once(
    sockets, board_events, tally_events, collab, owner, member
):
    opened = [await sockets.open(user, collab) for user in (owner, member)]

    def publish_all() -> list:
        with live.handing_over() as sent:
            for i in range(3):
                live.publish(collab.pk, "test.tally", {"n": 1, "tags": [i]})
            live.publish(collab.pk, "test.card", {"title": "Brief"})
            return list(sent)

    sent = await database_sync_to_async(publish_all)()

    for socket in opened:
        # The card goes at once, ahead of the tallies held back for MERGE_EVERY.
        assert (await socket.frame())["title"] == "Brief"
        assert await socket.frame() == {"type": "test.tally", "n": 3, "tags": [0, 1, 2]}
    # Every one of the held sends is done once the merged one is out.
    await asyncio.wait_for(asyncio.gather(*(asyncio.wrap_future(f) for f in sent)), 1)
    for socket in opened:
        assert await socket.pong() == []  # one frame for the three, nothing more


async def test_held_events_merge_only_with_their_own_right(
    sockets, tally_events, collab, owner, member
):
    boss, them = [await sockets.open(user, collab) for user in (owner, member)]

    def publish_both() -> None:
        live.publish(collab.pk, "test.tally", {"n": 1, "tags": ["all"]})
        live.publish(
            collab.pk, "test.tally", {"n": 5, "tags": ["boss"]}, right="collabs.change_role"
        )

    await database_sync_to_async(publish_both)()

    assert (await them.frame())["tags"] == ["all"]
    assert sorted([(await boss.frame())["n"] for _ in range(2)]) == [1, 5]
    assert await them.pong() == []


async def test_nothing_about_the_time_before_a_newcomer_reaches_them(
    sockets, board_events, collab, owner
):
    await database_sync_to_async(collabs.change_settings)(
        collab, owner, new_members_see_history=False
    )
    newcomer = await database_sync_to_async(make_user)("nina@example.com", "Nina Newcomer")
    await database_sync_to_async(collabs.add_member)(collab, owner, newcomer)
    nina = await sockets.open(newcomer, collab)
    boss = await sockets.open(owner, collab)  # the owner sees the whole history
    long_ago = timezone.now() - timedelta(days=30)

    await publish(collab.pk, "test.card", {"title": "Old card"}, created=long_ago)
    await publish(collab.pk, "test.card", {"title": "New card"}, created=timezone.now())

    assert (await boss.frame())["title"] == "Old card"
    assert (await nina.frame())["title"] == "New card"


def test_every_registered_kind_keeps_the_newcomers_history_bound(collab, owner, guest):
    """Whatever the kind (the chat's and any feature's), an event about something older than
    the reader's view of the history is dropped before its renderer runs."""
    collabs.change_settings(collab, owner, new_members_see_history=False)
    collab = Collab.objects.get(pk=collab.pk)
    reader = reader_for(guest, collab, "en")
    assert reader.sees_from is not None
    before = (reader.sees_from - timedelta(seconds=1)).isoformat()

    kinds = live.event_kinds()
    assert {"message", "changed", "typing", "read", "members"} <= {k.name for k in kinds}
    for kind in kinds:
        event = {"kind": kind.name, "ts": before, "right": None, "created": before, "data": {}}
        assert live.frame_for(event, reader, collab) is None, kind.name


def test_publishing_an_unregistered_kind_or_an_unknown_right_fails_loudly(collab):
    with pytest.raises(LookupError):
        live.publish(collab.pk, "no.such.kind", {})
    with pytest.raises(ValueError):
        live.publish(collab.pk, "members", {"count": 1}, right="no.such_right")
    with pytest.raises(ValueError):
        live.register_event("test.bad", lambda *a: None, right="no.such_right")


def test_nothing_is_published_for_a_rolled_back_change(collab, monkeypatch):
    sent = []
    monkeypatch.setattr(live, "group_send", lambda group, message: sent.append(message))

    with pytest.raises(RuntimeError), transaction.atomic():
        live.publish(collab.pk, "members", {"count": 3})
        raise RuntimeError("the change failed")
    with transaction.atomic():
        live.publish(collab.pk, "members", {"count": 4})

    assert [m["event"]["data"] for m in sent] == [{"count": 4}]


# --- One reader factory: the page and the socket agree ---------------------------------------


async def test_without_a_chosen_language_the_socket_speaks_the_pages_language(
    settings, sockets, collab, owner, member
):
    """LANGUAGE_CODE=ru and a person who chose no language, whose browser says nothing: the
    page is in Russian, and so are the messages pushed to it."""
    settings.LANGUAGE_CODE = "ru"
    socket = await sockets.open(member, collab)

    message = await database_sync_to_async(chat.send_message)(collab, owner, "Привет")
    pushed = await socket.frame()

    @database_sync_to_async
    def page_html():
        client = Client()
        client.force_login(member)
        return client.get(f"/collabs/{collab.pk}/?message={message.pk}").content.decode()

    page = await page_html()
    assert 'lang="ru"' in page
    assert RUSSIAN_TIME.search(pushed["html"])
    assert RUSSIAN_TIME.search(page)
    assert "Ответить" in page  # the shared menu


async def test_the_socket_follows_the_browsers_accept_language_as_the_page_does(
    settings, collab, owner, member
):
    from channels.testing import WebsocketCommunicator

    from collabhub.asgi import application
    from tests.chat.ws import ORIGIN, TIMEOUT, ws_path

    settings.LANGUAGE_CODE = "en"
    cookie = await session_cookie(member)
    communicator = WebsocketCommunicator(
        application,
        ws_path(collab),
        headers=[ORIGIN, (b"cookie", cookie.encode()), (b"accept-language", b"ru-RU,ru;q=0.9")],
    )
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected

    await database_sync_to_async(chat.send_message)(collab, owner, "Hello")
    pushed = await communicator.receive_json_from(timeout=TIMEOUT)
    await communicator.disconnect()

    assert RUSSIAN_TIME.search(pushed["html"])
