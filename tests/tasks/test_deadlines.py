"""Deadlines typed in a person's time zone, across daylight-saving days, and the overdue job
judging them as instants."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from apps.tasks import deadlines, services
from apps.tasks.forms import TaskForm

from .helpers import make_task, system_messages

BERLIN = ZoneInfo("Europe/Berlin")
MOSCOW = ZoneInfo("Europe/Moscow")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


def test_a_day_without_a_time_ends_the_working_day():
    moment = deadlines.combine(date(2026, 12, 4), None, MOSCOW)
    assert moment.astimezone(UTC) == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


def test_half_hour_offsets():
    moment = deadlines.combine(date(2026, 12, 4), time(9, 30), KOLKATA)
    assert moment.astimezone(UTC) == datetime(2026, 12, 4, 4, 0, tzinfo=UTC)


def test_a_time_skipped_when_the_clocks_go_forward_is_refused():
    # Berlin, 29 March 2026: 02:00 becomes 03:00.
    with pytest.raises(ValidationError) as refused:
        deadlines.combine(date(2026, 3, 29), time(2, 30), BERLIN)
    assert "does not exist" in refused.value.messages[0]
    # New York, 8 March 2026, the same at 02:30.
    with pytest.raises(ValidationError):
        deadlines.combine(date(2026, 3, 8), time(2, 30), NEW_YORK)
    # The hours around it are fine, an hour apart in real time.
    before = deadlines.combine(date(2026, 3, 29), time(1, 30), BERLIN)
    after = deadlines.combine(date(2026, 3, 29), time(3, 30), BERLIN)
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(hours=1)


def test_a_time_that_happens_twice_is_the_first():
    # Berlin, 25 October 2026: 03:00 summer time becomes 02:00 winter time.
    moment = deadlines.combine(date(2026, 10, 25), time(2, 30), BERLIN)
    assert moment.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert deadlines.split(moment, BERLIN) == (date(2026, 10, 25), time(2, 30))


def test_a_switch_day_is_23_or_25_hours_long():
    start, end = deadlines.day_bounds(date(2026, 3, 29), BERLIN)
    assert end - start == timedelta(hours=23)
    start, end = deadlines.day_bounds(date(2026, 10, 25), BERLIN)
    assert end - start == timedelta(hours=25)


def test_each_reader_sees_the_deadline_in_their_own_zone():
    moment = deadlines.combine(date(2026, 12, 4), time(18, 0), NEW_YORK)
    assert deadlines.split(moment, MOSCOW) == (date(2026, 12, 5), time(2, 0))
    assert deadlines.split(moment, KOLKATA) == (date(2026, 12, 5), time(4, 30))


def test_a_time_alone_is_refused():
    with pytest.raises(ValidationError):
        deadlines.combine(None, time(10, 0), MOSCOW)


@pytest.mark.django_db
def test_the_form_reads_the_deadline_in_the_persons_zone(member):
    member.timezone = "America/New_York"
    people = [member]
    form = TaskForm(
        {
            "title": "Call",
            "responsible": str(member.pk),
            "deadline_date": "2026-12-04",
            "deadline_time": "09:00",
            "priority": "1",
        },
        people=people,
        user=member,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["deadline"].astimezone(UTC) == datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    bad = TaskForm(
        {
            "title": "Call",
            "responsible": str(member.pk),
            "deadline_date": "2026-03-08",
            "deadline_time": "02:30",
            "priority": "1",
        },
        people=people,
        user=member,
    )
    assert not bad.is_valid()
    assert "does not exist" in str(bad.errors["deadline_time"])
    malformed = TaskForm(
        {
            "title": "Call",
            "responsible": str(member.pk),
            "deadline_date": "4.12.26",
            "priority": "1",
        },
        people=people,
        user=member,
    )
    assert not malformed.is_valid() and "deadline_date" in malformed.errors


@pytest.mark.django_db
def test_overdue_is_an_instant_whatever_the_zone(collab, owner, member):
    # Due 18:00 in New York on a day the clocks went back: 23:00 UTC.
    due = deadlines.combine(date(2026, 11, 1), time(18, 0), NEW_YORK)
    task = make_task(collab, owner, member, deadline=due)
    assert services.note_overdue(datetime(2026, 11, 1, 22, 59, tzinfo=UTC)) == 0
    assert services.note_overdue(datetime(2026, 11, 1, 23, 1, tzinfo=UTC)) == 1
    assert services.note_overdue(datetime(2026, 11, 2, 23, 1, tzinfo=UTC)) == 0
    [note] = system_messages(collab, "task_overdue")
    assert note.system_data["task_id"] == task.pk
