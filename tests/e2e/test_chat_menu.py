"""The chat's one shared "⋯" menu (issue 14: pages as light as the messages), in a real
browser at 1280 px and at 375 px: react, pin, delete and a feature's action ("Create task")
from it; only what the reader may do with that message; and without JavaScript the "⋯" link
opens the message's actions page, whose forms work."""

import re

import pytest
from playwright.sync_api import expect

from apps.chat import services as chat
from apps.chat.models import Message
from apps.collabs import services
from tests.conftest import make_user

from .conftest import DESKTOP, PHONE, assert_clean, no_horizontal_overflow, sign_in
from .test_chat import message, open_chat, open_menu, person, send

pytestmark = pytest.mark.e2e

SIZES = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture
def team(transactional_db):
    owner = make_user("olga@example.com", "Olga Owner")
    anna = make_user("anna@example.com", "Anna Smirnova")
    collab = services.create_collab(owner, name="Website redesign")
    services.add_member(collab, owner, anna)
    return {"owner": owner, "anna": anna, "collab": collab}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_shared_menu_reacts_pins_deletes_and_creates_a_task(open_page, team, size):
    owner, anna, collab = team["owner"], team["anna"], team["collab"]
    chat.send_message(collab, owner, "Olga here: the estimate goes out on Friday")
    page = person(open_page, anna, **SIZES[size])
    open_chat(page, collab)
    width = page.viewport_size["width"]

    hers = message(page, "the estimate goes out")
    menu = open_menu(hers)
    expect(menu).to_be_visible()
    # One menu on the page, inside the message it acts on; no Edit or Delete of Olga's.
    expect(page.get_by_role("menu")).to_have_count(1)
    expect(menu.get_by_role("menuitem", name="Edit")).to_have_count(0)
    expect(menu.get_by_role("menuitem", name="Delete")).to_have_count(0)
    expect(menu.get_by_role("menuitem", name="Create task")).to_be_visible()
    expect(hers.get_by_label("Actions for the message by Olga Owner")).to_have_attribute(
        "aria-expanded", "true"
    )
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    no_horizontal_overflow(page, width)

    # React: the chip comes back over the socket, marked as hers.
    menu.get_by_role("button", name="React with 👍").click()
    expect(page.get_by_role("menu")).to_have_count(0)
    chip = hers.get_by_role("button", name="👍: 1 reaction")
    expect(chip).to_have_attribute("aria-pressed", "true")
    # The chip (it submits the page's one shared form) takes the reaction back.
    chip.click()
    expect(hers.get_by_role("button", name="👍: 1 reaction")).to_have_count(0)

    # Pin, then the same menu offers Unpin.
    open_menu(hers).get_by_role("menuitem", name="Pin").click()
    expect(hers.locator(".msg-pin-mark")).to_have_text("pinned")
    expect(open_menu(hers).get_by_role("menuitem", name="Unpin")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_have_count(0)
    assert Message.objects.get(body__startswith="Olga here").pinned_at is not None

    # Her own message: Edit and Delete are there; Delete asks, then deletes for everyone.
    send(page, "Anna's note to delete")
    own = message(page, "Anna's note to delete")
    expect(own).to_have_count(1)
    own_id = own.get_attribute("id")
    own_menu = open_menu(own)
    expect(own_menu.get_by_role("menuitem", name="Edit")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    own_menu.get_by_role("menuitem", name="Delete").click()
    expect(page.locator(f"#{own_id}")).to_contain_text("Message deleted")

    # A feature's action: "Create task" opens its dialog with the message's text.
    open_menu(hers).get_by_role("menuitem", name="Create task").click()
    dialog = page.get_by_role("dialog", name="New task")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Title")).to_have_value("Olga here: the estimate goes out on Friday")
    no_horizontal_overflow(page, width)
    assert_clean(page)


def test_a_pushed_message_opens_the_same_menu(open_page, team):
    owner, anna, collab = team["owner"], team["anna"], team["collab"]
    olga = person(open_page, owner, **DESKTOP)
    page = person(open_page, anna, **DESKTOP)
    open_chat(olga, collab)
    open_chat(page, collab)

    send(olga, "Pushed just now")
    pushed = message(page, "Pushed just now")
    expect(pushed).to_have_count(1)
    open_menu(pushed).get_by_role("button", name="React with 🎉").click()
    expect(
        message(olga, "Pushed just now").get_by_role("button", name="🎉: 1 reaction")
    ).to_have_attribute("aria-pressed", "false")
    assert_clean(page)


def test_without_javascript_the_actions_page_does_what_the_menu_does(open_page, team):
    owner, anna, collab = team["owner"], team["anna"], team["collab"]
    chat.send_message(collab, owner, "Plain old page")
    page = open_page(java_script_enabled=False, **PHONE)
    sign_in(page, anna)
    page.goto(f"/collabs/{collab.pk}/")

    message(page, "Plain old page").get_by_label("Actions for the message by Olga Owner").click()
    expect(page).to_have_url(re.compile(rf"/collabs/{collab.pk}/chat/\d+/actions/$"))
    expect(page.get_by_role("heading", name="Message actions")).to_be_visible()
    no_horizontal_overflow(page, page.viewport_size["width"])
    page.get_by_role("button", name="React with 👍").click()
    expect(page).to_have_url(re.compile(rf"/collabs/{collab.pk}/\?message=\d+#m\d+$"))
    chip = message(page, "Plain old page").get_by_role("button", name="👍: 1 reaction")
    expect(chip).to_have_attribute("aria-pressed", "true")

    message(page, "Plain old page").get_by_label("Actions for the message by").click()
    page.get_by_role("button", name="Pin").click()
    expect(message(page, "Plain old page").locator(".msg-pin-mark")).to_be_visible()
    # The chip works without JavaScript too (the page's shared form): the reaction goes.
    message(page, "Plain old page").get_by_role("button", name="👍: 1 reaction").click()
    expect(message(page, "Plain old page").locator(".reaction")).to_have_count(0)
    assert_clean(page)
