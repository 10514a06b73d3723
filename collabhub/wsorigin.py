"""Which pages may open a WebSocket to the portal: its own, and no other.

Channels' AllowedHostsOriginValidator compares the Origin's host name with ALLOWED_HOSTS and
ignores scheme and port, so a page served by anything else on the same host (another port, or
plain http beside https) could open a socket with the visitor's session cookie. Here the Origin
must be one of the portal's own origins, compared whole (scheme, host and port), as Django's
CSRF check compares a form's Origin:

- the origin of SITE_URL (the address the portal is reached at, behind a proxy too);
- each of CSRF_TRUSTED_ORIGINS (a leading "*." matches subdomains, as in Django);
- the origin of the request itself: scheme (wss -> https, ws -> http; the proxy's
  SECURE_PROXY_SSL_HEADER is honoured) and the Host header, when that host is one of
  ALLOWED_HOSTS. This is what lets one machine be reached as localhost and 127.0.0.1, on
  whatever port it was started.

A socket without an Origin (not a browser's) is refused too.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(value: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin or URL, or None when it is not one."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin1")
    return None


def _trusted(origin: tuple[str, str, int], pattern: str) -> bool:
    wanted = _origin(pattern.replace("://*.", "://wildcard.", 1))
    if wanted is None:
        return False
    scheme, host, port = wanted
    if origin[0] != scheme or origin[2] != port:
        return False
    if "://*." in pattern:
        # As Django's CSRF check reads "*.example.com": the domain and its subdomains.
        return is_same_domain(origin[1], host.removeprefix("wildcard"))
    return origin[1] == host


def _request_scheme(scope) -> str:
    secure = scope.get("scheme") == "wss"
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        name, value = proxy
        header = name.removeprefix("HTTP_").replace("_", "-").lower().encode()
        forwarded = _header(scope, header)
        if forwarded is not None:
            secure = forwarded.split(",")[0].strip() == value
    return "https" if secure else "http"


def allowed(scope) -> bool:
    raw = _header(scope, b"origin")
    origin = _origin(raw) if raw else None
    if origin is None:
        return False
    own = [settings.SITE_URL, *settings.CSRF_TRUSTED_ORIGINS]
    if any(_trusted(origin, pattern) for pattern in own):
        return True
    host = _header(scope, b"host")
    if not host:
        return False
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    return _origin(f"{_request_scheme(scope)}://{host}") == origin


class OriginValidator:
    """ASGI middleware: a WebSocket from another origin is refused before anything else."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not allowed(scope):
            denier = WebsocketDenier()
            return await denier(scope, receive, send)
        return await self.application(scope, receive, send)
