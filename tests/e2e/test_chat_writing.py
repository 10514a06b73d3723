"""Writing in the chat, in real browsers against the real server, on a desktop and a phone:
the mention autocomplete (pick with the keyboard, the mention notifies), editing in place, the
emoji picker under the strict CSP (composer and reactions) and drafts that survive a reload.

Screenshots of each step go to $WRITING_SHOTS when it is set (a folder), for looking at them.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from apps.chat import services as chat
from apps.chat.models import Message
from apps.collabs import services
from tests.conftest import make_user

from .conftest import (
    DESKTOP,
    PHONE,
    assert_clean,
    no_horizontal_overflow,
    problems_of,
    sign_in_by_cookie,
)
from .test_chat import _SOCKET_WATCH, message, open_chat, open_menu, send

pytestmark = pytest.mark.e2e

TALL_PHONE = {**PHONE, "viewport": {"width": 375, "height": 812}}
SCREENS = [pytest.param(DESKTOP, id="desktop"), pytest.param(TALL_PHONE, id="phone")]
SHOTS = os.environ.get("WRITING_SHOTS", "")


@pytest.fixture
def team(transactional_db):
    owner = make_user("olga@example.com", "Olga Owner")
    anna = make_user("anna@example.com", "Anna Smirnova")
    guest = make_user("gleb@example.com", "Gleb Guest", kind="guest")
    collab = services.create_collab(owner, name="Website redesign")
    services.add_member(collab, owner, anna)
    services.add_member(collab, owner, guest)
    return {"owner": owner, "anna": anna, "guest": guest, "collab": collab}


def person(open_page, user, screen) -> Page:
    page = open_page(**screen)
    page.add_init_script(_SOCKET_WATCH)
    sign_in_by_cookie(page, user)
    return page


def shot(page: Page, name: str) -> None:
    if SHOTS:
        width = page.viewport_size["width"]
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"))


def composer(page: Page):
    return page.get_by_role("textbox", name="Message")


@pytest.mark.parametrize("screen", SCREENS)
def test_mention_autocomplete_picks_with_the_keyboard_and_notifies(open_page, team, screen):
    owner, anna, collab = team["owner"], team["anna"], team["collab"]
    page = person(open_page, owner, screen)
    open_chat(page, collab)

    box = composer(page)
    box.click()
    box.press_sequentially("Look, @An")
    listbox = page.get_by_role("listbox", name="Members to mention")
    expect(listbox).to_be_visible()
    option = listbox.get_by_role("option", name="Anna Smirnova")
    expect(option).to_be_visible()
    expect(option).to_have_attribute("aria-selected", "true")
    expect(listbox.get_by_role("option")).to_have_count(1)  # not Olga (herself), not Gleb
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    no_horizontal_overflow(page, screen["viewport"]["width"])
    shot(page, "autocomplete")

    box.press("ArrowDown")  # one member: stays on Anna
    box.press("Enter")  # picks (does not send)
    expect(listbox).to_be_hidden()
    expect(box).to_have_value(f"Look, @**Anna Smirnova|{anna.pk}** ")
    expect(box).to_have_attribute("aria-expanded", "false")

    # The guest is found by the last name's first letters, case-insensitively; Escape closes.
    box.press_sequentially("and @gu")
    expect(listbox.get_by_role("option", name=re.compile("Gleb Guest"))).to_contain_text("guest")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    box.press_sequentially("est")  # typed on: the list opens again; a tap picks
    listbox.get_by_role("option", name=re.compile("Gleb Guest")).click()
    expect(box).to_have_value(
        f"Look, @**Anna Smirnova|{anna.pk}** and @**Gleb Guest|{team['guest'].pk}** "
    )

    box.press("Enter")  # sends
    expect(box).to_have_value("")
    sent = message(page, "Look,")
    expect(sent.locator(".mention").first).to_have_text("@Anna Smirnova")
    expect(sent.locator(".mention").first).to_have_attribute("data-user-id", str(anna.pk))

    # Anna's list of collabs shows that she was mentioned.
    reader = person(open_page, anna, screen)
    reader.goto("/collabs/")
    row = (
        reader.get_by_role("list", name="Collabs")
        .get_by_role("listitem")
        .filter(has_text=collab.name)
    )
    expect(row.locator(".counter-mention")).to_have_count(1)
    assert_clean(page)
    assert_clean(reader)


@pytest.mark.parametrize("screen", SCREENS)
def test_edit_in_place_saves_with_enter_and_cancels_with_escape(open_page, team, screen):
    owner, collab = team["owner"], team["collab"]
    page = person(open_page, owner, screen)
    open_chat(page, collab)
    send(page, "The plan is **ready**")
    sent = message(page, "The plan is")
    expect(sent).to_have_count(1)
    url = page.url

    open_menu(sent).get_by_role("menuitem", name="Edit").click()
    editor = sent.get_by_role("textbox", name="Edit the message")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("The plan is **ready**")  # the Markdown, not the HTML
    shot(page, "inline-edit")
    no_horizontal_overflow(page, screen["viewport"]["width"])
    editor.fill("The plan is **final**")
    editor.press("Shift+Enter")  # a new line, not a save
    editor.press_sequentially("See you")
    expect(editor).to_have_value("The plan is **final**\nSee you")
    editor.press("Enter")
    edited = page.locator(f"#{sent.get_attribute('id')}")
    expect(edited.locator(".msg-body strong")).to_have_text("final")
    expect(edited.get_by_role("link", name="edited")).to_be_visible()
    expect(edited.get_by_role("textbox", name="Edit the message")).to_have_count(0)
    assert page.url == url  # no page change

    open_menu(edited).get_by_role("menuitem", name="Edit").click()
    editor = edited.get_by_role("textbox", name="Edit the message")
    editor.fill("Something else")
    editor.press("Escape")
    expect(editor).to_have_count(0)
    expect(edited.locator(".msg-body strong")).to_have_text("final")

    # Stale: the message changes elsewhere while it is being edited; the save is refused
    # with a clear error, the text typed stays, and a second save replaces it knowingly.
    open_menu(edited).get_by_role("menuitem", name="Edit").click()
    editor = edited.get_by_role("textbox", name="Edit the message")
    expect(editor).to_be_focused()
    message_id = int(sent.get_attribute("id")[1:])
    problems_of(page).allow(r"status of 409")  # the refused save's answer, expected
    chat.edit_message(collab, owner, message_id, "Changed in another tab")
    editor.fill("My careful rewrite")
    editor.press("Enter")
    expect(edited.get_by_role("alert")).to_contain_text("changed while you were editing")
    expect(editor).to_have_value("My careful rewrite")
    expect(edited.locator(".inline-edit-current")).to_have_text("Changed in another tab")
    editor.press("Enter")
    expect(edited.locator(".msg-body")).to_have_text("My careful rewrite")
    assert Message.objects.get(pk=message_id).body == "My careful rewrite"
    assert_clean(page)


@pytest.mark.parametrize("screen", SCREENS)
def test_the_emoji_picker_works_under_the_csp(open_page, team, screen):
    owner, collab = team["owner"], team["collab"]
    page = person(open_page, owner, screen)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    open_chat(page, collab)
    assert not any("emoji-picker" in url for url in requests)  # loaded only when opened

    box = composer(page)
    box.fill("Great work ")
    page.get_by_role("button", name="Insert an emoji").click()
    dialog = page.get_by_role("dialog", name="Choose an emoji")
    expect(dialog).to_be_visible()
    first = dialog.locator("emoji-picker button[id^='emo-']").first
    expect(first).to_be_visible()
    no_horizontal_overflow(page, screen["viewport"]["width"])
    shot(page, "emoji-picker")
    emoji = first.inner_text()
    first.click()
    expect(dialog).to_be_hidden()
    expect(box).to_have_value(f"Great work {emoji}")
    expect(box).to_be_focused()
    # Nothing came from elsewhere: the picker and its data are our static files.
    assert all(url.startswith(page._e2e_base) or url.startswith("data:") for url in requests)

    # "More reactions…" in a message's menu posts the chosen emoji as a reaction.
    send(page, "Shipped the release")
    sent = message(page, "Shipped the release")
    open_menu(sent).get_by_role("button", name="More reactions…").click()
    dialog = page.get_by_role("dialog", name="Choose an emoji")
    expect(dialog).to_be_visible()
    dialog.get_by_role("combobox", name="Search").fill("rocket")
    rocket = dialog.locator("emoji-picker button[id^='emo-']").first
    expect(rocket).to_be_visible()
    rocket.click()
    expect(sent.get_by_role("button", name="🚀: 1 reaction")).to_be_visible()
    assert_clean(page)  # among others: no CSP violation from the picker


@pytest.mark.parametrize("screen", SCREENS)
def test_a_draft_survives_a_reload_and_goes_when_sent(open_page, team, screen):
    owner, collab = team["owner"], team["collab"]
    page = person(open_page, owner, screen)
    open_chat(page, collab)
    composer(page).press_sequentially("Half a thought")
    page.wait_for_timeout(500)  # the draft is kept a moment after typing stops
    page.reload()
    open_chat(page, collab)
    expect(composer(page)).to_have_value("Half a thought")

    # Another collab has a draft of its own.
    other = services.create_collab(owner, name="Other")
    page.goto(f"/collabs/{other.pk}/")
    expect(composer(page)).to_have_value("")
    open_chat(page, collab)
    expect(composer(page)).to_have_value("Half a thought")

    composer(page).press("Enter")
    expect(message(page, "Half a thought")).to_have_count(1)
    page.wait_for_function(
        "key => !localStorage.getItem(key)", arg=f"collabhub:draft:{owner.pk}:{collab.pk}"
    )
    page.reload()
    open_chat(page, collab)
    expect(composer(page)).to_have_value("")
    assert_clean(page)


def test_the_emoji_picker_speaks_russian_from_our_files(open_page, team):
    owner, collab = team["owner"], team["collab"]
    owner.language = "ru"
    owner.save()
    page = person(open_page, owner, DESKTOP)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    open_chat_ru(page, collab)
    page.locator("#composer-emoji").click()
    picker = page.locator(".emoji-popover emoji-picker")
    expect(picker.get_by_role("combobox", name="Искать")).to_be_visible()
    expect(picker.locator("button[id^='emo-']").first).to_be_visible()
    assert any("/data/ru/data" in url for url in requests)
    assert all(url.startswith(page._e2e_base) or url.startswith("data:") for url in requests)
    assert_clean(page)


def open_chat_ru(page: Page, collab) -> None:
    page.goto(f"/collabs/{collab.pk}/")
    expect(page.locator("#composer-body")).to_be_visible()
    page.wait_for_function("n => window.__chatReady >= n", arg=1)
