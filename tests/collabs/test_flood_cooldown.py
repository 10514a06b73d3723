"""The cool-down after a close for flooding (collabhub/wsguard.py): the person's sockets are
refused for WS_FLOOD_COOLDOWN_SECONDS before any other work, on every node (the cache is
shared); nobody else's are."""

import pytest
from channels.db import database_sync_to_async
from django.core.cache import cache

from apps.chat.models import Message
from collabhub import wsguard
from tests.chat.ws import (  # noqa: F401  (fixtures)
    channel_layer_of_its_own,
    sockets_fixture,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_cooldown_left():
    cache.clear()
    yield
    cache.clear()


async def flooded(socket) -> None:
    """The socket closed as the frame guard closes a flood (Daphne's disconnect, code 4429)."""
    await socket.communicator.disconnect(code=wsguard.CLOSE_FLOODING, timeout=5)


async def test_after_a_flood_the_persons_sockets_are_refused_and_no_one_elses(
    sockets, collab, owner, member
):
    socket = await sockets.open(member, collab)
    await flooded(socket)

    again = await sockets.attempt(member, collab)
    own = await sockets.attempt(member, collab, path="/ws/me/")
    other = await sockets.attempt(owner, collab)

    assert not again.connected and again.code == wsguard.CLOSE_FLOODING
    assert not own.connected and own.code == wsguard.CLOSE_FLOODING
    assert other.connected


async def test_a_refused_socket_does_no_work(sockets, collab, owner, member):
    """No presence, no groups: the others hear nothing of the refused attempt."""
    observer = await sockets.open(owner, collab)
    socket = await sockets.open(member, collab)
    await observer.presence_frame()  # the member came online
    await flooded(socket)
    await observer.presence_frame()  # and went

    refused = await sockets.attempt(member, collab)

    assert not refused.connected
    assert await observer.is_silent()
    assert observer.presence == []


async def test_once_the_cool_down_is_over_the_person_is_let_in(sockets, collab, member):
    socket = await sockets.open(member, collab)
    await flooded(socket)
    assert await database_sync_to_async(wsguard.cooling_down)(member.pk)

    await database_sync_to_async(cache.clear)()  # the cool-down's time is up

    socket = await sockets.open(member, collab)
    await socket.send(type="send", body="back", client_id="c1")
    assert (await socket.frames_until("ack"))[-1]["type"] == "ack"
    assert await database_sync_to_async(Message.objects.filter(body="back").count)() == 1


async def test_other_close_codes_leave_no_cool_down(sockets, collab, member):
    socket = await sockets.open(member, collab)
    await socket.communicator.disconnect(code=1001, timeout=5)

    assert (await sockets.attempt(member, collab)).connected


def test_the_cool_down_lasts_the_setting(settings, member, monkeypatch):
    kept = {}
    cache = wsguard.shared_cache()
    monkeypatch.setattr(cache, "set", lambda key, value, timeout: kept.update(t=timeout))
    settings.WS_FLOOD_COOLDOWN_SECONDS = 45

    wsguard.cool_down(member.pk)

    assert kept == {"t": 45}
