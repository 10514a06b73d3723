"""The profile's time-zone picker in a real browser: a search box narrows the long list down
(by city in the person's language, or by offset), the choice is saved, on a desktop and on a
phone. Signed in by cookie (sign-in has its own tests)."""

import pytest
from playwright.sync_api import expect

from apps.accounts.models import User
from tests.conftest import make_user

from .conftest import PHONE, assert_clean, no_horizontal_overflow, sign_in_by_cookie

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("options", "width"), [({}, 1280), (PHONE, 375)])
def test_a_person_finds_their_time_zone_by_city_and_saves_it(
    open_page, transactional_db, options, width
):
    user = make_user("nina@example.com", "Nina Newcomer", language="ru", timezone="UTC")
    page = open_page(**options)
    sign_in_by_cookie(page, user)
    page.goto("/me/")
    no_horizontal_overflow(page, width)
    zone = page.get_by_role("combobox", name="Часовой пояс")
    all_zones = zone.locator("option").count()

    page.get_by_role("searchbox", name="Найти часовой пояс").fill("моск")

    expect(zone.locator("option")).not_to_have_count(all_zones)
    assert zone.locator("option").count() <= 3  # Moscow, and the zone kept selected (UTC)
    zone.select_option(label="Москва (GMT+3)")
    page.get_by_role("button", name="Сохранить").click()

    expect(page.get_by_role("combobox", name="Часовой пояс")).to_have_value("Europe/Moscow")
    user.refresh_from_db()
    assert user.timezone == "Europe/Moscow"
    assert user.kind == User.Kind.EMPLOYEE
    assert_clean(page)
