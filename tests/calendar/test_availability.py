"""Working hours: the availability service (apps/calendar/availability.py) — what it accepts and
refuses, what it reads back for the free slots and at what cost — and the page
(my_calendar:hours, apps/calendar/hours.py)."""

import re
from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.calendar import availability
from apps.calendar.models import Availability, AvailabilityOverride
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

URL = "/calendar/hours/"
DATES_URL = "/calendar/hours/dates/"
REMOVE_URL = "/calendar/hours/dates/remove/"
NINE_TO_SIX = ((time(9), time(18)),)
OFF = ()
DASH = "\N{EN DASH}"


def week(**days) -> list[list[list[str]]]:
    """A week with the named days' intervals (mon=[["09:00", "12:00"]], ...), others off."""
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return [days.get(name, []) for name in names]


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def today_in(zone: str) -> date:
    return availability.today_for(zone)


def window(person, days: int = 60):
    today = today_in(person.timezone)
    return {"overrides_from": today, "overrides_to": today + timedelta(days=days)}


@pytest.fixture
def anna(db):
    return make_user("anna@example.com", "Anna Smirnova", timezone="Europe/Moscow")


# --- The service: what it accepts ---------------------------------------------------------


def test_the_urls_are_the_registrys():
    assert reverse("my_calendar:hours") == URL
    assert reverse("my_calendar:hours_date") == DATES_URL
    assert reverse("my_calendar:hours_date_remove") == REMOVE_URL


def test_a_person_without_hours_works_monday_to_friday_9_to_18_in_their_profiles_zone(anna):
    zone, weekly, overrides = availability.schedule_parts(anna, **window(anna))
    assert zone == "Europe/Moscow"
    assert weekly == (NINE_TO_SIX,) * 5 + (OFF, OFF)
    assert overrides == {}
    assert not Availability.objects.exists()


def test_the_week_is_stored_sorted_and_read_back_as_times(anna):
    availability.set_weekly(
        anna,
        "America/New_York",
        week(mon=[["14:00", "18:00"], ["9:30", "12:00"]], sat=[["10:00", "14:00"]]),
    )
    row = Availability.objects.get(user=anna)
    assert row.timezone == "America/New_York"
    assert row.weekly[0] == [["09:30", "12:00"], ["14:00", "18:00"]]
    zone, weekly, _ = availability.schedule_parts(anna, **window(anna))
    assert zone == "America/New_York"
    assert weekly[0] == ((time(9, 30), time(12)), (time(14), time(18)))
    assert weekly[1] == OFF
    assert weekly[5] == ((time(10), time(14)),)


def test_saving_again_replaces_the_week(anna):
    availability.set_weekly(anna, "UTC", week(mon=[["09:00", "10:00"]]))
    availability.set_weekly(anna, "Europe/Berlin", week(tue=[["10:00", "14:00"]]))
    assert Availability.objects.filter(user=anna).count() == 1
    zone, weekly, _ = availability.schedule_parts(anna, **window(anna))
    assert (zone, weekly[0], weekly[1]) == ("Europe/Berlin", OFF, ((time(10), time(14)),))


def test_intervals_that_touch_are_fine_and_six_a_day_is_the_most(anna):
    six = [[f"{h:02d}:00", f"{h + 1:02d}:00"] for h in range(8, 14)]
    availability.set_weekly(anna, "UTC", week(mon=six))
    assert len(Availability.objects.get(user=anna).weekly[0]) == 6
    seven = [*six, ["20:00", "21:00"]]
    errors = errors_of(lambda: availability.set_weekly(anna, "UTC", week(mon=seven)))
    assert errors == {"day_0": ["Monday: at most 6 intervals a day."]}


# --- The service: what it refuses ---------------------------------------------------------


def test_an_unknown_zone_is_refused(anna):
    errors = errors_of(lambda: availability.set_weekly(anna, "Mars/Olympus", week()))
    assert errors == {"timezone": ["“Mars/Olympus” is not a time zone."]}
    assert not Availability.objects.exists()


def test_an_interval_ending_before_it_starts_is_refused_naming_the_day(anna):
    errors = errors_of(lambda: availability.set_weekly(anna, "UTC", week(wed=[["14:00", "10:00"]])))
    assert errors == {
        "day_2": [f"Wednesday: the interval 14:00{DASH}10:00 must end after it starts."]
    }
    errors = errors_of(lambda: availability.set_weekly(anna, "UTC", week(thu=[["10:00", "10:00"]])))
    assert list(errors) == ["day_3"]


def test_overlapping_intervals_are_refused(anna):
    errors = errors_of(
        lambda: availability.set_weekly(
            anna, "UTC", week(fri=[["13:00", "17:00"], ["09:00", "13:01"]])
        )
    )
    assert errors == {
        "day_4": [f"Friday: the intervals 09:00{DASH}13:01 and 13:00{DASH}17:00 overlap."]
    }


@pytest.mark.parametrize("bad", ["25:00", "12:60", "9", "ab:cd", "", "09:00:30", None, 9])
def test_a_time_that_is_not_one_is_refused(anna, bad):
    errors = errors_of(lambda: availability.set_weekly(anna, "UTC", week(sat=[[bad, "18:00"]])))
    assert list(errors) == ["day_5"]
    assert errors["day_5"][0].startswith("Saturday: ")
    assert "is not a time" in errors["day_5"][0]


def test_malformed_weeks_are_refused(anna):
    assert "weekly" in errors_of(lambda: availability.set_weekly(anna, "UTC", week()[:6]))
    assert "weekly" in errors_of(lambda: availability.set_weekly(anna, "UTC", "09:00-18:00"))
    errors = errors_of(lambda: availability.set_weekly(anna, "UTC", week(sun=[["09:00"]])))
    assert errors == {"day_6": ["Sunday: each interval needs a start and an end."]}


def test_every_wrong_day_is_named_at_once(anna):
    errors = errors_of(
        lambda: availability.set_weekly(
            anna, "Nowhere/City", week(mon=[["25:00", "26:00"]], tue=[["12:00", "11:00"]])
        )
    )
    assert set(errors) == {"timezone", "day_0", "day_1"}


def test_a_refused_week_leaves_the_saved_one_as_it_was(anna):
    availability.set_weekly(anna, "Europe/Moscow", week(mon=[["09:00", "17:00"]]))
    with pytest.raises(ValidationError):
        availability.set_weekly(anna, "Europe/Moscow", week(mon=[["17:00", "09:00"]]))
    assert Availability.objects.get(user=anna).weekly[0] == [["09:00", "17:00"]]


# --- Dates with their own hours -----------------------------------------------------------


def test_a_day_off_and_an_extra_saturday(anna):
    today = today_in("Europe/Moscow")
    monday = today + timedelta(days=7 - today.weekday())
    saturday = monday + timedelta(days=5)
    availability.set_override(anna, monday, [])
    availability.set_override(anna, saturday, [["14:00", "16:00"], ["10:00", "12:00"]])
    _zone, weekly, overrides = availability.schedule_parts(anna, **window(anna))
    assert weekly[0] == NINE_TO_SIX
    assert overrides == {
        monday: OFF,
        saturday: ((time(10), time(12)), (time(14), time(16))),
    }


def test_a_dates_override_replaces_the_earlier_one_and_can_be_removed(anna):
    day = today_in("Europe/Moscow") + timedelta(days=3)
    availability.set_override(anna, day, [])
    availability.set_override(anna, day, [["10:00", "11:00"]])
    assert AvailabilityOverride.objects.get(user=anna).intervals == [["10:00", "11:00"]]
    assert availability.remove_override(anna, day) is True
    assert availability.remove_override(anna, day) is False
    assert availability.schedule_parts(anna, **window(anna))[2] == {}


def test_only_the_overrides_inside_the_window_are_read(anna):
    today = today_in("Europe/Moscow")
    for offset in (1, 10, 40):
        availability.set_override(anna, today + timedelta(days=offset), [])
    overrides = availability.schedule_parts(
        anna, overrides_from=today + timedelta(days=5), overrides_to=today + timedelta(days=30)
    )[2]
    assert list(overrides) == [today + timedelta(days=10)]


def test_an_override_is_checked_like_the_week(anna):
    day = today_in("Europe/Moscow") + timedelta(days=2)
    errors = errors_of(lambda: availability.set_override(anna, day, [["18:00", "09:00"]]))
    assert list(errors) == ["intervals"]
    assert "must end after it starts" in errors["intervals"][0]
    errors = errors_of(
        lambda: availability.set_override(anna, day, [["09:00", "12:00"], ["11:00", "13:00"]])
    )
    assert "overlap" in errors["intervals"][0]
    assert not AvailabilityOverride.objects.exists()


def test_a_date_gone_by_is_refused_and_old_ones_are_pruned(anna):
    today = today_in("Europe/Moscow")
    AvailabilityOverride.objects.create(user=anna, day=today - timedelta(days=30), intervals=[])
    errors = errors_of(lambda: availability.set_override(anna, today - timedelta(days=1), []))
    assert list(errors) == ["day"] and "has passed" in errors["day"][0]
    availability.set_override(anna, today, [])
    assert list(AvailabilityOverride.objects.values_list("day", flat=True)) == [today]


def test_at_most_so_many_dates_lie_ahead(anna, monkeypatch):
    monkeypatch.setattr(availability, "MAX_FUTURE_OVERRIDES", 3)
    today = today_in("Europe/Moscow")
    for offset in range(3):
        availability.set_override(anna, today + timedelta(days=offset), [])
    errors = errors_of(lambda: availability.set_override(anna, today + timedelta(days=9), []))
    assert "remove one" in errors["day"][0]
    # Changing one of those already there is still fine.
    availability.set_override(anna, today, [["10:00", "12:00"]])
    assert AvailabilityOverride.objects.count() == 3


# --- Reading several people at once -------------------------------------------------------


def _people(n: int):
    today = today_in("UTC")
    people = [
        make_user(f"p{i}@example.com", f"Person {i}", timezone="Asia/Tokyo") for i in range(n)
    ]
    for i, person in enumerate(people):
        if i % 2:
            availability.set_weekly(person, "Europe/Paris", week(tue=[["10:00", "14:00"]]))
        availability.set_override(person, today + timedelta(days=2), [])
        availability.set_override(person, today + timedelta(days=3), [["10:00", "11:00"]])
    return people


@pytest.mark.parametrize("n", [1, 20])
def test_schedules_of_several_people_cost_two_queries(n, django_assert_num_queries):
    people = _people(n)
    today = today_in("UTC")
    with django_assert_num_queries(2):
        parts = availability.schedules_parts(
            people, overrides_from=today, overrides_to=today + timedelta(days=14)
        )
    assert set(parts) == {p.pk for p in people}
    first = parts[people[0].pk]
    assert first[0] == "Asia/Tokyo" and first[1][0] == NINE_TO_SIX
    assert first[2] == {
        today + timedelta(days=2): OFF,
        today + timedelta(days=3): ((time(10), time(11)),),
    }
    if n > 1:
        second = parts[people[1].pk]
        assert second[0] == "Europe/Paris" and second[1][1] == ((time(10), time(14)),)


def test_one_persons_schedule_costs_two_queries(anna, django_assert_num_queries):
    availability.set_weekly(anna, "UTC", week(mon=[["09:00", "12:00"]]))
    with django_assert_num_queries(2):
        availability.schedule_parts(anna, **window(anna))


def test_schedule_of_gives_the_slot_computations_schedule(anna):
    slots = pytest.importorskip("apps.calendar.slots")
    schedule = availability.schedule_of(anna, **window(anna))
    assert isinstance(schedule, slots.Schedule)
    assert schedule.timezone == "Europe/Moscow" and schedule.weekly[0] == NINE_TO_SIX


def test_a_row_edited_by_hand_into_nonsense_reads_as_no_hours_that_day(anna):
    Availability.objects.create(
        user=anna,
        timezone="UTC",
        weekly=[[["09:00", "12:00"]], [["x", "y"]], "no", [], [], [], []],
        updated=timezone.now(),
    )
    weekly = availability.schedule_parts(anna, **window(anna))[1]
    assert weekly[0] == ((time(9), time(12)),) and weekly[1] == OFF and weekly[2] == OFF


def test_the_page_still_opens_over_a_row_edited_by_hand(client, anna):
    Availability.objects.create(
        user=anna,
        timezone="Gone/Zone",
        weekly=[["x"], 5, None, [], [], [], []],
        updated=timezone.now(),
    )
    client.force_login(anna)
    html = client.get(URL).content.decode()
    assert '<option value="Europe/Moscow" selected>' in html
    assert not checked(html, "d0_on") and value(html, "d0_from_0") is None


# --- The page -----------------------------------------------------------------------------


def post_week(client, **fields):
    """The week's form as a browser sends it: zone, then each day's box and rows (two rows a
    day unless given), with `fields` on top (d1_on="on", d1_from_0="10:00", ...)."""
    data = {"timezone": "Europe/Moscow"}
    for day in range(7):
        for row in range(2):
            data[f"d{day}_from_{row}"] = ""
            data[f"d{day}_to_{row}"] = ""
    data.update(fields)
    return client.post(URL, data)


def day_section(html: str, day: int) -> str:
    match = re.search(rf'<fieldset[^>]*id="hours-day-{day}".*?</fieldset>', html, re.S)
    assert match, f"no fieldset for day {day}"
    return match[0]


def field(html: str, name: str) -> str:
    """The <input> tag named `name`."""
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    assert match, f"no input {name}"
    return match[0]


def value(html: str, name: str) -> str | None:
    match = re.search(r'\bvalue="([^"]*)"', field(html, name))
    return match[1] if match else None


def checked(html: str, name: str) -> bool:
    return re.search(r"\schecked\b", field(html, name)) is not None


def test_anonymous_people_are_sent_to_sign_in(client):
    for answer in (client.get(URL), client.post(URL, {}), client.post(DATES_URL, {})):
        assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_the_deactivated_are_sent_to_sign_in(client, collab, deactivated):
    client.force_login(deactivated)
    answer = post_week(client, d1_on="on", d1_from_0="10:00", d1_to_0="14:00")
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    assert client.get(URL).status_code == 302
    assert not Availability.objects.exists()


def test_the_page_shows_the_usual_hours_with_every_control_named(client, guest):
    client.force_login(guest)
    answer = client.get(URL)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "<h1>Working hours</h1>" in html
    assert "People who book time through your free-slot links only see slots" in html
    monday = day_section(html, 0)
    assert checked(monday, "d0_on")
    assert value(monday, "d0_from_0") == "09:00" and value(monday, "d0_to_0") == "18:00"
    assert 'aria-label="Monday from"' in field(monday, "d0_from_0")
    assert 'aria-label="Monday to"' in field(monday, "d0_to_0")
    assert 'aria-label="Monday from, interval 2"' in field(monday, "d0_from_1")
    assert value(monday, "d0_from_1") is None
    assert 'aria-label="Add hours on Monday"' in monday
    sunday = day_section(html, 6)
    assert not checked(sunday, "d6_on")
    assert re.search(r'<option value="UTC" selected>', html)


def test_weekday_names_follow_the_persons_language(client, member):
    member.language = "ru"
    member.save()
    client.force_login(member)
    html = client.get(URL).content.decode()
    # (The page's own words are the lead's to translate; the weekdays are Django's.)
    assert '<legend class="hours-day-name">Понедельник</legend>' in html
    assert ">Monday<" not in html


def test_saving_the_week_round_trip(client, member):
    client.force_login(member)
    answer = post_week(
        client,
        d1_on="on",
        d1_from_0="10:00",
        d1_to_0="14:00",
        d3_on="on",
        d3_from_0="15:00",
        d3_to_0="18:00",
        d3_from_1="09:00",
        d3_to_1="12:00",
        # Typed but not a working day: not kept.
        d5_from_0="10:00",
        d5_to_0="12:00",
    )
    assert answer.status_code == 302 and answer["Location"] == URL
    row = Availability.objects.get(user=member)
    assert row.timezone == "Europe/Moscow"
    assert row.weekly == week(
        tue=[["10:00", "14:00"]], thu=[["09:00", "12:00"], ["15:00", "18:00"]]
    )
    page = client.get(URL)
    html = page.content.decode()
    assert "Your working hours are saved." in html
    assert not checked(html, "d0_on")
    assert value(day_section(html, 1), "d1_from_0") == "10:00"
    # Thursday has two intervals: it shows them and an empty third row.
    thursday = day_section(html, 3)
    assert value(thursday, "d3_to_0") == "12:00" and value(thursday, "d3_from_1") == "15:00"
    assert value(thursday, "d3_from_2") is None
    assert '<option value="Europe/Moscow" selected>' in html


def test_bad_input_comes_back_as_typed_with_the_error_beside_the_day(client, member):
    client.force_login(member)
    answer = post_week(
        client,
        d0_on="on",
        d0_from_0="18:00",
        d0_to_0="09:00",
        d2_on="on",
        d2_from_0="09:00",
        d2_to_0="13:00",
        d2_from_1="12:00",
        d2_to_1="15:00",
        d4_on="on",
        d4_from_0="25:00",
        d4_to_0="26:00",
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    monday = day_section(html, 0)
    assert f"Monday: the interval 18:00{DASH}09:00 must end after it starts." in monday
    assert value(monday, "d0_from_0") == "18:00"
    # The day's time inputs are described by its error, as its box is.
    assert 'id="id_d0_on_error"' in monday
    assert 'aria-describedby="id_d0_on_error"' in field(monday, "d0_to_1")
    assert 'aria-invalid="true"' in field(monday, "d0_from_0")
    assert "overlap" in day_section(html, 2)
    assert value(day_section(html, 2), "d2_to_1") == "15:00"
    assert "“25:00” is not a time" in day_section(html, 4)
    assert "field-invalid" not in day_section(html, 1)
    assert not Availability.objects.exists()


def test_a_working_day_without_hours_or_half_an_interval_is_an_error(client, member):
    client.force_login(member)
    html = post_week(client, d0_on="on", d1_on="on", d1_from_0="09:00").content.decode()
    assert "Monday: you marked it a working day; give its hours." in day_section(html, 0)
    assert "Tuesday: give both the start and the end" in day_section(html, 1)
    assert not Availability.objects.exists()


def test_an_unknown_zone_keeps_the_days_typed(client, member):
    client.force_login(member)
    answer = post_week(client, timezone="Mars/Olympus", d1_on="on", d1_from_0="10:00")
    html = answer.content.decode()
    assert "Select a valid choice" in html
    assert value(html, "d1_from_0") == "10:00"


def test_add_hours_shows_one_more_row_and_saves_nothing(client, member):
    client.force_login(member)
    answer = post_week(
        client,
        add="1",
        d1_on="on",
        d1_from_0="09:00",
        d1_to_0="12:00",
        d1_from_1="13:00",
        d1_to_1="17:00",
    )
    assert answer.status_code == 200
    tuesday = day_section(answer.content.decode(), 1)
    assert value(tuesday, "d1_to_1") == "17:00"
    third = field(tuesday, "d1_from_2")
    assert 'aria-label="Tuesday from, interval 3"' in third and "autofocus" in third
    assert not Availability.objects.exists()


def test_copy_monday_to_weekdays(client, member):
    client.force_login(member)
    answer = post_week(
        client,
        copy="1",
        d0_on="on",
        d0_from_0="08:00",
        d0_to_0="12:00",
        d0_from_1="13:00",
        d0_to_1="16:00",
        d5_on="on",
        d5_from_0="10:00",
        d5_to_0="11:00",
    )
    html = answer.content.decode()
    assert "copied to Tuesday to Friday" in html
    for day in (1, 2, 3, 4):
        section = day_section(html, day)
        assert checked(section, f"d{day}_on")
        assert value(section, f"d{day}_to_1") == "16:00"
    assert value(day_section(html, 5), "d5_from_0") == "10:00"
    assert not checked(day_section(html, 6), "d6_on")
    assert not Availability.objects.exists()


def test_dates_are_added_listed_and_removed(client, member, owner):
    client.force_login(member)
    today = today_in(member.timezone)
    off, extra = today + timedelta(days=5), today + timedelta(days=6)
    answer = client.post(DATES_URL, {"day": off.isoformat(), "kind": "off"})
    assert answer.status_code == 302 and answer["Location"] == URL + "#dates"
    client.post(
        DATES_URL,
        {"day": extra.isoformat(), "kind": "hours", "from_0": "10:00", "to_0": "14:00"},
    )
    assert dict(
        AvailabilityOverride.objects.filter(user=member).values_list("day", "intervals")
    ) == {off: [], extra: [["10:00", "14:00"]]}
    html = client.get(URL).content.decode()
    listed = html.split('id="dates"')[1]
    assert "Day off" in listed and f"10:00{DASH}14:00" in listed
    assert f'datetime="{off.isoformat()}"' in listed
    # Someone else's date is not theirs to remove.
    availability.set_override(owner, off, [])
    client.post(REMOVE_URL, {"day": off.isoformat()})
    assert not AvailabilityOverride.objects.filter(user=member, day=off).exists()
    assert AvailabilityOverride.objects.filter(user=owner, day=off).exists()
    assert client.post(REMOVE_URL, {"day": "not a date"}).status_code == 302


def test_a_bad_date_form_comes_back_as_typed(client, member):
    client.force_login(member)
    day = today_in(member.timezone) + timedelta(days=3)
    html = client.post(
        DATES_URL, {"day": day.isoformat(), "kind": "hours", "from_0": "16:00", "to_0": "10:00"}
    ).content.decode()
    section = html.split('id="dates"')[1]
    assert "must end after it starts" in section
    assert value(section, "to_0") == "10:00"
    assert f'value="{day.isoformat()}"' in section
    past = today_in(member.timezone) - timedelta(days=2)
    html = client.post(DATES_URL, {"day": past.isoformat(), "kind": "off"}).content.decode()
    assert "has passed" in html
    html = client.post(DATES_URL, {"day": day.isoformat(), "kind": "hours"}).content.decode()
    assert "Give the hours of that day, or make it a day off." in html
    assert not AvailabilityOverride.objects.exists()


def test_the_page_costs_the_same_with_2_and_60_dates(client, member, django_assert_num_queries):
    client.force_login(member)
    availability.set_weekly(member, "Europe/Moscow", week(mon=[["09:00", "12:00"]]))
    # The dates are the hours' zone's (in Moscow it is already tomorrow from 21:00 UTC).
    today = today_in("Europe/Moscow")
    for offset in range(2):
        availability.set_override(member, today + timedelta(days=offset), [])
    with django_assert_num_queries(QUERIES) as captured:
        assert client.get(URL).status_code == 200
    for offset in range(2, 60):
        availability.set_override(member, today + timedelta(days=offset), [])
    with django_assert_num_queries(len(captured.captured_queries)):
        html = client.get(URL).content.decode()
    assert html.count('class="hours-date-item"') == 60


# session, user, the week, the dates ahead, and the top bar's counters.
QUERIES = 7
