"""A socket that has just closed: between the connection's end and the consumer's handling of
its disconnect, events and acks still come, and Daphne refuses each send (autobahn's
Disconnected). The frame is dropped; the consumer lives on until its disconnect, which does what
a closed socket needs (bench/chat's flood found the consumer ended by the exception instead,
its presence row and groups left behind)."""

import asyncio
import logging
import time

import pytest
from autobahn.exception import Disconnected
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from apps.chat.models import Message
from apps.collabs import presence
from collabhub.asgi import application
from tests.chat.ws import (  # noqa: F401  (fixtures)
    ORIGIN,
    TIMEOUT,
    channel_layer_of_its_own,
    session_cookie,
    sockets_fixture,
    ws_path,
)

pytestmark = pytest.mark.django_db(transaction=True)

is_online = database_sync_to_async(presence.is_online)


class ClientGone(asyncio.Queue):
    """The server's side of a socket whose client has gone: once `gone` is set, every frame
    sent raises what Daphne raises then; `refused` is set at the first."""

    def __init__(self):
        super().__init__()
        self.gone = False
        self.refused = asyncio.Event()
        self.refused_frames = 0

    async def put(self, item):
        if self.gone and item.get("type") == "websocket.send":
            self.refused_frames += 1
            self.refused.set()
            raise Disconnected("Attempt to send on a closed protocol")
        await super().put(item)


async def open_socket(user, collab) -> tuple[WebsocketCommunicator, ClientGone]:
    cookie = await session_cookie(user)
    communicator = WebsocketCommunicator(
        application, ws_path(collab), headers=[ORIGIN, (b"cookie", cookie.encode())]
    )
    output = communicator._output_queue = ClientGone()
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    return communicator, output


async def test_an_event_for_a_socket_just_closed_is_dropped_and_its_disconnect_still_runs(
    sockets, collab, owner, member
):
    communicator, output = await open_socket(member, collab)
    assert await is_online(member.pk)
    output.gone = True

    # The owner opening a page is an event for every member's socket (presence).
    await sockets.open(owner, collab)
    await asyncio.wait_for(output.refused.wait(), TIMEOUT)

    assert not communicator.future.done()  # the consumer lives on
    await communicator.disconnect(timeout=TIMEOUT)  # would raise Disconnected had it escaped
    assert not await is_online(member.pk)  # its disconnect() ran


async def test_a_send_whose_ack_finds_the_socket_closed_is_stored_once_and_logs_no_error(
    collab, member, caplog
):
    communicator, output = await open_socket(member, collab)
    output.gone = True

    with caplog.at_level(logging.ERROR):
        await communicator.send_json_to({"type": "send", "body": "last words", "client_id": "c1"})
        await asyncio.wait_for(output.refused.wait(), TIMEOUT)
        await communicator.disconnect(timeout=TIMEOUT)

    stored = await database_sync_to_async(
        lambda: Message.objects.filter(collab=collab, author=member, body="last words").count()
    )()
    assert stored == 1
    assert output.refused_frames >= 1  # the ack (and the message's own frame) had nowhere to go
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_closing_socket_waits_for_its_queued_sends_only_so_long(
    monkeypatch, collab, member
):
    # Sends slow in the database (an overloaded server) must not keep the socket's disconnect
    # past Daphne's close timeout, which would kill the consumer before it leaves its groups
    # and presence: the wait is bounded (OUTBOX_GRACE), the sends behind it not acknowledged
    # (the page sends them again when it reconnects).
    from apps.chat import consumers as chat_consumers

    monkeypatch.setattr(chat_consumers, "OUTBOX_GRACE", 0.2)
    real_send = chat_consumers.ChatConsumer._send

    def slow_send(self, *args):
        time.sleep(0.1)
        return real_send(self, *args)

    monkeypatch.setattr(chat_consumers.ChatConsumer, "_send", slow_send)
    communicator, _output = await open_socket(member, collab)
    for n in range(60):
        await communicator.send_json_to(
            {"type": "send", "body": f"queued {n}", "client_id": f"q{n}"}
        )

    # Sixty sends take six seconds: the disconnect does not wait for them all.
    await communicator.disconnect(timeout=TIMEOUT)
    assert not await is_online(member.pk)
    stored = await database_sync_to_async(
        lambda: Message.objects.filter(collab=collab, author=member).count()
    )()
    assert 0 < stored < 60
