"""Daphne's HTTP requests leave form bodies to Django (collabhub/httpbody.py): Twisted's own
parse of a multipart body into request.args (the whole body in memory, several times over)
is off, and the application still gets every byte of the body."""

from types import SimpleNamespace

import pytest
from daphne import http_protocol
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

import collabhub.asgi  # noqa: F401  (installs it, as Daphne's import of the application does)
from collabhub import httpbody

BOUNDARY = "bench-boundary"


def multipart_post(payload: bytes) -> bytes:
    body = (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="a.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    head = (
        "POST /collabs/1/files/chat-upload/ HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


class FakeServer:
    """What Daphne's request asks of its server, recording the ASGI messages."""

    def __init__(self):
        self.requests = []
        self.messages = []
        self.root_path = ""
        self.request_buffer_size = 8192
        self.proxy_forwarded_address_header = None
        self.ws_factory = None

    def protocol_connected(self, protocol):
        self.requests.append(protocol)

    def protocol_disconnected(self, protocol):
        pass

    def create_application(self, protocol, scope):
        return SimpleNamespace(put_nowait=self.messages.append)


def serve(payload: bytes, factory_request=None):
    server = FakeServer()
    factory = http_protocol.HTTPFactory(server)
    channel = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 8000))
    if factory_request is not None:
        channel.requestFactory = factory_request
    channel.makeConnection(StringTransport())
    channel.dataReceived(multipart_post(payload))
    (request,) = server.requests
    received = b"".join(m["body"] for m in server.messages)
    return request, received


def test_the_application_installs_it():
    assert httpbody.installed()
    assert http_protocol.WebRequest is httpbody.UnparsedBodyRequest


def test_a_multipart_body_reaches_the_application_unparsed():
    payload = bytes(range(256)) * 200

    request, received = serve(payload)

    assert isinstance(request, httpbody.UnparsedBodyRequest)
    assert request.args == {}  # Twisted parsed nothing
    assert payload in received and received.endswith(f"--{BOUNDARY}--\r\n".encode())


def test_without_it_twisted_parses_the_whole_body_into_memory():
    """What the patch prevents (so the test above can fail): Daphne's own request."""
    payload = b"x" * 5000

    request, received = serve(payload, factory_request=httpbody._DAPHNE_REQUEST)

    assert request.args[b"file"] == [payload]
    assert payload in received


def test_a_twisted_without_the_switch_fails_the_start_up(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured
    from twisted.web import http

    def old_init(self, channel, queued=None):
        pass

    monkeypatch.setattr(http.Request, "__init__", old_init)
    with pytest.raises(ImproperlyConfigured, match="parsePOSTFormSubmission"):
        httpbody.install()


def test_another_replacement_of_daphnes_request_fails_the_start_up(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(http_protocol, "WebRequest", type("Other", (), {}))
    with pytest.raises(ImproperlyConfigured, match="another replacement"):
        httpbody.install()
