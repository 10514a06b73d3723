"""The app shell, in real browsers: the chat fills the window (the message list is the only
part that scrolls, the composer always in view) on a laptop and on a phone, and the list of my
collabs, the top bar and the tab's title count live what others write in my other collabs,
while what I do myself is never news to me.

The server runs in its own process (the in-memory layer reaches only the browsers), so the
others write by typing into their own browsers."""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.chat import ratelimit as chat_ratelimit
from apps.chat.services import mark_read, send_message
from apps.collabs import services
from tests.conftest import make_user

from .conftest import DESKTOP, sign_in_by_cookie

pytestmark = pytest.mark.e2e

TALL_PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def rooms(transactional_db):
    olga = make_user("olga@example.com", "Olga Owner")
    marina = make_user("marina@example.com", "Marina Member")
    alpha = services.create_collab(olga, name="Alpha room")
    beta = services.create_collab(olga, name="Beta room")
    for collab in (alpha, beta):
        services.add_member(collab, olga, marina)
    return {"olga": olga, "marina": marina, "alpha": alpha, "beta": beta}


def open_as(open_page, user, path: str, **options) -> Page:
    page = open_page(**options)
    sign_in_by_cookie(page, user)
    page.goto(path)
    page.wait_for_function("() => window.collabLive && window.collabLive.isOpen()")
    return page


def say(page: Page, text: str) -> None:
    composer = page.get_by_role("textbox", name="Message")
    composer.fill(text)
    composer.press("Enter")
    expect(composer).to_have_value("")


def in_view(page: Page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


@pytest.mark.parametrize("size", [DESKTOP, TALL_PHONE], ids=["1280x800", "375x812"])
def test_the_chat_fills_the_window_and_only_the_messages_scroll(
    open_page, rooms, size, monkeypatch
):
    # Written here, not sent: not counted against Olga's sending limit, which the live server
    # shares with this process through the cache (Redis in CI).
    monkeypatch.setattr(chat_ratelimit, "hit", lambda *args, **kwargs: 0)
    for i in range(60):
        last = send_message(rooms["alpha"], rooms["olga"], f"Line {i} of a long day")
    mark_read(rooms["alpha"], rooms["marina"], last.pk)  # the page opens at the newest
    page = open_as(open_page, rooms["marina"], f"/collabs/{rooms['alpha'].pk}/", **size)

    page_height, window = page.evaluate(
        "[document.documentElement.scrollHeight, window.innerHeight]"
    )
    assert page_height <= window, "the page itself scrolls"
    assert in_view(page, page.get_by_role("textbox", name="Message"))
    assert in_view(page, page.get_by_role("button", name="Send"))
    log = page.get_by_role("log", name="Messages")
    assert page.evaluate("el => el.scrollHeight > el.clientHeight", log.element_handle())
    # The newest message is in view at the bottom of the list.
    assert in_view(page, page.locator("#chat-log article").filter(has_text="Line 59 of"))
    if size is DESKTOP:
        # The list of my collabs beside the chat, this one marked.
        rail = page.get_by_role("navigation", name="My collabs")
        expect(rail.get_by_role("link", name=re.compile("Alpha room"))).to_have_attribute(
            "aria-current", "page"
        )
    else:
        # On a phone the list is the home screen: the collab has a way back to it.
        page.get_by_role("link", name="All collabs").click()
        expect(page.get_by_role("heading", name="My collabs")).to_be_visible()


def test_what_others_write_elsewhere_counts_live_beside_the_chat_and_in_the_title(open_page, rooms):
    alpha, beta = rooms["alpha"], rooms["beta"]
    marina = open_as(open_page, rooms["marina"], f"/collabs/{alpha.pk}/", **DESKTOP)
    olga = open_as(open_page, rooms["olga"], f"/collabs/{beta.pk}/")
    rail = marina.get_by_role("navigation", name="My collabs")
    beta_row = rail.get_by_role("listitem").filter(has_text="Beta room")
    expect(beta_row.locator(".counter")).to_have_count(0)
    expect(marina).to_have_title(re.compile(r"^Alpha room"))

    say(olga, "@Marina Member the brief is in Beta")

    expect(beta_row.locator(".counter-unread")).to_contain_text("1")
    expect(beta_row.locator(".counter-mention")).to_be_visible()
    expect(beta_row).to_contain_text("Olga: @Marina Member the brief is in Beta")
    expect(marina).to_have_title(re.compile(r"^\(1\) Alpha room"))
    expect(marina.locator("[data-nav-total]")).to_contain_text("1")
    # News first: Beta (made after Alpha, but now with news) leads the list.
    expect(rail.get_by_role("listitem").first).to_contain_text("Beta room")

    # My own message is never news to me: Alpha gets no counter, the total stays.
    say(marina, "Noted, reading it now")
    alpha_row = rail.get_by_role("listitem").filter(has_text="Alpha room")
    expect(alpha_row).to_contain_text("You: Noted, reading it now")
    expect(alpha_row.locator(".counter")).to_have_count(0)
    expect(marina).to_have_title(re.compile(r"^\(1\) Alpha room"))

    # Reading Beta clears its counters, the top bar's and the title's.
    beta_row.get_by_role("link").click()
    expect(marina).to_have_title(re.compile(r"^Beta room"))
    expect(marina.locator("[data-nav-total]")).to_be_hidden()


def test_my_collabs_on_a_phone_count_live(open_page, rooms):
    beta = rooms["beta"]
    marina = open_as(open_page, rooms["marina"], "/collabs/", **TALL_PHONE)
    olga = open_as(open_page, rooms["olga"], f"/collabs/{beta.pk}/")
    beta_row = (
        marina.get_by_role("list", name="Collabs")
        .get_by_role("listitem")
        .filter(has_text="Beta room")
    )

    say(olga, "Morning! New mock-ups are up")

    expect(beta_row.locator(".counter-unread")).to_contain_text("1")
    expect(beta_row).to_contain_text("Olga: Morning! New mock-ups are up")
    expect(marina).to_have_title(re.compile(r"^\(1\) My collabs"))
    page_width = marina.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 375
