"""iCalendar output (apps/calendar/ics.py): the invitation, its update and its cancellation,
and the personal feed, each parsed back with icalendar as a calendar app would read it."""

import io
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.tz import datetime_ambiguous, datetime_exists, tzical
from django.utils import timezone
from icalendar import Calendar

from apps.calendar import ics
from apps.calendar.models import Attendee, Meeting

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def make_meeting(collab, organizer, attendees=(), *, start=None, hours=1, **fields) -> Meeting:
    """A meeting as the services leave it: its organizer an accepted attendee, then the others
    (users, or outside addresses as strings) with no answer yet."""
    now = timezone.now()
    start = start or datetime(2026, 7, 1, 10, 0, tzinfo=BERLIN)
    fields.setdefault("title", "Design review")
    fields.setdefault("timezone", "Europe/Berlin")
    fields.setdefault("end", start + timedelta(hours=hours))
    meeting = Meeting.objects.create(
        collab=collab,
        start=start,
        organizer=organizer,
        uid=f"{uuid.uuid4()}@collabhub.test",
        created=now,
        updated=now,
        created_by=organizer,
        **fields,
    )
    Attendee.objects.create(
        meeting=meeting, user=organizer, is_organizer=True, answer=Attendee.Answer.ACCEPTED
    )
    for who in attendees:
        if isinstance(who, str):
            Attendee.objects.create(meeting=meeting, email=who)
        else:
            Attendee.objects.create(meeting=meeting, user=who)
    return meeting


def attendees_of(meeting: Meeting) -> list[Attendee]:
    return list(meeting.attendees.select_related("user").order_by("pk"))


def parse(raw: bytes) -> Calendar:
    assert isinstance(raw, bytes)
    return Calendar.from_ical(raw)


def the_event(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def addresses(event, name: str) -> dict[str, dict]:
    """{address: parameters} of the event's ORGANIZER or ATTENDEE lines."""
    values = event.get(name)
    values = values if isinstance(values, list) else [values] if values is not None else []
    return {str(v).removeprefix("mailto:"): dict(v.params) for v in values}


@pytest.fixture
def meeting(collab, owner, member, guest):
    return make_meeting(collab, owner, [member, guest, "client@studio.example"])


def test_the_invitation_is_a_request_for_the_meetings_uid_and_sequence(meeting):
    meeting.sequence = 3
    calendar = parse(ics.invitation(meeting, attendees_of(meeting)))
    assert calendar["PRODID"] == "-//CollabHub//Calendar//EN"
    assert calendar["VERSION"] == "2.0"
    assert calendar["METHOD"] == "REQUEST"
    event = the_event(calendar)
    assert event["UID"] == meeting.uid
    assert event["SEQUENCE"] == 3
    assert event["SUMMARY"] == "Design review"
    assert event["STATUS"] == "CONFIRMED"
    assert abs(event["DTSTAMP"].dt - timezone.now()) < timedelta(minutes=5)
    assert event["CREATED"].dt == meeting.created.replace(microsecond=0)
    assert event["LAST-MODIFIED"].dt == meeting.updated.replace(microsecond=0)


def test_times_are_written_in_the_meetings_zone_with_its_vtimezone(meeting):
    raw = ics.invitation(meeting, attendees_of(meeting))
    assert b"DTSTART;TZID=Europe/Berlin:20260701T100000\r\n" in raw
    assert b"DTEND;TZID=Europe/Berlin:20260701T110000\r\n" in raw
    calendar = parse(raw)
    event = the_event(calendar)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTSTART"].dt == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert event["DTEND"].dt == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    # The zone comes before the event that uses it.
    assert raw.index(b"BEGIN:VTIMEZONE") < raw.index(b"BEGIN:VEVENT")


def test_a_meeting_in_utc_needs_no_vtimezone(collab, owner):
    meeting = make_meeting(
        collab, owner, start=datetime(2026, 7, 1, 10, 0, tzinfo=UTC), timezone="UTC"
    )
    raw = ics.invitation(meeting, attendees_of(meeting))
    assert b"DTSTART:20260701T100000Z\r\n" in raw
    assert b"VTIMEZONE" not in raw


def test_the_vtimezone_puts_each_change_where_the_zone_database_does(meeting):
    """Read with dateutil, which takes each onset in TZOFFSETFROM as RFC 5545 says (the TZID
    renamed, so that nothing falls back on its own copy of the zone): every instant of the
    year has the offset zoneinfo gives it, both ways, including the hour around the spring
    change that icalendar's Timezone.from_tzid puts an hour late."""
    calendar = parse(ics.invitation(meeting, attendees_of(meeting)))
    (block,) = calendar.walk("VTIMEZONE")
    daylight = block.walk("DAYLIGHT")[0]
    assert daylight["DTSTART"].dt == datetime(2026, 3, 29, 2, 0)
    assert daylight["TZOFFSETFROM"].td == timedelta(hours=1)
    assert daylight["TZOFFSETTO"].td == timedelta(hours=2)
    text = block.to_ical().decode().replace("TZID:Europe/Berlin", "TZID:Elsewhere")
    read = tzical(io.StringIO(text)).get("Elsewhere")
    at = datetime(2026, 1, 1, tzinfo=BERLIN).astimezone(UTC)
    while at < datetime(2027, 1, 1, tzinfo=BERLIN):
        assert at.astimezone(read).utcoffset() == at.astimezone(BERLIN).utcoffset(), at
        wall = at.astimezone(BERLIN).replace(tzinfo=None)
        if not datetime_ambiguous(wall.replace(tzinfo=BERLIN)):
            assert (
                wall.replace(tzinfo=read).utcoffset() == wall.replace(tzinfo=BERLIN).utcoffset()
            ), wall
        at += timedelta(minutes=15)
    # The hour that does not exist in Berlin is where the change is read.
    assert not datetime_exists(datetime(2026, 3, 29, 2, 30, tzinfo=BERLIN))
    assert datetime(2026, 3, 29, 1, 30, tzinfo=UTC).astimezone(read).utcoffset() == timedelta(
        hours=2
    )


def test_an_all_day_meeting_is_dates_in_its_zone_the_end_exclusive(collab, owner):
    # Midnight in Tokyo is still the day before in UTC: the dates are Tokyo's.
    tokyo = ZoneInfo("Asia/Tokyo")
    start = datetime(2026, 7, 1, tzinfo=tokyo)
    meeting = make_meeting(
        collab,
        owner,
        start=start,
        end=datetime(2026, 7, 3, tzinfo=tokyo),
        all_day=True,
        timezone="Asia/Tokyo",
    )
    raw = ics.invitation(meeting, attendees_of(meeting))
    assert b"DTSTART;VALUE=DATE:20260701\r\n" in raw
    assert b"DTEND;VALUE=DATE:20260703\r\n" in raw
    event = the_event(parse(raw))
    assert event["DTSTART"].dt == date(2026, 7, 1)
    assert event["DTEND"].dt == date(2026, 7, 3)
    assert b"VTIMEZONE" not in raw


def test_organizer_and_attendees_with_their_answers(meeting, owner, member, guest):
    Attendee.objects.filter(meeting=meeting, user=member).update(answer=Attendee.Answer.ACCEPTED)
    Attendee.objects.filter(meeting=meeting, user=guest).update(answer=Attendee.Answer.TENTATIVE)
    event = the_event(parse(ics.invitation(meeting, attendees_of(meeting))))
    organizer = addresses(event, "ORGANIZER")
    assert organizer == {"owner@example.com": {"CN": "Olga Owner"}}
    people = addresses(event, "ATTENDEE")
    # Everyone but the organizer, with their answer.
    assert set(people) == {"member@example.com", "guest@example.com", "client@studio.example"}
    assert people["member@example.com"]["PARTSTAT"] == "ACCEPTED"
    assert people["member@example.com"]["CN"] == "Marina Member"
    assert people["guest@example.com"]["PARTSTAT"] == "TENTATIVE"
    assert people["client@studio.example"]["PARTSTAT"] == "NEEDS-ACTION"
    assert "CN" not in people["client@studio.example"]
    for params in people.values():
        assert params["ROLE"] == "REQ-PARTICIPANT"
        assert params["RSVP"] == "TRUE"
        assert params["CUTYPE"] == "INDIVIDUAL"


def test_a_declined_outside_address_keeps_its_name(collab, owner):
    meeting = make_meeting(collab, owner)
    Attendee.objects.create(
        meeting=meeting,
        email="anna@studio.example",
        name='Anna "Studio", Ltd; design',
        answer=Attendee.Answer.DECLINED,
    )
    event = the_event(parse(ics.invitation(meeting, attendees_of(meeting))))
    anna = addresses(event, "ATTENDEE")["anna@studio.example"]
    assert anna["PARTSTAT"] == "DECLINED"
    assert anna["CN"] == 'Anna "Studio", Ltd; design'


def test_an_update_keeps_the_uid_and_raises_the_sequence(meeting):
    first = the_event(parse(ics.invitation(meeting, attendees_of(meeting))))
    meeting.title = "Design review, moved"
    meeting.start += timedelta(days=1)
    meeting.end += timedelta(days=1)
    meeting.sequence += 1
    meeting.save()
    second = the_event(parse(ics.invitation(meeting, attendees_of(meeting))))
    assert second["UID"] == first["UID"] == meeting.uid
    assert second["SEQUENCE"] > first["SEQUENCE"]
    assert second["SUMMARY"] == "Design review, moved"
    assert second["DTSTART"].dt == datetime(2026, 7, 2, 10, 0, tzinfo=BERLIN)


def test_the_cancellation_cancels_the_same_event_with_a_higher_sequence(meeting):
    invited = the_event(parse(ics.invitation(meeting, attendees_of(meeting))))
    meeting.state = Meeting.State.CANCELLED
    meeting.sequence += 1
    meeting.save()
    calendar = parse(ics.cancellation(meeting, attendees_of(meeting)))
    assert calendar["METHOD"] == "CANCEL"
    event = the_event(calendar)
    assert event["STATUS"] == "CANCELLED"
    assert event["UID"] == invited["UID"]
    assert event["SEQUENCE"] > invited["SEQUENCE"]
    # The people are named, so each calendar knows whose copy to cancel.
    assert "member@example.com" in addresses(event, "ATTENDEE")


def test_a_russian_title_place_and_names_round_trip(collab, owner, guest):
    guest.full_name = "Глеб Гостев"
    guest.save()
    title = "Планёрка: обсуждение макета «Главная» — итоги недели и задачи на следующую"
    meeting = make_meeting(collab, owner, [guest], title=title, location="Переговорная №3")
    raw = ics.invitation(meeting, attendees_of(meeting))
    event = the_event(parse(raw))
    assert event["SUMMARY"] == title
    assert event["LOCATION"] == "Переговорная №3"
    assert addresses(event, "ATTENDEE")["guest@example.com"]["CN"] == "Глеб Гостев"
    # Long lines are folded at 75 octets without cutting a character in two.
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:
        line.decode("utf-8")


def test_a_description_with_commas_semicolons_and_line_breaks_round_trips(collab, owner):
    description = "Agenda: colours, fonts; the grid\r\nSecond line\\ with a backslash\n\n- one"
    meeting = make_meeting(
        collab, owner, description=description, link="https://meet.example.com/abc-def"
    )
    raw = ics.invitation(meeting, attendees_of(meeting))
    assert b"colours\\, fonts\\; the grid\\nSecond line\\\\ with" in raw
    event = the_event(parse(raw))
    assert event["DESCRIPTION"] == (
        "Agenda: colours, fonts; the grid\nSecond line\\ with a backslash\n\n- one"
        "\n\nCall link: https://meet.example.com/abc-def"
    )
    # No place: the call link is where to go.
    assert event["LOCATION"] == "https://meet.example.com/abc-def"
    assert event["URL"] == "https://meet.example.com/abc-def"


def test_a_place_stays_the_location_beside_a_call_link(collab, owner):
    meeting = make_meeting(
        collab, owner, location="Room 4, floor 2", link="https://meet.example.com/x"
    )
    event = the_event(parse(ics.invitation(meeting, attendees_of(meeting))))
    assert event["LOCATION"] == "Room 4, floor 2"
    assert event["URL"] == "https://meet.example.com/x"


def test_a_meeting_without_place_or_link_has_neither(collab, owner):
    event = the_event(parse(ics.invitation(make_meeting(collab, owner), [])))
    assert "LOCATION" not in event and "URL" not in event and "DESCRIPTION" not in event
    # The organizer comes from the meeting when the attendees passed do not include them.
    assert addresses(event, "ORGANIZER") == {"owner@example.com": {"CN": "Olga Owner"}}


def test_the_feed_has_every_meeting_and_one_vtimezone_per_zone(collab, owner, member):
    york = ZoneInfo("America/New_York")
    meetings = [
        make_meeting(collab, owner, [member], title="Berlin one"),
        make_meeting(
            collab,
            owner,
            title="Berlin two",
            start=datetime(2027, 1, 12, 9, 0, tzinfo=BERLIN),
        ),
        make_meeting(
            collab,
            member,
            title="New York",
            start=datetime(2026, 11, 1, 9, 0, tzinfo=york),
            timezone="America/New_York",
        ),
        make_meeting(
            collab,
            owner,
            title="All day",
            start=datetime(2026, 8, 1, tzinfo=BERLIN),
            end=datetime(2026, 8, 2, tzinfo=BERLIN),
            all_day=True,
        ),
        make_meeting(collab, owner, title="Called off", state=Meeting.State.CANCELLED),
    ]
    rows = Meeting.objects.filter(pk__in=[m.pk for m in meetings]).prefetch_related(
        "attendees__user"
    )
    calendar = parse(ics.feed(rows, "Meetings in CollabHub"))
    assert "METHOD" not in calendar
    assert calendar["X-WR-CALNAME"] == "Meetings in CollabHub"
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Berlin one", "Berlin two", "New York", "All day", "Called off"}
    assert events["Called off"]["STATUS"] == "CANCELLED"
    assert events["Berlin one"]["STATUS"] == "CONFIRMED"
    assert events["New York"]["DTSTART"].params["TZID"] == "America/New_York"
    assert events["All day"]["DTSTART"].dt == date(2026, 8, 1)
    zones = calendar.walk("VTIMEZONE")
    assert sorted(tz["TZID"] for tz in zones) == ["America/New_York", "Europe/Berlin"]
    # The Berlin block spans both of its meetings' years.
    (berlin,) = (tz for tz in zones if tz["TZID"] == "Europe/Berlin")
    block = berlin.to_ical()
    assert b"DTSTART:20260101T000000" in block
    assert b"20270328T020000" in block and b"20271031T030000" in block
    # Without METHOD, DTSTAMP is when the meeting last changed: the feed is stable.
    assert events["Berlin one"]["DTSTAMP"].dt == meetings[0].updated.replace(microsecond=0)


def test_building_makes_no_queries(collab, owner, member, django_assert_num_queries):
    meeting = make_meeting(collab, owner, [member, "x@studio.example"])
    people = attendees_of(meeting)
    rows = list(Meeting.objects.filter(pk=meeting.pk).prefetch_related("attendees__user"))
    with django_assert_num_queries(0):
        ics.invitation(meeting, people)
        ics.cancellation(meeting, people)
        ics.feed(rows, "Mine")
