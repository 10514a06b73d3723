"""The built-in text editor in a real browser: edit a Markdown file, preview it, save it and
find the new version; a save that conflicts with someone else's keeps the typed text and saves
over it on request; the draft survives a reload; the unsaved-changes guard; a phone.

Files are made in the test's process with the services, written where the live server reads
them (live_media_root). People are signed in by cookie."""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.collabs import services as collabs
from apps.collabs.models import Role
from apps.files import services
from tests.conftest import make_user
from tests.files.conftest import upload_of

from .conftest import PHONE, assert_clean, no_horizontal_overflow, problems_of, sign_in_by_cookie

pytestmark = pytest.mark.e2e

NOTES = "# Notes\n\nFirst draft.\n"
PLAN = "# Launch plan\n\n**Ship** on Friday.\n\n- copy\n- images\n"


@pytest.fixture
def team(transactional_db, settings, live_media_root):
    settings.MEDIA_ROOT = live_media_root
    owner = make_user("olga@example.com", "Olga Owner")
    moderator = make_user("max@example.com", "Max Moderator")
    collab = collabs.create_collab(owner, name="Website redesign")
    collabs.add_member(collab, owner, moderator)
    collabs.change_role(collab, owner, moderator, Role.MODERATOR)
    notes = services.upload(collab, owner, upload_of("notes.md", NOTES.encode()))
    return {"owner": owner, "moderator": moderator, "collab": collab, "notes": notes}


def person(open_page, user, **options) -> Page:
    page = open_page(**options)
    sign_in_by_cookie(page, user)
    return page


def editor_url(team) -> str:
    return f"/collabs/{team['collab'].pk}/files/{team['notes'].pk}/edit/"


def download(page: Page, link_name: str) -> str:
    href = page.get_by_role("link", name=link_name, exact=True).first.get_attribute("href")
    response = page.request.get(href)
    assert response.ok
    return response.text()


def test_editing_a_markdown_file_with_its_preview(open_page, team):
    page = person(open_page, team["owner"])
    page.goto(editor_url(team))
    expect(page.get_by_role("heading", name="notes.md")).to_be_visible()
    text = page.get_by_role("textbox", name="Text")
    expect(text).to_have_value(NOTES)

    text.fill(PLAN)
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#editor-preview")
    expect(preview.get_by_role("heading", name="Launch plan")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("Ship")
    expect(preview.get_by_role("listitem")).to_have_count(2)
    # The preview saved nothing and left the text as typed.
    expect(text).to_have_value(PLAN)

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved as version 2.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Version 2 · "))).to_be_visible()
    expect(text).to_have_value(PLAN)
    versions = page.locator(".editor-versions")
    expect(versions.get_by_role("link", name="Version 2")).to_be_visible()
    expect(versions.get_by_role("link", name="Version 1")).to_be_visible()
    assert download(page, "Version 2") == PLAN
    assert download(page, "Version 1") == NOTES
    team["notes"].refresh_from_db()
    assert team["notes"].current_version.uploaded_by == team["owner"]
    assert_clean(page)


def test_a_conflicting_save_keeps_the_typed_text(open_page, team):
    page = person(open_page, team["owner"])
    # The refused save answers 409 Conflict, which the browser reports.
    problems_of(page).allow(r"status of 409")
    page.goto(editor_url(team))
    text = page.get_by_role("textbox", name="Text")
    text.fill("# Notes\n\nOlga's careful rewrite.\n")
    # Meanwhile Max saves a version of his own.
    services.new_version(
        team["collab"], team["moderator"], team["notes"].pk, upload_of("notes.md", b"Max's text")
    )
    page.get_by_role("button", name="Save", exact=True).click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Someone saved a new version while you were editing.")
    expect(alert).to_contain_text("Version 2 was saved by Max Moderator")
    mine = page.get_by_role("textbox", name="Your text")
    expect(mine).to_have_value("# Notes\n\nOlga's careful rewrite.\n")
    expect(page.get_by_role("textbox", name="Text of version 2")).to_have_value("Max's text")
    assert download(page, "Download version 2") == "Max's text"

    page.get_by_role("button", name="Save over it").click()
    expect(page.get_by_text("Saved as version 3.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Text")).to_have_value(
        "# Notes\n\nOlga's careful rewrite.\n"
    )
    assert team["notes"].versions.count() == 3
    assert_clean(page)


def test_the_draft_survives_a_reload_and_the_guard_asks_before_leaving(open_page, team):
    page = person(open_page, team["owner"])
    page.goto(editor_url(team))
    text = page.get_by_role("textbox", name="Text")
    text.fill("Typed, never saved")
    expect(page.get_by_text("Unsaved changes")).to_be_visible()

    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    page.reload()
    expect(text).to_have_value(NOTES)
    assert dialogs == ["beforeunload"]
    expect(page.get_by_text("You have unsaved text from an earlier visit")).to_be_visible()
    page.get_by_role("button", name="Restore it").click()
    expect(text).to_have_value("Typed, never saved")

    # Saved: the draft is gone, nothing is offered next time.
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved as version 2.")).to_be_visible()
    page.goto(editor_url(team))
    expect(text).to_have_value("Typed, never saved")
    expect(page.get_by_text("You have unsaved text from an earlier visit")).to_have_count(0)
    assert_clean(page)


def test_on_a_phone_ctrl_s_saves(open_page, team):
    page = person(open_page, team["owner"], **PHONE)
    page.goto(editor_url(team))
    text = page.get_by_role("textbox", name="Text")
    expect(text).to_be_visible()
    no_horizontal_overflow(page, 375)
    text.fill("# Notes\n\nFrom a phone.\n")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#editor-preview")).to_contain_text("From a phone.")
    no_horizontal_overflow(page, 375)
    text.press("Control+s")
    expect(page.get_by_text("Saved as version 2.")).to_be_visible()
    no_horizontal_overflow(page, 375)
    assert download(page, "Download") == "# Notes\n\nFrom a phone.\n"
    assert_clean(page)


def test_someone_who_may_only_view_reads_it(open_page, team):
    guest = make_user("gleb@example.com", "Gleb Guest", kind="guest")
    collabs.add_member(team["collab"], team["owner"], guest)
    page = person(open_page, guest)
    page.goto(editor_url(team))
    expect(page.get_by_text("You may view this file but not edit it")).to_be_visible()
    expect(page.locator(".editor-preview").get_by_role("heading", name="Notes")).to_be_visible()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    assert_clean(page)


def test_two_people_editing_at_once(open_page, team):
    """Max saves from his browser while Olga types in hers: her page says so at once, and her
    Save shows his version beside her text."""
    olga = person(open_page, team["owner"])
    problems_of(olga).allow(r"status of 409")
    max_ = person(open_page, team["moderator"])
    olga.goto(editor_url(team))
    max_.goto(editor_url(team))
    olga.get_by_role("textbox", name="Text").fill("Olga's words")
    max_.get_by_role("textbox", name="Text").fill("Max's words")
    max_.get_by_role("button", name="Save", exact=True).click()
    expect(max_.get_by_text("Saved as version 2.")).to_be_visible()

    expect(olga.get_by_text("Someone just saved a new version of this file.")).to_be_visible()
    olga.keyboard.press("Control+s")
    expect(olga.get_by_role("alert")).to_contain_text("Version 2 was saved by Max Moderator")
    expect(olga.get_by_role("textbox", name="Your text")).to_have_value("Olga's words")
    expect(olga.get_by_role("textbox", name="Text of version 2")).to_have_value("Max's words")
    assert team["notes"].versions.count() == 2
    assert_clean(olga)
    assert_clean(max_)


def test_a_new_text_file_on_a_phone(open_page, team):
    page = person(open_page, team["moderator"], **PHONE)
    page.goto(f"/collabs/{team['collab'].pk}/files/new-text/")
    expect(page.get_by_role("heading", name="New text file")).to_be_visible()
    no_horizontal_overflow(page, 375)
    page.get_by_role("textbox", name="Name").fill("Agenda")
    page.get_by_role("textbox", name="Text").fill("# Agenda\n\n1. Budget\n")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Created Agenda.md.")).to_be_visible()
    expect(page.get_by_role("heading", name="Agenda.md")).to_be_visible()
    expect(page.get_by_role("textbox", name="Text")).to_have_value("# Agenda\n\n1. Budget\n")
    no_horizontal_overflow(page, 375)
    assert_clean(page)
