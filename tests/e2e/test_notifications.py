"""The bell in a real browser: a notification made while a page is open shows in the bell's
count without a reload; the panel opens with it (newest first) and "Mark all as read" empties
the count; on a phone (375 x 812) the panel fits the screen.

One notification is made in the test's process before the page opens (the server renders the
count); the live one is made in the server: the owner makes a card on the test feature's board
(tests/board), which notifies the members who may view cards (tests/notifications/demo.py). A
notification made in the test's process after the page opened would reach the server's
sockets only over Redis (the in-memory layer stays inside a process), so the server makes it."""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.collabs import services
from apps.notifications.services import notify
from tests.conftest import make_user
from tests.notifications.demo import CARD

from .conftest import DESKTOP, PHONE, no_horizontal_overflow, sign_in_by_cookie

pytestmark = pytest.mark.e2e

SIZES = {"desktop": DESKTOP, "phone": {**PHONE, "viewport": {"width": 375, "height": 812}}}


def person(open_page, user, **options) -> Page:
    page = open_page(**options)
    sign_in_by_cookie(page, user)
    return page


@pytest.mark.parametrize("size", list(SIZES))
def test_a_notification_arrives_live_and_is_read_from_the_panel(open_page, transactional_db, size):
    owner = make_user("olga@example.com", "Olga Owner")
    member = make_user("mark@example.com", "Mark Member")
    collab = services.create_collab(owner, name="Website redesign")
    services.add_member(collab, owner, member)
    notify([member], CARD, collab=collab, actor=owner, data={"actor": "Olga", "title": "Brief"})

    page = person(open_page, member, **SIZES[size])
    page.goto("/collabs/")
    bell = page.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(bell).to_have_accessible_name("Notifications Unread: 1")

    # The owner makes a card in her own browser: the member's open page hears of it.
    boss = person(open_page, owner)
    boss.goto(f"/collabs/{collab.pk}/board/new/")
    boss.get_by_label("Title").fill("Storyboard")
    boss.get_by_role("button", name="Make it").click()
    expect(boss).to_have_url(re.compile(r"/board/$"))

    expect(bell).to_have_accessible_name("Notifications Unread: 2")

    bell.click()
    panel = page.get_by_role("region", name="Notifications")
    expect(panel).to_be_visible()
    items = panel.get_by_role("listitem")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Olga Owner made a card: Storyboard")
    expect(items.first).to_contain_text("Website redesign")
    expect(items.nth(1)).to_contain_text("made a card: Brief")
    box = panel.bounding_box()
    width = SIZES[size]["viewport"]["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    no_horizontal_overflow(page, width)

    panel.get_by_role("button", name="Mark all as read").click()
    expect(bell).to_have_accessible_name("Notifications")
    expect(panel.get_by_role("button", name="Mark all as read")).to_have_count(0)

    # Following a notification opens what it is about.
    panel.get_by_role("link", name=re.compile("Storyboard")).click()
    expect(page).to_have_url(re.compile(rf"/collabs/{collab.pk}/board/$"))
