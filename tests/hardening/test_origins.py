"""Issue 8, finding 8: a WebSocket is accepted only from the portal's own origins, compared
whole (scheme, host and port), with a valid session cookie or not."""

import pytest
from channels.testing import WebsocketCommunicator

from collabhub.asgi import application
from tests.chat.ws import (  # noqa: F401  (fixtures)
    TIMEOUT,
    channel_layer_of_its_own,
    session_cookie,
    ws_path,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def attempt(collab, user, origin: str | None, host: str | None = None, scheme="ws", extra=()):
    headers = [(b"cookie", (await session_cookie(user)).encode()), *extra]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if host is not None:
        headers.append((b"host", host.encode()))
    communicator = WebsocketCommunicator(application, ws_path(collab), headers=headers)
    communicator.scope["scheme"] = scheme
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    if connected:
        await communicator.disconnect()
    return connected


@pytest.fixture(autouse=True)
def portal(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
    settings.CSRF_TRUSTED_ORIGINS = []


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:9999",  # another port of the same host
        "https://localhost",  # another scheme
        "https://127.0.0.1:8000",  # same host and port, other scheme
        "http://127.0.0.1",  # default port
        "http://evil.example",
        "http://127.0.0.1:8000.evil.example",
        "null",
        "",
        "file://",
    ],
)
async def test_a_foreign_origin_is_refused(collab, member, origin):
    assert not await attempt(collab, member, origin, host="127.0.0.1:8000")


async def test_no_origin_is_refused(collab, member):
    assert not await attempt(collab, member, None, host="127.0.0.1:8000")


async def test_the_portals_own_address_is_accepted(collab, member):
    assert await attempt(collab, member, "http://127.0.0.1:8000")
    assert await attempt(collab, member, "HTTP://127.0.0.1:8000")


async def test_the_same_origin_as_the_request_is_accepted_on_an_allowed_host(collab, member):
    # One machine reached as localhost on another port (PORT=9000 make run).
    assert await attempt(collab, member, "http://localhost:9000", host="localhost:9000")
    # ...but not from another port of it.
    assert not await attempt(collab, member, "http://localhost:9001", host="localhost:9000")
    # ...and not on a host that is not allowed.
    assert not await attempt(collab, member, "http://evil.example", host="evil.example")


async def test_a_secure_socket_takes_the_https_origin_only(collab, member):
    assert await attempt(
        collab, member, "https://localhost:8443", host="localhost:8443", scheme="wss"
    )
    assert not await attempt(
        collab, member, "http://localhost:8443", host="localhost:8443", scheme="wss"
    )


async def test_behind_a_tls_proxy_the_forwarded_scheme_counts(settings, collab, member):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    forwarded = [(b"x-forwarded-proto", b"https")]

    assert await attempt(collab, member, "https://localhost", host="localhost", extra=forwarded)
    assert not await attempt(collab, member, "http://localhost", host="localhost", extra=forwarded)


async def test_trusted_origins_are_accepted_wildcards_included(settings, collab, member):
    settings.SITE_URL = "https://chat.example.com"
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.org", "https://partner.example.net:8443"]

    assert await attempt(collab, member, "https://chat.example.com")
    assert await attempt(collab, member, "https://eu.example.org")
    assert await attempt(collab, member, "https://partner.example.net:8443")
    assert not await attempt(collab, member, "http://chat.example.com")
    assert not await attempt(collab, member, "https://partner.example.net")
    assert not await attempt(collab, member, "https://example.org.evil.com")
