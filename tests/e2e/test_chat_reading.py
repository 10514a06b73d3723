"""Reading a long chat in real browsers, on a desktop (1280 x 800) and a phone (375 x 812):
scrolling up inside the log loads earlier pages without moving what the reader looks at, the
last message's "…" menu opens inside the window and works from the keyboard, and "Jump to
latest" shows how many messages came while the reader was scrolled up.

The history is made here through the services (the server process reads the same database);
what happens live is done in the browsers, since live events stay in the server's process.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.chat import ratelimit as chat_ratelimit
from apps.chat import services as chat_services
from apps.chat.models import Message
from apps.collabs import services
from tests.conftest import make_user

from .conftest import DESKTOP, PHONE, sign_in_by_cookie
from .test_chat import _SOCKET_WATCH, send, wait_live

pytestmark = pytest.mark.e2e

SIZES = {
    "desktop": DESKTOP,
    "phone": {**PHONE, "viewport": {"width": 375, "height": 812}},
}
SHOTS = Path("/work/shots/reading")
HISTORY = 120


@pytest.fixture
def long_chat(transactional_db, monkeypatch):
    # The history is written here, not sent: it must not count against the people's sending
    # limits, which the live server shares with this process through the cache (Redis in CI).
    monkeypatch.setattr(chat_ratelimit, "hit", lambda *args, **kwargs: 0)
    owner = make_user("olga@example.com", "Olga Owner")
    guest = make_user("gleb@example.com", "Gleb Guest", kind=User.Kind.GUEST)
    collab = services.create_collab(owner, name="Long talk")
    services.add_member(collab, owner, guest)
    # Two or three in a row by one person, so both groups and single messages show.
    for i in range(HISTORY):
        author = owner if i % 5 < 3 else guest
        chat_services.send_message(collab, author, f"Message number {i}")
    # Everything read: the page opens at the end.
    newest = collab.messages.order_by("-pk").first().pk
    chat_services.mark_read(collab, owner, newest)
    chat_services.mark_read(collab, guest, newest)
    return {"owner": owner, "guest": guest, "collab": collab}


def reader(open_page, user, size: str) -> Page:
    page = open_page(**SIZES[size])
    page.add_init_script(_SOCKET_WATCH)
    sign_in_by_cookie(page, user)
    return page


def open_chat(page: Page, collab) -> None:
    page.goto(f"/collabs/{collab.pk}/")
    wait_live(page)


def log_of(page: Page):
    return page.get_by_role("log", name="Messages")


def message(page: Page, i: int):
    return log_of(page).get_by_role("article").filter(has_text=re.compile(rf"Message number {i}\b"))


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_scrolling_up_loads_earlier_pages_in_place(open_page, long_chat, size):
    page = reader(open_page, long_chat["owner"], size)
    open_chat(page, long_chat["collab"])
    log = log_of(page)
    # The page opens at the end, with the newest 50 messages.
    expect(message(page, HISTORY - 1)).to_be_in_viewport()
    expect(message(page, HISTORY - 51)).to_have_count(0)
    shoot(page, f"{size}-latest")

    # Scrolled to the top, where the oldest loaded message is; where it is on the screen
    # is taken in the same step, before the earlier page can come in.
    top = message(page, HISTORY - 50)
    before = top.evaluate(
        "el => { el.closest('[role=log]').scrollTop = 0; return el.getBoundingClientRect().top; }"
    )
    expect(message(page, HISTORY - 51)).to_have_count(1)
    after = top.bounding_box()["y"]
    assert abs(after - before) <= 3, f"the message moved from {before} to {after}"
    expect(top).to_be_in_viewport()

    # On up to the beginning: one page at a time, then no more links and nothing twice.
    for _ in range(5):
        if not log.get_by_role("link", name="Load earlier messages").count():
            break
        log.evaluate("el => { el.scrollTop = 0; }")
        page.wait_for_timeout(150)
    expect(log.get_by_role("link", name="Load earlier messages")).to_have_count(0)
    expect(message(page, 0)).to_have_count(1)
    assert log.get_by_role("article").count() == HISTORY
    # All written today: one day separator, at the top, however many pages were joined.
    expect(log.get_by_role("separator", name="Today")).to_have_count(1)
    log.evaluate("el => { el.scrollTop = 0; }")
    shoot(page, f"{size}-top")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_last_messages_menu_opens_inside_the_window_and_by_keyboard(open_page, long_chat, size):
    page = reader(open_page, long_chat["owner"], size)
    open_chat(page, long_chat["collab"])
    last = message(page, HISTORY - 1)
    expect(last).to_be_in_viewport()

    actions = last.get_by_label("Actions for the message by")
    actions.focus()
    page.keyboard.press("Enter")
    menu = last.get_by_role("menu")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("menuitem", name="Reply")).to_be_focused()
    box = menu.bounding_box()
    viewport = page.viewport_size
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= viewport["width"], box
    assert box["y"] + box["height"] <= viewport["height"], box
    shoot(page, f"{size}-menu")

    # Arrows move through the items (the reactions too), End and Home jump to the ends.
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("button", name="React with 👍")).to_be_focused()
    page.keyboard.press("End")
    expect(menu.get_by_role("menuitem", name="Delete")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Reply")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(menu.get_by_role("menuitem", name="Delete")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(actions).to_be_focused()

    # Reopened and a click elsewhere closes it.
    page.keyboard.press("Space")
    expect(menu).to_be_visible()
    page.get_by_role("textbox", name="Message").click()
    expect(menu).to_be_hidden()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_jump_to_latest_counts_what_came_while_scrolled_up(open_page, long_chat, size):
    owner, guest, collab = long_chat["owner"], long_chat["guest"], long_chat["collab"]
    page = reader(open_page, owner, size)
    other = reader(open_page, guest, "desktop")
    open_chat(page, collab)
    open_chat(other, collab)
    jump = page.get_by_role("button", name=re.compile("Jump to latest"))
    expect(jump).to_be_hidden()

    # Up a little (not to the top: no page loads), then the other person writes twice.
    log_of(page).evaluate("el => { el.scrollTop = el.scrollHeight - el.clientHeight - 400; }")
    expect(jump).to_be_visible()
    send(other, "Are you there?")
    send(other, "Hello again")
    expect(jump).to_have_accessible_name("Jump to latest messages (2 new)")
    expect(jump).to_contain_text("2")
    expect(message(page, HISTORY - 1)).not_to_be_in_viewport()
    shoot(page, f"{size}-jump")

    jump.click()
    hello = log_of(page).get_by_role("article").filter(has_text="Hello again")
    expect(hello).to_be_in_viewport()
    expect(jump).to_be_hidden()
    # The two came as one group of the guest's, after the owner's last message.
    expect(hello).to_have_class(re.compile(r"\bmsg-cont\b"))


def test_the_message_a_link_opens_is_highlighted_for_a_moment(open_page, long_chat):
    collab = long_chat["collab"]
    target = collab.messages.get(body="Message number 30")
    page = reader(open_page, long_chat["guest"], "desktop")
    page.goto(f"/collabs/{collab.pk}/?message={target.pk}#m{target.pk}")
    # (An older window: the socket does no catch-up, so no "ready" to wait for.)
    shown = message(page, 30)
    expect(shown).to_be_in_viewport()
    expect(shown).to_have_class(re.compile(r"\bis-target\b"))
    shoot(page, "desktop-target")
    # About two seconds later it looks like the others again.
    expect(shown).not_to_have_class(re.compile(r"\bis-target\b"), timeout=4000)


def test_a_live_message_on_a_new_day_gets_its_separator(open_page, transactional_db):
    owner = make_user("olga@example.com", "Olga Owner")
    guest = make_user("gleb@example.com", "Gleb Guest", kind=User.Kind.GUEST)
    collab = services.create_collab(owner, name="Short talk")
    services.add_member(collab, owner, guest)
    last = chat_services.send_message(collab, guest, "See you tomorrow")
    # Everything so far happened yesterday.
    yesterday = timezone.now() - timedelta(days=1)
    Message.objects.filter(collab=collab).update(created=yesterday, updated=yesterday)
    chat_services.mark_read(collab, owner, last.pk)

    page = reader(open_page, owner, "desktop")
    other = reader(open_page, guest, "desktop")
    open_chat(page, collab)
    open_chat(other, collab)
    log = log_of(page)
    expect(log.get_by_role("separator", name="Yesterday")).to_have_count(1)
    expect(log.get_by_role("separator", name="Today")).to_have_count(0)

    send(other, "Good morning")
    send(other, "Coffee?")
    morning = log.get_by_role("article").filter(has_text="Good morning")
    expect(morning).to_be_visible()
    expect(log.get_by_role("separator", name="Today")).to_have_count(1)
    # The first of the day shows its author again; the next one continues it.
    expect(morning).not_to_have_class(re.compile(r"\bmsg-cont\b"))
    expect(log.get_by_role("article").filter(has_text="Coffee?")).to_have_class(
        re.compile(r"\bmsg-cont\b")
    )
    shoot(page, "desktop-new-day")
