"""The task board in real browsers against the real server: dragging a card to Done (the
chat tells of it, a second person's open board follows live), the status select without
JavaScript, and a phone (the columns scroll sideways; the select moves a card).

Screenshots go to $TASKS_SHOTS when it is set (a folder), for looking at them."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from apps.collabs import services as collab_services
from apps.tasks import services
from apps.tasks.models import Task
from tests.conftest import make_user

from .conftest import (
    DESKTOP,
    PHONE,
    assert_clean,
    no_horizontal_overflow,
    problems_of,
    sign_in_by_cookie,
)

# Counts the page's socket openings (the board has no chat to say "ready"): once open, the
# socket is subscribed to the collab's events.
_SOCKET_WATCH = """
(function () {
  var Native = window.WebSocket;
  if (!Native) return;
  window.__liveOpen = 0;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener("open", function () { window.__liveOpen += 1; });
    }
  };
})();
"""

pytestmark = pytest.mark.e2e

TALL_PHONE = {**PHONE, "viewport": {"width": 375, "height": 812}}
SHOTS = os.environ.get("TASKS_SHOTS", "")


@pytest.fixture
def team(transactional_db):
    owner = make_user("olga@example.com", "Olga Owner")
    anna = make_user("anna@example.com", "Anna Smirnova")
    guest = make_user("gleb@example.com", "Gleb Guest", kind="guest")
    collab = collab_services.create_collab(owner, name="Website redesign")
    collab_services.add_member(collab, owner, anna)
    collab_services.add_member(collab, owner, guest)
    task = services.create_task(collab, owner, title="Publish the page", responsible_id=anna.pk)
    services.create_task(collab, owner, title="Write the copy", responsible_id=guest.pk)
    return {"owner": owner, "anna": anna, "guest": guest, "collab": collab, "task": task}


def person(open_page, user, screen=DESKTOP, **options) -> Page:
    page = open_page(**screen, **options)
    page.add_init_script(_SOCKET_WATCH)
    sign_in_by_cookie(page, user)
    return page


def open_board(page: Page, collab, live: bool = True) -> None:
    page.goto(f"/collabs/{collab.pk}/tasks/board/")
    expect(page.get_by_role("heading", name=re.compile("Board"))).to_be_visible()
    if live:
        page.wait_for_function("n => window.__liveOpen >= n", arg=1)


def column(page: Page, name: str):
    return page.get_by_role("region", name=re.compile("^" + re.escape(name)))


def drag(page: Page, card, target) -> None:
    """Drag `card` (by its meta line, not its link) onto the list `target` with real pointer
    moves, as SortableJS needs them."""
    handle = card.locator(".board-card-meta").bounding_box()
    goal = target.bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 10, y + 10, steps=5)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 20, steps=20)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 24, steps=5)
    page.mouse.up()


def shot(page: Page, name: str) -> None:
    if SHOTS:
        width = page.viewport_size["width"]
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)


def test_a_card_dragged_to_done_is_done_for_everyone(open_page, team):
    collab = team["collab"]
    olga = person(open_page, team["owner"])
    anna = person(open_page, team["anna"])
    open_board(olga, collab)
    open_board(anna, collab)
    card = column(olga, "To do").get_by_role("listitem").filter(has_text="Publish the page")
    target = column(olga, "Done").get_by_role("list")
    drag(olga, card, target)
    expect(column(olga, "Done").get_by_role("link", name="Publish the page")).to_be_visible()
    # The server has it...
    for _ in range(50):
        if Task.objects.get(pk=team["task"].pk).status == "done":
            break
        olga.wait_for_timeout(100)
    assert Task.objects.get(pk=team["task"].pk).status == "done"
    # ...Anna's open board follows without a reload...
    expect(column(anna, "Done").get_by_role("link", name="Publish the page")).to_be_visible()
    expect(column(anna, "To do").get_by_role("link", name="Publish the page")).to_have_count(0)
    shot(olga, "board-after-drag")
    # ...it stays there after a reload, and the chat says so.
    olga.reload()
    expect(column(olga, "Done").get_by_role("link", name="Publish the page")).to_be_visible()
    olga.goto(f"/collabs/{collab.pk}/")
    expect(
        olga.get_by_role("log", name="Messages").get_by_text(
            "Olga Owner completed the task “Publish the page”"
        )
    ).to_be_visible()
    assert_clean(olga)
    assert_clean(anna)


def test_a_card_the_person_may_not_move_is_not_draggable(open_page, team):
    collab = team["collab"]
    gleb = person(open_page, team["guest"])
    open_board(gleb, collab)
    todo = column(gleb, "To do")
    theirs = todo.get_by_role("listitem").filter(has_text="Write the copy")
    other = todo.get_by_role("listitem").filter(has_text="Publish the page")
    expect(theirs.get_by_label("Status of “Write the copy”")).to_be_visible()
    expect(other.get_by_role("combobox")).to_have_count(0)
    drag(gleb, other, column(gleb, "Done").get_by_role("list"))
    expect(column(gleb, "To do").get_by_role("link", name="Publish the page")).to_be_visible()
    assert Task.objects.get(pk=team["task"].pk).status == "todo"


def test_the_status_select_moves_a_card_without_javascript(open_page, team):
    collab = team["collab"]
    olga = person(open_page, team["owner"], java_script_enabled=False)
    open_board(olga, collab, live=False)
    olga.get_by_label("Status of “Publish the page”").select_option(label="In progress")
    card = column(olga, "To do").get_by_role("listitem").filter(has_text="Publish the page")
    card.get_by_role("button", name="Move").click()
    expect(column(olga, "In progress").get_by_role("link", name="Publish the page")).to_be_visible()
    expect(olga).to_have_url(re.compile(r"/tasks/board/$"))
    assert Task.objects.get(pk=team["task"].pk).status == "in_progress"


def test_on_a_phone_the_columns_scroll_and_the_select_moves_a_card(open_page, team):
    collab = team["collab"]
    anna = person(open_page, team["anna"], TALL_PHONE)
    open_board(anna, collab)
    # The sidebar has slid away into its drawer (it does once the page's script runs).
    expect(anna.locator(".sidebar")).to_be_hidden()
    no_horizontal_overflow(anna, 375)
    columns = anna.locator("#board-columns")
    assert columns.evaluate("el => el.scrollWidth > el.clientWidth")
    shot(anna, "board-phone")
    select = anna.get_by_label("Status of “Publish the page”")
    # With JavaScript the select moves the card on its own; the "Move" buttons are hidden.
    expect(anna.get_by_role("button", name="Move")).to_have_count(0)
    select.select_option(label="Waiting for review")
    expect(
        column(anna, "Waiting for review").get_by_role("link", name="Publish the page")
    ).to_be_attached()
    # The live event's reload (debounced) replaces the columns once more; then, scrolled into
    # view sideways, the column shows the card.
    anna.wait_for_timeout(1000)
    column(anna, "Waiting for review").get_by_role(
        "link", name="Publish the page"
    ).scroll_into_view_if_needed()
    expect(
        column(anna, "Waiting for review").get_by_role("link", name="Publish the page")
    ).to_be_visible()
    expect(anna.get_by_label("Status of “Publish the page”")).to_have_value("review")
    assert Task.objects.get(pk=team["task"].pk).status == "review"
    no_horizontal_overflow(anna, 375)
    assert_clean(anna)


SCREENS = [pytest.param(DESKTOP, id="desktop"), pytest.param(TALL_PHONE, id="phone")]


@pytest.mark.parametrize("screen", SCREENS)
def test_the_list_board_and_tab_fit_the_screen(open_page, team, screen):
    """A fuller collab (a guest responsible, overdue, high priority, a checklist, one waiting
    for reassignment, long titles): every view fits the screen without sideways scrolling of
    the page (the board's columns scroll inside it)."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.tasks.models import Priority

    collab, owner, anna, guest = team["collab"], team["owner"], team["anna"], team["guest"]
    now = timezone.now()
    services.create_task(
        collab,
        owner,
        title="Согласовать макеты главной страницы и каталога в студии до пятницы",
        responsible_id=guest.pk,
        deadline=now - timedelta(days=1),
        priority=Priority.HIGH,
        checklist=["Главная", "Каталог", "Карточка товара"],
    )
    review = services.create_task(
        collab,
        owner,
        title="Review the pricing table",
        responsible_id=anna.pk,
        deadline=now + timedelta(days=2),
    )
    services.set_status(collab, owner, review.pk, "review")
    gone = make_user("boris@example.com", "Boris Left")
    collab_services.add_member(collab, owner, gone)
    services.create_task(collab, owner, title="Order the banner", responsible_id=gone.pk)
    collab_services.remove_member(collab, owner, gone)
    olga = person(open_page, owner, screen)
    width = screen["viewport"]["width"]

    olga.goto(f"/collabs/{collab.pk}/tasks/")
    expect(olga.get_by_role("heading", name="Tasks", exact=True)).to_be_visible()
    expect(olga.get_by_role("table").get_by_text("Needs reassignment")).to_be_visible()
    olga.wait_for_timeout(400)
    no_horizontal_overflow(olga, width)
    shot(olga, "list")

    open_board(olga, collab)
    olga.wait_for_timeout(400)
    no_horizontal_overflow(olga, width)
    shot(olga, "board")

    olga.goto(f"/collabs/{collab.pk}/")
    if width < 1100:
        olga.get_by_role("button", name="About the collab").click()
    tabs = olga.get_by_role("navigation", name="Sidebar tabs")
    tabs.get_by_role("link", name="Tasks").click()
    panel = olga.locator("#tab-tasks")
    expect(panel.get_by_role("link", name="All tasks")).to_be_visible()
    expect(panel.get_by_role("listitem").first).to_contain_text("Согласовать")
    olga.wait_for_timeout(400)
    shot(olga, "tab")

    olga.goto("/tasks/?view=created")
    expect(olga.get_by_role("heading", name="My tasks")).to_be_visible()
    olga.wait_for_timeout(300)
    no_horizontal_overflow(olga, width)
    shot(olga, "mine")
    assert_clean(olga)


def test_a_refused_drop_puts_the_card_back_and_says_why(open_page, team):
    """The guest's board still offers their card, but meanwhile the collab stopped letting
    guests see tasks: the drop is refused (403), the card goes back, the page says so."""
    collab = team["collab"]
    gleb = person(open_page, team["guest"])
    open_board(gleb, collab)
    collab_services.change_settings(
        collab, team["owner"], features={"tasks": {"view": "employees"}}
    )
    gleb.wait_for_timeout(500)
    problems_of(gleb).allow(r"403")
    card = column(gleb, "To do").get_by_role("listitem").filter(has_text="Write the copy")
    drag(gleb, card, column(gleb, "Done").get_by_role("list"))
    expect(gleb.get_by_role("alert")).to_have_text("You may not move this task.")
    expect(column(gleb, "To do").get_by_role("link", name="Write the copy")).to_be_visible()
    expect(column(gleb, "Done").get_by_role("link", name="Write the copy")).to_have_count(0)
    assert Task.objects.get(title="Write the copy").status == "todo"
