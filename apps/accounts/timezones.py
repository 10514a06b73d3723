"""The time zones a person picks from on the profile page.

Which zones: the canonical ones only. ``zoneinfo.available_timezones()`` holds ~600 names, many
of them obsolete aliases ("US/Eastern", "Europe/Kiev", "Asia/Calcutta") and fixed-offset or
POSIX-style zones ("Etc/GMT-3", "EST5EDT"). We keep the names under a geographic region
(Africa/, America/, ... Pacific/, and Arctic/Longyearbyen) that CLDR, as shipped by Babel, does
not list as an alias of another zone, plus "UTC". CLDR keeps zones that tzdata has merged into
links (Africa/Accra is a tzdata link to Africa/Abidjan since 2022, yet a country's own zone for
its people), which is why CLDR's alias table decides and not tzdata's links. Every zone kept is
in tzdata's zone.tab or zone1970.tab (checked by the tests).

How they read: the CLDR exemplar city in the user's language with the GMT offset now, e.g.
"Москва (GMT+3)" / "Moscow (GMT+3)", sorted by offset, then by label.

What is stored stays the IANA name. A name saved before (an alias) maps to its canonical zone
(``canonical``); a name with no canonical zone (e.g. "Etc/GMT-3") is offered as it is to the
person who has it, so their profile still validates.
"""

import zoneinfo
from datetime import datetime, timedelta
from functools import lru_cache

from babel import Locale
from babel.core import UnknownLocaleError, get_global
from babel.dates import get_timezone_location
from django.utils import timezone as dj_timezone
from django.utils.translation import get_language, to_locale

UTC = "UTC"
REGIONS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Arctic/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)
# The ways of writing UTC itself (CLDR calls it Etc/UTC and Etc/GMT).
_UTC_NAMES = {"Etc/UTC", "Etc/GMT"}


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    return get_global("zone_aliases")


@lru_cache(maxsize=1)
def canonical_zones() -> frozenset[str]:
    aliases = _aliases()
    zones = {
        name
        for name in zoneinfo.available_timezones()
        if name.startswith(REGIONS) and name not in aliases
    }
    return frozenset(zones | {UTC})


def canonical(name: str) -> str | None:
    """The canonical zone of a stored name (itself if canonical), or None when it has none."""
    zones = canonical_zones()
    if name in zones:
        return name
    target = _aliases().get(name, name)
    if target in _UTC_NAMES:
        return UTC
    return target if target in zones else None


def _offset_label(offset: timedelta, gmt_format: str) -> str:
    """GMT+3, GMT-3:30, GMT (CLDR's short localized GMT format)."""
    minutes = int(offset.total_seconds()) // 60
    if not minutes:
        return gmt_format.replace("%s", "").replace("{0}", "") or "GMT"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    text = f"{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return gmt_format.replace("%s", text).replace("{0}", text)


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(to_locale(language or "en"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _offset(name: str, now: datetime) -> timedelta:
    return now.astimezone(zoneinfo.ZoneInfo(name)).utcoffset() or timedelta(0)


def label(name: str, language: str | None = None, now: datetime | None = None) -> str:
    """One zone's label: "Moscow (GMT+3)"; a zone without a city shows its name."""
    locale = _locale(language or get_language() or "en")
    now = now or dj_timezone.now()
    gmt = locale.zone_formats.get("gmt", "GMT%s")
    if name == UTC or not name.startswith(REGIONS):
        city = "UTC" if name == UTC else name
    else:
        city = get_timezone_location(name, locale=locale, return_city=True)
    return f"{city} ({_offset_label(_offset(name, now), gmt)})"


@lru_cache(maxsize=16)
def _choices(language: str, hour: datetime) -> tuple[tuple[str, str], ...]:
    rows = [(_offset(name, hour), label(name, language, hour), name) for name in canonical_zones()]
    rows.sort(key=lambda row: (row[0], row[1].casefold()))
    return tuple((name, text) for _, text, name in rows)


def choices(language: str | None = None) -> list[tuple[str, str]]:
    """(IANA name, label) of the canonical zones in the language, by offset then label. The
    offsets are those of the current hour (daylight saving time moves them), cached per hour."""
    hour = dj_timezone.now().replace(minute=0, second=0, microsecond=0)
    return list(_choices(language or get_language() or "en", hour))
