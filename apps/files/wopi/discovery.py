"""The office server's discovery document: which extensions it opens with which action
("edit", "view"), the editor's URL for each (urlsrc) and its proof keys.

It is fetched from settings.WOPI_DISCOVERY_URL (empty: no office server) and kept in the cache
for CACHE_SECONDS, shared by every process when the cache is Redis. A fetch that fails (the
server down, a timeout, a document we cannot read) is logged and remembered for
FAILURE_SECONDS as "no office server right now", so pages do not wait on a dead server again
and again.

Listings never fetch: `cached()` reads the cache only (the "Edit online" action asks it for
every file of a listing), and keeps what it read in the process for LOCAL_SECONDS, so a listing
of many files reads the cache once (with Redis, a read is a round trip). When nothing is cached
it starts one fetch in a background thread (`warm`), so the action shows on the next listing.
The host page and the WOPI endpoints fetch when they need to (`get`).
"""

import hashlib
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

CACHE_SECONDS = 3600
FAILURE_SECONDS = 60
TIMEOUT = 5
# Microsoft's document is about 300 KB; anything far larger is not a discovery document.
MAX_BYTES = 4 * 1024 * 1024
# Which net zone's URLs to use when the document has several (Microsoft's has four):
# external before internal (the browser must reach the editor), HTTPS before HTTP.
ZONES = ("external-https", "internal-https", "external-http", "internal-http")
# The actions the host page uses, in order of preference.
EDIT, VIEW = "edit", "view"

_UNAVAILABLE = "unavailable"
# How long a process keeps what `cached()` read before reading the cache again.
LOCAL_SECONDS = 30
# (discovery URL, until when (monotonic), what was read)
_local: tuple[str, float, "Discovery | None"] | None = None


@dataclass(frozen=True)
class Discovery:
    # extension (lower case, no dot) -> action name -> urlsrc
    actions: dict[str, dict[str, str]]
    # The proof keys as base64 (modulus, exponent); None when the document has none.
    proof_key: tuple[str, str] | None = None
    old_proof_key: tuple[str, str] | None = None
    fetched: float = field(default_factory=time.time)

    def action_for(self, extension: str, names=(EDIT, VIEW)) -> tuple[str, str] | None:
        """(action name, urlsrc) for the first of `names` the server offers for the
        extension; None when it offers none."""
        offered = self.actions.get(extension.lower().lstrip("."), {})
        for name in names:
            if name in offered:
                return name, offered[name]
        return None


def configured() -> bool:
    return bool(settings.WOPI_DISCOVERY_URL)


def _key() -> str:
    digest = hashlib.sha256(settings.WOPI_DISCOVERY_URL.encode()).hexdigest()[:16]
    return f"files:wopi:discovery:{digest}"


def cached() -> Discovery | None:
    """What the cache holds (no network): None without an office server, when the last
    fetch failed, or when nothing is cached yet (then a background fetch is started)."""
    if not configured():
        return None
    url, now = settings.WOPI_DISCOVERY_URL, time.monotonic()
    if _local is not None and _local[0] == url and _local[1] > now:
        return _local[2]
    found = cache.get(_key())
    value = found if isinstance(found, Discovery) else None
    _remember(url, value)
    if found is None:
        warm()
    return value


def _remember(url: str, value: "Discovery | None") -> None:
    global _local
    _local = (url, time.monotonic() + LOCAL_SECONDS, value)


def forget() -> None:
    """Drop what is cached (the tests, and an operator changing office servers)."""
    global _local
    _local = None
    if configured():
        cache.delete(_key())
        cache.delete(_key() + ":warming")


def get(*, force: bool = False) -> Discovery | None:
    """The discovery document, fetched when not cached (or when `force`); None without an
    office server or when it cannot be fetched now."""
    if not configured():
        return None
    if not force:
        found = cache.get(_key())
        if found is not None:
            return found if isinstance(found, Discovery) else None
    return refresh()


def refresh() -> Discovery | None:
    """Fetch the document now and cache what came (or the failure)."""
    url = settings.WOPI_DISCOVERY_URL
    try:
        found = parse(_fetch(url))
    except (OSError, ValueError, ElementTree.ParseError) as exc:
        logger.warning("WOPI discovery from %s failed: %s", url, exc)
        cache.set(_key(), _UNAVAILABLE, FAILURE_SECONDS)
        _remember(url, None)
        return None
    cache.set(_key(), found, CACHE_SECONDS)
    _remember(url, found)
    return found


_warming = threading.Lock()
_last_thread: threading.Thread | None = None


def warm() -> None:
    """Start one background fetch, unless one started less than FAILURE_SECONDS ago (in any
    process sharing the cache)."""
    global _last_thread
    if not cache.add(_key() + ":warming", 1, FAILURE_SECONDS):
        return
    with _warming:
        _last_thread = threading.Thread(target=refresh, name="wopi-discovery", daemon=True)
        _last_thread.start()


def _fetch(url: str) -> bytes:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("WOPI_DISCOVERY_URL must be an http or https URL")
    request = urllib.request.Request(url, headers={"Accept": "text/xml, application/xml"})  # noqa: S310 (scheme checked)
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
        if response.status != 200:
            raise ValueError(f"the server answered {response.status}")
        body = response.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        raise ValueError("the document is too large")
    return body


def parse(xml: bytes) -> Discovery:
    """Read a discovery document. The document comes from the office server the operator
    configured; Python's expat (2.4.1 and later) refuses entity expansion bombs and
    ElementTree never loads external entities."""
    root = ElementTree.fromstring(xml)  # noqa: S314 (see the docstring)
    if root.tag != "wopi-discovery":
        raise ValueError("not a WOPI discovery document")
    zones = {zone.get("name", ""): zone for zone in root.findall("net-zone")}
    ordered = [zones[name] for name in ZONES if name in zones]
    ordered += [zone for name, zone in zones.items() if name not in ZONES]
    actions: dict[str, dict[str, str]] = {}
    for zone in ordered:
        for action in zone.iter("action"):
            extension = (action.get("ext") or "").strip().lower()
            name = (action.get("name") or "").strip()
            urlsrc = (action.get("urlsrc") or "").strip()
            if extension and name and urlsrc.startswith(("https://", "http://")):
                actions.setdefault(extension, {}).setdefault(name, urlsrc)
    if not actions:
        raise ValueError("the document offers no action")
    proof = root.find("proof-key")
    current = old = None
    if proof is not None:
        if proof.get("modulus") and proof.get("exponent"):
            current = (proof.get("modulus"), proof.get("exponent"))
        if proof.get("oldmodulus") and proof.get("oldexponent"):
            old = (proof.get("oldmodulus"), proof.get("oldexponent"))
    return Discovery(actions=actions, proof_key=current, old_proof_key=old)


# "<ui=UI_LLCC&>": an optional query parameter, filled when we know its value, dropped if not.
_PLACEHOLDER = re.compile(r"<(?P<name>[^<>=]+)=(?P<value>[A-Z_]+)&?>")


def language_tag(language: str) -> str:
    """A language code as the office servers take it: "en" -> "en-US", "pt-br" -> "pt-BR"."""
    language = (language or settings.LANGUAGE_CODE or "en").replace("_", "-")
    base, _dash, region = language.partition("-")
    if not region:
        region = {"en": "US"}.get(base.lower(), base)
    return f"{base.lower()}-{region.upper()}"


def editor_url(urlsrc: str, wopi_src: str, language: str) -> str:
    """The editor's URL for a file: urlsrc with its placeholders filled (the language, the
    WOPISrc) or dropped, and WOPISrc added when urlsrc has no placeholder for it (Collabora's
    ends with "?" and expects it appended, with `lang`)."""
    tag = language_tag(language)
    values = {"UI_LLCC": tag, "DC_LLCC": tag, "WOPI_SOURCE": wopi_src}
    had = set(_PLACEHOLDER.findall(urlsrc))
    names = {value for _name, value in had}

    def fill(match: re.Match) -> str:
        value = values.get(match["value"])
        return f"{match['name']}={quote(value, safe='')}&" if value else ""

    url = _PLACEHOLDER.sub(fill, urlsrc)
    extra = []
    if "WOPI_SOURCE" not in names:
        extra.append(f"WOPISrc={quote(wopi_src, safe='')}")
    if "UI_LLCC" not in names:
        extra.append(f"lang={quote(tag, safe='')}")
    url = url.rstrip("&")
    if extra:
        if "?" not in url:
            url += "?"
        elif not url.endswith("?"):
            url += "&"
        url += "&".join(extra)
    return url.rstrip("?&")


def origin(url: str) -> str:
    """scheme://host[:port] of a URL (for the host page's CSP)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
