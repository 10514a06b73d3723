"""Deadlines in the reader's time zone: a date and an optional time typed by a person are read
in their zone (the profile's), stored as an instant, and shown back in each reader's zone.

Daylight saving (apps/core/zones.py): a time the clocks skip is refused with a clear message;
a time that happens twice is the first of the two."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.zones import day_bounds, wall_time, zone_of

__all__ = ["day_bounds", "zone_of"]

# A deadline given as a day only ends the working day.
DEFAULT_TIME = time(18, 0)


def combine(day: date | None, at: time | None, zone: ZoneInfo) -> datetime | None:
    """The instant of `day` at `at` (DEFAULT_TIME when None) in `zone`; None without a day."""
    if day is None:
        if at is not None:
            raise ValidationError(_("Give the deadline's date too, not only its time."))
        return None
    return wall_time(day, at or DEFAULT_TIME, zone)


def split(deadline: datetime | None, zone: ZoneInfo) -> tuple[date | None, time | None]:
    """A stored deadline as the date and time a person in `zone` sees."""
    if deadline is None:
        return None, None
    local = deadline.astimezone(zone)
    return local.date(), local.time().replace(second=0, microsecond=0)


def is_overdue(deadline: datetime | None, status: str, now: datetime | None = None) -> bool:
    return deadline is not None and status != "done" and deadline < (now or timezone.now())
