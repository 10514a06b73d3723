"""The calendar's pages (apps/calendar/grids.py, queries.py): a collab's agenda, week and month,
the sidebar's tab and "My calendar" — meetings on the right days in the reader's zone, the
periods and their navigation, who may open them, and their query counts."""

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.calendar import grids, queries
from apps.calendar.models import Attendee, Meeting
from apps.collabs import live
from apps.collabs import services as collab_services
from apps.collabs.features import store_levels
from apps.collabs.models import Collab
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

TAB_HEADERS = {"HX-Request": "true", "HX-Target": "tab-calendar"}


# --- Making meetings ----------------------------------------------------------------------------


def at(*args, tz: str = "UTC") -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


def make_meeting(
    collab,
    organizer,
    title: str = "Planning",
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    attendees=(),
    **fields,
) -> Meeting:
    """A meeting as the services would leave it: the organizer an attendee who goes, and
    the people given (user or (user, answer)) invited."""
    now = timezone.now()
    start = start or now + timedelta(days=1)
    end = end or start + timedelta(hours=1)
    meeting = Meeting.objects.create(
        collab=collab,
        title=title,
        start=start,
        end=end,
        organizer=organizer,
        created_by=organizer,
        uid=uuid.uuid4().hex,
        created=now,
        updated=now,
        **fields,
    )
    Attendee.objects.create(
        meeting=meeting, user=organizer, is_organizer=True, answer=Attendee.Answer.ACCEPTED
    )
    for person in attendees:
        user, answer = person if isinstance(person, tuple) else (person, Attendee.Answer.PENDING)
        Attendee.objects.create(meeting=meeting, user=user, answer=answer)
    return meeting


def all_day(collab, organizer, title: str, first: date, days: int = 1, tz: str = "UTC", **kw):
    """An all-day meeting: midnights in its own zone, the end exclusive."""
    zone = ZoneInfo(tz)
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    last = first + timedelta(days=days)
    end = datetime(last.year, last.month, last.day, tzinfo=zone)
    return make_meeting(collab, organizer, title, start, end, all_day=True, timezone=tz, **kw)


def bulk_meetings(collab, organizer, n: int, first: datetime, *, invite=()) -> None:
    """n meetings from `first` on, two an hour apart a day, every 7th cancelled, every 5th
    all day; `invite`: people invited to each (for My calendar)."""
    now = timezone.now()
    rows = []
    for i in range(n):
        start = first + timedelta(days=i // 2, hours=9 + 2 * (i % 2))
        rows.append(
            Meeting(
                collab=collab,
                title=f"Bulk meeting {i}",
                start=start,
                end=start + (timedelta(days=1) if i % 5 == 0 else timedelta(hours=1)),
                all_day=i % 5 == 0,
                organizer=organizer,
                created_by=organizer,
                uid=uuid.uuid4().hex,
                created=now,
                updated=now,
                state=Meeting.State.CANCELLED if i % 7 == 0 else Meeting.State.CONFIRMED,
            )
        )
    meetings = Meeting.objects.bulk_create(rows)
    Attendee.objects.bulk_create(
        Attendee(
            meeting=m,
            user=user,
            is_organizer=user == organizer,
            answer=Attendee.Answer.ACCEPTED,
        )
        for m in meetings
        for user in {organizer, *invite}
    )


# --- Reading the pages --------------------------------------------------------------------------


def url(name: str, collab, **params) -> str:
    from django.utils.http import urlencode

    base = reverse(f"calendar:{name}", kwargs={"collab_id": collab.pk})
    return f"{base}?{urlencode(params)}" if params else base


def set_zone(user, name: str) -> None:
    user.timezone = name
    user.save(update_fields=["timezone"])


def month_cells(response) -> dict[date, list]:
    return {cell["date"]: cell for week in response.context["weeks"] for cell in week}


def titles_on(response, day: date) -> list[str]:
    return [item.meeting.title for item in month_cells(response)[day]["items"]]


def week_titles(response) -> dict[date, list[str]]:
    return {c["date"]: [i.meeting.title for i in c["items"]] for c in response.context["days"]}


def agenda_titles(response) -> list[str]:
    return [i.meeting.title for group in response.context["days"] for i in group["items"]]


def agenda_days(response) -> dict[date, list[str]]:
    return {g["date"]: [i.meeting.title for i in g["items"]] for g in response.context["days"]}


def fresh(collab) -> Collab:
    return Collab.objects.get(pk=collab.pk)


# --- URLs and registration ----------------------------------------------------------------------


def test_the_urls(collab):
    base = f"/collabs/{collab.pk}/calendar/"
    assert url("agenda", collab) == base
    assert url("week", collab) == base + "week/"
    assert url("month", collab) == base + "month/"
    assert url("tab", collab) == base + "tab/"
    assert reverse("my_calendar:mine") == "/calendar/"
    assert reverse("my_calendar:mine_month") == "/calendar/month/"


def test_the_calendar_is_a_header_action_a_tab_and_a_live_event(client, collab, member):
    client.force_login(member)
    page = client.get(url("month", collab)).content.decode()
    assert f'href="{url("agenda", collab)}"' in page  # the header's "Calendar"
    assert f'data-url="{url("tab", collab)}"' in page
    assert 'data-refresh-on="calendar"' in page
    kind = next(k for k in live.event_kinds() if k.name == "calendar")
    frame = kind.render({"data": {"action": "created", "meeting": 7}}, None, collab)
    assert frame == {"type": "calendar", "action": "created", "meeting": 7}


# --- Month --------------------------------------------------------------------------------------


def test_a_meeting_late_in_utc_is_on_the_next_day_for_a_moscow_reader(
    client, collab, owner, member
):
    make_meeting(collab, owner, "Late call", at(2030, 3, 10, 23, 30), at(2030, 3, 10, 23, 50))
    set_zone(member, "Europe/Moscow")
    client.force_login(member)
    response = client.get(url("month", collab, date="2030-03-01"))
    assert response.status_code == 200
    assert titles_on(response, date(2030, 3, 11)) == ["Late call"]
    assert titles_on(response, date(2030, 3, 10)) == []
    # At 02:30 in Moscow, and the zone is named in the header.
    assert month_cells(response)[date(2030, 3, 11)]["items"][0].start == "2:30\u202fAM"
    assert "Times in Moscow (GMT+3)" in response.content.decode()
    # Someone reading in UTC sees it on the 10th.
    set_zone(owner, "UTC")
    client.force_login(owner)
    response = client.get(url("month", collab, date="2030-03-01"))
    assert titles_on(response, date(2030, 3, 10)) == ["Late call"]
    assert titles_on(response, date(2030, 3, 11)) == []


def test_a_meeting_over_several_days_is_on_each_of_them(client, collab, owner):
    make_meeting(collab, owner, "Offsite", at(2030, 3, 5, 10), at(2030, 3, 7, 12))
    make_meeting(collab, owner, "Until midnight", at(2030, 3, 12, 20), at(2030, 3, 13))
    client.force_login(owner)
    response = client.get(url("month", collab, date="2030-03-20"))
    cells = month_cells(response)
    for d in (5, 6, 7):
        assert titles_on(response, date(2030, 3, d)) == ["Offsite"]
    assert titles_on(response, date(2030, 3, 4)) == titles_on(response, date(2030, 3, 8)) == []
    kinds = [cells[date(2030, 3, d)]["items"][0].kind for d in (5, 6, 7)]
    assert kinds == ["from", "through", "until"]
    # Ending at midnight does not reach into the next day.
    assert titles_on(response, date(2030, 3, 12)) == ["Until midnight"]
    assert titles_on(response, date(2030, 3, 13)) == []


def test_an_all_day_meeting_keeps_its_dates_in_every_zone(client, collab, owner, member):
    """All day on 5 March in Tokyo is 4 March 15:00 to 5 March 15:00 UTC: in Los Angeles
    those instants begin on the 4th, yet the meeting is dated the 5th."""
    all_day(collab, owner, "Holiday", date(2030, 3, 5), tz="Asia/Tokyo")
    all_day(collab, owner, "Conference", date(2030, 3, 31), days=3)
    set_zone(member, "America/Los_Angeles")
    client.force_login(member)
    response = client.get(url("month", collab, date="2030-03-01"))
    assert titles_on(response, date(2030, 3, 5)) == ["Holiday"]
    assert titles_on(response, date(2030, 3, 4)) == []
    assert month_cells(response)[date(2030, 3, 5)]["items"][0].kind == "all_day"
    # Into April: the 31st, then the grid's days of April (the 1st and 2nd).
    assert titles_on(response, date(2030, 3, 31)) == ["Conference"]
    assert titles_on(response, date(2030, 4, 2)) == ["Conference"]
    assert date(2030, 4, 3) not in month_cells(response) or not titles_on(
        response, date(2030, 4, 3)
    )
    # All-day ones come first on their day.
    make_meeting(collab, owner, "Early", at(2030, 3, 5, 1, tz="America/Los_Angeles"))
    response = client.get(url("week", collab, date="2030-03-05"))
    assert week_titles(response)[date(2030, 3, 5)] == ["Holiday", "Early"]


def test_a_day_shows_three_meetings_then_more(client, collab, owner):
    for hour in range(9, 14):
        make_meeting(collab, owner, f"At {hour}", at(2030, 3, 5, hour))
    client.force_login(owner)
    response = client.get(url("month", collab, date="2030-03-05"))
    cell = month_cells(response)[date(2030, 3, 5)]
    assert [i.meeting.title for i in cell["items"]] == ["At 9", "At 10", "At 11"]
    assert cell["more"] == 2 and cell["total"] == 5
    page = response.content.decode()
    assert "+2 more" in page
    assert f'href="{url("agenda", collab, date="2030-03-05")}"' in page
    assert 'aria-label="Tuesday, March 5, 2030: 5 meetings"' in page
    # The day's agenda has them all.
    response = client.get(url("agenda", collab, date="2030-03-05"))
    assert agenda_days(response)[date(2030, 3, 5)] == [f"At {h}" for h in range(9, 14)]


def test_the_month_starts_its_weeks_on_the_languages_first_day(client, collab, owner):
    client.force_login(owner)
    response = client.get(url("month", collab, date="2030-03-05"))
    assert response.context["weekdays"][0].weekday() == 6  # English: Sunday
    assert response.context["nav"].title == "March 2030"
    owner.language = "ru"
    owner.save(update_fields=["language"])
    response = client.get(url("month", collab, date="2030-03-05"))
    assert response.context["weekdays"][0].weekday() == 0  # Russian: Monday
    assert response.context["nav"].title == "Март 2030"
    week = response.context["weeks"][0]
    assert week[0]["date"] == date(2030, 2, 25) and week[-1]["date"] == date(2030, 3, 3)


def test_today_is_marked_and_the_create_links_prefill_the_day(client, collab, owner):
    client.force_login(owner)
    now = at(2030, 3, 5, 14, 20)
    with mock.patch.object(grids, "clock", return_value=now):
        response = client.get(url("month", collab))
    cells = month_cells(response)
    assert cells[date(2030, 3, 5)]["is_today"]
    assert sum(c["is_today"] for c in cells.values()) == 1
    page = response.content.decode()
    assert 'aria-current="date"' in page
    create = reverse("calendar:create", kwargs={"collab_id": collab.pk})
    assert f'href="{create}?start=2030-03-05T15:00"' in page  # today: the next whole hour
    assert f'href="{create}?start=2030-03-06T09:00"' in page
    assert 'aria-label="New meeting on Wednesday, March 6, 2030"' in page


def test_without_the_create_right_there_is_no_new_meeting_link(client, collab, owner, guest):
    store_levels(collab, {"calendar": {"create": "employees"}})
    client.force_login(guest)
    create = reverse("calendar:create", kwargs={"collab_id": collab.pk})
    for name in ("agenda", "week", "month"):
        response = client.get(url(name, collab))
        assert response.status_code == 200
        assert create not in response.content.decode()
    response = client.get(url("tab", collab), headers=TAB_HEADERS)
    assert create not in response.content.decode()


def test_previous_and_next_month_week_and_day(client, collab, owner):
    client.force_login(owner)
    nav = client.get(url("month", collab, date="2030-12-15")).context["nav"]
    assert nav.prev_url == url("month", collab, date="2030-11-01")
    assert nav.next_url == url("month", collab, date="2031-01-01")
    assert nav.today_url == url("month", collab)
    nav = client.get(url("week", collab, date="2030-03-05")).context["nav"]
    # English weeks start on Sunday: 3 March.
    assert nav.prev_url == url("week", collab, date="2030-02-24")
    assert nav.next_url == url("week", collab, date="2030-03-10")
    assert nav.title == "Mar 3\u2009\u2013\u20099, 2030"
    nav = client.get(url("agenda", collab, date="2030-03-01")).context["nav"]
    assert nav.prev_url == url("agenda", collab, date="2030-02-28")
    assert nav.next_url == url("agenda", collab, date="2030-03-02")
    page = client.get(url("month", collab, date="2030-12-15")).content.decode()
    assert 'aria-label="Previous month"' in page and 'aria-label="Next month"' in page
    # The views keep the day, and say which is open.
    assert re.search(r'href="[^"]*/week/\?date=2030-12-15"', page)
    assert re.search(r'href="[^"]*/month/\?date=2030-12-15" aria-current="page"', page)


BAD_DATES = ["2030-13-45", "yesterday", "", "2030-3-5", "0001-01-01", "9999-12-31"]


@pytest.mark.parametrize("raw", BAD_DATES)
@pytest.mark.parametrize("name", ["agenda", "week", "month"])
def test_a_bad_date_is_today(client, collab, owner, raw, name):
    client.force_login(owner)
    now = at(2030, 3, 5, 12)
    with mock.patch.object(grids, "clock", return_value=now):
        response = client.get(url(name, collab, date=raw))
    assert response.status_code == 200
    assert response.context["day"] == date(2030, 3, 5)


def test_the_calendars_ends_have_no_step_past_them(client, collab, owner):
    client.force_login(owner)
    nav = client.get(url("month", collab, date="2999-12-31")).context["nav"]
    assert nav.next_url == "" and nav.prev_url
    nav = client.get(url("week", collab, date="1900-01-01")).context["nav"]
    assert nav.prev_url == "" and nav.next_url


# --- Week ---------------------------------------------------------------------------------------


def test_the_week_lists_each_days_meetings_in_time_order(client, collab, owner, member):
    make_meeting(collab, owner, "Afternoon", at(2030, 3, 5, 15))
    make_meeting(collab, owner, "Morning", at(2030, 3, 5, 9))
    make_meeting(collab, owner, "Over two days", at(2030, 3, 6, 22), at(2030, 3, 7, 2))
    make_meeting(collab, owner, "Next week", at(2030, 3, 10, 9))
    client.force_login(member)
    response = client.get(url("week", collab, date="2030-03-05"))
    days = week_titles(response)
    assert list(days) == [date(2030, 3, 3) + timedelta(days=i) for i in range(7)]
    assert days[date(2030, 3, 5)] == ["Morning", "Afternoon"]
    assert days[date(2030, 3, 6)] == days[date(2030, 3, 7)] == ["Over two days"]
    assert all("Next week" not in titles for titles in days.values())
    page = response.content.decode()
    assert "9:00\u202fAM\u201310:00\u202fAM" in page
    assert "from 10:00\u202fPM" in page and "until 2:00\u202fAM" in page


# --- Agenda -------------------------------------------------------------------------------------


def test_the_agenda_lists_what_is_not_over_by_the_day_grouped_by_day(client, collab, owner, member):
    make_meeting(collab, owner, "Before", at(2030, 3, 4, 9))
    make_meeting(collab, owner, "Running over", at(2030, 3, 4, 22), at(2030, 3, 5, 1))
    make_meeting(collab, owner, "Thursday", at(2030, 3, 7, 9))
    make_meeting(collab, owner, "Tuesday", at(2030, 3, 5, 9))
    client.force_login(member)
    response = client.get(url("agenda", collab, date="2030-03-05"))
    assert agenda_days(response) == {
        date(2030, 3, 5): ["Running over", "Tuesday"],
        date(2030, 3, 7): ["Thursday"],
    }
    page = response.content.decode()
    assert "Tuesday, March 5, 2030" in page and "From March 5, 2030" in page
    detail = reverse("calendar:detail", kwargs={"collab_id": collab.pk, "meeting_id": 1})
    assert detail.rsplit("1/", 1)[0] in page


def test_the_agenda_row_shows_place_link_and_my_answer(client, collab, owner, member, guest):
    make_meeting(
        collab,
        owner,
        "Review",
        at(2030, 3, 5, 9),
        location="Room 4",
        link="https://meet.example.com/abc",
        attendees=[(member, Attendee.Answer.TENTATIVE)],
    )
    make_meeting(collab, owner, "Sneaky", at(2030, 3, 5, 11), link="javascript:alert(1)")
    all_day(collab, owner, "Away", date(2030, 3, 5), days=2)
    client.force_login(member)
    page = client.get(url("agenda", collab, date="2030-03-05")).content.decode()
    assert "Room 4" in page
    assert 'href="https://meet.example.com/abc"' in page
    assert "javascript:" not in page
    assert "Maybe" in page  # the member's answer
    assert "All day" in page and "until Mar 6, 2030" in page
    client.force_login(guest)  # not invited: no answer shown
    page = client.get(url("agenda", collab, date="2030-03-05")).content.decode()
    assert "Maybe" not in page and "Going" not in page


def test_cancelled_meetings_are_shown_as_cancelled(client, collab, owner):
    make_meeting(collab, owner, "Called off", at(2030, 3, 5, 9), state=Meeting.State.CANCELLED)
    client.force_login(owner)
    page = client.get(url("agenda", collab, date="2030-03-05")).content.decode()
    row = page[page.index("cal-row is-cancelled") :]
    assert "Called off" in row[:600] and "Cancelled" in row[:900]
    page = client.get(url("month", collab, date="2030-03-05")).content.decode()
    assert re.search(r'class="cal-item is-cancelled"[^>]*>.*?Called off', page, re.S)
    page = client.get(url("week", collab, date="2030-03-05")).content.decode()
    assert "(Cancelled)" in page


def test_later_pages_walk_every_meeting_once(client, collab, owner):
    bulk_meetings(collab, owner, 130, at(2030, 3, 1))
    client.force_login(owner)
    seen, target, pages = [], url("agenda", collab, date="2030-03-01"), 0
    while target:
        response = client.get(target)
        assert response.status_code == 200
        seen += [i.meeting.pk for g in response.context["days"] for i in g["items"]]
        target = response.context["later_url"]
        pages += 1
        if pages > 1:
            assert response.context["first_url"] == url("agenda", collab, date="2030-03-01")
    assert pages == 4
    assert len(seen) == len(set(seen)) == 130


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJ4IiwxXQ", "WyIyMDMwLTAzLTAxIiwxXQ"])
def test_a_bad_cursor_is_the_first_page(client, collab, owner, cursor):
    make_meeting(collab, owner, "First", at(2030, 3, 5, 9))
    client.force_login(owner)
    response = client.get(url("agenda", collab, date="2030-03-01", after=cursor))
    assert response.status_code == 200
    assert agenda_titles(response) == ["First"]


# --- The tab ------------------------------------------------------------------------------------


def test_the_tab_lists_the_next_meetings_not_over_and_not_cancelled(client, collab, owner):
    now = timezone.now()
    make_meeting(collab, owner, "Over", now - timedelta(hours=3), now - timedelta(hours=2))
    make_meeting(collab, owner, "Going on", now - timedelta(hours=1), now + timedelta(hours=1))
    make_meeting(
        collab, owner, "Called off", now + timedelta(hours=2), state=Meeting.State.CANCELLED
    )
    for i in range(12):
        make_meeting(collab, owner, f"Soon {i}", now + timedelta(days=1, hours=i))
    client.force_login(owner)
    response = client.get(url("tab", collab), headers=TAB_HEADERS)
    assert response.status_code == 200
    titles = agenda_titles(response)
    assert titles == ["Going on"] + [f"Soon {i}" for i in range(9)]
    page = response.content.decode()
    assert "<html" not in page  # the partial alone
    assert response.context["days"][0]["is_today"]
    assert f'href="{url("agenda", collab)}"' in page
    assert reverse("calendar:create", kwargs={"collab_id": collab.pk}) in page
    # Without JavaScript, a page of its own.
    response = client.get(url("tab", collab))
    assert "<html" in response.content.decode() and "Soon 0" in response.content.decode()


def test_the_tab_says_when_nothing_is_coming(client, collab, owner):
    client.force_login(owner)
    response = client.get(url("tab", collab), headers=TAB_HEADERS)
    assert "No upcoming meetings." in response.content.decode()


# --- Who may open them --------------------------------------------------------------------------

COLLAB_PAGES = ["agenda", "week", "month", "tab"]


@pytest.mark.parametrize("name", COLLAB_PAGES)
def test_an_outsider_gets_404_and_sees_nothing(client, collab, owner, outsider, name):
    make_meeting(collab, owner, "Secret plan", timezone.now() + timedelta(hours=2))
    client.force_login(outsider)
    response = client.get(url(name, collab))
    assert response.status_code == 404
    assert b"Secret plan" not in response.content


@pytest.mark.parametrize("name", COLLAB_PAGES)
def test_a_removed_member_gets_404(client, collab, owner, member, name):
    make_meeting(collab, owner, "Secret plan", timezone.now() + timedelta(hours=2))
    collab_services.remove_member(collab, owner, member)
    client.force_login(member)
    assert client.get(url(name, collab)).status_code == 404


@pytest.mark.parametrize("name", COLLAB_PAGES)
def test_a_guest_without_the_view_right_gets_403(client, collab, owner, guest, member, name):
    make_meeting(collab, owner, "Employees only", timezone.now() + timedelta(hours=2))
    store_levels(collab, {"calendar": {"view": "employees"}})
    client.force_login(guest)
    response = client.get(url(name, collab))
    assert response.status_code == 403
    assert b"Employees only" not in response.content
    client.force_login(member)
    assert client.get(url(name, collab)).status_code == 200


def test_without_the_view_right_the_header_and_sidebar_leave_the_calendar_out(
    client, collab, guest
):
    store_levels(collab, {"calendar": {"view": "employees"}})
    client.force_login(guest)
    page = client.get(reverse("collabs:detail", kwargs={"collab_id": collab.pk})).content
    assert f'href="{url("agenda", collab)}"'.encode() not in page
    assert url("tab", collab).encode() not in page


def test_signed_out_visitors_go_to_the_login(client, collab):
    for name in COLLAB_PAGES:
        assert client.get(url(name, collab)).status_code == 302
    assert client.get(reverse("my_calendar:mine")).status_code == 302


# --- My calendar --------------------------------------------------------------------------------


@pytest.fixture
def second_collab(owner, member, guest):
    collab = collab_services.create_collab(owner, name="Second team")
    collab_services.add_member(collab, owner, member)
    collab_services.add_member(collab, owner, guest)
    return collab


def test_my_calendar_lists_my_meetings_across_collabs(
    client, collab, second_collab, owner, member, guest
):
    make_meeting(collab, owner, "Here", at(2030, 3, 5, 9), attendees=[member])
    make_meeting(second_collab, owner, "There", at(2030, 3, 6, 9), attendees=[member])
    make_meeting(collab, owner, "Not invited", at(2030, 3, 5, 10), attendees=[guest])
    make_meeting(collab, member, "I organize", at(2030, 3, 7, 9))
    client.force_login(member)
    response = client.get(reverse("my_calendar:mine") + "?date=2030-03-01")
    assert response.status_code == 200
    assert agenda_titles(response) == ["Here", "There", "I organize"]
    page = response.content.decode()
    assert "Website redesign" in page and "Second team" in page
    assert f'href="{url("agenda", second_collab)}"' in page  # each row names its collab
    assert "No answer yet" in page and "Going" in page
    response = client.get(reverse("my_calendar:mine_month") + "?date=2030-03-01")
    assert titles_on(response, date(2030, 3, 5)) == ["Here"]
    assert titles_on(response, date(2030, 3, 6)) == ["There"]
    page = response.content.decode()
    assert 'href="/calendar/?date=2030-03-05"' in page  # a day opens my agenda of it
    assert "Not invited" not in page


def test_my_calendar_leaves_out_collabs_i_was_removed_from_or_may_not_view(
    client, collab, second_collab, owner, guest
):
    make_meeting(collab, owner, "Old team's", at(2030, 3, 5, 9), attendees=[guest])
    make_meeting(second_collab, owner, "Employees only", at(2030, 3, 5, 10), attendees=[guest])
    client.force_login(guest)
    mine = reverse("my_calendar:mine") + "?date=2030-03-01"
    assert agenda_titles(client.get(mine)) == ["Old team's", "Employees only"]
    store_levels(second_collab, {"calendar": {"view": "employees"}})
    collab_services.remove_member(fresh(collab), owner, guest)
    response = client.get(mine)
    assert agenda_titles(response) == []
    assert "No meetings from this day on." in response.content.decode()
    month = client.get(reverse("my_calendar:mine_month") + "?date=2030-03-01")
    assert titles_on(month, date(2030, 3, 5)) == []


def test_my_calendar_has_a_place_for_the_feed_and_more(client, member):
    client.force_login(member)
    response = client.get(reverse("my_calendar:mine"))
    assert response.status_code == 200
    # The feed's part: no address made by a GET, a button to get one.
    assert response.context["feed_url"] == ""
    assert "Get my feed address" in response.content.decode()
    client.post(reverse("my_calendar:feed_reset"), {"next": reverse("my_calendar:mine")})
    response = client.get(reverse("my_calendar:mine"))
    assert response.context["feed_url"].startswith("http")
    assert response.context["feed_url"] in response.content.decode()
    page = response.content.decode()
    assert '<h1 id="my-calendar-heading">My calendar</h1>' in page
    assert "my-calendar-aside" in page


# --- Queries ------------------------------------------------------------------------------------


def test_in_window_keeps_what_overlaps(collab, owner):
    make_meeting(collab, owner, "Before", at(2030, 3, 5, 8), at(2030, 3, 5, 9))
    make_meeting(collab, owner, "Across the start", at(2030, 3, 5, 8), at(2030, 3, 5, 10))
    make_meeting(collab, owner, "Inside", at(2030, 3, 5, 11), at(2030, 3, 5, 12))
    make_meeting(collab, owner, "Across the end", at(2030, 3, 5, 12), at(2030, 3, 5, 14))
    make_meeting(collab, owner, "After", at(2030, 3, 5, 13), at(2030, 3, 5, 14))
    found = queries.in_window(Meeting.objects.all(), at(2030, 3, 5, 9), at(2030, 3, 5, 13))
    assert set(found.values_list("title", flat=True)) == {
        "Across the start",
        "Inside",
        "Across the end",
    }


def test_local_times_are_the_readers(collab, owner):
    meeting = make_meeting(collab, owner, "Late", at(2030, 3, 10, 23, 30), at(2030, 3, 11, 0, 30))
    local = queries.local_times(meeting, ZoneInfo("Europe/Moscow"))
    assert (local.start.hour, local.first_day, local.last_day) == (
        2,
        date(2030, 3, 11),
        date(2030, 3, 11),
    )
    local = queries.local_times(meeting, UTC)
    assert (local.first_day, local.last_day) == (date(2030, 3, 10), date(2030, 3, 11))


def _count(django_assert_num_queries, client, target, n, headers=None):
    with django_assert_num_queries(n):
        assert client.get(target, headers=headers or {}).status_code == 200


# session, user, membership, the meetings, then the frame's: the rail (memberships with their
# member counts, last messages), the top bar's bell and "My tasks".
PAGE_QUERIES = 8


@pytest.mark.parametrize("name", ["agenda", "week", "month"])
def test_the_pages_cost_the_same_for_5_and_500_meetings(
    client, collab, owner, django_assert_num_queries, name
):
    client.force_login(owner)
    target = url(name, collab, date="2030-03-01")
    bulk_meetings(collab, owner, 5, at(2030, 3, 1))
    _count(django_assert_num_queries, client, target, PAGE_QUERIES)
    bulk_meetings(collab, owner, 495, at(2030, 3, 1))
    _count(django_assert_num_queries, client, target, PAGE_QUERIES)
    if name == "agenda":
        later = client.get(target).context["later_url"]
        assert later
        _count(django_assert_num_queries, client, later, PAGE_QUERIES)


def test_the_tab_costs_the_same_for_5_and_500_meetings(
    client, collab, owner, django_assert_num_queries
):
    client.force_login(owner)
    soon = timezone.now() + timedelta(days=1)
    bulk_meetings(collab, owner, 5, soon)
    # session, user, membership, the meetings.
    _count(django_assert_num_queries, client, url("tab", collab), 4, TAB_HEADERS)
    bulk_meetings(collab, owner, 495, soon)
    _count(django_assert_num_queries, client, url("tab", collab), 4, TAB_HEADERS)


@pytest.mark.parametrize("name", ["my_calendar:mine", "my_calendar:mine_month"])
def test_my_calendar_costs_the_same_for_5_and_500_meetings_and_many_collabs(
    client, collab, owner, member, django_assert_num_queries, name
):
    client.force_login(member)
    target = reverse(name) + "?date=2030-03-01"
    bulk_meetings(collab, owner, 5, at(2030, 3, 1), invite=[member])
    # session, user, my memberships (with the collabs' settings), the meetings, the feed's
    # token, and the top bar's unread total, bell and "My tasks" count.
    _count(django_assert_num_queries, client, target, 8)
    for i in range(5):
        other = collab_services.create_collab(owner, name=f"Team {i}")
        collab_services.add_member(other, owner, member)
        bulk_meetings(other, owner, 99, at(2030, 3, 1), invite=[member])
    _count(django_assert_num_queries, client, target, 8)


def test_a_new_employee_sees_the_calendar(client, collab, owner):
    """An employee added later opens the calendar with the same rights as the others."""
    newcomer = make_user("new@example.com", "Nina Newcomer")
    collab_services.add_member(fresh(collab), owner, newcomer)
    client.force_login(newcomer)
    assert client.get(url("month", collab)).status_code == 200
