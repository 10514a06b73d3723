"""A limit on inbound WebSocket frames inside Daphne, where they arrive.

Daphne hands every frame it parses to the application's queue, without limit: a client
flooding one socket makes the server parse and queue tens of thousands of frames a second
on the event loop every other socket shares, long before any consumer can refuse them
(bench/chat measured others' latency in seconds). Counted here instead, a connection that
sends more than settings.WS_MAX_FRAMES_PER_SECOND frames in a second is closed with 4429 and
no longer read; the application gets its usual disconnect.

The throttle policy for sockets, in full (README, "Live"), two limits and a cool-down:

1. **Frames, per connection, here**: WS_MAX_FRAMES_PER_SECOND; over it, close 4429. Every
   kind of flood (pings, typing, sends, garbage) stops here, before any parsing or consumer.
2. **Messages, per person, in the chat's service** (apps.chat.ratelimit, burst and sustained,
   shared by the form and all the person's sockets); over it, an error frame and nothing
   stored.
3. **A cool-down, per person, after a close for flooding** (`cool_down`, `cooling_down`, kept
   in the cache: every node sees it): for WS_FLOOD_COOLDOWN_SECONDS their sockets are refused
   before any work. A flooder cut off within 35 ms reconnected at once and flooded again: the
   connections' set-up and clean-up (session, access, groups, presence) then cost the server
   more than the frames (bench/chat: others' messages waited 21 s). A page never floods; one
   that did reconnects with its backoff and is let in once the cool-down is over.

The consumer only coalesces what a page legitimately repeats (typing every 2 s, read marks
once a second) and stores sends in order; it refuses nothing of its own.

`install()` runs when collabhub.asgi is imported, which Daphne does before it builds its
WebSocket factory. It checks that the Daphne it patches is one this guard was written for and
fails the start-up loudly otherwise: a guard that silently does nothing would leave floods to
reach the event loop every socket shares.
"""

import inspect
import time
from importlib.metadata import version

from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.core.caching import shared_cache

# The Daphne releases whose WebSocketProtocol.onMessage(payload, isBinary) this guard wraps.
SUPPORTED = (4,)

CLOSE_FLOODING = 4429


class GuardedWebSocketProtocol(WebSocketProtocol):
    window_start = float("-inf")
    frames_in_window = 0
    flooding = False

    def dataReceived(self, data):
        if self.flooding:
            return  # read and dropped unparsed (see _stop_listening)
        super().dataReceived(data)

    def onMessage(self, payload, isBinary):
        if self.flooding:
            return  # what was already read in the same chunk is dropped
        now = time.monotonic()
        if now - self.window_start >= 1.0:
            self.window_start, self.frames_in_window = now, 0
        self.frames_in_window += 1
        if self.frames_in_window > settings.WS_MAX_FRAMES_PER_SECOND:
            self.flooding = True
            self.sendClose(code=CLOSE_FLOODING)
            self._tell_the_application()
            self._stop_listening()
            return
        super().onMessage(payload, isBinary)

    def _stop_listening(self) -> None:
        """After the close frame, our side of the connection is shut (a FIN behind the close
        frame) and whatever the client still sends is read and dropped without being parsed.
        A client then gets the close frame and the end of the stream in order and closes with
        4429. Reading on matters: a socket closed with unread data resets the connection, and
        a client still sending loses the close frame with the reset (1006 instead of 4429).
        Parsing on did not: a flooder goes on sending until it reads the close frame (bench/chat:
        about a thousand frames in 200 ms), and each was unmasked and parsed only to be dropped
        (a fifth of the server's time during a flood). The close handshake is not waited for:
        autobahn's timeout (1 s) or the client's own close ends the connection."""
        lose_write = getattr(self.transport, "loseWriteConnection", None)
        if lose_write is not None:
            lose_write()

    def _tell_the_application(self) -> None:
        """The application hears of the close now, not when the flooder answers the close frame
        (a client busy sending reads it late: 200-400 ms in bench/chat's flood). The frames it
        was given before come first; the disconnect's code (4429) tells the chat to drop the
        sends still waiting to be stored, which it used to store or refuse one by one, each a
        trip to the database that other people's messages waited behind. Muted, Daphne sends no
        second disconnect when the connection ends."""
        queue = getattr(self, "application_queue", None)
        if queue is not None and not self.muted:
            queue.put_nowait({"type": "websocket.disconnect", "code": CLOSE_FLOODING})
            self.muted = True


def _cooldown_key(user_id: int) -> str:
    return f"ws-flood-cooldown:{user_id}"


def cool_down(user_id: int) -> None:
    """The person's socket was closed for flooding: refuse their sockets for a while."""
    shared_cache().set(_cooldown_key(user_id), 1, timeout=settings.WS_FLOOD_COOLDOWN_SECONDS)


def cooling_down(user_id: int) -> bool:
    return shared_cache().get(_cooldown_key(user_id)) is not None


def check_daphne() -> None:
    """ImproperlyConfigured unless Daphne's WebSocket protocol is the one the guard wraps."""
    daphne_version = version("daphne")
    major = int(daphne_version.split(".")[0])
    if major not in SUPPORTED:
        raise ImproperlyConfigured(
            f"collabhub.wsguard supports Daphne {SUPPORTED}, not {daphne_version}: check that "
            "WebSocketProtocol.onMessage still takes every inbound frame, then update SUPPORTED."
        )
    on_message = getattr(WebSocketProtocol, "onMessage", None)
    params = list(inspect.signature(on_message).parameters) if on_message else []
    if params[:3] != ["self", "payload", "isBinary"]:
        raise ImproperlyConfigured(
            "collabhub.wsguard: Daphne's WebSocketProtocol.onMessage is not "
            "onMessage(self, payload, isBinary); the frame limit cannot be installed."
        )
    data_received = getattr(WebSocketProtocol, "dataReceived", None)
    params = list(inspect.signature(data_received).parameters) if data_received else []
    if params[:2] != ["self", "data"]:
        raise ImproperlyConfigured(
            "collabhub.wsguard: Daphne's WebSocketProtocol.dataReceived is not "
            "dataReceived(self, data); a flooder's frames cannot be dropped unparsed."
        )
    current = WebSocketFactory.protocol
    if not (current is WebSocketProtocol or issubclass(current, GuardedWebSocketProtocol)):
        raise ImproperlyConfigured(
            f"collabhub.wsguard: Daphne's WebSocket factory builds {current!r}, another "
            "replacement of its protocol; the frame limit cannot be installed over it."
        )


def install() -> None:
    """Make Daphne build guarded WebSocket connections (fails loudly when it cannot)."""
    check_daphne()
    WebSocketFactory.protocol = GuardedWebSocketProtocol


def installed() -> bool:
    return WebSocketFactory.protocol is GuardedWebSocketProtocol
