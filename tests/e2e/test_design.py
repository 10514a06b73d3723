"""The look: the sign-in card on a phone, the dark theme (prefers-color-scheme), and, when
asked for (DESIGN_SHOTS=1), screenshots of the pages the design touches at both sizes, in
both themes and both languages, for a person to judge (A11Y_SHOTS_DIR, default var/shots/)."""

import os
import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import make_user

from .conftest import PHONE, assert_clean, no_horizontal_overflow, sign_in_by_cookie
from .test_a11y import save_shot, set_language_cookie, world  # noqa: F401 - a fixture

pytestmark = pytest.mark.e2e

TALL_PHONE = {**PHONE, "viewport": {"width": 375, "height": 812}}


def colour(page: Page, selector: str, prop: str) -> tuple[int, ...]:
    value = page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}")
    return tuple(int(float(n)) for n in re.findall(r"[\d.]+", value)[:3])


def luminance(rgb: tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_signing_in_on_a_phone_through_the_card(open_page, transactional_db):
    user = make_user("pavel@example.com", "Pavel Phone")
    page = open_page(**TALL_PHONE)
    page.goto("/accounts/login/")
    no_horizontal_overflow(page, 375)

    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    email = page.get_by_role("textbox", name="Email")
    password = page.get_by_role("textbox", name="Password")
    remember = page.get_by_role("checkbox", name="Remember me")
    button = page.get_by_role("button", name="Sign in")
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_visible()
    # The button takes the card's width; the fields are stacked, each under its label.
    card = page.locator("main").bounding_box()
    box = button.bounding_box()
    assert box["width"] > card["width"] * 0.8
    assert email.bounding_box()["y"] < password.bounding_box()["y"] < box["y"]

    # A wrong password: a clear error in the card, nothing typed lost but the password.
    email.fill(user.email)
    password.fill("not the password")
    button.click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    expect(email).to_have_value(user.email)

    password.fill("correct horse battery staple")
    remember.check()
    button.click()
    expect(page).to_have_url(re.compile(r"/collabs/$"))
    expect(page.get_by_role("heading", level=1, name="My collabs")).to_be_visible()
    assert_clean(page)


def test_the_password_reset_pages_share_the_card(open_page, transactional_db):
    page = open_page(**TALL_PHONE)
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    field = page.get_by_role("textbox", name=re.compile("Email", re.I))
    expect(field).to_be_visible()
    no_horizontal_overflow(page, 375)
    field.fill("nobody@example.com")
    page.get_by_role("button", name=re.compile("Reset", re.I)).click()
    expect(page).to_have_url(re.compile(r"/password/reset/done/$"))
    expect(page.locator("main.auth-page")).to_be_visible()
    assert_clean(page)


def test_the_dark_theme_follows_the_system(open_page, transactional_db):
    light = open_page(color_scheme="light")
    dark = open_page(color_scheme="dark")
    seen = {}
    for name, page in (("light", light), ("dark", dark)):
        page.goto("/accounts/login/")
        body = colour(page, "body", "backgroundColor")
        field = page.get_by_role("textbox", name="Email")
        field.fill("someone@example.com")
        text = colour(page, "#id_login", "color")
        background = colour(page, "#id_login", "backgroundColor")
        seen[name] = (body, text, background)
        assert contrast(text, background) >= 4.5, f"{name}: input text {text} on {background}"
    assert luminance(seen["dark"][0]) < 0.05, f"the dark body is {seen['dark'][0]}"
    assert luminance(seen["light"][0]) > 0.8
    assert seen["dark"][1] != seen["light"][1]  # the input's text follows the theme
    assert seen["dark"][2] != seen["light"][2]
    assert_clean(dark)


@pytest.mark.parametrize(("options", "width"), [({}, 1280), (TALL_PHONE, 375)])
def test_the_permissions_fit_their_card_in_russian(open_page, world, options, width):  # noqa: F811
    owner, collab = world["owner"], world["collab"]
    owner.language = "ru"
    owner.save(update_fields=["language"])
    page = open_page(**options)
    sign_in_by_cookie(page, owner)
    page.goto(f"/collabs/{collab.pk}/settings/")
    table = page.get_by_role("table")
    expect(table).to_be_visible()
    no_horizontal_overflow(page, width)
    wrap = page.locator(".perm-wrap")
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth"), "the permissions scroll sideways"
    # Every select is labelled and wide enough for "Владелец и модераторы" (not squeezed).
    for select in table.get_by_role("combobox").all():
        assert select.bounding_box()["width"] >= 200
        assert select.evaluate("s => s.labels.length") == 1
    assert_clean(page)


SHOT_PAGES = {
    "sign-in": None,
    "settings": lambda collab: f"/collabs/{collab.pk}/settings/",
    "members": lambda collab: f"/collabs/{collab.pk}/members/",
    "profile": lambda collab: "/me/",
    # Not this design's page, but it lives in the same themes: for whoever styles the chat.
    "chat": lambda collab: f"/collabs/{collab.pk}/",
}


@pytest.mark.skipif(not os.environ.get("DESIGN_SHOTS"), reason="screenshots on demand only")
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("language", ["en", "ru"])
def test_screenshots_for_a_person(open_page, world, language, scheme):  # noqa: F811
    owner, collab = world["owner"], world["collab"]
    owner.language = language
    owner.save(update_fields=["language"])
    for size, options in (("1280", {}), ("375", TALL_PHONE)):
        for name, url in SHOT_PAGES.items():
            page = open_page(color_scheme=scheme, **options)
            if url is None:
                set_language_cookie(page, language)
                page.goto("/accounts/login/")
            else:
                sign_in_by_cookie(page, owner)
                page.goto(url(collab))
            page.wait_for_load_state("networkidle")
            save_shot(page, f"{name}-{size}-{scheme}-{language}")
            no_horizontal_overflow(page, int(size))
