"""Daphne's HTTP requests (collabhub/httpbody.py) leave form bodies to Django (Twisted's own
parse of a multipart body into request.args, the whole body in memory several times over, is
off) and hand the body to the application lazily: one chunk read from the request's file each
time the application takes a message, never the whole body queued at once. The application
still gets every byte of the body, and http.disconnect when the client goes away."""

import asyncio

import pytest
from daphne import http_protocol
from daphne import server as daphne_server
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.asgi import ASGIHandler
from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionDone
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

import collabhub.asgi  # noqa: F401  (installs it, as Daphne's import of the application does)
from collabhub import httpbody

BOUNDARY = "bench-boundary"
MIB = 1024 * 1024


def multipart_body(payload: bytes) -> bytes:
    return (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="a.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def multipart_post(payload: bytes) -> bytes:
    body = multipart_body(payload)
    head = (
        "POST /collabs/1/files/chat-upload/ HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


class FakeServer:
    """What Daphne's request asks of its server: the application's queue is a real
    asyncio.Queue, as Daphne's Server.create_application makes it (its `get` is `receive`)."""

    def __init__(self):
        self.requests = []
        self.queues = []
        self.root_path = ""
        self.request_buffer_size = 8192
        self.proxy_forwarded_address_header = None
        self.ws_factory = None

    def protocol_connected(self, protocol):
        self.requests.append(protocol)

    def protocol_disconnected(self, protocol):
        pass

    def create_application(self, protocol, scope):
        queue = asyncio.Queue()
        self.queues.append(queue)
        return queue


def post(payload: bytes, factory_request=None):
    """A real Daphne WebRequest on a Twisted test transport, the whole request received (as
    Twisted calls process(): once the body is all in its file). Returns the request, its
    queue and the channel."""
    server = FakeServer()
    factory = http_protocol.HTTPFactory(server)
    channel = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 8000))
    if factory_request is not None:
        channel.requestFactory = factory_request
    channel.makeConnection(StringTransport())
    channel.dataReceived(multipart_post(payload))
    (request,) = server.requests
    (queue,) = server.queues
    return request, queue, channel


def queued_bytes(queue: asyncio.Queue) -> int:
    """The body bytes the queue holds in memory (not yet made ones do not count)."""
    return sum(len(m.get("body", b"")) for m in list(queue._queue))


async def receive_all(queue: asyncio.Queue, watch=None) -> tuple[bytes, list[dict]]:
    """Take messages as an ASGI application does (await receive()) until the body ends;
    `watch(queue)` runs after each."""
    parts, messages = [], []
    while True:
        message = await queue.get()
        messages.append(message)
        if watch is not None:
            watch(queue)
        if message["type"] != "http.request":
            break
        parts.append(message["body"])
        if not message["more_body"]:
            break
    return b"".join(parts), messages


async def turns_of_another_task_while_reading(queue: asyncio.Queue) -> tuple[bytes, int]:
    """Read the body while another task (another connection) counts its turns."""
    turns = 0
    stop = False

    async def other_connection():
        nonlocal turns
        while not stop:
            turns += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_connection())
    await asyncio.sleep(0)
    start = turns
    received, _ = await receive_all(queue)
    during = turns - start
    stop = True
    await other
    return received, during


def test_the_application_installs_it():
    assert httpbody.installed()
    assert http_protocol.WebRequest is httpbody.UnparsedBodyRequest
    assert daphne_server.Server.handle_reply is httpbody.paced_handle_reply


def test_a_multipart_body_reaches_the_application_unparsed():
    payload = bytes(range(256)) * 200

    request, queue, _ = post(payload)
    received, _ = asyncio.run(receive_all(queue))

    assert isinstance(request, httpbody.UnparsedBodyRequest)
    assert request.args == {}  # Twisted parsed nothing
    assert received == multipart_body(payload)


def test_without_it_twisted_parses_the_whole_body_into_memory():
    """What the patch prevents (so the test above can fail): Daphne's own request."""
    payload = b"x" * 5000

    request, queue, _ = post(payload, factory_request=httpbody._DAPHNE_REQUEST)
    received, _ = asyncio.run(receive_all(queue))

    assert request.args[b"file"] == [payload]
    assert received == multipart_body(payload)


def test_a_big_body_is_read_one_chunk_at_a_time_as_the_application_takes_it():
    payload = bytes(range(256)) * (20 * MIB // 256)  # 20 MiB: Twisted keeps it in a temp file
    body = multipart_body(payload)

    request, queue, _ = post(payload)
    lazy = request.lazy_body
    # Nothing of the body is read yet: the queue holds one message to make, no bytes.
    assert lazy.chunks_read == 0
    assert queue.qsize() == 1 and queued_bytes(queue) == 0

    taken = []

    def watch(q):
        taken.append(lazy.chunks_read)
        assert queued_bytes(q) == 0  # what was read went to the application, none waits

    received, messages = asyncio.run(receive_all(queue, watch))

    assert received == body
    # One chunk read per message taken, each at most BODY_CHUNK.
    assert taken == list(range(1, len(messages) + 1))
    assert max(len(m["body"]) for m in messages) <= httpbody.BODY_CHUNK
    assert len(messages) == -(-len(body) // httpbody.BODY_CHUNK)
    assert [m["more_body"] for m in messages] == [True] * (len(messages) - 1) + [False]


def test_without_it_daphne_queues_the_whole_body_before_the_application_reads_any():
    """What LazyBody prevents (so the test above can fail)."""
    payload = b"y" * (4 * MIB)

    _, queue, _ = post(payload, factory_request=httpbody._DAPHNE_REQUEST)

    assert queued_bytes(queue) == len(multipart_body(payload))


def test_djangos_asgi_handler_reads_the_exact_body():
    payload = bytes(range(251)) * 40_000  # not a multiple of the chunk
    _, queue, _ = post(payload)

    body_file = asyncio.run(ASGIHandler().read_body(queue.get))

    body_file.seek(0)
    assert body_file.read() == multipart_body(payload)


def test_an_empty_body_is_one_message():
    server = FakeServer()
    channel = http_protocol.HTTPFactory(server).buildProtocol(IPv4Address("TCP", "127.0.0.1", 8000))
    channel.makeConnection(StringTransport())
    channel.dataReceived(b"GET /files/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    (queue,) = server.queues

    _, messages = asyncio.run(receive_all(queue))

    assert messages == [{"type": "http.request", "body": b"", "more_body": False}]
    assert queue.empty()


def test_a_client_gone_mid_body_gets_the_application_a_disconnect_and_no_more_body():
    payload = b"z" * (2 * MIB)
    request, queue, channel = post(payload)

    async def scenario():
        first = await queue.get()
        channel.connectionLost(Failure(ConnectionDone()))  # Twisted closes the body's file
        after = await queue.get()
        return first, after

    first, after = asyncio.run(scenario())

    assert first["type"] == "http.request" and first["more_body"] is True
    assert after == {"type": "http.disconnect"}
    assert queue.empty()
    assert request.lazy_body.chunks_read == 1


def test_the_disconnect_comes_after_a_body_read_whole():
    _, queue, channel = post(b"w" * 300_000)

    async def scenario():
        received, _ = await receive_all(queue)
        channel.connectionLost(Failure(ConnectionDone()))
        return received, await queue.get()

    received, after = asyncio.run(scenario())

    assert received == multipart_body(b"w" * 300_000)
    assert after == {"type": "http.disconnect"}


def test_a_big_body_lets_the_event_loop_run_others_while_it_is_read(monkeypatch):
    monkeypatch.setattr(httpbody, "REST_EVERY", 8)
    payload = b"v" * (12 * MIB)
    _, queue, _ = post(payload)
    chunks = -(-len(multipart_body(payload)) // httpbody.BODY_CHUNK)

    received, during = asyncio.run(turns_of_another_task_while_reading(queue))

    assert received == multipart_body(payload)
    assert during >= chunks // 8 - 1  # one turn per rest, at least


def test_without_it_the_body_is_read_in_one_go_and_nothing_else_runs():
    """What the rests change (so the test above can fail): Daphne's queue never waits."""
    payload = b"v" * (2 * MIB)
    _, queue, _ = post(payload, factory_request=httpbody._DAPHNE_REQUEST)

    received, during = asyncio.run(turns_of_another_task_while_reading(queue))

    assert received == multipart_body(payload)
    assert during == 0


def test_a_twisted_without_the_switch_fails_the_start_up(monkeypatch):
    from twisted.web import http

    def old_init(self, channel, queued=None):
        pass

    monkeypatch.setattr(http.Request, "__init__", old_init)
    with pytest.raises(ImproperlyConfigured, match="parsePOSTFormSubmission"):
        httpbody.install()


def test_another_replacement_of_daphnes_send_fails_the_start_up(monkeypatch):
    async def other(self, protocol, message):
        pass

    monkeypatch.setattr(daphne_server.Server, "handle_reply", other)
    with pytest.raises(ImproperlyConfigured, match="handle_reply"):
        httpbody.install()


def test_another_replacement_of_daphnes_request_fails_the_start_up(monkeypatch):
    monkeypatch.setattr(http_protocol, "WebRequest", type("Other", (), {}))
    with pytest.raises(ImproperlyConfigured, match="another replacement"):
        httpbody.install()


@pytest.mark.parametrize(
    "name", ["WebRequest.process", "Server.create_application", "Server.handle_reply"]
)
def test_a_daphne_whose_code_changed_fails_the_start_up(monkeypatch, name):
    monkeypatch.setitem(httpbody.DAPHNE_SOURCES, name, "0" * 64)
    with pytest.raises(ImproperlyConfigured, match=name):
        httpbody.install()


def test_the_pinned_daphne_sources_are_this_daphnes():
    httpbody.check()  # what start-up runs: no error on the Daphne installed


# --- The response's pace: the application's send waits while the client does not read ------

RESPONSE_CHUNK = 64 * 1024


class ClientTransport(StringTransport):
    """A connection's transport as Twisted's TCP one behaves: once more than BUFFER bytes are
    written and not yet taken by the client, each write pauses its producer (the HTTP
    channel); the client's read takes what is there and resumes it."""

    BUFFER = 64 * 1024

    def __init__(self):
        super().__init__()
        self.unread = 0
        self.most_unread = 0

    def write(self, data):
        super().write(data)
        self.unread += len(data)
        self.most_unread = max(self.most_unread, self.unread)
        if self.producer is not None and self.unread > self.BUFFER:
            self.producer.pauseProducing()

    def writeSequence(self, data):
        self.write(b"".join(data))

    def client_reads(self) -> int:
        taken, self.unread = self.unread, 0
        if self.producer is not None:
            self.producer.resumeProducing()
        return taken


def streaming_app(chunks: int, progress: dict):
    """An ASGI application that sends `chunks` body chunks of RESPONSE_CHUNK bytes."""

    async def app(scope, receive, send):
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for i in range(chunks):
            await send(
                {"type": "http.response.body", "body": b"r" * RESPONSE_CHUNK, "more_body": True}
            )
            progress["sent"] = i + 1
        await send({"type": "http.response.body"})
        progress["done"] = True

    return app


def daphne_connection(app, request_factory=None):
    """Daphne's own Server and HTTP factory (with the application) on a ClientTransport, a GET
    received; run inside an event loop."""
    server = daphne_server.Server(app, endpoints=["tcp:port=0"], signal_handlers=False)
    server.connections = {}
    channel = http_protocol.HTTPFactory(server).buildProtocol(IPv4Address("TCP", "127.0.0.1", 8000))
    if request_factory is not None:
        channel.requestFactory = request_factory
    transport = ClientTransport()
    channel.makeConnection(transport)
    channel.dataReceived(b"GET /files/1/download/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    return server, channel, transport


async def settle(rounds: int = 200) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


def test_the_application_sends_no_faster_than_the_client_reads():
    progress = {"sent": 0, "done": False}

    async def scenario():
        server, _channel, transport = daphne_connection(streaming_app(100, progress))
        await settle()
        sent_while_not_read = progress["sent"]
        held_while_not_read = transport.unread
        received = transport.client_reads()
        while not progress["done"]:
            await settle(5)
            received += transport.client_reads()
        (request,) = server.connections
        return sent_while_not_read, held_while_not_read, received, transport, request

    sent_while_not_read, held, received, transport, request = asyncio.run(scenario())

    # Nobody read: the application stopped after the buffer filled, one chunk over it.
    assert sent_while_not_read <= 2
    assert held <= ClientTransport.BUFFER + RESPONSE_CHUNK + 1024
    assert transport.most_unread <= ClientTransport.BUFFER + RESPONSE_CHUNK + 1024
    # Then everything arrived, and the producer is gone with the response.
    assert received >= 100 * RESPONSE_CHUNK
    assert request.pacer.pauses >= 50
    assert request.producer is None and request.finished


def test_without_it_daphne_buffers_all_the_application_sends():
    """What the pace prevents (so the test above can fail): Daphne's own send."""
    progress = {"sent": 0, "done": False}

    async def scenario():
        _server, _channel, transport = daphne_connection(
            streaming_app(100, progress), request_factory=httpbody._DAPHNE_REQUEST
        )
        await settle()
        return progress["sent"], transport.unread

    sent, held = asyncio.run(scenario())

    assert sent == 100
    assert held >= 100 * RESPONSE_CHUNK


def test_a_client_gone_while_the_application_waits_releases_it():
    progress = {"sent": 0, "done": False}

    async def scenario():
        server, channel, _transport = daphne_connection(streaming_app(100, progress))
        await settle()
        (request,) = server.connections
        assert request.pacer.paused
        channel.connectionLost(Failure(ConnectionDone()))
        await settle()
        return request

    request = asyncio.run(scenario())

    # The send returned (the rest went nowhere: Daphne drops replies to a closed connection).
    assert progress["done"]
    assert not request.pacer.paused
