"""The calendar's pages in a real browser against the real server: the month and its
navigation, the views' tabs, the agenda; on a phone the month fits the screen and a tap on a
day opens its meetings, the week is a list of days; the sidebar's tab; axe-core finds nothing
serious, in the light and the dark theme.

Screenshots go to $CALENDAR_SHOTS when it is set (a folder), for looking at them."""

import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import dateformat, timezone
from playwright.sync_api import Page, expect

from apps.calendar.models import Attendee, Meeting
from apps.collabs import services as collab_services
from tests.calendar.test_grids import all_day, make_meeting
from tests.conftest import make_user

from .conftest import DESKTOP, PHONE, assert_clean, no_horizontal_overflow, sign_in_by_cookie

pytestmark = pytest.mark.e2e

TALL_PHONE = {**PHONE, "viewport": {"width": 375, "height": 812}}
SCREENS = [pytest.param(DESKTOP, id="desktop"), pytest.param(TALL_PHONE, id="phone")]
SHOTS = os.environ.get("CALENDAR_SHOTS", "")
ZONE = "Europe/Moscow"


def shot(page: Page, name: str) -> None:
    if SHOTS:
        width = page.viewport_size["width"]
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)


def this_month(day: int) -> date:
    return timezone.now().astimezone(ZoneInfo(ZONE)).date().replace(day=day)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(ZONE))


@pytest.fixture
def team(transactional_db):
    """A collab with meetings this month (in Moscow, where its people live): four on the
    11th (one more than a month's day shows), one over the 12th and 13th, an all-day
    conference from the 20th to the 22nd, a cancelled one on the 14th."""
    owner = make_user("olga@example.com", "Olga Owner", timezone=ZONE)
    anna = make_user("anna@example.com", "Anna Smirnova", timezone=ZONE)
    collab = collab_services.create_collab(owner, name="Website redesign")
    collab_services.add_member(collab, owner, anna)
    eleventh = this_month(11)
    titles = [
        "Design review",
        "Согласование макетов главной страницы",
        "Pricing call",
        "Retro",
    ]
    for i, title in enumerate(titles):
        make_meeting(
            collab,
            owner,
            title,
            local(eleventh, 9 + 2 * i),
            local(eleventh, 10 + 2 * i),
            location="Room 4" if i == 0 else "",
            link="https://meet.example.com/abc" if i == 1 else "",
            attendees=[(anna, Attendee.Answer.TENTATIVE)],
        )
    make_meeting(
        collab,
        owner,
        "Launch night",
        local(this_month(12), 22),
        local(this_month(13), 2),
        attendees=[anna],
    )
    all_day(collab, owner, "Conference in Kazan", this_month(20), days=3, tz=ZONE, attendees=[anna])
    make_meeting(
        collab,
        owner,
        "Called-off sync",
        local(this_month(14), 15),
        state=Meeting.State.CANCELLED,
    )
    # Something coming for the tab, whatever today is.
    soon = timezone.now() + timedelta(hours=3)
    make_meeting(collab, owner, "Weekly planning", soon, soon + timedelta(hours=1))
    return {"owner": owner, "anna": anna, "collab": collab}


def person(open_page, user, screen=DESKTOP, **options) -> Page:
    page = open_page(**screen, **options)
    sign_in_by_cookie(page, user)
    return page


def calendar_url(collab, view: str = "", day: date | None = None) -> str:
    base = f"/collabs/{collab.pk}/calendar/{view + '/' if view else ''}"
    return f"{base}?date={day.isoformat()}" if day else base


def month_title(day: date) -> str:
    return dateformat.format(day.replace(day=1), "F Y")


def day_cell(page: Page, day: int, meetings: int):
    """A month's day cell, found by its link's name ("Friday, December 11, 2026: 4 meetings")."""
    name = re.compile(rf" {day}, .*: {meetings} meetings")
    return page.locator("td.cal-day", has=page.get_by_role("link", name=name))


def heading(page: Page):
    return page.locator("#cal-heading")


def test_the_month_navigates_and_opens_the_agenda(open_page, team):
    collab = team["collab"]
    page = person(open_page, team["anna"])
    today = this_month(1)
    page.goto(calendar_url(collab, "month"))
    expect(heading(page)).to_have_text(month_title(today))
    cal = page.locator("#cal-view")
    # The 11th: three meetings, then "+1 more".
    cell = day_cell(page, 11, 4)
    expect(cell.get_by_role("link", name=re.compile("Design review"))).to_be_visible()
    expect(cell.get_by_role("link", name=re.compile("1 more meeting"))).to_have_text("+1 more")
    expect(cell.get_by_role("link", name=re.compile("Retro"))).to_have_count(0)

    page.get_by_role("link", name="Next month").click()
    following = (today + timedelta(days=32)).replace(day=1)
    expect(heading(page)).to_have_text(month_title(following))
    expect(cal.get_by_role("link", name=re.compile("Design review"))).to_have_count(0)
    page.get_by_role("link", name="Previous month").click()
    expect(heading(page)).to_have_text(month_title(today))
    expect(cal.get_by_role("link", name=re.compile("Design review"))).to_be_visible()

    views = page.get_by_role("navigation", name="Calendar views")
    expect(views.get_by_role("link", name="Month")).to_have_attribute("aria-current", "page")
    views.get_by_role("link", name="Agenda").click()
    expect(views.get_by_role("link", name="Agenda")).to_have_attribute("aria-current", "page")
    # The agenda from the month's day (the 1st): every meeting of the 11th, with Anna's answer.
    expect(cal.get_by_role("link", name="Retro", exact=True)).to_be_visible()
    row = cal.locator(".cal-row", has=page.get_by_role("link", name="Design review"))
    expect(row).to_contain_text("Room 4")
    expect(row).to_contain_text("Maybe")
    cancelled = cal.locator(".cal-row", has=page.get_by_role("link", name="Called-off sync"))
    expect(cancelled).to_contain_text("Cancelled")
    expect(cal.get_by_text("Times in Moscow (GMT+3)")).to_be_visible()
    assert_clean(page)


def test_on_a_phone_the_month_fits_and_a_tap_on_a_day_shows_its_meetings(open_page, team):
    collab = team["collab"]
    page = person(open_page, team["anna"], TALL_PHONE)
    page.goto(calendar_url(collab, "month"))
    expect(heading(page)).to_have_text(month_title(this_month(1)))
    no_horizontal_overflow(page, 375)
    table = page.locator("table.cal-month")
    assert table.bounding_box()["width"] <= 375
    # Dots, not titles, on a narrow screen.
    cell = day_cell(page, 11, 4)
    expect(cell.locator(".cal-dot")).to_have_count(3)
    expect(cell.locator(".cal-day-items")).to_be_hidden()
    # A tap anywhere on the day (here its lower part, away from the number) opens its agenda.
    box = cell.bounding_box()
    cell.tap(position={"x": box["width"] / 2, "y": box["height"] - 6})
    eleventh = this_month(11)
    expect(page).to_have_url(re.compile(rf"\?date={eleventh.isoformat()}$"))
    day = page.get_by_role("region", name=re.compile(r"^\w+, \w+ 11, \d{4}$"))
    expect(day.get_by_role("listitem")).to_have_count(4)
    expect(day.get_by_role("link", name="Design review")).to_be_visible()
    no_horizontal_overflow(page, 375)

    # The week is a list of days, one under the other.
    page.goto(calendar_url(collab, "week", eleventh))
    days = page.locator(".cal-week-day")
    expect(days).to_have_count(7)
    first, second = days.nth(0).bounding_box(), days.nth(1).bounding_box()
    assert second["y"] >= first["y"] + first["height"] - 1 and abs(second["x"] - first["x"]) < 2
    no_horizontal_overflow(page, 375)
    assert_clean(page)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_views_fit_and_pass_the_audit(open_page, team, screen, scheme):
    """Month, week, agenda, the tab and My calendar: no sideways scrolling of the page, no
    serious accessibility problem (contrast included, in both themes)."""
    collab = team["collab"]
    page = person(open_page, team["anna"], screen, color_scheme=scheme)
    width = screen["viewport"]["width"]
    suffix = "" if scheme == "light" else "-dark"
    eleventh = this_month(11)
    for view in ("month", "week", ""):
        page.goto(calendar_url(collab, view, eleventh))
        expect(heading(page)).to_be_visible()
        page.wait_for_timeout(200)
        no_horizontal_overflow(page, width)
        audit(page)
        shot(page, f"{view or 'agenda'}{suffix}")

    # This week, today marked.
    page.goto(calendar_url(collab, "week"))
    expect(page.locator(".cal-week-day.is-today")).to_have_count(1)
    no_horizontal_overflow(page, width)
    shot(page, f"week-today{suffix}")

    page.goto(f"/collabs/{collab.pk}/")
    if width < 1100:
        page.get_by_role("button", name="About the collab").click()
    page.get_by_role("navigation", name="Sidebar tabs").get_by_role("link", name="Calendar").click()
    panel = page.locator("#tab-calendar")
    expect(panel.get_by_role("link", name="Weekly planning")).to_be_visible()
    expect(panel.get_by_role("link", name="Called-off sync")).to_have_count(0)
    page.wait_for_timeout(300)
    shot(page, f"tab{suffix}")

    for target in ("/calendar/", f"/calendar/month/?date={eleventh.isoformat()}"):
        page.goto(target)
        expect(page.get_by_role("heading", level=1, name="My calendar")).to_be_visible()
        page.wait_for_timeout(200)
        no_horizontal_overflow(page, width)
        audit(page)
        shot(page, "mine" + ("-month" if "month" in target else "") + suffix)
    assert_clean(page)


def test_a_calendar_event_brings_the_new_meeting_into_the_open_page(open_page, team):
    """calendar-grid.js: on a "calendar" event (live.js hands each frame of the socket to the
    page as a collab:event) the month loads again; the keyboard stays where it was. The event
    is dispatched here as live.js would, the socket itself being live.js's to test."""
    collab, owner = team["collab"], team["owner"]
    page = person(open_page, team["anna"])
    page.goto(calendar_url(collab, "month", this_month(11)))
    cal = page.locator("#cal-view")
    expect(cal.get_by_role("link", name=re.compile("Design review"))).to_be_visible()
    next_month = page.get_by_role("link", name="Next month")
    next_month.focus()
    make_meeting(collab, owner, "Added meanwhile", local(this_month(16), 10))
    page.evaluate(
        """() => document.dispatchEvent(new CustomEvent("collab:event", {
            detail: {type: "calendar", action: "created", meeting: 1}}))"""
    )
    expect(cal.get_by_role("link", name=re.compile("Added meanwhile"))).to_be_visible()
    expect(page.get_by_role("link", name="Next month")).to_be_focused()
    # Another kind of event leaves the page alone.
    make_meeting(collab, owner, "Not yet shown", local(this_month(17), 10))
    page.evaluate(
        """() => document.dispatchEvent(new CustomEvent("collab:event", {
            detail: {type: "tasks", action: "created", task: 1}}))"""
    )
    page.wait_for_timeout(800)
    expect(cal.get_by_role("link", name=re.compile("Not yet shown"))).to_have_count(0)
    assert_clean(page)


@pytest.mark.parametrize("screen", SCREENS)
def test_in_russian_the_weeks_start_on_monday(open_page, team, screen):
    anna = team["anna"]
    anna.language = "ru"
    anna.save(update_fields=["language"])
    page = person(open_page, anna, screen)
    page.goto(calendar_url(team["collab"], "month", this_month(11)))
    expect(page.locator("table.cal-month th").first).to_have_text("Пн")
    no_horizontal_overflow(page, screen["viewport"]["width"])
    shot(page, "month-ru")
    page.goto(calendar_url(team["collab"], "", this_month(11)))
    expect(page.locator(".cal-agenda-head").first).to_contain_text("11")
    shot(page, "agenda-ru")
    assert_clean(page)


_axe = Axe()


def audit(page: Page) -> None:
    results = _axe.run(page)
    serious = [
        f"{v['id']}: {v['help']} — " + ", ".join(str(n["target"]) for n in v["nodes"])
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not serious, f"{page.url}\n" + "\n".join(serious)
