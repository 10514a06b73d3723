"""Deadlines in the reader's time zone: a date and an optional time typed by a person are read
in their zone (the profile's), stored as an instant, and shown back in each reader's zone.

Daylight saving: a time that does not exist on the day the clocks go forward (02:30 in
Berlin on the last Sunday of March) is refused with a clear message, not silently moved; a
time that happens twice when they go back is the first of the two (fold=0), as calendar
programs take it."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# A deadline given as a day only ends the working day.
DEFAULT_TIME = time(18, 0)


def zone_of(user) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(user, "timezone", "") or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def combine(day: date | None, at: time | None, zone: ZoneInfo) -> datetime | None:
    """The instant of `day` at `at` (DEFAULT_TIME when None) in `zone`; None without a day."""
    if day is None:
        if at is not None:
            raise ValidationError(_("Give the deadline's date too, not only its time."))
        return None
    local = datetime.combine(day, at or DEFAULT_TIME).replace(tzinfo=zone, fold=0)
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


def split(deadline: datetime | None, zone: ZoneInfo) -> tuple[date | None, time | None]:
    """A stored deadline as the date and time a person in `zone` sees."""
    if deadline is None:
        return None, None
    local = deadline.astimezone(zone)
    return local.date(), local.time().replace(second=0, microsecond=0)


def is_overdue(deadline: datetime | None, status: str, now: datetime | None = None) -> bool:
    return deadline is not None and status != "done" and deadline < (now or timezone.now())


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants a local day spans in `zone` (23 or 25 hours on switch days)."""
    # In UTC: Python subtracts two times of one zone by their wall clocks.
    start = datetime.combine(day, time(0)).replace(tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0)).replace(tzinfo=zone).astimezone(UTC)
    return start, end
