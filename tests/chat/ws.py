"""WebSocket helpers for the chat's consumer tests: sockets opened through the full ASGI
application (collabhub.asgi.application) as a browser opens them, with a real session cookie
and an allowed Origin, on a channel layer of the test's own (in-memory, or Redis with a prefix
of its own when REDIS_URL is set).

Adapted from tests/core/test_live.py. Fixtures are imported by the test modules that use them:
    from tests.chat.ws import channel_layer_of_its_own, sockets_fixture  # noqa: F401
"""

import json
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client

from apps.collabs.consumers import CLOSE_REVOKED
from collabhub.asgi import application

# Generous: Redis and PostgreSQL in CI are slower than memory. Never a timing assertion:
# only how long to wait for something that must come.
TIMEOUT = 5
# How long "nothing more comes" is watched for, after a later event has provably been fanned out.
QUIET = 0.5


def _allowed_origin() -> tuple[bytes, bytes]:
    """The portal's own origin (SITE_URL's), which the application accepts."""
    parts = urlsplit(django_settings.SITE_URL)
    return (b"origin", f"{parts.scheme}://{parts.netloc}".encode())


ORIGIN = _allowed_origin()


def redis_layer_in_use() -> bool:
    return "redis" in django_settings.CHANNEL_LAYERS["default"]["BACKEND"].lower()


@pytest.fixture(autouse=True)
def channel_layer_of_its_own(settings):
    """A fresh channel layer for each test; on Redis, with a key prefix of the test's own, so
    that groups (user.<id>, collab.<id>) never meet another test's or another run's."""
    layers = {alias: dict(config) for alias, config in django_settings.CHANNEL_LAYERS.items()}
    default = layers["default"]
    if "redis" in default["BACKEND"].lower():
        default["CONFIG"] = {**default.get("CONFIG", {}), "prefix": f"t{uuid.uuid4().hex[:12]}"}
    # Assigning the setting fires setting_changed, which drops the cached layers.
    settings.CHANNEL_LAYERS = layers


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


session_cookie = database_sync_to_async(_session_cookie)


def ws_path(collab) -> str:
    return f"/ws/collabs/{collab.pk}/"


@dataclass
class Attempt:
    socket: "Socket"
    connected: bool
    code: int | None


# Frames every page gets whatever it does: another member's page opened or closed somewhere
# (apps.collabs.presence). A socket sets them aside as they come, in `presence`, so that a test
# about something else reads its frames as before; `presence_frame()` reads them.
AMBIENT = frozenset({"presence"})


def _ambient(output: dict) -> dict | None:
    """The frame, when the output is an ambient one."""
    if output["type"] != "websocket.send" or output.get("text") is None:
        return None
    frame = json.loads(output["text"])
    return frame if isinstance(frame, dict) and frame.get("type") in AMBIENT else None


class Socket:
    """One open page's socket, read as JSON frames."""

    def __init__(self, communicator: WebsocketCommunicator, user) -> None:
        self.communicator = communicator
        self.user = user
        # Outputs read while looking for a presence frame, for frame() and closed_with().
        self.held: list[dict] = []
        # Presence frames set aside, oldest first, not yet read by presence_frame().
        self.presence: list[dict] = []

    async def send(self, **frame) -> None:
        await self.communicator.send_json_to(frame)

    async def _output(self) -> dict:
        """The next output that is not an ambient frame (those go to `presence`)."""
        while True:
            if self.held:
                return self.held.pop(0)
            output = await self.communicator.receive_output(timeout=TIMEOUT)
            frame = _ambient(output)
            if frame is None:
                return output
            self.presence.append(frame)

    async def frame(self) -> dict:
        """The next frame; fails on a close or when nothing comes."""
        output = await self._output()
        assert output["type"] == "websocket.send", f"expected a frame, got {output}"
        return json.loads(output["text"])

    async def frames(self, count: int) -> list[dict]:
        return [await self.frame() for _ in range(count)]

    async def frames_until(self, frame_type: str) -> list[dict]:
        """Frames up to and including the first of the given type."""
        received = []
        while not received or received[-1]["type"] != frame_type:
            received.append(await self.frame())
        return received

    async def presence_frame(self) -> dict:
        """The next presence frame; whatever else comes first is kept for frame()."""
        while not self.presence:
            output = await self.communicator.receive_output(timeout=TIMEOUT)
            frame = _ambient(output)
            if frame is None:
                self.held.append(output)
            else:
                self.presence.append(frame)
        return self.presence.pop(0)

    async def closed_with(self) -> int:
        """The close code of the next output; fails if a frame comes first."""
        output = await self._output()
        assert output["type"] == "websocket.close", f"expected the close, got {output}"
        return output["code"]

    async def disconnect(self) -> None:
        await self.communicator.disconnect(timeout=TIMEOUT)

    async def is_silent(self) -> bool:
        """Nothing but presence frames comes for QUIET seconds."""
        if self.held:
            return False
        while not await self.communicator.receive_nothing(timeout=QUIET):
            output = self.communicator.output_queue.get_nowait()
            frame = _ambient(output)
            if frame is None:
                self.held.append(output)
                return False
            self.presence.append(frame)
        return True

    async def pong(self) -> list[dict]:
        """Ping and read up to the pong; returns what came before it."""
        await self.send(type="ping")
        received = await self.frames_until("pong")
        return received[:-1]


@pytest.fixture(name="sockets")
async def sockets_fixture():
    """Open sockets: `await sockets.open(user, collab)` (asserts it connected) or
    `await sockets.attempt(user, collab)`. Closes whatever is still open at the end."""
    opened: list[WebsocketCommunicator] = []

    class Opener:
        @staticmethod
        async def attempt(
            user, collab, *, cookie: str | None = None, path: str | None = None
        ) -> Attempt:
            """`path`: another socket than the collab page's (the person's own, /ws/me/, or
            the collab's with a query string)."""
            if cookie is None and user is not None:
                cookie = await session_cookie(user)
            headers = [ORIGIN]
            if cookie:
                headers.append((b"cookie", cookie.encode()))
            communicator = WebsocketCommunicator(
                application, path or ws_path(collab), headers=headers
            )
            opened.append(communicator)
            connected, detail = await communicator.connect(timeout=TIMEOUT)
            return Attempt(Socket(communicator, user), connected, None if connected else detail)

        @classmethod
        async def open(
            cls, user, collab, *, cookie: str | None = None, path: str | None = None
        ) -> Socket:
            attempt = await cls.attempt(user, collab, cookie=cookie, path=path)
            assert attempt.connected, f"{user} could not connect: {attempt.code}"
            return attempt.socket

    yield Opener
    for communicator in opened:
        if not communicator.future.done():
            await communicator.disconnect(timeout=TIMEOUT)
    await get_channel_layer().flush()


__all__ = [
    "AMBIENT",
    "CLOSE_REVOKED",
    "QUIET",
    "TIMEOUT",
    "Socket",
    "channel_layer_of_its_own",
    "redis_layer_in_use",
    "session_cookie",
    "sockets_fixture",
    "ws_path",
]
