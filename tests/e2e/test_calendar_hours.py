"""Working hours in a real browser against the real server: Tuesday set to 10:00 to 14:00 and a
day off next week, saved and shown again; "Add hours" gives a focused new row; the same on a
phone (375 by 812), with nothing wider than the screen.

Screenshots go to $HOURS_SHOTS when it is set (a folder), for looking at them."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from apps.calendar import availability
from apps.calendar.models import Availability, AvailabilityOverride
from tests.conftest import make_user

from .conftest import DESKTOP, PHONE, assert_clean, no_horizontal_overflow, sign_in_by_cookie

pytestmark = pytest.mark.e2e

TALL_PHONE = {**PHONE, "viewport": {"width": 375, "height": 812}}
SHOTS = os.environ.get("HOURS_SHOTS", "")


@pytest.fixture
def anna(transactional_db):
    return make_user("anna@example.com", "Anna Smirnova", timezone="Europe/Moscow")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def open_hours(open_page, user, screen) -> Page:
    page = open_page(**screen)
    sign_in_by_cookie(page, user)
    page.goto("/calendar/hours/")
    expect(page.get_by_role("heading", level=1, name="Working hours")).to_be_visible()
    return page


def next_week_wednesday(user):
    today = availability.today_for(user.timezone)
    return today + timedelta(days=7 - today.weekday() + 2)


def set_tuesday_and_a_day_off(page: Page, user, name: str) -> None:
    tuesday = page.get_by_role("group", name="Tuesday", exact=True)
    expect(tuesday.get_by_label("Working")).to_be_checked()
    tuesday.get_by_label("Tuesday from", exact=True).fill("10:00")
    tuesday.get_by_label("Tuesday to", exact=True).fill("14:00")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Your working hours are saved.")).to_be_visible()
    expect(page.get_by_label("Tuesday from", exact=True)).to_have_value("10:00")
    expect(page.get_by_label("Tuesday to", exact=True)).to_have_value("14:00")
    expect(page.get_by_label("Monday from", exact=True)).to_have_value("09:00")
    row = Availability.objects.get(user=user)
    assert row.timezone == "Europe/Moscow"
    assert row.weekly[1] == [["10:00", "14:00"]] and row.weekly[0] == [["09:00", "18:00"]]

    day = next_week_wednesday(user)
    dates = page.get_by_role("region", name="Dates with other hours")
    dates.get_by_label("Date", exact=True).fill(day.isoformat())
    expect(dates.get_by_label("Day off")).to_be_checked()
    shot(page, f"{name}-filled")
    dates.get_by_role("button", name="Add the date").click()
    expect(page.get_by_text(": a day off.")).to_be_visible()
    item = page.locator(".hours-date-item").filter(has=page.locator(f'[datetime="{day}"]'))
    expect(item).to_contain_text("Day off")
    expect(item.get_by_role("button", name=re.compile("^Remove "))).to_be_visible()
    assert AvailabilityOverride.objects.filter(user=user, day=day, intervals=[]).exists()
    parts = availability.schedule_parts(user, overrides_from=day, overrides_to=day)
    assert parts[2] == {day: ()}
    shot(page, f"{name}-saved")
    assert_clean(page)


def test_tuesday_hours_and_a_day_off_on_a_desktop(open_page, anna):
    page = open_hours(open_page, anna, DESKTOP)
    shot(page, "hours-desktop")
    no_horizontal_overflow(page, 1280)
    set_tuesday_and_a_day_off(page, anna, "hours-desktop")

    # "Add hours" shows a third row for Tuesday, focused, and saves nothing.
    page.get_by_role("button", name="Add hours on Tuesday").click()
    expect(page.get_by_label("Tuesday from, interval 3")).to_be_focused()
    page.get_by_label("Tuesday from, interval 3").fill("16:00")
    page.get_by_label("Tuesday to, interval 3").fill("17:30")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Your working hours are saved.")).to_be_visible()
    assert Availability.objects.get(user=anna).weekly[1] == [["10:00", "14:00"], ["16:00", "17:30"]]

    # The date is removed again.
    day = next_week_wednesday(anna)
    page.locator(".hours-date-item").filter(has=page.locator(f'[datetime="{day}"]')).get_by_role(
        "button", name=re.compile("^Remove ")
    ).click()
    expect(page.get_by_text("follows your weekly hours again")).to_be_visible()
    assert not AvailabilityOverride.objects.filter(user=anna).exists()


def test_an_error_shows_beside_the_day_as_typed(open_page, anna):
    page = open_hours(open_page, anna, DESKTOP)
    wednesday = page.get_by_role("group", name="Wednesday", exact=True)
    wednesday.get_by_label("Wednesday from", exact=True).fill("17:00")
    wednesday.get_by_label("Wednesday to", exact=True).fill("08:00")
    page.get_by_role("button", name="Save", exact=True).click()
    wednesday = page.get_by_role("group", name="Wednesday", exact=True)
    expect(wednesday.get_by_role("alert")).to_contain_text("must end after it starts")
    expect(wednesday.get_by_label("Wednesday from", exact=True)).to_have_value("17:00")
    shot(page, "hours-desktop-error")
    assert not Availability.objects.exists()


def test_the_page_passes_axe_with_a_date_and_an_error(open_page, anna):
    """axe-core finds nothing serious: with a date listed and with a day in error (its time
    inputs described by the error)."""
    availability.set_override(anna, next_week_wednesday(anna), [["10:00", "12:00"]])
    page = open_hours(open_page, anna, DESKTOP)
    monday = page.get_by_role("group", name="Monday", exact=True)
    monday.get_by_label("Monday from", exact=True).fill("12:00")
    monday.get_by_label("Monday to", exact=True).fill("11:00")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_label("Monday from", exact=True)).to_have_accessible_description(
        re.compile("Monday: the interval 12:00.11:00 must end after it starts")
    )
    results = Axe().run(page)
    serious = [
        v for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}
    ]
    assert not serious, [(v["id"], [n["target"] for n in v["nodes"]]) for v in serious]
    assert_clean(page)


def test_tuesday_hours_and_a_day_off_on_a_phone(open_page, anna):
    page = open_hours(open_page, anna, TALL_PHONE)
    shot(page, "hours-phone")
    no_horizontal_overflow(page, 375)
    # Each day stacks: the time inputs sit inside the screen, side by side.
    start = page.get_by_label("Monday from", exact=True).bounding_box()
    end = page.get_by_label("Monday to", exact=True).bounding_box()
    assert start["x"] >= 0 and end["x"] + end["width"] <= 375
    assert abs(start["y"] - end["y"]) < 2
    set_tuesday_and_a_day_off(page, anna, "hours-phone")
    no_horizontal_overflow(page, 375)
