"""Daphne's HTTP requests hand their body to Django lazily (unparsed by Twisted), and make
the application's `send` wait while the client is not reading the response.

Three things Daphne 4 does cost memory in proportion to a request's or a response's body; all
are replaced here, in the request class Daphne's HTTP factory builds (daphne.http_protocol
.WebRequest) and in the server's `send`:

1. **Twisted's form parse.** Twisted's Request parses a POSTed multipart/form-data or
   urlencoded body into `request.args` as soon as the whole body is in (requestReceived,
   _getMultiPartArgs) with the standard library's email parser: the body read whole into
   memory, copied behind MIME headers, decoded into a str and split into parts. Daphne never
   reads `request.args` (Django parses the raw body itself, streaming file parts to disk):
   bench/files.py measured 838 MiB for one 64 MiB upload. Twisted lets a request skip it
   (parsePOSTFormSubmission=False); Daphne does not ask, so its requests are built that way.

2. **The whole body on the application's queue.** Twisted keeps the body in a temporary file
   (on disk above 100 kB) until it is all in, then calls `process()`. Daphne's `process()`
   then read the whole file into the application's unbounded asyncio.Queue, in
   `request_buffer_size` messages put_nowait in one go, before Django read any: RSS growth =
   the body's size (1 GiB upload: +1,054 MiB). Here `process()` is Daphne's, copied, except
   its last step: the queue's storage (the deque inside the asyncio.Queue Daphne made, whose
   `get` is the application's `receive`) is replaced by a `LazyBody`, which reads the next
   chunk from the request's file only when the application takes a message. So at most one
   chunk of the body (BODY_CHUNK, 64 KiB) is in memory at a time, whatever its size. Every
   REST_EVERY chunks it reports itself empty for one turn of the event loop (and wakes the
   reader with a put_nowait of a marker it does not store), so a large body read in one
   `async for` no longer holds the loop every other connection shares.

   Messages Daphne puts on the queue itself (`http.disconnect`, when the client goes away or
   the response is finished) are kept in order and come before any body not yet read: the
   client is gone, or the response is done, and the rest of the body is dropped (Twisted
   closes the file then anyway). The application sees what ASGI promises: `http.request`
   messages with the exact body bytes, the last with more_body False, then `http.disconnect`.

3. **No back-pressure on the response.** The application's `send` (Daphne's
   Server.handle_reply) writes the body message into Twisted's transport and returns at once,
   whether the client reads or not; what the socket does not take waits in the transport's
   buffer. A download streamed from disk to a client slower than the disk (any client on a
   real network) would pile up in memory up to the file's size. Here the request registers a
   streaming producer (`TransportPacer`) with its channel when the response starts; Twisted
   pauses it when the transport's buffer is full (64 KiB) and resumes it when it has drained,
   and `send` (Server.handle_reply, wrapped by `paced_handle_reply`) waits while it is paused,
   so the application produces the next chunk only when the previous one is on its way. The
   wait ends as well when the connection is lost (the application then gets its disconnect)
   and when the response is finished.

`install()` runs when collabhub.asgi is imported, before Daphne's HTTP factory builds any
connection (it reads daphne.http_protocol.WebRequest for each). `check()` fails the start-up
loudly, as collabhub/wsguard.py does, on a Twisted without parsePOSTFormSubmission, on another
replacement of Daphne's request class or of its server's `handle_reply`, and on a Daphne whose
`WebRequest.process`, `Server.create_application` or `Server.handle_reply` is not the one this
module was written against (their source's SHA-256; see DAPHNE_SOURCES): a changed `process`
must be copied again, a changed queue checked against LazyBody, a changed `handle_reply`
checked against the wrapper.
"""

import asyncio
import collections
import hashlib
import inspect
import time
from urllib.parse import unquote

from daphne import http_protocol
from daphne import server as daphne_server
from django.core.exceptions import ImproperlyConfigured
from twisted.internet.defer import inlineCallbacks, maybeDeferred
from twisted.internet.interfaces import IPushProducer
from twisted.protocols.policies import ProtocolWrapper
from twisted.web import http
from zope.interface import implementer

_DAPHNE_REQUEST = http_protocol.WebRequest
_DAPHNE_HANDLE_REPLY = daphne_server.Server.handle_reply
logger = http_protocol.logger

# Bytes of the body read per message. Daphne's request_buffer_size is 8 KiB (and not an
# option of its command line); with one chunk in memory at a time, a larger one costs nothing
# and cuts the messages (each a dict, a queue turn and a write in Django) eight times.
BODY_CHUNK = 64 * 1024
# Chunks handed over before the body's reader lets the event loop run others (4 MiB).
REST_EVERY = 64

# SHA-256 of the source of what this module copies or relies on, in Daphne 4.2.3.
DAPHNE_SOURCES = {
    # Copied below (UnparsedBodyRequest.process), all but its last step.
    "WebRequest.process": "e9babd1c97ce710bda699578b21feafd1f490df6ad8bec45960eba4bbb31e306",
    # Makes the asyncio.Queue whose `get` is the application's `receive`.
    "Server.create_application": "f1e300b4ecf636c85e1a66250e32af2ebb67728f01919678d43e80c794a79a87",
    # Wrapped (paced_handle_reply): it hands the message to protocol.handle_reply and returns.
    "Server.handle_reply": "9d9dbaea6de0657aab6d5eaa7e38781b5fd80924c5ddf334bada16aebed09413",
}


def _source_sha256(function) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


class _Rested:
    """What LazyBody puts on its own queue to wake the reader after a rest (not stored)."""


_RESTED = _Rested()


class LazyBody:
    """The storage of an asyncio.Queue (its `_queue`, a deque for the queue's own code:
    append, popleft, len, truth, iteration) that makes the request's body messages as they
    are taken, from the request's file."""

    def __init__(self, queue: asyncio.Queue, content, chunk: int = BODY_CHUNK):
        self._queue = queue
        self._content = content
        self._chunk = chunk
        position = content.tell()
        content.seek(0, 2)
        self._remaining = content.tell() - position
        content.seek(position)
        self._body_done = False  # the message with more_body False was taken
        self._handed = 0  # chunks since the last rest
        self._resting = False
        self._pending = collections.deque()  # what Daphne put: http.disconnect
        self.chunks_read = 0  # for the tests: how many chunks were ever read

    @classmethod
    def install(cls, queue: asyncio.Queue, content, chunk: int = BODY_CHUNK) -> "LazyBody":
        storage = getattr(queue, "_queue", None)
        if not isinstance(queue, asyncio.Queue) or type(storage) is not collections.deque:
            raise TypeError(f"not an asyncio.Queue over a deque: {queue!r}")
        if storage:
            raise ValueError("the application's queue is not empty")
        body = cls(queue, content, chunk)
        queue._queue = body
        return body

    # The deque's part, as asyncio.Queue uses it (_put, _get, qsize, empty, _format).

    def append(self, item) -> None:
        if item is _RESTED:
            self._resting = False
        else:
            self._pending.append(item)

    def popleft(self) -> dict:
        if self._pending:
            message = self._pending.popleft()
            if message.get("type") == "http.disconnect":
                self._drop_body()
            return message
        if self._body_done or self._resting:
            raise IndexError("pop from an empty LazyBody")
        return self._next_chunk()

    def __len__(self) -> int:
        body = not self._body_done and not self._resting
        return len(self._pending) + (1 if body else 0)

    def __iter__(self):
        return iter(self._pending)

    def __repr__(self) -> str:
        return f"<LazyBody {self._remaining} bytes to read, pending {list(self._pending)!r}>"

    # The body.

    def _drop_body(self) -> None:
        self._body_done = True
        self._remaining = 0

    def _next_chunk(self) -> dict:
        if self._content.closed:
            # Twisted closes the file only once the request is over (finished or the
            # connection lost), after Daphne queued its disconnect; should it not have, the
            # application learns it all the same.
            self._drop_body()
            return {"type": "http.disconnect"}
        data = self._content.read(min(self._chunk, self._remaining))
        self.chunks_read += 1
        self._remaining -= len(data)
        if not data:  # the file is shorter than it was: end the body here
            self._remaining = 0
        more = self._remaining > 0
        if not more:
            self._body_done = True
        else:
            self._rest_if_due()
        return {"type": "http.request", "body": data, "more_body": more}

    def _rest_if_due(self) -> None:
        self._handed += 1
        if self._handed < REST_EVERY:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # read outside a loop (a test): nothing to let run
            return
        self._handed = 0
        self._resting = True
        loop.call_soon(self._queue.put_nowait, _RESTED)


@implementer(IPushProducer)
class TransportPacer:
    """A streaming producer for a response: Twisted pauses it while the transport's buffer is
    full and resumes it once drained; `wait()` returns when it is not paused."""

    def __init__(self):
        self.paused = False
        self.pauses = 0  # for the tests and the curious
        self._waiters: list[asyncio.Future] = []

    def pauseProducing(self) -> None:
        if not self.paused:
            self.pauses += 1
        self.paused = True

    def resumeProducing(self) -> None:
        self.paused = False
        self._wake()

    def stopProducing(self) -> None:
        """The connection is going away, or the response is done: nothing to wait for."""
        self.resumeProducing()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self) -> None:
        while self.paused:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter


async def paced_handle_reply(self, protocol, message):
    """Daphne's Server.handle_reply (the application's `send`), then, for a request that
    paces its response, a wait while the client is not reading."""
    await _DAPHNE_HANDLE_REPLY(self, protocol, message)
    pacer = getattr(protocol, "pacer", None)
    if pacer is not None:
        await pacer.wait()


class UnparsedBodyRequest(_DAPHNE_REQUEST):
    """Daphne's request, without Twisted's parse of the form body into `args`, handing the
    body to the application as it reads it."""

    pacer = None

    def __init__(self, *args, **kwargs):
        kwargs["parsePOSTFormSubmission"] = False
        super().__init__(*args, **kwargs)

    # The response's pace (see the module's docstring, 3).

    def handle_reply(self, message):
        starts = message.get("type") == "http.response.start"
        super().handle_reply(message)
        if starts and not self.finished and self.channel is not None and self.producer is None:
            self.pacer = TransportPacer()
            self.registerProducer(self.pacer, True)

    def _stop_pacing(self) -> None:
        if self.pacer is None:
            return
        if self.producer is self.pacer and self.channel is not None:
            self.unregisterProducer()
        self.pacer.stopProducing()

    def finish(self):
        self._stop_pacing()  # before Twisted's finish, which frowns on a producer left behind
        super().finish()

    def connectionLost(self, reason):
        self._stop_pacing()
        super().connectionLost(reason)

    # Daphne 4.2.3's WebRequest.process (DAPHNE_SOURCES pins it), the same up to its "Run
    # application against request" step, which is the change (see the module's docstring);
    # besides, its logger.warn and logger.error(traceback) are logger.warning and .exception.
    @inlineCallbacks
    def process(self):
        try:
            self.request_start = time.time()

            # Validate header names and values.
            for name, values in self.requestHeaders.getAllRawHeaders():
                if not http_protocol.HEADER_NAME_RE.fullmatch(name):
                    self.basic_error(400, b"Bad Request", "Invalid header name")
                    return
                for value in values:
                    if http_protocol.INVALID_HEADER_VALUE_BYTES.intersection(value):
                        self.basic_error(400, b"Bad Request", "Invalid header value")
                        return

            # Get upgrade header
            upgrade_header = None
            if self.requestHeaders.hasHeader(b"Upgrade"):
                upgrade_header = self.requestHeaders.getRawHeaders(b"Upgrade")[0]
            # Get client address if possible
            if hasattr(self.client, "host") and hasattr(self.client, "port"):
                self.client_addr = [str(self.client.host), self.client.port]
                self.server_addr = [str(self.host.host), self.host.port]

            self.client_scheme = "https" if self.isSecure() else "http"

            # See if we need to get the address from a proxy header instead
            if self.server.proxy_forwarded_address_header:
                self.client_addr, self.client_scheme = http_protocol.parse_x_forwarded_for(
                    self.requestHeaders,
                    self.server.proxy_forwarded_address_header,
                    self.server.proxy_forwarded_port_header,
                    self.server.proxy_forwarded_proto_header,
                    self.client_addr,
                    self.client_scheme,
                )
            # Check for unicodeish path (or it'll crash when trying to parse)
            try:
                self.path.decode("ascii")
            except UnicodeDecodeError:
                self.path = b"/"
                self.basic_error(400, b"Bad Request", "Invalid characters in path")
                return
            # Calculate query string
            self.query_string = b""
            if b"?" in self.uri:
                self.query_string = self.uri.split(b"?", 1)[1]
                try:
                    self.query_string.decode("ascii")
                except UnicodeDecodeError:
                    self.basic_error(400, b"Bad Request", "Invalid query string")
                    return
            # Is it WebSocket? IS IT?!
            if upgrade_header and upgrade_header.lower() == b"websocket":
                # Make WebSocket protocol to hand off to
                protocol = self.server.ws_factory.buildProtocol(self.transport.getPeer())
                if not protocol:
                    # If protocol creation fails, we signal "internal server error"
                    self.setResponseCode(500)
                    logger.warning("Could not make WebSocket protocol")
                    self.finish()
                # Give it the raw query string
                protocol._raw_query_string = self.query_string
                # Port across transport
                transport, self.transport = self.transport, None
                if isinstance(transport, ProtocolWrapper):
                    # i.e. TLS is a wrapping protocol
                    transport.wrappedProtocol = protocol
                else:
                    transport.protocol = protocol
                protocol.makeConnection(transport)
                # Re-inject request
                data = self.method + b" " + self.uri + b" HTTP/1.1\x0d\x0a"
                for h in self.requestHeaders.getAllRawHeaders():
                    data += h[0] + b": " + b",".join(h[1]) + b"\x0d\x0a"
                data += b"\x0d\x0a"
                data += self.content.read()
                protocol.dataReceived(data)
                # Remove our HTTP reply channel association
                logger.debug("Upgraded connection %s to WebSocket", self.client_addr)
                self.server.protocol_disconnected(self)
                # Resume the producer so we keep getting data, if it's available as a method
                self.channel._networkProducer.resumeProducing()

            # Boring old HTTP.
            else:
                # Sanitize and decode headers, potentially extracting root path
                self.clean_headers = []
                self.root_path = self.server.root_path
                for name, values in self.requestHeaders.getAllRawHeaders():
                    # Prevent CVE-2015-0219
                    if b"_" in name:
                        continue
                    for value in values:
                        if name.lower() == b"daphne-root-path":
                            self.root_path = unquote(value.decode("ascii"))
                        else:
                            self.clean_headers.append((name.lower(), value))
                logger.debug("HTTP %s request for %s", self.method, self.client_addr)
                self.content.seek(0, 0)
                # Work out the application scope and create application
                self.application_queue = yield maybeDeferred(
                    self.server.create_application,
                    self,
                    {
                        "type": "http",
                        # TODO: Correctly say if it's 1.1 or 1.0
                        "http_version": self.clientproto.split(b"/")[-1].decode("ascii"),
                        "method": self.method.decode("ascii"),
                        "path": unquote(self.path.decode("ascii")),
                        "raw_path": self.path,
                        "root_path": self.root_path,
                        "scheme": self.client_scheme,
                        "query_string": self.query_string,
                        "headers": self.clean_headers,
                        "client": self.client_addr,
                        "server": self.server_addr,
                    },
                )
                # Check they didn't close an unfinished request
                if self.application_queue is None or self.content.closed:
                    # Not much we can do, the request is prematurely abandoned.
                    return
                # Run application against request: the changed step. The body is read from
                # its file as the application takes it, never all queued at once.
                self.lazy_body = LazyBody.install(self.application_queue, self.content)

        except Exception:
            logger.exception("Daphne HTTP processing error")
            self.basic_error(500, b"Internal Server Error", "Daphne HTTP processing error")


def check() -> None:
    """ImproperlyConfigured unless Twisted's Request takes parsePOSTFormSubmission, Daphne's
    factory builds its own WebRequest (or ours), and Daphne's code this module copies or
    relies on is the code it was written against."""
    if "parsePOSTFormSubmission" not in inspect.signature(http.Request.__init__).parameters:
        raise ImproperlyConfigured(
            "collabhub.httpbody: this Twisted's Request has no parsePOSTFormSubmission; "
            "every POSTed form body would be parsed whole in memory before Django sees it."
        )
    current = http_protocol.WebRequest
    if current is not _DAPHNE_REQUEST and current is not UnparsedBodyRequest:
        raise ImproperlyConfigured(
            f"collabhub.httpbody: daphne.http_protocol.WebRequest is {current!r}, another "
            "replacement; Twisted's parse of form bodies cannot be turned off over it."
        )
    handle_reply = daphne_server.Server.handle_reply
    if handle_reply is not _DAPHNE_HANDLE_REPLY and handle_reply is not paced_handle_reply:
        raise ImproperlyConfigured(
            f"collabhub.httpbody: daphne.server.Server.handle_reply is {handle_reply!r}, "
            "another replacement; the response's pace cannot be installed over it."
        )
    found = {
        "WebRequest.process": _source_sha256(_DAPHNE_REQUEST.process),
        "Server.create_application": _source_sha256(daphne_server.Server.create_application),
        "Server.handle_reply": _source_sha256(_DAPHNE_HANDLE_REPLY),
    }
    changed = sorted(name for name, sha in found.items() if sha != DAPHNE_SOURCES[name])
    if changed:
        raise ImproperlyConfigured(
            f"collabhub.httpbody: this Daphne's {', '.join(changed)} is not the one "
            "UnparsedBodyRequest.process was written against (Daphne 4.2.3): copy Daphne's "
            "process again with the lazy body as its last step, check that the application's "
            "queue is still an asyncio.Queue whose get is `receive`, then update "
            "DAPHNE_SOURCES."
        )


def install() -> None:
    check()
    http_protocol.WebRequest = UnparsedBodyRequest
    daphne_server.Server.handle_reply = paced_handle_reply


def installed() -> bool:
    return (
        http_protocol.WebRequest is UnparsedBodyRequest
        and daphne_server.Server.handle_reply is paced_handle_reply
    )
