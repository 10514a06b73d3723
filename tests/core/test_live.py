"""The live connection of a collab page (/ws/collabs/<id>/), through the full ASGI application
as a browser reaches it: session cookie, Origin check, AuthMiddlewareStack, URLRouter.

Access is checked on connect; removal from the collab or deactivation closes the socket at
once with 4403 (sent through the channel layer, so this runs unchanged on Redis when
REDIS_URL is set: CI runs the suite both ways)."""

import json
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings

from apps.accounts.services import deactivate_user
from apps.collabs import services
from apps.collabs.consumers import CLOSE_REVOKED
from collabhub.asgi import application
from tests.chat.ws import ORIGIN, session_cookie, ws_path

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 3


@pytest.fixture(autouse=True)
def _own_channel_layer(settings):
    """A fresh channel layer for each test. On Redis, a prefix of the test's own, so that
    group names (user.<id>, collab.<id>) never meet those of another test or of another
    run sharing the server; the in-memory layer is simply rebuilt."""
    layers = {alias: dict(config) for alias, config in django_settings.CHANNEL_LAYERS.items()}
    default = layers["default"]
    if "redis" in default["BACKEND"].lower():
        default["CONFIG"] = {**default.get("CONFIG", {}), "prefix": f"t{uuid.uuid4().hex[:12]}"}
    # Assigning the setting fires setting_changed, which drops the cached layers.
    settings.CHANNEL_LAYERS = layers


@pytest.fixture
async def sockets():
    """Opens sockets and closes those still open at the end of the test."""
    opened: list[WebsocketCommunicator] = []

    async def open_socket(path: str, cookie: str | None = None, origin=ORIGIN):
        headers = [origin] if origin else []
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        opened.append(communicator)
        connected, detail = await communicator.connect(timeout=TIMEOUT)
        return communicator, connected, detail

    yield open_socket
    for communicator in opened:
        await communicator.disconnect(timeout=TIMEOUT)
    await get_channel_layer().flush()


async def assert_closed_revoked(communicator: WebsocketCommunicator) -> None:
    """The next output is the close, once the presence frames before it are passed (another
    member's page opened: apps.collabs.presence)."""
    message = await communicator.receive_output(timeout=TIMEOUT)
    while message["type"] == "websocket.send" and json.loads(message["text"])["type"] == "presence":
        message = await communicator.receive_output(timeout=TIMEOUT)
    assert message == {"type": "websocket.close", "code": CLOSE_REVOKED}


async def assert_open(communicator: WebsocketCommunicator) -> None:
    """Still open: it answers a ping (whatever chat events came before the pong, none of
    them closed it)."""
    await communicator.send_json_to({"type": "ping"})
    while True:
        output = await communicator.receive_output(timeout=TIMEOUT)
        assert output["type"] == "websocket.send", output
        if json.loads(output["text"]) == {"type": "pong"}:
            return


# Connecting.


async def test_member_connects_and_gets_pong(sockets, collab, member):
    socket, connected, _ = await sockets(ws_path(collab), await session_cookie(member))

    assert connected
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}


@pytest.mark.parametrize("person", ["owner", "moderator", "guest"])
async def test_every_current_member_connects(sockets, collab, people, person):
    _, connected, _ = await sockets(ws_path(collab), await session_cookie(people[person]))

    assert connected


async def test_an_unknown_message_gets_an_error_and_the_socket_stays(sockets, collab, member):
    socket, connected, _ = await sockets(ws_path(collab), await session_cookie(member))
    assert connected

    await socket.send_json_to({"type": "something-else"})

    assert (await socket.receive_json_from(timeout=TIMEOUT))["type"] == "error"
    await assert_open(socket)


async def test_outsider_is_refused(sockets, collab, other_collab, outsider):
    _, connected, code = await sockets(ws_path(collab), await session_cookie(outsider))

    assert not connected
    assert code == CLOSE_REVOKED


async def test_outsider_connects_to_their_own_collab(sockets, collab, other_collab, outsider):
    _, connected, _ = await sockets(ws_path(other_collab), await session_cookie(outsider))

    assert connected


async def test_anonymous_is_refused(sockets, collab):
    _, connected, code = await sockets(ws_path(collab))

    assert not connected
    assert code == CLOSE_REVOKED


async def test_forged_session_cookie_is_refused(sockets, collab):
    name = django_settings.SESSION_COOKIE_NAME
    _, connected, _ = await sockets(ws_path(collab), f"{name}=forged{uuid.uuid4().hex}")

    assert not connected


async def test_deactivated_user_is_refused(sockets, collab, deactivated):
    # A session made after deactivation (force_login skips the checks a real login does).
    _, connected, code = await sockets(ws_path(collab), await session_cookie(deactivated))

    assert not connected
    assert code == CLOSE_REVOKED


async def test_unknown_collab_is_refused(sockets, collab, member):
    _, connected, code = await sockets("/ws/collabs/999999/", await session_cookie(member))

    assert not connected
    assert code == CLOSE_REVOKED


async def test_foreign_origin_is_refused(sockets, collab, member):
    _, connected, _ = await sockets(
        ws_path(collab),
        await session_cookie(member),
        origin=(b"origin", b"https://evil.example.com"),
    )

    assert not connected


# Revocation.


async def test_removing_a_member_closes_their_socket_only(sockets, collab, owner, member, guest):
    member_socket, connected, _ = await sockets(ws_path(collab), await session_cookie(member))
    assert connected
    guest_socket, connected, _ = await sockets(ws_path(collab), await session_cookie(guest))
    assert connected

    await database_sync_to_async(services.remove_member)(collab, owner, member)

    await assert_closed_revoked(member_socket)
    await assert_open(guest_socket)


async def test_removed_member_keeps_sockets_to_other_collabs(
    sockets, collab, other_collab, owner, other_owner, member
):
    await database_sync_to_async(services.add_member)(other_collab, other_owner, member)
    cookie = await session_cookie(member)
    ours, connected, _ = await sockets(ws_path(collab), cookie)
    assert connected
    theirs, connected, _ = await sockets(ws_path(other_collab), cookie)
    assert connected

    await database_sync_to_async(services.remove_member)(collab, owner, member)

    await assert_closed_revoked(ours)
    await assert_open(theirs)


async def test_removed_member_cannot_reconnect(sockets, collab, owner, member):
    cookie = await session_cookie(member)
    await database_sync_to_async(services.remove_member)(collab, owner, member)

    _, connected, code = await sockets(ws_path(collab), cookie)

    assert not connected
    assert code == CLOSE_REVOKED


async def test_leaving_closes_the_leavers_socket(sockets, collab, member):
    socket, connected, _ = await sockets(ws_path(collab), await session_cookie(member))
    assert connected

    await database_sync_to_async(services.leave_collab)(collab, member)

    await assert_closed_revoked(socket)


async def test_deactivation_closes_all_the_users_sockets(
    sockets, collab, other_collab, owner, other_owner, member, guest
):
    await database_sync_to_async(services.add_member)(other_collab, other_owner, member)
    # Two browsers (two sessions), three sockets.
    laptop, phone = await session_cookie(member), await session_cookie(member)
    member_sockets = []
    for path, cookie in [
        (ws_path(collab), laptop),
        (ws_path(other_collab), laptop),
        (ws_path(collab), phone),
    ]:
        socket, connected, _ = await sockets(path, cookie)
        assert connected
        member_sockets.append(socket)
    guest_socket, connected, _ = await sockets(ws_path(collab), await session_cookie(guest))
    assert connected

    await database_sync_to_async(deactivate_user)(member, actor=owner)

    for socket in member_sockets:
        await assert_closed_revoked(socket)
    await assert_open(guest_socket)
    # Their sessions are gone too: a new socket with the old cookie is anonymous.
    _, connected, _ = await sockets(ws_path(collab), laptop)
    assert not connected


async def test_deleting_the_collab_closes_every_members_socket(sockets, owner, member):
    collab = await database_sync_to_async(services.create_collab)(owner, name="Short-lived")
    await database_sync_to_async(services.add_member)(collab, owner, member)
    owner_socket, connected, _ = await sockets(ws_path(collab), await session_cookie(owner))
    assert connected
    member_socket, connected, _ = await sockets(ws_path(collab), await session_cookie(member))
    assert connected

    await database_sync_to_async(services.delete_collab)(collab, owner)

    await assert_closed_revoked(owner_socket)
    await assert_closed_revoked(member_socket)
