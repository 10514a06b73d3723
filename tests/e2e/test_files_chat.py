"""Files in the chat, in real browsers against the real server: sending from the paperclip
(with its progress bar), dropping on the chat, a second person seeing the file arrive live in
the chat and in the Files tab, an empty file refused before sending, and a guest on a phone.

Screenshots go to $FILES_SHOTS when it is set (a folder), for looking at them."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from apps.files.models import File

from .conftest import DESKTOP, PHONE, assert_clean, no_horizontal_overflow
from .test_chat import open_chat

# The same team (Olga owns the collab; Anna; Gleb, a guest) as the writing tests.
from .test_chat_writing import person as writing_person
from .test_chat_writing import team as writing_team

pytestmark = pytest.mark.e2e

team = writing_team  # the fixture, under its name here

TALL_PHONE = {**PHONE, "viewport": {"width": 375, "height": 812}}
SHOTS = os.environ.get("FILES_SHOTS", "")

# Records each upload progress bar as it appears, and whether it was on screen then: the
# upload of a small file ends too fast for an expectation to catch the bar.
_PROGRESS_WATCH = """
window.__progressSeen = [];
new MutationObserver(function (records) {
  records.forEach(function (r) {
    r.addedNodes.forEach(function (node) {
      if (!node.querySelector) return;
      var bar = node.querySelector("progress.upload-progress");
      if (bar) {
        var box = bar.getBoundingClientRect();
        var shown = box.width > 0 && box.height > 0;
        window.__progressSeen.push({label: bar.getAttribute("aria-label"), shown: shown});
      }
    });
  });
}).observe(document, {childList: true, subtree: true});
"""


def person(open_page, user, screen=DESKTOP) -> Page:
    """A signed-in page of `user` (test_chat_writing.person) that also records its upload
    progress bars."""
    page = writing_person(open_page, user, screen)
    page.add_init_script(_PROGRESS_WATCH)
    return page


def shot(page: Page, name: str) -> None:
    if SHOTS:
        width = page.viewport_size["width"]
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"))


def log(page: Page):
    return page.get_by_role("log", name="Messages")


def choose_files(page: Page, *files: dict) -> None:
    page.get_by_label("Attach or create").click()
    with page.expect_file_chooser() as chosen:
        page.get_by_role("menuitem", name="Upload files").click()
    chosen.value.set_files(list(files))


def files_tab(page: Page):
    tab = page.get_by_role("navigation", name="Sidebar tabs").get_by_role("link", name="Files")
    tab.click()
    expect(tab).to_have_attribute("aria-current", "true")
    return page.get_by_role("region", name="Files")


def test_a_file_from_the_paperclip_reaches_everyone_live(open_page, team):
    collab = team["collab"]
    anna = person(open_page, team["anna"])
    open_chat(anna, collab)
    anna_files = files_tab(anna)
    expect(anna_files).to_contain_text("No files yet")
    olga = person(open_page, team["owner"])
    open_chat(olga, collab)

    report = b"Quarterly report\n" * 200_000  # 3.4 MB
    choose_files(olga, {"name": "report.txt", "mimeType": "text/plain", "buffer": report})

    # Her own chat shows it, with its size and a download link.
    sent = log(olga).locator("article").filter(has_text="report.txt")
    expect(sent).to_be_visible()
    expect(sent).to_contain_text("3.2 MB")
    expect(sent.get_by_role("link", name="Download report.txt")).to_be_visible()
    seen = olga.evaluate("window.__progressSeen")
    assert seen and all(bar == {"label": "report.txt", "shown": True} for bar in seen)
    expect(olga.locator("#upload-tray")).to_have_count(0)  # gone once sent
    # Anna sees the message and the file in her Files tab, without a reload.
    expect(log(anna).locator("article").filter(has_text="report.txt")).to_be_visible()
    row = anna_files.get_by_role("listitem").filter(has_text="report.txt")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Olga Owner")
    file = File.objects.get()
    assert file.folder.name == "Chat uploads"
    shot(olga, "chat-file")
    shot(anna, "files-tab")
    assert_clean(olga)
    assert_clean(anna)


def test_files_dropped_on_the_chat_are_sent_and_an_empty_one_is_refused(open_page, team):
    collab = team["collab"]
    olga = person(open_page, team["owner"])
    open_chat(olga, collab)
    olga.evaluate(
        """() => {
        const chat = document.getElementById("chat");
        const data = new DataTransfer();
        data.items.add(new File(["one"], "first.txt", {type: "text/plain"}));
        data.items.add(new File([""], "empty.txt", {type: "text/plain"}));
        data.items.add(new File(["three"], "third.csv", {type: "text/csv"}));
        chat.dispatchEvent(new DragEvent("dragenter", {dataTransfer: data, bubbles: true}));
        if (!chat.classList.contains("is-dropping")) throw new Error("no drop hint");
        const drop = {dataTransfer: data, bubbles: true, cancelable: true};
        chat.dispatchEvent(new DragEvent("drop", drop));
    }"""
    )
    expect(log(olga).locator("article").filter(has_text="first.txt")).to_be_visible()
    expect(log(olga).locator("article").filter(has_text="third.csv")).to_be_visible()
    refused = olga.get_by_role("list", name="Files being sent").get_by_role("listitem")
    expect(refused).to_have_count(1)
    expect(refused.get_by_role("alert")).to_have_text(
        "“empty.txt” is empty: there is nothing to send."
    )
    refused.get_by_role("button", name="Dismiss").click()
    expect(olga.get_by_role("list", name="Files being sent")).to_have_count(0)
    assert sorted(File.objects.values_list("name", flat=True)) == ["first.txt", "third.csv"]
    assert_clean(olga)


def test_a_guest_sends_a_file_from_a_phone(open_page, team):
    collab = team["collab"]
    # Without the drawer's slide (as for people who ask for less motion): nothing moves under
    # the click.
    gleb = person(open_page, team["guest"], {**TALL_PHONE, "reduced_motion": "reduce"})
    open_chat(gleb, collab)
    choose_files(
        gleb,
        {
            "name": "contract-signed.pdf",
            "mimeType": "application/pdf",
            "buffer": b"%PDF-1.7\n" + b"x" * 5000,
        },
    )
    sent = log(gleb).locator("article").filter(has_text="contract-signed.pdf")
    expect(sent).to_be_visible()
    no_horizontal_overflow(gleb, 375)
    shot(gleb, "chat-file")
    # The drawer's Files tab lists it.
    gleb.get_by_role("button", name="About the collab").click()
    files = files_tab(gleb)
    expect(files.get_by_role("listitem").filter(has_text="contract-signed.pdf")).to_be_visible()
    no_horizontal_overflow(gleb, 375)
    shot(gleb, "files-tab")
    assert_clean(gleb)


def picture(name: str, size=(800, 600)) -> dict:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 90, 160)).save(buffer, "PNG")
    return {"name": name, "mimeType": "image/png", "buffer": buffer.getvalue()}


def test_a_picture_shows_as_a_thumbnail_everywhere_and_opens_in_the_viewer(open_page, team):
    collab = team["collab"]
    anna = person(open_page, team["anna"])
    open_chat(anna, collab)
    olga = person(open_page, team["owner"])
    open_chat(olga, collab)

    choose_files(olga, picture("site-map.png"))

    # The message shows the picture once its thumbnail is made (a background task), for her
    # and, live, for Anna.
    for page in (olga, anna):
        thumb = log(page).get_by_role("img", name="site-map.png")
        expect(thumb).to_be_visible()
        expect(thumb).to_have_attribute("src", re.compile(r"/thumbnail/\?version=1$"))
    assert olga.evaluate("window.__progressSeen")[0]["label"] == "site-map.png"
    # The viewer: the full picture on the page, Escape goes back.
    log(anna).get_by_role("link", name="Open site-map.png").click()
    viewer = anna.get_by_role("dialog", name="Picture")
    expect(viewer).to_be_visible()
    expect(viewer.get_by_role("img", name="site-map.png")).to_have_attribute(
        "src", re.compile(r"/download/\?version=1$")
    )
    shot(anna, "picture-viewer")
    anna.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    # The Files tab and the Files section have the same file, with its thumbnail.
    tab = files_tab(anna)
    expect(
        tab.get_by_role("listitem").filter(has_text="site-map.png").locator("img")
    ).to_be_visible()
    anna.goto(f"/collabs/{collab.pk}/files/folder/{File.objects.get().folder_id}/")
    listing = anna.locator("#files-listing")
    expect(listing.get_by_role("link", name="site-map.png")).to_be_visible()
    expect(listing.locator("img.file-thumb")).to_be_visible()
    shot(anna, "files-section")
    assert_clean(olga)
    assert_clean(anna)
