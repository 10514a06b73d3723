"""The Files section in a browser: an employee finds it from the collab's header, makes a
folder, uploads a file through the plain form, renames it, deletes it and restores it from
the trash; on a phone, a guest uploads and switches to the grid. Both pages pass axe."""

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.collabs import services
from tests.conftest import make_user

from .conftest import PHONE, assert_clean, no_horizontal_overflow, sign_in_by_cookie

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent.parent
SHOTS = Path(os.environ.get("A11Y_SHOTS_DIR", ROOT / "var" / "shots"))
_axe = Axe()


def shot(page: Page, name: str) -> None:
    """A screenshot for a person to look at; nothing depends on it."""
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"files-{name}.png"), full_page=True)
    except Exception as exc:  # a by-product
        print(f"screenshot {name} not saved: {exc}")


def assert_accessible(page: Page) -> None:
    results = _axe.run(page)
    violations = [
        v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}
    ]
    assert not violations, "\n".join(
        f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']]}" for v in violations
    )


def a_file(name: str, content: bytes = b"Hello, files.") -> dict:
    return {"name": name, "mimeType": "text/plain", "buffer": content}


@pytest.fixture
def team(transactional_db, settings, live_media_root):
    # Files made here are stored where the server reads them.
    settings.MEDIA_ROOT = live_media_root
    owner = make_user("olga@example.com", "Olga Owner")
    guest = make_user("gleb@agency.example", "Gleb Guest", kind=User.Kind.GUEST)
    collab = services.create_collab(owner, name="Annual report")
    services.add_member(collab, owner, guest)
    return {"owner": owner, "guest": guest, "collab": collab}


def row(page: Page, name: str):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def test_an_employee_manages_files_from_the_section(page: Page, team):
    collab = team["collab"]
    sign_in_by_cookie(page, team["owner"])
    page.goto(f"/collabs/{collab.pk}/")
    page.locator(".collab-actions").get_by_role("link", name="Files").click()
    expect(page).to_have_url(re.compile(rf"/collabs/{collab.pk}/files/$"))
    expect(page.get_by_role("heading", level=2, name="Files")).to_be_visible()
    expect(page.get_by_text("No files yet — upload one or send one in the chat.")).to_be_visible()
    assert_accessible(page)
    shot(page, "empty")

    # A new folder: the page goes into it, with breadcrumbs.
    page.get_by_label("Name of the new folder").fill("Drafts")
    page.get_by_role("button", name="New folder").click()
    expect(page.get_by_role("heading", level=2, name="Drafts")).to_be_visible()
    crumbs = page.get_by_role("navigation", name="Breadcrumbs")
    expect(crumbs.get_by_role("link", name="Files")).to_be_visible()
    expect(crumbs.locator("[aria-current=page]")).to_have_text("Drafts")

    # Upload through the form (the uploader sends it with a progress bar; the listing loads
    # again when it is in).
    page.get_by_label("Upload files to “Drafts”").set_input_files(a_file("chapter one.txt"))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(row(page, "chapter one.txt")).to_be_visible()
    expect(row(page, "chapter one.txt")).to_contain_text("13 bytes")
    expect(row(page, "chapter one.txt")).to_contain_text("Olga")
    assert_accessible(page)
    shot(page, "folder")

    # Rename through its menu.
    page.locator("#files-listing").get_by_label("Actions for chapter one.txt").click()
    shot(page, "menu")
    page.get_by_role("menuitem", name="Rename").click()
    shot(page, "rename")
    page.get_by_label("Name").fill("Chapter 1.txt")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", level=2, name="Drafts")).to_be_visible()
    expect(row(page, "Chapter 1.txt")).to_be_visible()
    expect(row(page, "chapter one.txt")).to_have_count(0)

    # Delete: asked first, then to the trash.
    page.locator("#files-listing").get_by_label("Actions for Chapter 1.txt").click()
    page.get_by_role("menuitem", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete “Chapter 1.txt”")).to_be_visible()
    page.get_by_role("button", name="Move to the trash").click()
    expect(page.get_by_text("This folder is empty.")).to_be_visible()

    # Restore from the trash.
    page.get_by_role("link", name="Trash").click()
    expect(page.get_by_role("heading", level=2, name="Trash")).to_be_visible()
    expect(page.get_by_text("Deleted by Olga Owner")).to_be_visible()
    assert_accessible(page)
    shot(page, "trash")
    page.get_by_role("button", name="Restore Chapter 1.txt").click()
    expect(page.get_by_text("“Chapter 1.txt” is restored to Drafts.")).to_be_visible()
    expect(page.get_by_text("The trash is empty.")).to_be_visible()
    page.get_by_role("link", name="Files", exact=True).first.click()
    page.get_by_role("link", name="Folder: Drafts").click()
    expect(row(page, "Chapter 1.txt")).to_be_visible()

    # The grid, remembered on the next visit.
    page.get_by_role("link", name="Grid view").click()
    expect(page.locator(".files-grid .file-card")).to_have_count(1)
    page.goto(f"/collabs/{collab.pk}/files/")
    expect(page.locator(".files-grid")).to_be_visible()
    assert_accessible(page)
    shot(page, "grid")
    assert_clean(page)


def test_a_guest_uploads_and_browses_on_a_phone(open_page, team):
    collab = team["collab"]
    page = open_page(**PHONE)
    sign_in_by_cookie(page, team["guest"])
    page.goto(f"/collabs/{collab.pk}/files/")
    expect(page.get_by_role("heading", level=2, name="Files")).to_be_visible()
    # A guest may upload but not delete: no trash.
    expect(page.get_by_role("link", name="Trash")).to_have_count(0)
    page.get_by_label("Upload files").set_input_files(
        [a_file("a very long file name for a small screen indeed.txt"), a_file("b.txt", b"bb")]
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(row(page, "a very long file name for a small screen indeed.txt")).to_be_visible()
    expect(row(page, "b.txt")).to_be_visible()
    no_horizontal_overflow(page, 375)
    shot(page, "phone-list")

    # Sorting from the sort bar (the table's date and uploader columns step aside).
    page.get_by_role("navigation", name="Sort").get_by_role("link", name="Sort by name").click()
    names = page.locator(".files-table .file-name")
    expect(names.first).to_have_text("a very long file name for a small screen indeed.txt")
    page.get_by_role("link", name="Name, sorted ascending: sort descending").first.click()
    expect(names.first).to_have_text("b.txt")

    # The grid: two columns.
    page.get_by_role("link", name="Grid view").click()
    cards = page.locator(".files-grid .file-card")
    expect(cards).to_have_count(2)
    first, second = (cards.nth(i).bounding_box() for i in range(2))
    assert first["y"] == second["y"] and first["x"] < second["x"]
    no_horizontal_overflow(page, 375)
    page.locator("#files-listing").get_by_label("Actions for b.txt").click()
    expect(page.get_by_role("menuitem", name="Download")).to_be_visible()
    expect(page.get_by_role("menuitem", name="Rename")).to_have_count(0)
    shot(page, "phone-grid")
    assert_clean(page)


def test_the_section_in_the_dark(open_page, team):
    from apps.files.services import upload
    from tests.conftest import png

    collab = team["collab"]
    upload(collab, team["owner"], png("photo.png"))
    page = open_page(color_scheme="dark")
    sign_in_by_cookie(page, team["owner"])
    page.goto(f"/collabs/{collab.pk}/files/")
    expect(row(page, "photo.png")).to_be_visible()
    assert_accessible(page)
    shot(page, "dark")


def test_without_javascript_the_form_uploads_and_says_so(open_page, team):
    collab = team["collab"]
    page = open_page(java_script_enabled=False)
    sign_in_by_cookie(page, team["owner"])
    page.goto(f"/collabs/{collab.pk}/files/")
    page.get_by_label("Upload files").set_input_files(a_file("plain.txt"))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="“plain.txt” is uploaded.")).to_be_visible()
    expect(row(page, "plain.txt")).to_be_visible()


def test_files_dropped_on_the_section_go_into_its_folder_and_others_see_them(open_page, team):
    from apps.files.models import File, Folder
    from apps.files.services import create_folder

    collab, owner = team["collab"], team["owner"]
    folder = create_folder(collab, owner, "Scans")
    olga = open_page()
    sign_in_by_cookie(olga, owner)
    olga.goto(f"/collabs/{collab.pk}/files/folder/{folder.pk}/")
    expect(olga.get_by_text("This folder is empty.")).to_be_visible()
    gleb = open_page()
    sign_in_by_cookie(gleb, team["guest"])
    gleb.goto(f"/collabs/{collab.pk}/files/folder/{folder.pk}/")
    gleb.wait_for_function("() => window.collabLive && window.collabLive.isOpen()")
    olga.evaluate(
        """() => {
        const zone = document.querySelector(".files-section");
        const data = new DataTransfer();
        data.items.add(new File(["scan"], "scan-01.txt", {type: "text/plain"}));
        zone.dispatchEvent(new DragEvent("dragenter", {dataTransfer: data, bubbles: true}));
        const drop = {dataTransfer: data, bubbles: true, cancelable: true};
        zone.dispatchEvent(new DragEvent("drop", drop));
    }"""
    )
    expect(row(olga, "scan-01.txt")).to_be_visible()
    # The guest's open page shows it too, without a reload.
    expect(row(gleb, "scan-01.txt")).to_be_visible()
    assert File.objects.get().folder == Folder.objects.get(pk=folder.pk)
    assert_clean(olga)
    assert_clean(gleb)
