"""The calendar's pages: a collab's calendar as an agenda (calendar:agenda, the default, a
list that needs no JavaScript), a week (calendar:week) and a month (calendar:month); the
sidebar's Calendar tab (calendar:tab); and "My calendar" (my_calendar:mine and
my_calendar:mine_month), the meetings a person is invited to across their collabs.

Server-rendered grids, no calendar library: a month is a table of weeks (the first day of the
week is the active language's, Django's FIRST_DAY_OF_WEEK: Sunday in English, Monday in
Russian), a week seven lists, the agenda days of rows. `?date=YYYY-MM-DD` chooses the period;
a date that does not parse is today, without an error page. Times are the reader's
(queries.localize), the zone named in the page's header.

On a narrow screen (the page's own width: CSS container queries, so the sidebar's column
counts too) the month shows dots and counts instead of titles and each day is one link to its
agenda; the week becomes a list of days.

Queries: the access layer's membership (or, across collabs, the person's memberships), one
for the meetings with the reader's answer, and the page frame's — the same for 5 meetings or
500 (tests/calendar/test_grids.py pins them). The agenda pages by a keyset cursor on
(start, id), so its tenth page costs what the first does.
"""

import base64
import binascii
import calendar
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import (
    format_date,
    format_interval,
    format_skeleton,
    format_time,
    get_datetime_format,
)
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_safe

from apps.accounts import timezones
from apps.collabs import features
from apps.collabs.frame import render_frame, render_tab
from apps.collabs.permissions import get_collab_for, rights_of
from apps.core.inputs import parse_id
from apps.core.templatetags.dates import current_locale
from apps.core.zones import day_bounds

from . import queries
from .feed import existing_url
from .models import Attendee, Meeting
from .rules import CREATE

# A month's day shows this many meetings, then "+N more" (its agenda has them all).
MONTH_SHOWN = 3
# The agenda's page, and the sidebar tab's list.
PAGE_SIZE = 40
TAB_SHOWN = 10
# The days a calendar page may show: far from Python's own ends (year 1 and 9999), so a month
# grid's or a week's days around them always exist.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
# Where "new meeting on this day" starts, unless the day is today.
DEFAULT_START = "09:00"

VIEW_LABELS = {
    "agenda": pgettext_lazy("calendar view", "Agenda"),
    "week": pgettext_lazy("calendar view", "Week"),
    "month": pgettext_lazy("calendar view", "Month"),
}
ANSWERS = dict(Attendee.Answer.choices)


# --- Days -----------------------------------------------------------------------------------


def first_weekday() -> int:
    """The first day of the week in the active language, as Python's calendar counts
    (Monday 0); Django's format files count from Sunday (0)."""
    try:
        django_first = int(formats.get_format("FIRST_DAY_OF_WEEK"))
    except (TypeError, ValueError):
        django_first = 1
    return (django_first - 1) % 7


def clock() -> datetime:
    """Now: what "today" and "upcoming" are measured from (tests set it)."""
    return timezone.now()


def today_for(user) -> date:
    return clock().astimezone(queries.zone_for(user)).date()


def chosen_day(request: HttpRequest, today: date) -> date:
    """`?date=YYYY-MM-DD`, or today when absent, not a date or out of FIRST_DAY..LAST_DAY."""
    raw = request.GET.get("date", "")
    if not isinstance(raw, str) or len(raw) != 10:
        return today
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return today
    return day if FIRST_DAY <= day <= LAST_DAY else today


def _month_start(day: date, months: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _step(day: date, months: int = 0, days: int = 0) -> date | None:
    """The day moved, or None past the calendar's ends."""
    moved = _month_start(day, months) if months else day + timedelta(days=days)
    return moved if FIRST_DAY <= moved <= LAST_DAY else None


def _create_start(day: date, today: date, now_local: datetime) -> str:
    """What "new meeting on this day" prefills: 09:00, or the next whole hour today."""
    if day == today and now_local.hour < 23:
        return f"{day.isoformat()}T{now_local.hour + 1:02d}:00"
    return f"{day.isoformat()}T{DEFAULT_START}"


# --- A meeting on a day -----------------------------------------------------------------------


@dataclass
class DayItem:
    """A meeting as one day shows it: the whole day (all-day, or a day in the middle of a
    longer meeting), a range within the day, from a time on (it goes on into the next day),
    or until a time (it began on an earlier day). `until` says when it ends when that is
    after this day (a date for an all-day meeting, a date and time otherwise)."""

    meeting: Meeting
    day: date
    kind: str  # "all_day", "range", "from", "until", "through"
    start: str = ""
    end: str = ""
    until: str = ""

    @property
    def whole_day(self) -> bool:
        return self.kind in ("all_day", "through")

    @property
    def sort_key(self):
        return (not self.whole_day, self.meeting.local.start, self.meeting.pk)


def day_item(meeting: Meeting, day: date, locale) -> DayItem:
    local = meeting.local
    goes_on = local.last_day > day
    if meeting.all_day:
        until = format_date(local.last_day, "medium", locale=locale) if goes_on else ""
        return DayItem(meeting, day, "all_day", until=until)

    def clock(moment: datetime) -> str:
        return format_time(moment.time(), format="short", locale=locale)

    until = ""
    if goes_on:
        # The language's own way of joining a date and a time ("Mar 6, 2026, 2:00 AM").
        until = (
            get_datetime_format("medium", locale=locale)
            .replace("{1}", format_date(local.last_day, "medium", locale=locale))
            .replace("{0}", clock(local.end))
        )
    starts, ends = local.first_day == day, local.last_day == day
    if starts and ends:
        return DayItem(meeting, day, "range", clock(local.start), clock(local.end))
    if starts:
        return DayItem(meeting, day, "from", clock(local.start), clock(local.end), until)
    if ends:
        return DayItem(meeting, day, "until", end=clock(local.end))
    return DayItem(meeting, day, "through", end=clock(local.end), until=until)


def decorate(meetings) -> None:
    """What a row shows besides its times: the reader's answer in words, and the call link
    only when it is a web address (never a javascript: one)."""
    for meeting in meetings:
        answer = getattr(meeting, "my_answer", None)
        meeting.my_answer_label = ANSWERS.get(answer, "")
        meeting.declined = answer == Attendee.Answer.DECLINED
        link = meeting.link or ""
        meeting.safe_link = link if link.startswith(("https://", "http://")) else ""


def by_day(meetings, first: date, last: date) -> dict[date, list[DayItem]]:
    """{day: its items, whole days first, then by start} for the days first..last."""
    locale = current_locale()
    days: dict[date, list[DayItem]] = {}
    for meeting in meetings:
        for day in queries.days_of(meeting, first, last):
            days.setdefault(day, []).append(day_item(meeting, day, locale))
    for items in days.values():
        items.sort(key=lambda item: item.sort_key)
    return days


# --- Where the pages link -----------------------------------------------------------------------


@dataclass
class Place:
    """The calendar a page belongs to: a collab's, or the person's own across collabs."""

    urls: dict[str, str]  # view key -> its URL
    collab: object | None = None
    can_create: bool = False
    create_url: str = ""
    links_url: str = ""

    def url(self, view: str, day: date | None = None, **extra) -> str:
        params = {"date": day.isoformat()} if day else {}
        params.update({k: v for k, v in extra.items() if v})
        return f"{self.urls[view]}?{urlencode(params)}" if params else self.urls[view]


def _collab_place(request: HttpRequest, collab) -> Place:
    kwargs = {"collab_id": collab.pk}
    can_create = CREATE in rights_of(request.user, collab)
    return Place(
        urls={view: reverse(f"calendar:{view}", kwargs=kwargs) for view in VIEW_LABELS},
        collab=collab,
        can_create=can_create,
        create_url=reverse("calendar:create", kwargs=kwargs) if can_create else "",
        links_url=reverse("calendar:links", kwargs=kwargs) if can_create else "",
    )


def _my_place() -> Place:
    return Place(
        urls={"agenda": reverse("my_calendar:mine"), "month": reverse("my_calendar:mine_month")}
    )


@dataclass
class Nav:
    """The calendar's header: the views as tabs, the period's title, previous / today / next
    (each with the words a screen reader says), and the reader's zone."""

    views: list[dict]
    title: str
    prev_url: str
    prev_label: str
    next_url: str
    next_label: str
    today_url: str
    zone_label: str


def _nav(request, place: Place, view: str, day: date, title: str, prev, nxt, labels) -> Nav:
    zone = queries.zone_for(request.user)
    return Nav(
        views=[
            {
                "key": key,
                "label": VIEW_LABELS[key],
                "url": place.url(key, day),
                "current": key == view,
            }
            for key in place.urls
        ],
        title=title,
        prev_url=place.url(view, prev) if prev else "",
        prev_label=labels[0],
        next_url=place.url(view, nxt) if nxt else "",
        next_label=labels[1],
        today_url=place.url(view),
        zone_label=timezones.label(zone.key),
    )


# --- Month --------------------------------------------------------------------------------------


def month_context(request: HttpRequest, meetings, place: Place) -> dict:
    """The month of ?date as weeks of day cells, with their first MONTH_SHOWN meetings."""
    user = request.user
    today = today_for(user)
    day = chosen_day(request, today)
    first_of_month = day.replace(day=1)
    weeks = calendar.Calendar(first_weekday()).monthdatescalendar(day.year, day.month)
    first, last = weeks[0][0], weeks[-1][-1]
    rows = queries.for_user_in_zone(meetings, user, first, last)
    decorate(rows)
    placed = by_day(rows, first, last)
    now_local = clock().astimezone(queries.zone_for(user))
    locale = current_locale()
    grid = []
    for week in weeks:
        cells = []
        for d in week:
            items = placed.get(d, [])
            cells.append(
                {
                    "date": d,
                    "label": format_date(d, format="full", locale=locale),
                    "in_month": d.month == day.month,
                    "is_today": d == today,
                    "items": items[:MONTH_SHOWN],
                    "dots": range(min(len(items), MONTH_SHOWN)),
                    "more": max(0, len(items) - MONTH_SHOWN),
                    "total": len(items),
                    "agenda_url": place.url("agenda", d),
                    "create_start": _create_start(d, today, now_local),
                }
            )
        grid.append(cells)
    nav = _nav(
        request,
        place,
        "month",
        day,
        dateformat.format(first_of_month, "F Y"),
        _step(first_of_month, months=-1),
        _step(first_of_month, months=1),
        (_("Previous month"), _("Next month")),
    )
    return {
        "view": "month",
        "nav": nav,
        "place": place,
        "weekdays": weeks[0],
        "weeks": grid,
        "day": day,
    }


# --- Week ---------------------------------------------------------------------------------------


def week_context(request: HttpRequest, meetings, place: Place) -> dict:
    """The week of ?date: seven days, each with all its meetings."""
    user = request.user
    today = today_for(user)
    day = chosen_day(request, today)
    first = day - timedelta(days=(day.weekday() - first_weekday()) % 7)
    days = [first + timedelta(days=i) for i in range(7)]
    rows = queries.for_user_in_zone(meetings, user, days[0], days[-1])
    decorate(rows)
    placed = by_day(rows, days[0], days[-1])
    now_local = clock().astimezone(queries.zone_for(user))
    locale = current_locale()
    columns = [
        {
            "date": d,
            "weekday": format_skeleton("EEE", d, locale=locale),
            "label": format_skeleton("MMMEd", d, locale=locale),
            "full_label": format_date(d, format="full", locale=locale),
            "is_today": d == today,
            "items": placed.get(d, []),
            "agenda_url": place.url("agenda", d),
            "create_start": _create_start(d, today, now_local),
        }
        for d in days
    ]
    nav = _nav(
        request,
        place,
        "week",
        day,
        format_interval(days[0], days[-1], "yMMMd", locale=locale),
        _step(first, days=-7),
        _step(first, days=7),
        (_("Previous week"), _("Next week")),
    )
    return {"view": "week", "nav": nav, "place": place, "days": columns, "day": day}


# --- Agenda (keyset pages on (start, id)) -------------------------------------------------------


def encode_cursor(meeting: Meeting) -> str:
    raw = json.dumps([meeting.start.isoformat(), meeting.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(raw: str) -> tuple[datetime, int] | None:
    """(start, id) from a cursor; None for anything else (the first page then)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(values, list) or len(values) != 2 or not isinstance(values[0], str):
            return None
        moment = datetime.fromisoformat(values[0])
        pk = parse_id(values[1])
        if pk is None or not timezone.is_aware(moment):
            return None
        return moment, pk
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
        return None


def agenda_page(meetings, user, from_day: date, raw_cursor: str):
    """One page of the meetings not over by the start of `from_day` (the reader's), by start:
    (days [(day, items)], next cursor or None, whether this is a later page)."""
    zone = queries.zone_for(user)
    since, _end = day_bounds(from_day, zone)
    # All-day meetings are dated in their own zone: those ending up to a day's margin
    # earlier may still be dated from_day (queries.py).
    meetings = meetings.filter(
        Q(end__gt=since) | Q(all_day=True, end__gt=since - queries.WINDOW_MARGIN)
    )
    cursor = decode_cursor(raw_cursor) if raw_cursor else None
    if cursor is not None:
        start, pk = cursor
        meetings = meetings.filter(Q(start__gt=start) | Q(start=start, pk__gt=pk))
    rows = list(queries.with_my_answer(meetings, user).order_by("start", "pk")[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_cursor = encode_cursor(rows[-1]) if more else None
    shown = [m for m in queries.localize(rows, zone) if m.local.last_day >= from_day]
    decorate(shown)
    locale = current_locale()
    groups: dict[date, list[DayItem]] = {}
    for meeting in shown:
        day = max(meeting.local.first_day, from_day)
        groups.setdefault(day, []).append(day_item(meeting, day, locale))
    days = []
    for day in sorted(groups):
        items = sorted(groups[day], key=lambda item: item.sort_key)
        days.append({"date": day, "label": format_date(day, "full", locale=locale), "items": items})
    return days, next_cursor, cursor is not None


def agenda_context(request: HttpRequest, meetings, place: Place) -> dict:
    user = request.user
    today = today_for(user)
    day = chosen_day(request, today)
    days, cursor, paged = agenda_page(meetings, user, day, request.GET.get("after", ""))
    locale = current_locale()
    nav = _nav(
        request,
        place,
        "agenda",
        day,
        _("From %(date)s") % {"date": format_date(day, "long", locale=locale)},
        _step(day, days=-1),
        _step(day, days=1),
        (_("Previous day"), _("Next day")),
    )
    return {
        "view": "agenda",
        "nav": nav,
        "place": place,
        "days": days,
        "day": day,
        "is_today": day == today,
        "later_url": place.url("agenda", day, after=cursor) if cursor else "",
        "first_url": place.url("agenda", day) if paged else "",
    }


# --- The collab's pages -------------------------------------------------------------------------


def _collab_page(request: HttpRequest, collab_id: int, build, template: str) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    meetings = queries.collab_meetings(request.user, collab)
    ctx = build(request, meetings, _collab_place(request, collab))
    return render_frame(request, template, collab, ctx, current="calendar")


@require_safe
@login_required
def agenda(request: HttpRequest, collab_id: int) -> HttpResponse:
    return _collab_page(request, collab_id, agenda_context, "calendar/agenda.html")


@require_safe
@login_required
def week(request: HttpRequest, collab_id: int) -> HttpResponse:
    return _collab_page(request, collab_id, week_context, "calendar/week.html")


@require_safe
@login_required
def month(request: HttpRequest, collab_id: int) -> HttpResponse:
    return _collab_page(request, collab_id, month_context, "calendar/month.html")


@require_safe
@login_required
def calendar_tab(request: HttpRequest, collab_id: int) -> HttpResponse:
    """The sidebar's tab: the next TAB_SHOWN meetings not over and not cancelled, under their
    days (one still going on is under today). Loaded again on each "calendar" event."""
    collab = get_collab_for(request.user, collab_id)
    user = request.user
    meetings = queries.collab_meetings(user, collab)
    now = clock()
    zone = queries.zone_for(user)
    rows = queries.localize(
        queries.with_my_answer(queries.upcoming(meetings, now), user)[:TAB_SHOWN], zone
    )
    decorate(rows)
    today = now.astimezone(zone).date()
    locale = current_locale()
    groups: dict[date, list[DayItem]] = {}
    for meeting in rows:
        day = max(meeting.local.first_day, today)
        groups.setdefault(day, []).append(day_item(meeting, day, locale))
    days = [
        {
            "date": day,
            "label": format_skeleton("MMMMEd", day, locale=locale),
            "is_today": day == today,
            "items": sorted(items, key=lambda item: item.sort_key),
        }
        for day, items in sorted(groups.items())
    ]
    place = _collab_place(request, collab)
    ctx = {"days": days, "place": place, "zone_label": timezones.label(zone.key)}
    return render_tab(request, collab, "calendar", "calendar/_tab.html", ctx, title=_("Calendar"))


# --- My calendar --------------------------------------------------------------------------------


def _mine(request: HttpRequest, build) -> HttpResponse:
    collabs = features.viewable_collabs(request.user, "calendar")
    meetings = queries.attended_by(request.user, collabs)
    ctx = build(request, meetings, _my_place())
    ctx["collabs"] = collabs
    # The feed's address to subscribe to ("Get my feed address" makes the first).
    ctx["feed_url"] = existing_url(request.user)
    ctx["feed_panel"] = True
    for item in _items_of(ctx):
        item.meeting.collab_obj = collabs.get(item.meeting.collab_id)
    return render(request, "calendar/mine.html", ctx)


def _items_of(ctx: dict):
    for group in ctx.get("days", []):
        yield from group["items"]
    for week in ctx.get("weeks", []):
        for cell in week:
            yield from cell["items"]


@require_safe
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My calendar: the meetings I am invited to, in the collabs where I may view them."""
    return _mine(request, agenda_context)


@require_safe
@login_required
def mine_month(request: HttpRequest) -> HttpResponse:
    return _mine(request, month_context)
