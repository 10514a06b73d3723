"""System checks of the configuration (`manage.py check`, which `make run` runs before it
starts the server; Daphne runs none itself)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Warning, register

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _this_machine(host: str) -> bool:
    return host == "localhost" or host == "::1" or host.startswith("127.")


@register()
def site_url_port(app_configs=None, **kwargs) -> list[Warning]:
    """SITE_URL names this machine on another port than the one served (PORT): every link
    the portal writes (invitations, emails, the QR code) would lead nowhere. Behind a proxy
    SITE_URL names the proxy, whose port is its own, and is not compared."""
    port = getattr(settings, "PORT", None)
    if not port:
        return []
    try:
        parts = urlsplit(settings.SITE_URL)
        site_port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # not a URL: nothing to compare
        return []
    if not parts.hostname or not _this_machine(parts.hostname) or site_port == int(port):
        return []
    return [
        Warning(
            f"SITE_URL ({settings.SITE_URL}) is on port {site_port}, but the portal is "
            f"served on PORT {port}: links in invitations and emails will not reach it.",
            hint=f"Unset SITE_URL (it then follows PORT), or set it to http://127.0.0.1:{port}.",
            id="core.W001",
        )
    ]


@register()
def local_run_hosts(app_configs=None, **kwargs) -> list[Warning]:
    """LOCAL_RUN (`make run`) serves plain HTTP with cookies that are not marked secure: for
    this machine, not for a host name others reach."""
    if not getattr(settings, "LOCAL_RUN", False):
        return []
    others = [
        host
        for host in settings.ALLOWED_HOSTS
        if not _this_machine(host.strip("[]").lower()) and host != ".localhost"
    ]
    if not others:
        return []
    return [
        Warning(
            f"LOCAL_RUN is on while ALLOWED_HOSTS names {', '.join(others)}: LOCAL_RUN is for "
            "one machine over plain HTTP (a generated secret key, no HTTPS redirect, cookies "
            "not marked secure).",
            hint="In production unset LOCAL_RUN and set SECRET_KEY (see the README).",
            id="core.W002",
        )
    ]
