"""Tasks from the chat, in real browsers against the real server: a message becomes a task in
two clicks (the message's "Create task", then the dialog's "Create task"), and everyone sees
it at once (the chat's system message with the task's card, the card under the message, the
Tasks tab of a second person, live); a guest responsible for a task completes it on a phone.

Screenshots go to $TASKS_SHOTS when it is set (a folder), for looking at them."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from apps.chat import services as chat
from apps.tasks import services
from apps.tasks.models import Status, Task

from .conftest import DESKTOP, PHONE, assert_clean, no_horizontal_overflow
from .test_chat import message, open_chat, open_menu
from .test_chat_writing import person
from .test_chat_writing import team as writing_team

pytestmark = pytest.mark.e2e

team = writing_team
TALL_PHONE = {**PHONE, "viewport": {"width": 375, "height": 812}}
SHOTS = os.environ.get("TASKS_SHOTS", "")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        width = page.viewport_size["width"]
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"))


def tasks_tab(page: Page):
    tab = page.get_by_role("navigation", name="Sidebar tabs").get_by_role("link", name="Tasks")
    tab.click()
    expect(tab).to_have_attribute("aria-current", "true")
    return page.get_by_role("region", name="Tasks")


def test_a_message_becomes_a_task_in_two_clicks_and_everyone_sees_it(open_page, team):
    collab, olga, anna = team["collab"], team["owner"], team["anna"]
    chat.send_message(collab, anna, "Olga, could you send the estimate to the studio by Friday?")
    anna_page = person(open_page, anna, DESKTOP)
    open_chat(anna_page, collab)
    anna_tasks = tasks_tab(anna_page)
    page = person(open_page, olga, DESKTOP)
    open_chat(page, collab)

    asked = message(page, "send the estimate")
    menu = open_menu(asked)
    menu.get_by_role("menuitem", name="Create task").click()  # one
    dialog = page.get_by_role("dialog", name="New task")
    expect(dialog).to_be_visible()
    title = dialog.get_by_label("Title")
    expect(title).to_have_value("Olga, could you send the estimate to the studio by Friday?")
    expect(dialog).to_contain_text("From a message by Anna Smirnova")
    title.fill("Send the estimate to the studio")
    shot(page, "task-dialog")
    dialog.get_by_role("button", name="Create task").click()  # two
    expect(dialog).to_be_hidden()

    task = Task.objects.get()
    assert task.created_by == olga and task.responsible == olga
    assert task.description.startswith("Olga, could you send")
    # The chat says so, with the task's card, for her and for Anna, live.
    for who in (page, anna_page):
        note = who.locator("#chat-log .msg-system").filter(has_text="created the task")
        expect(note).to_contain_text(
            "Olga Owner created the task “Send the estimate to the studio”"
        )
        expect(note.get_by_role("link", name="Send the estimate to the studio")).to_be_visible()
        # The message it came from shows the card too.
        expect(
            message(who, "send the estimate").get_by_role(
                "link", name="Send the estimate to the studio"
            )
        ).to_be_visible()
    # Anna's open Tasks tab lists it without a reload.
    expect(anna_tasks.get_by_role("link", name="Send the estimate to the studio")).to_be_visible()
    shot(page, "task-created")
    shot(anna_page, "task-tab")
    # The card leads to the task's page.
    page.locator("#chat-log .msg-system").get_by_role(
        "link", name="Send the estimate to the studio"
    ).click()
    expect(page.get_by_role("heading", name="Send the estimate to the studio")).to_be_visible()
    expect(page.get_by_role("link", name="Open the message in the chat")).to_be_visible()
    shot(page, "task-page")
    assert_clean(page)
    assert_clean(anna_page)


def test_without_javascript_the_link_opens_the_form_page(open_page, team):
    collab, olga = team["collab"], team["owner"]
    page = person(open_page, olga, {**DESKTOP, "java_script_enabled": False})
    page.goto(f"/collabs/{collab.pk}/tasks/new/")
    page.get_by_label("Title").fill("Book the venue")
    page.get_by_label("Deadline").fill("2030-05-04")
    page.get_by_role("button", name="Create task").click()
    expect(page.get_by_role("heading", name="Book the venue")).to_be_visible()
    task = Task.objects.get()
    assert task.deadline is not None


def test_a_guest_completes_their_task_on_a_phone(open_page, team):
    collab, olga, gleb = team["collab"], team["owner"], team["guest"]
    task = services.create_task(
        collab,
        olga,
        title="Send the signed contract",
        responsible_id=gleb.pk,
        checklist=["Sign", "Scan"],
    )
    page = person(open_page, gleb, TALL_PHONE)
    open_chat(page, collab)
    card = page.locator("#chat-log .msg-system").get_by_role(
        "link", name="Send the signed contract"
    )
    expect(card).to_be_visible()
    card.click()
    expect(page.get_by_role("heading", name="Send the signed contract")).to_be_visible()
    page.get_by_role("checkbox", name="Tick “Sign”").click()
    expect(page.get_by_role("checkbox", name="Untick “Sign”")).to_have_attribute(
        "aria-checked", "true"
    )
    no_horizontal_overflow(page, 375)
    shot(page, "guest-task")
    page.get_by_role("button", name="Complete").click()
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    task.refresh_from_db()
    assert task.status == Status.DONE and task.status_changed_by == gleb
    open_chat(page, collab)
    expect(
        page.locator("#chat-log .msg-system").filter(has_text="completed the task")
    ).to_contain_text("Gleb Guest (guest) completed the task “Send the signed contract”")
    no_horizontal_overflow(page, 375)
    assert_clean(page)


def test_an_open_task_page_hears_of_anothers_change(open_page, team):
    collab, olga, anna = team["collab"], team["owner"], team["anna"]
    task = services.create_task(collab, olga, title="Order the prints", responsible_id=anna.pk)
    url = f"/collabs/{collab.pk}/tasks/{task.pk}/"
    watching = person(open_page, olga, DESKTOP)
    watching.goto(url)
    watching.wait_for_function("() => window.collabLive && window.collabLive.isOpen()")
    doing = person(open_page, anna, DESKTOP)
    doing.goto(url)
    doing.get_by_role("button", name="Complete").click()
    expect(doing.get_by_role("button", name="Reopen")).to_be_visible()
    notice = watching.get_by_role("status").filter(has_text="Someone changed this task.")
    expect(notice).to_be_visible()
    notice.get_by_role("link", name="Show the changes").click()
    expect(watching.get_by_role("button", name="Reopen")).to_be_visible()
    # Her own change tells her nothing.
    expect(doing.get_by_text("Someone changed this task.")).to_be_hidden()
    assert_clean(watching)
