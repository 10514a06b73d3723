"""Free slots for booking links (like Calendly): which meeting times a link offers, computed from
the owner's working hours, everyone's busy time and the link's rules. Pure functions over aware
datetimes and zoneinfo, no database: the booking flow loads the rows, calls these, and calls
`is_free` again inside the booking's transaction, so the page and the re-check can never
disagree about what "free" means.

Semantics, in the order a candidate meets them:

- Working intervals. The schedule's hours are local wall-clock times in the schedule's zone
  (the link owner's, not the visitor's). A date's rule is its entry in `overrides` when there
  is one (it replaces the weekday's rule; `()` is a day off), else `weekly[date.weekday()]`.
  Each (start, end) pair lies within one local day with start < end; anything else (end before
  start, a zero-length pair, 24:00, times with a tzinfo, a week that is not 7 days, an override
  keyed by a datetime) is refused with ValueError rather than guessed at. The pairs are turned
  into UTC intervals, sorted and merged (09-12 and 12-17 make one 09-17 interval).
- Daylight saving. A local time that a switch skips (02:30 in Berlin on the last Sunday of
  March) moves forward to the first instant that exists, the moment of the switch (03:00 local);
  a time that happens twice (02:30 on the last Sunday of October) is the first of the two
  (fold=0), as calendar programs take it. So 01:00-05:00 is three real hours on the short day
  and five on the long one.
- Candidate starts are interval.start + k * increment, stepped in real elapsed time (UTC), and
  every slot is exactly `duration` of real time: on a 23- or 25-hour day no slot is stretched
  or squeezed, and with increment >= duration no two slots overlap. (With a smaller increment,
  say hour-long meetings every 30 minutes, overlapping offers are the point.) The grid is
  anchored at the working interval's start, never at `now`, so starts stay on :00 and :30.
- A slot [s, s + duration) lies entirely inside one working interval.
- Busy time: the slot widened by its buffers, [s - buffer_before, s + duration +
  buffer_after), overlaps no busy interval (half-open, so back-to-back is fine). `busy` is
  everyone's meetings - the owner's and any extra participants' - as one list in any zones;
  they are compared as instants. The buffers may reach outside working hours: a 16:30-17:00
  slot with a 30-minute buffer after it is still offered at the end of a 09-17 day unless a
  meeting starts before 17:30.
- Minimum notice: s >= now + min_notice.
- Horizon: the slot's start falls on a local date (schedule's zone) from today, the local date
  of `now`, to today + horizon_days, both included.
- Daily limit: `booked_per_day` maps the owner's local date to the bookings already made
  through this link that day; a day at or above `daily_limit` offers nothing. A day under the
  limit offers all its slots (not just limit - booked of them): which ones the visitors pick
  is theirs to choose, and each booking re-checks with `is_free`.

All results are Intervals in UTC (tzinfo=datetime.UTC). Naive datetimes anywhere are refused
with ValueError: a naive time has no instant, and guessing one is how bookings land an hour off.

Cost: the busy intervals are turned into the stretches where no start may fall (each widened by
the duration and the buffers), sorted and merged once; the candidates then walk them with one
forward-moving pointer and jump over each stretch, so free_slots is O(B log B + W + S) for B busy
intervals, W working intervals and S candidates - not O(S x B). Sixty days of 30-minute starts
against 500 busy intervals take a few milliseconds.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Interval:
    """Half-open [start, end) of aware datetimes (any zone; compared as instants)."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Schedule:
    """A person's working hours: `weekly` has 7 entries, Monday..Sunday, each a tuple of
    (time, time) pairs in local wall-clock time of `timezone` (an IANA name); `overrides` maps a
    date to the pairs that replace its weekday's rule, () for a day off."""

    timezone: str
    weekly: tuple
    overrides: dict


@dataclass(frozen=True)
class Rules:
    """A free-slot link's settings (see the module docstring for what each one means)."""

    duration: timedelta
    increment: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    min_notice: timedelta = timedelta(0)
    horizon_days: int = 14
    daily_limit: int | None = None


# --- Checking the input ---------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise ValueError(f"Time zone must be an IANA name, got {name!r}.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"Unknown time zone {name!r}.") from error


def _utc(moment: datetime, what: str) -> datetime:
    """`moment` as a UTC datetime, so that adding a timedelta adds real elapsed time (on a
    zoneinfo datetime it would add wall-clock time and be an hour off across a switch)."""
    if not isinstance(moment, datetime):
        raise ValueError(f"{what} must be a datetime, got {moment!r}.")
    if moment.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got naive {moment!r}.")
    return moment.astimezone(UTC)


def _check_pairs(pairs, where: str) -> None:
    if not isinstance(pairs, tuple | list):
        raise ValueError(f"{where}: expected a tuple of (start, end) time pairs, got {pairs!r}.")
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise ValueError(f"{where}: expected a (start, end) pair, got {pair!r}.")
        start, end = pair
        if not (isinstance(start, time) and isinstance(end, time)):
            raise ValueError(f"{where}: a pair must be two times, got {pair!r}.")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"{where}: times are local wall-clock times, without a tzinfo.")
        if not start < end:
            raise ValueError(
                f"{where}: a pair must start before it ends within one day, got "
                f"{start.isoformat()}-{end.isoformat()}."
            )


def _check_schedule(schedule: Schedule) -> ZoneInfo:
    zone = _zone(schedule.timezone)
    if not isinstance(schedule.weekly, tuple | list) or len(schedule.weekly) != 7:
        raise ValueError("A weekly schedule has 7 entries, Monday to Sunday.")
    for weekday, pairs in enumerate(schedule.weekly):
        _check_pairs(pairs, f"weekday {weekday}")
    for day, pairs in schedule.overrides.items():
        # A datetime is a date too, but never equal to one: its override would be ignored.
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ValueError(f"Overrides are keyed by date, got {day!r}.")
        _check_pairs(pairs, f"override {day.isoformat()}")
    return zone


def _check_rules(rules: Rules) -> None:
    for name in ("duration", "increment", "buffer_before", "buffer_after", "min_notice"):
        if not isinstance(getattr(rules, name), timedelta):
            raise ValueError(f"Rules.{name} must be a timedelta.")
    if rules.duration <= timedelta(0):
        raise ValueError("Rules.duration must be positive.")
    if rules.increment <= timedelta(0):
        raise ValueError("Rules.increment must be positive.")
    for name in ("buffer_before", "buffer_after", "min_notice"):
        if getattr(rules, name) < timedelta(0):
            raise ValueError(f"Rules.{name} must not be negative.")
    if not isinstance(rules.horizon_days, int) or rules.horizon_days < 0:
        raise ValueError("Rules.horizon_days must be a whole number of days, 0 or more.")
    limit = rules.daily_limit
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise ValueError("Rules.daily_limit must be None or a whole number, 0 or more.")


def _busy_utc(busy: Iterable[Interval]) -> list[tuple[datetime, datetime]]:
    """The busy intervals in UTC; empty ones are dropped (they overlap nothing), reversed ones
    refused (a meeting that ends before it starts is a bug upstream, not free time)."""
    result = []
    for interval in busy:
        start, end = _utc(interval.start, "busy start"), _utc(interval.end, "busy end")
        if end < start:
            raise ValueError(f"A busy interval ends before it starts: {interval!r}.")
        if start < end:
            result.append((start, end))
    return result


# --- Working hours --------------------------------------------------------------------------


def _offset_at(instant: int, zone: ZoneInfo) -> timedelta:
    return datetime.fromtimestamp(instant, UTC).astimezone(zone).utcoffset()


def _local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant of wall-clock `at` on `day` in `zone`: a skipped time moves forward to the
    switch (the first instant that exists after it), a repeated one is the first (fold=0)."""
    wall = datetime.combine(day, at.replace(fold=0))
    local = wall.replace(tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # In a gap zoneinfo reads fold=0 with the offset before the switch and fold=1 with the one
    # after (PEP 495), which bounds the switch: before_switch < switch <= after_switch. Switches
    # fall on whole seconds, so a binary search over seconds finds it in a dozen steps (only for
    # a pair that starts or ends inside a skipped hour, once or twice a year).
    offset_before = local.utcoffset()
    lower = math.floor((wall - local.replace(fold=1).utcoffset()).replace(tzinfo=UTC).timestamp())
    upper = math.ceil((wall - offset_before).replace(tzinfo=UTC).timestamp())
    while upper - lower > 1:
        middle = (lower + upper) // 2
        if _offset_at(middle, zone) == offset_before:
            lower = middle
        else:
            upper = middle
    return datetime.fromtimestamp(upper, UTC)


def _pairs_on(schedule: Schedule, day: date) -> tuple:
    if day in schedule.overrides:
        return schedule.overrides[day]
    return schedule.weekly[day.weekday()]


def _working(
    schedule: Schedule, zone: ZoneInfo, first: date, last: date
) -> list[tuple[datetime, datetime]]:
    """The merged UTC working intervals of the local dates first..last, unclipped (a slot's grid
    is anchored at its interval's real start)."""
    raw = []
    day = first
    while day <= last:
        for start, end in _pairs_on(schedule, day):
            begins, ends = _local_to_utc(day, start, zone), _local_to_utc(day, end, zone)
            # A pair wholly inside a skipped hour has no real time left.
            if begins < ends:
                raw.append((begins, ends))
        day += _DAY
    raw.sort()
    merged: list[tuple[datetime, datetime]] = []
    for begins, ends in raw:
        if merged and begins <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends))
        else:
            merged.append((begins, ends))
    return merged


def working_intervals(schedule: Schedule, start: datetime, end: datetime) -> list[Interval]:
    """The schedule's working time overlapping [start, end), as UTC intervals, sorted, merged
    (and clipped to [start, end))."""
    zone = _check_schedule(schedule)
    start, end = _utc(start, "start"), _utc(end, "end")
    if start >= end:
        return []
    # A day either side: a local day's hours need not fall within that day's UTC bounds.
    first = start.astimezone(zone).date() - _DAY
    last = end.astimezone(zone).date() + _DAY
    return [
        Interval(max(begins, start), min(ends, end))
        for begins, ends in _working(schedule, zone, first, last)
        if begins < end and start < ends
    ]


# --- Slots ----------------------------------------------------------------------------------


def _ceil_div(numerator: timedelta, denominator: timedelta) -> int:
    return -(-numerator // denominator)


def _blocked(
    busy: list[tuple[datetime, datetime]], rules: Rules
) -> list[tuple[datetime, datetime]]:
    """Where no slot may start, as sorted, merged OPEN intervals (lo, hi): a start s clashes with
    busy [b0, b1) exactly when s - buffer_before < b1 and b0 < s + duration + buffer_after."""
    # A start this far before a meeting would run (with its buffer after) into it.
    reach = rules.duration + rules.buffer_after
    spans = sorted((b0 - reach, b1 + rules.buffer_before) for b0, b1 in busy)
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in spans:
        # Open intervals that only touch leave the shared point free: keep them apart.
        if merged and lo < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


@dataclass(frozen=True)
class _Window:
    """What free_slots and is_free share, so they judge every candidate alike."""

    zone: ZoneInfo
    today: date
    last: date
    earliest: datetime
    daily_limit: int | None
    booked: Mapping[date, int]

    @classmethod
    def of(cls, rules, schedule, now, booked_per_day) -> "_Window":
        _check_rules(rules)
        zone = _check_schedule(schedule)
        now = _utc(now, "now")
        today = now.astimezone(zone).date()
        last = today + timedelta(days=rules.horizon_days)
        earliest = now + rules.min_notice
        return cls(zone, today, last, earliest, rules.daily_limit, booked_per_day or {})

    def offers_day(self, day: date) -> bool:
        if not self.today <= day <= self.last:
            return False
        return self.daily_limit is None or self.booked.get(day, 0) < self.daily_limit

    def working(self, schedule: Schedule) -> list[tuple[datetime, datetime]]:
        # A day either side, as in working_intervals; slots are then kept by their local date.
        return _working(schedule, self.zone, self.today - _DAY, self.last + _DAY)


def free_slots(
    rules: Rules,
    schedule: Schedule,
    busy: list[Interval],
    now: datetime,
    booked_per_day: dict[date, int] | None = None,
) -> list[Interval]:
    """Every bookable slot (UTC Intervals, sorted by start)."""
    window = _Window.of(rules, schedule, now, booked_per_day)
    blocked = _blocked(_busy_utc(busy), rules)
    duration, increment = rules.duration, rules.increment
    slots = []
    pointer = 0  # into blocked; only moves forward, as the candidates do
    for begins, ends in window.working(schedule):
        latest = ends - duration
        step = 0 if window.earliest <= begins else _ceil_div(window.earliest - begins, increment)
        start = begins + step * increment
        while start <= latest:
            while pointer < len(blocked) and blocked[pointer][1] <= start:
                pointer += 1
            if pointer < len(blocked) and blocked[pointer][0] < start:
                # Inside a blocked stretch: jump to the first grid start at or after its end.
                step = _ceil_div(blocked[pointer][1] - begins, increment)
                start = begins + step * increment
                continue
            if window.offers_day(start.astimezone(window.zone).date()):
                slots.append(Interval(start, start + duration))
            step += 1
            start = begins + step * increment
    return slots


def is_free(
    rules: Rules,
    schedule: Schedule,
    busy: list[Interval],
    now: datetime,
    slot: Interval,
    booked_per_day: dict[date, int] | None = None,
) -> bool:
    """Whether this exact slot is offered (used to re-check a booking inside its transaction):
    the same answer as `slot in free_slots(...)`, without listing them all."""
    window = _Window.of(rules, schedule, now, booked_per_day)
    start, end = _utc(slot.start, "slot start"), _utc(slot.end, "slot end")
    if end - start != rules.duration or start < window.earliest:
        return False
    if not window.offers_day(start.astimezone(window.zone).date()):
        return False
    inside = [
        begins
        for begins, ends in window.working(schedule)
        if begins <= start and end <= ends and (start - begins) % rules.increment == timedelta(0)
    ]
    if not inside:
        return False
    lo, hi = start - rules.buffer_before, end + rules.buffer_after
    return not any(b0 < hi and lo < b1 for b0, b1 in _busy_utc(busy))


def group_by_day(slots: list[Interval], tz: str) -> list[tuple[date, list[Interval]]]:
    """Slots grouped by the VIEWER's local date (the booking page shows days in the visitor's
    zone), days in order and slots by start within each; the slots themselves are unchanged."""
    zone = _zone(tz)
    days: dict[date, list[Interval]] = {}
    for slot in sorted(slots, key=lambda slot: _utc(slot.start, "slot start")):
        days.setdefault(_utc(slot.start, "slot start").astimezone(zone).date(), []).append(slot)
    return sorted(days.items(), key=lambda item: item[0])
