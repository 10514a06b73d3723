"""Times in people's zones: what a person types (a date and a wall-clock time) is read in
their zone (the profile's) and stored as an instant; each reader sees it in their own.

Daylight saving: a time that does not exist on the day the clocks go forward (02:30 in
Berlin on the last Sunday of March) is refused with a clear message, not silently moved; a
time that happens twice when they go back is the first of the two (fold=0), as calendar
programs take it."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def zone_of(user) -> ZoneInfo:
    """The person's zone (the profile's); UTC when unset or unknown."""
    return zone_named(getattr(user, "timezone", "") or "UTC")


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def is_zone(name) -> bool:
    """Whether `name` is an IANA zone this machine knows (what a form may store)."""
    return isinstance(name, str) and name in _zones()


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def wall_time(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant of `day` at `at` in `zone`; a ValidationError for a time the clocks skip."""
    local = datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    # A wall time that does not exist (the hour skipped when clocks go forward) does not
    # come back the same from UTC.
    back = local.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValidationError(
            _(
                "%(time)s does not exist on %(date)s in your time zone (the clocks go forward "
                "that night). Choose another time."
            )
            % {"time": local.strftime("%H:%M"), "date": day.isoformat()}
        )
    return local


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants a local day spans in `zone` (23 or 25 hours on switch days)."""
    # In UTC: Python subtracts two times of one zone by their wall clocks.
    start = datetime.combine(day, time(0)).replace(tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0)).replace(tzinfo=zone).astimezone(UTC)
    return start, end
