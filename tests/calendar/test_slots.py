"""The free-slot computation behind booking links (apps/calendar/slots.py): plain functions, no
database. Examples pin the instants on ordinary days, both daylight-saving switches in Berlin
and New York, and zones off the hour; property tests check the invariants on random zones,
schedules, busy time and rules, and compare the fast walk with a slow obvious one."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.calendar.slots import (
    Interval,
    Rules,
    Schedule,
    free_slots,
    group_by_day,
    is_free,
    working_intervals,
)

BERLIN = ZoneInfo("Europe/Berlin")
MOSCOW = ZoneInfo("Europe/Moscow")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def hours(*spans: tuple[int, int]) -> tuple:
    """Working-hour pairs from whole hours: hours((9, 17)) is 09:00-17:00."""
    return tuple((time(start), time(end)) for start, end in spans)


def weekdays(pairs: tuple) -> tuple:
    """The same hours Monday to Friday, weekends off."""
    return (pairs,) * 5 + ((), ())


def schedule(zone: str, weekly: tuple, overrides: dict | None = None) -> Schedule:
    return Schedule(timezone=zone, weekly=weekly, overrides=overrides or {})


def starts(slots: list[Interval]) -> list[datetime]:
    return [slot.start for slot in slots]


def assert_well_formed(slots: list[Interval], duration: timedelta) -> None:
    """Exactly `duration` of real time each, in UTC, sorted and (increment == duration in the
    callers) never overlapping."""
    for slot in slots:
        assert slot.start.tzinfo is UTC and slot.end.tzinfo is UTC
        assert slot.end - slot.start == duration
    for earlier, later in pairwise(slots):
        assert earlier.end <= later.start


# Monday 2 March 2026.
MONDAY = date(2026, 3, 2)
NINE_TO_FIVE = weekdays(hours((9, 17)))


# --- Zones and daylight saving --------------------------------------------------------------


def test_a_moscow_day_offers_every_half_hour_of_its_working_hours():
    rules = Rules(duration=HOUR, increment=timedelta(minutes=30), horizon_days=0)
    now = datetime(2026, 3, 2, 0, 0, tzinfo=MOSCOW)

    slots = free_slots(rules, schedule("Europe/Moscow", NINE_TO_FIVE), [], now)

    # Moscow is UTC+3 all year: 09:00-17:00 is 06:00-14:00 UTC; the last hour starts at 13:00.
    assert starts(slots) == [utc(2026, 3, 2, 6) + k * timedelta(minutes=30) for k in range(15)]
    assert_well_formed(slots[::2], HOUR)
    assert all(slot.end - slot.start == HOUR for slot in slots)


SWITCH_DAYS = [
    # zone, the day, the real hours in 01:00-05:00 local, their UTC starts, 09:00 local in UTC
    pytest.param(
        "Europe/Berlin",
        date(2026, 3, 29),
        [utc(2026, 3, 29, 0), utc(2026, 3, 29, 1), utc(2026, 3, 29, 2)],
        utc(2026, 3, 29, 7),
        id="berlin-spring",
    ),
    pytest.param(
        "Europe/Berlin",
        date(2026, 10, 25),
        [utc(2026, 10, 24, 23)] + [utc(2026, 10, 25, h) for h in range(4)],
        utc(2026, 10, 25, 8),
        id="berlin-autumn",
    ),
    pytest.param(
        "America/New_York",
        date(2026, 3, 8),
        [utc(2026, 3, 8, 6), utc(2026, 3, 8, 7), utc(2026, 3, 8, 8)],
        utc(2026, 3, 8, 13),
        id="new-york-spring",
    ),
    pytest.param(
        "America/New_York",
        date(2026, 11, 1),
        [utc(2026, 11, 1, h) for h in range(5, 10)],
        utc(2026, 11, 1, 14),
        id="new-york-autumn",
    ),
]


@pytest.mark.parametrize(("zone", "day", "night_starts", "nine"), SWITCH_DAYS)
def test_on_a_switch_day_slots_are_real_hours_long(zone, day, night_starts, nine):
    # Every day 01:00-05:00 (across the switch) and 09:00-17:00 (after it).
    every_day = (hours((1, 5), (9, 17)),) * 7
    rules = Rules(duration=HOUR, increment=HOUR, horizon_days=0)
    now = datetime.combine(day, time(0), ZoneInfo(zone))

    slots = free_slots(rules, schedule(zone, every_day), [], now)

    # 01:00-05:00 is 3 real hours on the short day and 5 on the long one; 09-17 is always 8.
    assert starts(slots) == night_starts + [nine + k * HOUR for k in range(8)]
    assert_well_formed(slots, HOUR)


@pytest.mark.parametrize(("zone", "day", "night_starts", "nine"), SWITCH_DAYS)
def test_on_a_switch_day_short_slots_tile_the_real_time(zone, day, night_starts, nine):
    every_day = (hours((1, 5), (9, 17)),) * 7
    rules = Rules(duration=timedelta(minutes=20), increment=timedelta(minutes=20), horizon_days=0)
    now = datetime.combine(day, time(0), ZoneInfo(zone))

    slots = free_slots(rules, schedule(zone, every_day), [], now)

    # Three 20-minute slots in each real hour, none stretched over the switch.
    assert len(slots) == 3 * (len(night_starts) + 8)
    assert slots[0].start == night_starts[0]
    assert_well_formed(slots, timedelta(minutes=20))


def test_hours_that_start_in_the_skipped_hour_start_at_the_switch():
    # 02:30 does not exist in Berlin on 29 March 2026: the clocks go from 02:00 to 03:00.
    rules = Rules(duration=timedelta(minutes=30), increment=timedelta(minutes=30), horizon_days=0)
    sunday = (((time(2, 30), time(4, 0)),),) * 7
    now = datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)

    slots = free_slots(rules, schedule("Europe/Berlin", sunday), [], now)

    # From 03:00 CEST (01:00 UTC), the switch itself, to 04:00 CEST.
    assert starts(slots) == [utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30)]


def test_hours_that_start_in_the_repeated_hour_start_at_its_first_pass():
    # 02:30 happens twice in Berlin on 25 October 2026; the first time is 02:30 CEST.
    rules = Rules(duration=timedelta(minutes=30), increment=timedelta(minutes=30), horizon_days=0)
    sunday = (((time(2, 30), time(3, 0)),),) * 7
    now = datetime(2026, 10, 25, 0, 0, tzinfo=BERLIN)

    slots = free_slots(rules, schedule("Europe/Berlin", sunday), [], now)

    # 02:30 CEST is 00:30 UTC; 03:00 CET is 02:00 UTC: the hour and a half in between is work.
    assert starts(slots) == [utc(2026, 10, 25, 0, 30) + k * timedelta(minutes=30) for k in range(3)]


def test_kolkata_half_hour_offset_puts_slots_at_the_right_instants():
    rules = Rules(duration=timedelta(minutes=45), increment=timedelta(minutes=45), horizon_days=0)
    now = datetime(2026, 3, 2, 0, 0, tzinfo=ZoneInfo("Asia/Kolkata"))

    slots = free_slots(rules, schedule("Asia/Kolkata", NINE_TO_FIVE), [], now)

    # +05:30: 09:00 is 03:30 UTC, and 17:00 (11:30 UTC) leaves room for ten 45-minute slots.
    assert starts(slots) == [utc(2026, 3, 2, 3, 30) + k * timedelta(minutes=45) for k in range(10)]
    assert slots[-1].end == utc(2026, 3, 2, 11, 0)


def test_hours_wholly_inside_the_skipped_hour_are_no_time_at_all():
    sunday = (((time(2, 10), time(2, 50)), (time(9), time(10))),) * 7
    berlin = schedule("Europe/Berlin", sunday)

    intervals = working_intervals(berlin, utc(2026, 3, 28, 23), utc(2026, 3, 29, 23))

    assert intervals == [Interval(utc(2026, 3, 29, 7), utc(2026, 3, 29, 8))]


def test_working_intervals_are_utc_sorted_merged_and_clipped():
    weekly = weekdays(hours((13, 17), (9, 12), (12, 13)))
    berlin = schedule("Europe/Berlin", weekly)

    intervals = working_intervals(
        berlin, datetime(2026, 3, 2, 10, tzinfo=BERLIN), datetime(2026, 3, 4, 0, tzinfo=BERLIN)
    )

    assert intervals == [
        Interval(utc(2026, 3, 2, 9), utc(2026, 3, 2, 16)),
        Interval(utc(2026, 3, 3, 8), utc(2026, 3, 3, 16)),
    ]
    assert all(i.start.tzinfo is UTC for i in intervals)


def test_merged_hours_offer_slots_across_the_seam():
    weekly = weekdays(hours((9, 12), (12, 17)))
    rules = Rules(duration=HOUR, increment=timedelta(minutes=30), horizon_days=0)
    now = datetime(2026, 3, 2, 0, 0, tzinfo=MOSCOW)

    slots = free_slots(rules, schedule("Europe/Moscow", weekly), [], now)

    assert Interval(utc(2026, 3, 2, 8, 30), utc(2026, 3, 2, 9, 30)) in slots  # 11:30-12:30 local


# --- Busy time, buffers, notice, horizon, limits ---------------------------------------------


MOSCOW_DAY = Rules(duration=timedelta(minutes=30), increment=timedelta(minutes=15), horizon_days=0)
MOSCOW_MORNING = datetime(2026, 3, 2, 0, 0, tzinfo=MOSCOW)


def moscow_starts(rules: Rules, busy: list[Interval], **kwargs) -> list[time]:
    """The offered starts as Moscow wall-clock times."""
    slots = free_slots(
        rules, schedule("Europe/Moscow", NINE_TO_FIVE), busy, MOSCOW_MORNING, **kwargs
    )
    return [slot.start.astimezone(MOSCOW).time() for slot in slots]


def test_buffers_keep_distance_before_and_after_a_busy_meeting():
    meeting = Interval(
        datetime(2026, 3, 2, 12, 0, tzinfo=MOSCOW), datetime(2026, 3, 2, 13, 0, tzinfo=MOSCOW)
    )
    rules = Rules(
        duration=timedelta(minutes=30),
        increment=timedelta(minutes=15),
        buffer_before=timedelta(minutes=15),
        buffer_after=timedelta(minutes=30),
        horizon_days=0,
    )

    offered = moscow_starts(rules, [meeting])

    # A slot needs 30 minutes free after it before the meeting: the last one ends at 11:30...
    assert time(11, 0) in offered and time(11, 15) not in offered
    # ...and 15 minutes free before it after the meeting: the first one starts at 13:15.
    assert time(13, 0) not in offered and time(13, 15) in offered
    assert not [t for t in offered if time(11, 15) <= t < time(13, 15)]


def test_without_buffers_slots_touch_the_meeting():
    meeting = Interval(
        datetime(2026, 3, 2, 12, 0, tzinfo=MOSCOW), datetime(2026, 3, 2, 13, 0, tzinfo=MOSCOW)
    )

    offered = moscow_starts(MOSCOW_DAY, [meeting])

    assert time(11, 30) in offered and time(11, 45) not in offered
    assert time(12, 45) not in offered and time(13, 0) in offered


def test_buffers_may_reach_outside_working_hours():
    rules = Rules(
        duration=timedelta(minutes=30),
        increment=timedelta(minutes=30),
        buffer_before=HOUR,
        buffer_after=HOUR,
        horizon_days=0,
    )
    after_work = Interval(
        datetime(2026, 3, 2, 17, 30, tzinfo=MOSCOW), datetime(2026, 3, 2, 18, 0, tzinfo=MOSCOW)
    )

    assert moscow_starts(rules, [])[0] == time(9, 0)
    assert moscow_starts(rules, [])[-1] == time(16, 30)
    # A meeting after hours still needs its buffer: 16:00-16:30 + 1 h reaches 17:30, not 16:30.
    assert moscow_starts(rules, [after_work])[-1] == time(16, 0)


def test_a_second_persons_busy_time_is_just_more_busy_time():
    organizer = Interval(
        datetime(2026, 3, 2, 10, 0, tzinfo=MOSCOW), datetime(2026, 3, 2, 11, 0, tzinfo=MOSCOW)
    )
    # The participant keeps their calendar in Tokyo: 20:00-21:00 there is 14:00-15:00 in Moscow.
    participant = Interval(
        datetime(2026, 3, 2, 20, 0, tzinfo=TOKYO), datetime(2026, 3, 2, 21, 0, tzinfo=TOKYO)
    )

    alone = moscow_starts(MOSCOW_DAY, [organizer])
    together = moscow_starts(MOSCOW_DAY, [organizer, participant])

    assert time(14, 0) in alone
    assert [t for t in alone if t not in together] == [
        time(13, 45),
        time(14, 0),
        time(14, 15),
        time(14, 30),
        time(14, 45),
    ]
    assert time(10, 0) not in together and time(10, 30) not in together


def test_busy_time_in_any_order_and_overlapping_counts_the_same():
    meetings = [
        Interval(utc(2026, 3, 2, 9), utc(2026, 3, 2, 10)),
        Interval(utc(2026, 3, 2, 7), utc(2026, 3, 2, 8)),
        Interval(utc(2026, 3, 2, 7, 30), utc(2026, 3, 2, 9, 15)),
        Interval(utc(2026, 3, 2, 11), utc(2026, 3, 2, 11)),  # empty: blocks nothing
    ]

    offered = moscow_starts(MOSCOW_DAY, meetings)

    # Busy 10:00-13:00 Moscow in three overlapping pieces.
    assert time(9, 30) in offered and time(9, 45) not in offered
    assert time(12, 45) not in offered and time(13, 0) in offered
    assert time(14, 0) in offered


def test_a_gap_exactly_one_slot_and_its_buffers_wide_offers_that_slot():
    rules = Rules(
        duration=timedelta(minutes=30),
        increment=timedelta(minutes=15),
        buffer_before=timedelta(minutes=15),
        buffer_after=timedelta(minutes=15),
        horizon_days=0,
    )
    # 11:00-12:00 free: 15 minutes of buffer, the 30-minute slot at 11:15, 15 more of buffer.
    meetings = [
        Interval(utc(2026, 3, 2, 6), utc(2026, 3, 2, 8)),
        Interval(utc(2026, 3, 2, 9), utc(2026, 3, 2, 14)),
    ]

    assert moscow_starts(rules, meetings) == [time(11, 15)]
    # A minute less and nothing fits.
    meetings[1] = Interval(utc(2026, 3, 2, 8, 59), utc(2026, 3, 2, 14))
    assert moscow_starts(rules, meetings) == []


def test_minimum_notice_keeps_the_grid():
    rules = Rules(
        duration=timedelta(minutes=30),
        increment=timedelta(minutes=30),
        min_notice=timedelta(hours=2),
        horizon_days=0,
    )
    berlin = schedule("Europe/Berlin", NINE_TO_FIVE)

    late = free_slots(rules, berlin, [], datetime(2026, 3, 2, 10, 7, tzinfo=BERLIN))
    exact = free_slots(rules, berlin, [], datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN))

    # Not 12:07: the next start on the half-hour grid.
    assert late[0].start == datetime(2026, 3, 2, 12, 30, tzinfo=BERLIN)
    # Exactly the notice is enough.
    assert exact[0].start == datetime(2026, 3, 2, 12, 0, tzinfo=BERLIN)


def test_horizon_includes_its_last_day_and_not_the_next():
    every_day = (hours((9, 17)),) * 7
    rules = Rules(duration=HOUR, increment=HOUR, horizon_days=3)
    now = datetime(2026, 3, 2, 10, 0, tzinfo=MOSCOW)

    slots = free_slots(rules, schedule("Europe/Moscow", every_day), [], now)

    days = sorted({slot.start.astimezone(MOSCOW).date() for slot in slots})
    assert days == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)]
    assert slots[-1].start == datetime(2026, 3, 5, 16, 0, tzinfo=MOSCOW)


def test_today_is_the_schedules_local_date():
    every_day = (hours((9, 17)),) * 7
    rules = Rules(duration=HOUR, increment=HOUR, horizon_days=0)
    # Still 1 March in UTC, already 2 March (01:30) in Moscow.
    now = utc(2026, 3, 1, 22, 30)

    slots = free_slots(rules, schedule("Europe/Moscow", every_day), [], now)

    assert {slot.start.astimezone(MOSCOW).date() for slot in slots} == {date(2026, 3, 2)}
    assert len(slots) == 8


def test_a_day_at_its_limit_offers_nothing():
    rules = Rules(duration=HOUR, increment=HOUR, horizon_days=2, daily_limit=2)
    booked = {date(2026, 3, 3): 2, date(2026, 3, 4): 1}

    slots = free_slots(
        rules, schedule("Europe/Moscow", NINE_TO_FIVE), [], MOSCOW_MORNING, booked_per_day=booked
    )
    per_day = {}
    for slot in slots:
        day = slot.start.astimezone(MOSCOW).date()
        per_day[day] = per_day.get(day, 0) + 1

    # Monday has none booked, Tuesday is full, Wednesday is under the limit: all its 8 slots.
    assert per_day == {date(2026, 3, 2): 8, date(2026, 3, 4): 8}


def test_without_a_limit_bookings_do_not_matter():
    rules = Rules(duration=HOUR, increment=HOUR, horizon_days=2)
    booked = {date(2026, 3, 3): 50}

    slots = free_slots(
        rules, schedule("Europe/Moscow", NINE_TO_FIVE), [], MOSCOW_MORNING, booked_per_day=booked
    )

    assert len(slots) == 24


def test_overrides_add_a_saturday_and_take_a_weekday_off():
    overrides = {
        date(2026, 3, 4): (),  # Wednesday off
        date(2026, 3, 5): hours((13, 15)),  # Thursday: only the afternoon
        date(2026, 3, 7): hours((10, 12)),  # Saturday: two hours
    }
    rules = Rules(duration=HOUR, increment=HOUR, horizon_days=6)

    slots = free_slots(
        rules, schedule("Europe/Moscow", NINE_TO_FIVE, overrides), [], MOSCOW_MORNING
    )
    local = [slot.start.astimezone(MOSCOW) for slot in slots]

    assert not [t for t in local if t.date() == date(2026, 3, 4)]
    assert [t.hour for t in local if t.date() == date(2026, 3, 5)] == [13, 14]
    assert [t.hour for t in local if t.date() == date(2026, 3, 7)] == [10, 11]
    assert not [t for t in local if t.date() == date(2026, 3, 8)]  # Sunday, no override
    assert len([t for t in local if t.date() == date(2026, 3, 6)]) == 8  # Friday as usual


def test_group_by_day_uses_the_viewers_dates():
    weekly = weekdays(hours((9, 18)))
    rules = Rules(duration=HOUR, increment=HOUR, horizon_days=0)
    slots = free_slots(
        rules, schedule("Europe/Berlin", weekly), [], datetime(2026, 3, 2, 0, tzinfo=BERLIN)
    )

    in_tokyo = group_by_day(slots, "Asia/Tokyo")
    in_berlin = group_by_day(slots, "Europe/Berlin")

    # Berlin is UTC+1, Tokyo UTC+9: 16:00 Berlin is midnight in Tokyo.
    assert [day for day, _ in in_tokyo] == [date(2026, 3, 2), date(2026, 3, 3)]
    assert [s.start.astimezone(BERLIN).hour for s in in_tokyo[0][1]] == list(range(9, 16))
    assert [s.start.astimezone(BERLIN).hour for s in in_tokyo[1][1]] == [16, 17]
    assert in_berlin == [(date(2026, 3, 2), slots)]


def test_group_by_day_sorts_what_it_is_given():
    a = Interval(utc(2026, 3, 2, 23), utc(2026, 3, 3, 0))
    b = Interval(utc(2026, 3, 2, 1), utc(2026, 3, 2, 2))

    assert group_by_day([a, b], "UTC") == [(date(2026, 3, 2), [b, a])]
    assert group_by_day([], "UTC") == []


# --- is_free --------------------------------------------------------------------------------


def test_is_free_agrees_with_free_slots_on_every_start_of_the_horizon():
    every_day = (hours((9, 12), (13, 18)),) * 7
    berlin = schedule("Europe/Berlin", every_day, {date(2026, 3, 28): ()})
    rules = Rules(
        duration=timedelta(minutes=45),
        increment=timedelta(minutes=15),
        buffer_before=timedelta(minutes=10),
        buffer_after=timedelta(minutes=20),
        min_notice=timedelta(hours=3),
        horizon_days=4,
        daily_limit=3,
    )
    busy = [
        Interval(
            datetime(2026, 3, 27, 14, tzinfo=BERLIN), datetime(2026, 3, 27, 15, tzinfo=BERLIN)
        ),
        Interval(
            datetime(2026, 3, 29, 10, tzinfo=BERLIN), datetime(2026, 3, 29, 11, tzinfo=BERLIN)
        ),
    ]
    booked = {date(2026, 3, 30): 3}
    now = datetime(2026, 3, 27, 8, 20, tzinfo=BERLIN)

    offered = free_slots(rules, berlin, busy, now, booked)
    assert offered  # the scenario offers something to agree about

    for slot in offered:
        assert is_free(rules, berlin, busy, now, slot, booked)
        for shift in (MINUTE, -MINUTE):
            moved = Interval(slot.start + shift, slot.end + shift)
            assert not is_free(rules, berlin, busy, now, moved, booked)
        longer = Interval(slot.start, slot.end + MINUTE)
        assert not is_free(rules, berlin, busy, now, longer, booked)
    # Every 5 minutes of the horizon and a day either side (the spring switch included).
    offered_set = set(offered)
    moment = utc(2026, 3, 26, 0)
    while moment < utc(2026, 4, 2, 0):
        slot = Interval(moment, moment + rules.duration)
        assert is_free(rules, berlin, busy, now, slot, booked) == (slot in offered_set)
        moment += timedelta(minutes=5)


def test_is_free_accepts_the_slot_in_another_zone():
    rules = Rules(duration=HOUR, increment=HOUR, horizon_days=0)
    moscow = schedule("Europe/Moscow", NINE_TO_FIVE)
    slot = Interval(datetime(2026, 3, 2, 16, tzinfo=TOKYO), datetime(2026, 3, 2, 17, tzinfo=TOKYO))

    # 16:00 Tokyo is 10:00 Moscow.
    assert is_free(rules, moscow, [], MOSCOW_MORNING, slot)


# --- Bad input ------------------------------------------------------------------------------


ANY_RULES = Rules(duration=HOUR, increment=HOUR)


@pytest.mark.parametrize(
    "pairs",
    [
        ((time(17), time(9)),),
        ((time(9), time(9)),),
        ((time(9), time(0)),),
        ((time(9),),),
        ((time(9), "17:00"),),
        ((time(9, tzinfo=UTC), time(17)),),
    ],
)
def test_bad_working_hours_are_refused(pairs):
    with pytest.raises(ValueError):
        free_slots(ANY_RULES, schedule("UTC", (pairs,) * 7), [], utc(2026, 3, 2))
    with pytest.raises(ValueError):
        free_slots(
            ANY_RULES, schedule("UTC", NINE_TO_FIVE, {date(2026, 5, 1): pairs}), [], utc(2026, 3, 2)
        )


@pytest.mark.parametrize(
    "call",
    [
        # a week of six days
        lambda: working_intervals(
            schedule("UTC", NINE_TO_FIVE[:6]), utc(2026, 3, 2), utc(2026, 3, 3)
        ),
        # an override keyed by a datetime would silently never apply
        lambda: working_intervals(
            schedule("UTC", NINE_TO_FIVE, {utc(2026, 3, 2): ()}), utc(2026, 3, 2), utc(2026, 3, 3)
        ),
        lambda: working_intervals(
            schedule("Mars/Olympus", NINE_TO_FIVE), utc(2026, 3, 2), utc(2026, 3, 3)
        ),
        lambda: free_slots(ANY_RULES, schedule("UTC", NINE_TO_FIVE), [], datetime(2026, 3, 2)),
        lambda: free_slots(
            ANY_RULES,
            schedule("UTC", NINE_TO_FIVE),
            [Interval(datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10))],
            utc(2026, 3, 2),
        ),
        lambda: free_slots(
            ANY_RULES,
            schedule("UTC", NINE_TO_FIVE),
            [Interval(utc(2026, 3, 2, 10), utc(2026, 3, 2, 9))],
            utc(2026, 3, 2),
        ),
        lambda: free_slots(
            Rules(duration=timedelta(0), increment=HOUR),
            schedule("UTC", NINE_TO_FIVE),
            [],
            utc(2026, 3, 2),
        ),
        lambda: free_slots(
            Rules(duration=HOUR, increment=timedelta(0)),
            schedule("UTC", NINE_TO_FIVE),
            [],
            utc(2026, 3, 2),
        ),
        lambda: free_slots(
            Rules(duration=HOUR, increment=HOUR, buffer_before=-MINUTE),
            schedule("UTC", NINE_TO_FIVE),
            [],
            utc(2026, 3, 2),
        ),
        lambda: free_slots(
            Rules(duration=HOUR, increment=HOUR, horizon_days=-1),
            schedule("UTC", NINE_TO_FIVE),
            [],
            utc(2026, 3, 2),
        ),
        lambda: group_by_day([], "Nowhere/Special"),
    ],
    ids=[
        "six-day-week",
        "datetime-override",
        "unknown-zone",
        "naive-now",
        "naive-busy",
        "reversed-busy",
        "zero-duration",
        "zero-increment",
        "negative-buffer",
        "negative-horizon",
        "unknown-viewer-zone",
    ],
)
def test_bad_input_is_refused_with_value_error(call):
    with pytest.raises(ValueError):
        call()


# --- Properties -----------------------------------------------------------------------------


ZONES = [
    "UTC",
    "Europe/Moscow",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # a half-hour daylight-saving switch
    "America/Santiago",  # switches at midnight
    "Pacific/Chatham",  # +12:45 / +13:45
]

# Days around the 2026 switches of the zones above, so random "now"s often straddle one.
SWITCHES = [
    utc(2026, 3, 8, 7),
    utc(2026, 3, 29, 1),
    utc(2026, 4, 4, 15),
    utc(2026, 4, 5, 3),
    utc(2026, 9, 6, 4),
    utc(2026, 9, 26, 14),
    utc(2026, 10, 3, 15),
    utc(2026, 10, 25, 1),
    utc(2026, 11, 1, 6),
]


@st.composite
def day_hours(draw) -> tuple:
    pairs = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, 23 * 60 + 58))
        end = draw(st.integers(start + 1, 23 * 60 + 59))
        pairs.append((time(*divmod(start, 60)), time(*divmod(end, 60))))
    return tuple(pairs)


@st.composite
def scenarios(draw):
    zone = draw(st.sampled_from(ZONES))
    weekly = tuple(draw(day_hours()) for _ in range(7))
    now = draw(st.sampled_from(SWITCHES)) + timedelta(
        minutes=draw(st.integers(-3 * 24 * 60, 3 * 24 * 60))
    )
    today = now.astimezone(ZoneInfo(zone)).date()
    overrides = {
        today + timedelta(days=offset): draw(day_hours())
        for offset in draw(st.lists(st.integers(-1, 8), max_size=3, unique=True))
    }
    rules = Rules(
        duration=timedelta(minutes=draw(st.integers(1, 36)) * 5),
        increment=timedelta(minutes=draw(st.integers(1, 24)) * 5),
        buffer_before=timedelta(minutes=draw(st.integers(0, 6)) * 5),
        buffer_after=timedelta(minutes=draw(st.integers(0, 6)) * 5),
        min_notice=timedelta(minutes=draw(st.integers(0, 48)) * 30),
        horizon_days=draw(st.integers(0, 6)),
        daily_limit=draw(st.none() | st.integers(0, 3)),
    )
    busy = []
    for _ in range(draw(st.integers(0, 25))):
        start = now + timedelta(minutes=draw(st.integers(-2 * 24 * 60, 9 * 24 * 60)))
        length = timedelta(minutes=draw(st.integers(0, 300)))
        shown_in = ZoneInfo(draw(st.sampled_from(ZONES)))
        busy.append(Interval(start.astimezone(shown_in), (start + length).astimezone(shown_in)))
    booked = {
        today + timedelta(days=offset): draw(st.integers(0, 4))
        for offset in draw(st.lists(st.integers(0, 6), max_size=4, unique=True))
    }
    return rules, Schedule(zone, weekly, overrides), busy, now, booked


def clashes(padded: Interval, busy: list[Interval]) -> bool:
    """Whether the padded slot shares an instant with a busy interval (an empty one has none)."""
    return any(b.start < b.end and b.start < padded.end and padded.start < b.end for b in busy)


def slow_slots(rules, schedule_, busy, now, booked):
    """The obvious O(candidates x busy) definition, to check the fast walk against."""
    zone = ZoneInfo(schedule_.timezone)
    today = now.astimezone(zone).date()
    last = today + timedelta(days=rules.horizon_days)
    wide = working_intervals(schedule_, now - timedelta(days=3), now + timedelta(days=12))
    result = []
    for interval in wide:
        start = interval.start
        while start + rules.duration <= interval.end:
            padded = Interval(
                start - rules.buffer_before, start + rules.duration + rules.buffer_after
            )
            day = start.astimezone(zone).date()
            if (
                start >= now + rules.min_notice
                and today <= day <= last
                and (rules.daily_limit is None or booked.get(day, 0) < rules.daily_limit)
                and not clashes(padded, busy)
            ):
                result.append(Interval(start, start + rules.duration))
            start += rules.increment
    return result


PROPERTIES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTIES
@given(scenarios())
def test_property_slots_keep_every_rule(scenario):
    rules, schedule_, busy, now, booked = scenario
    slots = free_slots(rules, schedule_, busy, now, booked)
    zone = ZoneInfo(schedule_.timezone)
    today = now.astimezone(zone).date()
    working = working_intervals(schedule_, now - timedelta(days=3), now + timedelta(days=12))

    for slot in slots:
        assert slot.start.tzinfo is UTC
        assert slot.end - slot.start == rules.duration
        assert slot.start >= now + rules.min_notice
        padded = Interval(slot.start - rules.buffer_before, slot.end + rules.buffer_after)
        assert not clashes(padded, busy)
        home = [w for w in working if w.start <= slot.start and slot.end <= w.end]
        assert len(home) == 1
        assert (slot.start - home[0].start) % rules.increment == timedelta(0)
        day = slot.start.astimezone(zone).date()
        assert today <= day <= today + timedelta(days=rules.horizon_days)
        if rules.daily_limit is not None:
            assert booked.get(day, 0) < rules.daily_limit
    for earlier, later in pairwise(slots):
        assert earlier.start < later.start
        if rules.increment >= rules.duration:
            assert earlier.end <= later.start


@PROPERTIES
@given(scenarios())
def test_property_the_fast_walk_finds_exactly_the_obvious_slots(scenario):
    rules, schedule_, busy, now, booked = scenario

    assert free_slots(rules, schedule_, busy, now, booked) == slow_slots(
        rules, schedule_, busy, now, booked
    )


@PROPERTIES
@given(scenarios(), st.data())
def test_property_is_free_agrees_with_free_slots(scenario, data):
    rules, schedule_, busy, now, booked = scenario
    slots = free_slots(rules, schedule_, busy, now, booked)
    offered = set(slots)

    picked = data.draw(st.lists(st.sampled_from(slots), max_size=5)) if slots else []
    for slot in picked:
        assert is_free(rules, schedule_, busy, now, slot, booked)
        for shift in (MINUTE, -MINUTE):
            moved = Interval(slot.start + shift, slot.end + shift)
            assert is_free(rules, schedule_, busy, now, moved, booked) == (moved in offered)
    # And some arbitrary five-minute starts, offered or not.
    for _ in range(5):
        start = now + timedelta(minutes=5 * data.draw(st.integers(-288, 8 * 288)))
        slot = Interval(start, start + rules.duration)
        assert is_free(rules, schedule_, busy, now, slot, booked) == (slot in offered)
