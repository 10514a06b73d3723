"""The per-person live path: live.publish_to_user reaches every socket of the person (the /ws/me/
socket and a collab page's), and nobody else's; notify sends the recipients their unread count
once the change commits."""

import pytest
from channels.db import database_sync_to_async

from apps.collabs import live
from apps.notifications import services
from tests.chat.ws import channel_layer_of_its_own, sockets_fixture  # noqa: F401  (fixtures)
from tests.notifications.conftest import DEMO

pytestmark = pytest.mark.django_db(transaction=True)


def _notify(users, actor):
    services.notify(users, DEMO, actor=actor, data={"name": "Boris"})


async def test_a_user_event_reaches_both_kinds_of_socket(sockets, collab, member):
    page = await sockets.open(member, collab)
    me = await sockets.open(member, None, path="/ws/me/")

    await database_sync_to_async(live.publish_to_user)(member.pk, "test.hello", {"n": 1}, now=True)

    expected = {"type": "user.event", "kind": "test.hello", "data": {"n": 1}}
    assert await page.frame() == expected
    assert await me.frame() == expected


async def test_a_user_event_reaches_nobody_else(sockets, collab, member, guest):
    others = await sockets.open(guest, collab)
    await database_sync_to_async(live.publish_to_user)(member.pk, "test.hello", now=True)
    assert await others.is_silent()


async def test_notify_sends_the_new_unread_count_on_commit(sockets, collab, owner, member):
    me = await sockets.open(member, None, path="/ws/me/")
    actor = await sockets.open(owner, None, path="/ws/me/")

    await database_sync_to_async(_notify)([owner, member], owner)

    assert await me.frame() == {
        "type": "user.event",
        "kind": services.LIVE_KIND,
        "data": {"unread": 1},
    }
    assert await actor.is_silent()  # the actor is not told of their own action

    await database_sync_to_async(services.mark_all_read)(member)
    assert (await me.frame())["data"] == {"unread": 0}
