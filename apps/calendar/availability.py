"""People's working hours: the one way in and out of Availability and AvailabilityOverride.

Reading: `schedule_parts(user, ...)` gives what slots.Schedule is made of — the zone, the
weekly rule as seven tuples of (time, time) pairs (Monday first) and the date overrides in a
window — in two queries (the weekly row, the overrides); `schedules_parts(users, ...)` does the
same for several people (a link's participants) in two queries whatever their number. A person
with no row works Monday to Friday 9 to 18 (DEFAULT_WEEKLY) in their profile's zone.

Writing: `set_weekly`, `set_override`, `remove_override`. Each checks what it is given and
raises ValidationError naming the day that is wrong, so the page can show the error beside it;
intervals are stored sorted as ["HH:MM", "HH:MM"] pairs. A time is wall-clock time in the
person's zone; an end of midnight cannot be written (a day ends at 23:59), which keeps every
interval inside its own date — what the slot computation expects.

Errors come as a dict ValidationError: "timezone", "day_0".."day_6" (the weekly rule, Monday
first), "day" and "intervals" (an override), so a form maps each to its field.

Overrides of dates gone by are of no use to anyone (slots only look ahead) and are deleted when
the person next writes one; at most MAX_FUTURE_OVERRIDES lie ahead, so the list stays short
enough to show on one page and to read in one query.
"""

import re
import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from functools import lru_cache
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone as dj_timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from apps.core.templatetags.dates import babel_date

from .models import DEFAULT_WEEKLY, Availability, AvailabilityOverride

MAX_INTERVALS = 6
MAX_FUTURE_OVERRIDES = 366
# "09:00"; "09:00:00" too (a time input with seconds), as long as the seconds are zero.
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::00)?$")

Pair = tuple[time, time]


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    # available_timezones() walks tzdata's files on every call.
    return frozenset(zoneinfo.available_timezones())


def is_zone(name: object) -> bool:
    return isinstance(name, str) and name in _zones()


# --- Checking what is given -----------------------------------------------------------------


def _parse_time(value: object) -> time | None:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if not isinstance(value, str):
        return None
    match = _TIME.match(value.strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def span(start: time | str, end: time | str) -> str:
    """An interval as people write it: 09:00, an en dash, 13:00."""
    start = _hhmm(start) if isinstance(start, time) else start
    end = _hhmm(end) if isinstance(end, time) else end
    return f"{start}\N{EN DASH}{end}"


def clean_intervals(intervals: object, where: str) -> list[list[str]]:
    """The intervals of one day, checked and sorted: [["09:00", "13:00"], ...]. `where` names
    the day in the messages ("Monday", "12 May 2026"). Raises ValidationError (a list)."""
    if intervals is None:
        return []
    if isinstance(intervals, (str, bytes)) or not isinstance(intervals, Iterable):
        raise ValidationError(_("%(day)s: the hours are not a list."), params={"day": where})
    pairs: list[Pair] = []
    for pair in intervals:
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValidationError(
                _("%(day)s: each interval needs a start and an end."), params={"day": where}
            )
        start, end = _parse_time(pair[0]), _parse_time(pair[1])
        for raw, parsed in ((pair[0], start), (pair[1], end)):
            if parsed is None:
                raise ValidationError(
                    _("%(day)s: “%(value)s” is not a time; write it as HH:MM, e.g. 09:30."),
                    params={"day": where, "value": str(raw)[:20]},
                )
        if end <= start:
            raise ValidationError(
                _("%(day)s: the interval %(hours)s must end after it starts."),
                params={"day": where, "hours": span(start, end)},
            )
        pairs.append((start, end))
    if len(pairs) > MAX_INTERVALS:
        raise ValidationError(
            _("%(day)s: at most %(max)d intervals a day."),
            params={"day": where, "max": MAX_INTERVALS},
        )
    pairs.sort()
    for (a_start, a_end), (b_start, b_end) in pairwise(pairs):
        # Touching is fine (9 to 12 and 12 to 15); sharing a minute is not.
        if b_start < a_end:
            raise ValidationError(
                _("%(day)s: the intervals %(a)s and %(b)s overlap."),
                params={
                    "day": where,
                    "a": span(a_start, a_end),
                    "b": span(b_start, b_end),
                },
            )
    return [[_hhmm(start), _hhmm(end)] for start, end in pairs]


def clean_weekly(timezone: object, weekly: object) -> tuple[str, list[list[list[str]]]]:
    """(zone, weekly) checked and sorted, or a dict ValidationError: "timezone" and "day_N"
    (0 = Monday) with the day named in the message."""
    errors: dict[str, list] = {}
    if not is_zone(timezone):
        errors["timezone"] = [
            ValidationError(
                _("“%(zone)s” is not a time zone."), params={"zone": str(timezone)[:64]}
            )
        ]
    days: list[list[list[str]]] = []
    if isinstance(weekly, (str, bytes)) or not isinstance(weekly, Sequence) or len(weekly) != 7:
        errors["weekly"] = [ValidationError(_("The week needs seven days, Monday first."))]
    else:
        for index, intervals in enumerate(weekly):
            try:
                days.append(clean_intervals(intervals, str(WEEKDAYS[index])))
            except ValidationError as error:
                errors[f"day_{index}"] = error.error_list
    if errors:
        raise ValidationError(errors)
    return timezone, days


# --- Reading --------------------------------------------------------------------------------


def _times(intervals) -> tuple[Pair, ...]:
    """Stored pairs as times. Everything stored went through clean_intervals; a row edited by
    hand into something else counts as no hours rather than breaking the booking page."""
    try:
        return tuple((_parse_time(a), _parse_time(b)) for a, b in intervals or ())
    except (TypeError, ValueError):
        return ()


def _valid(pairs: tuple) -> tuple[Pair, ...]:
    return tuple(p for p in pairs if p[0] is not None and p[1] is not None and p[0] < p[1])


def _weekly_times(weekly) -> tuple[tuple[Pair, ...], ...]:
    if not isinstance(weekly, list) or len(weekly) != 7:
        weekly = DEFAULT_WEEKLY
    return tuple(_valid(_times(day)) for day in weekly)


def _zone(user, row: Availability | None) -> str:
    """The row's zone, else the profile's; UTC when neither is a zone (any more)."""
    for zone in (row.timezone if row is not None else None, user.timezone):
        if is_zone(zone):
            return zone
    return "UTC"


def _parts(user, row: Availability | None, overrides) -> tuple[str, tuple, dict]:
    weekly = _weekly_times(row.weekly if row is not None else DEFAULT_WEEKLY)
    return _zone(user, row), weekly, {o.day: _valid(_times(o.intervals)) for o in overrides}


def schedule_parts(user, *, overrides_from: date, overrides_to: date) -> tuple[str, tuple, dict]:
    """(zone, weekly, overrides) of one person: what slots.Schedule(timezone, weekly,
    overrides) takes. weekly: 7 tuples (Monday first) of (time, time) pairs; overrides:
    {date: pairs} for overrides_from <= date <= overrides_to, () for a day off. Two queries."""
    row = Availability.objects.filter(user=user).first()
    overrides = AvailabilityOverride.objects.filter(
        user=user, day__gte=overrides_from, day__lte=overrides_to
    )
    return _parts(user, row, overrides)


def schedules_parts(
    users: Iterable, *, overrides_from: date, overrides_to: date
) -> dict[int, tuple[str, tuple, dict]]:
    """{user id: (zone, weekly, overrides)} for several people (User objects: their profile's
    zone is the default), in two queries however many they are."""
    users = list(users)
    ids = [u.pk for u in users]
    rows = {a.user_id: a for a in Availability.objects.filter(user_id__in=ids)}
    overrides: dict[int, list] = {pk: [] for pk in ids}
    for o in AvailabilityOverride.objects.filter(
        user_id__in=ids, day__gte=overrides_from, day__lte=overrides_to
    ):
        overrides[o.user_id].append(o)
    return {u.pk: _parts(u, rows.get(u.pk), overrides[u.pk]) for u in users}


def schedule_of(user, *, overrides_from: date, overrides_to: date):
    """The person's slots.Schedule (slots.py is the free-slot computation's module)."""
    from .slots import Schedule

    return Schedule(*schedule_parts(user, overrides_from=overrides_from, overrides_to=overrides_to))


def weekly_of(user) -> tuple[str, list[list[list[str]]], bool]:
    """(zone, weekly as ["HH:MM", "HH:MM"] pairs, whether it is the default) for the
    working-hours page. One query."""
    row = Availability.objects.filter(user=user).first()
    weekly = _weekly_times(row.weekly if row is not None else DEFAULT_WEEKLY)
    as_text = [[[_hhmm(start), _hhmm(end)] for start, end in day] for day in weekly]
    return _zone(user, row), as_text, row is None


def zone_of(user) -> str:
    """The zone the person's working hours are in: theirs if set, else the profile's."""
    return _zone(user, Availability.objects.filter(user=user).only("timezone").first())


def today_for(zone: str, now: datetime | None = None) -> date:
    return (now or dj_timezone.now()).astimezone(zoneinfo.ZoneInfo(zone)).date()


def upcoming_overrides(user, today: date) -> list[AvailabilityOverride]:
    """The person's overrides from `today` on, by date (one query)."""
    return list(AvailabilityOverride.objects.filter(user=user, day__gte=today).order_by("day"))


# --- Writing --------------------------------------------------------------------------------


@transaction.atomic
def set_weekly(user, timezone: str, weekly: Sequence) -> Availability:
    """Save the person's weekly working hours in `timezone` (an IANA name): seven lists,
    Monday first, of ("HH:MM", "HH:MM") pairs ([] = not working that day)."""
    zone, days = clean_weekly(timezone, weekly)
    row, _created = Availability.objects.update_or_create(
        user=user, defaults={"timezone": zone, "weekly": days, "updated": dj_timezone.now()}
    )
    return row


def _day_name(day: date) -> str:
    return babel_date(day)


@transaction.atomic
def set_override(user, day: date, intervals: Sequence) -> AvailabilityOverride:
    """Working hours for one date instead of its weekday's ([] = a day off); replaces the
    date's earlier override. Dates before today (in the person's zone) are refused, and
    overrides of past dates are deleted here."""
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError({"day": [ValidationError(_("Pick a date."))]})
    today = today_for(zone_of(user))
    if day < today:
        raise ValidationError(
            {"day": [ValidationError(_("%(day)s has passed."), params={"day": _day_name(day)})]}
        )
    try:
        cleaned = clean_intervals(intervals, _day_name(day))
    except ValidationError as error:
        raise ValidationError({"intervals": error.error_list}) from None
    AvailabilityOverride.objects.filter(user=user, day__lt=today).delete()
    ahead = AvailabilityOverride.objects.filter(user=user, day__gte=today)
    if not ahead.filter(day=day).exists() and ahead.count() >= MAX_FUTURE_OVERRIDES:
        raise ValidationError(
            {
                "day": [
                    ValidationError(
                        _("You have %(max)d dates with their own hours already; remove one."),
                        params={"max": MAX_FUTURE_OVERRIDES},
                    )
                ]
            }
        )
    override, _created = AvailabilityOverride.objects.update_or_create(
        user=user, day=day, defaults={"intervals": cleaned}
    )
    return override


def remove_override(user, day: date) -> bool:
    """The date follows its weekday's hours again. True if there was an override."""
    deleted, _per_model = AvailabilityOverride.objects.filter(user=user, day=day).delete()
    return bool(deleted)
