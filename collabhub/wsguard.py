"""A limit on inbound WebSocket frames inside Daphne, where they arrive.

Daphne hands every frame it parses to the application's queue, without limit: a client
flooding one socket makes the server parse and queue tens of thousands of frames a second
on the event loop every other socket shares, long before any consumer can refuse them
(bench/chat measured others' latency in seconds). Counted here instead, a connection that
sends more than settings.WS_MAX_FRAMES_PER_SECOND frames in a second is closed with 4429 and
no longer read; the application gets its usual disconnect.

`install()` runs when collabhub.asgi is imported, which Daphne does before it builds its
WebSocket factory.
"""

import time

from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from django.conf import settings

CLOSE_FLOODING = 4429


class GuardedWebSocketProtocol(WebSocketProtocol):
    window_start = float("-inf")
    frames_in_window = 0
    flooding = False

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
            # Stop reading at once. The close frame goes out; the connection ends when the
            # client answers it or autobahn's close-handshake timeout drops it. (Closing the
            # TCP connection here, with unread data, would reset it and lose the close frame.)
            self.transport.pauseProducing()
            return
        super().onMessage(payload, isBinary)


def install() -> None:
    WebSocketFactory.protocol = GuardedWebSocketProtocol
