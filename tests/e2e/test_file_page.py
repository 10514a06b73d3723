"""A file's page in a real browser: an image shows in the viewer and zooms; the placeholder
gives way to the picture when the preview is made (the live event); a PDF's first page is
drawn by pdf.js in its worker with the CSP kept strict (no eval); the page fits a phone.

Files are stored where the server process reads them (its MEDIA_ROOT: live_media_root), and
their previews are made here, as the worker would."""

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from apps.collabs import services as collabs
from apps.files import previews, services
from tests.conftest import make_user
from tests.files.conftest import upload_of

from .conftest import PHONE, assert_clean, no_horizontal_overflow, sign_in_by_cookie

pytestmark = pytest.mark.e2e

# Screenshots for a person to look at, when E2E_SHOTS names a folder.
SHOTS = os.environ.get("E2E_SHOTS")


def picture(fmt: str, size=(900, 600)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 60, 200), (size[0] // 2, 0, size[0], size[1]))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


@pytest.fixture
def team(transactional_db, live_url, live_media_root, settings, monkeypatch):
    # Where the server reads the files (tests/e2e/conftest.py: live_url).
    settings.MEDIA_ROOT = live_media_root
    owner = make_user("olga@example.com", "Olga Owner")
    member = make_user("mark@example.com", "Mark Member")
    collab = collabs.create_collab(owner, name="Website redesign")
    collabs.add_member(collab, owner, member)
    return {"owner": owner, "member": member, "collab": collab}


def open_file(open_page, user, collab, file, **options) -> Page:
    page = open_page(**options)
    sign_in_by_cookie(page, user)
    page.goto(f"/collabs/{collab.pk}/files/{file.pk}/")
    return page


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def test_an_image_shows_in_the_viewer_and_zooms(open_page, team):
    collab = team["collab"]
    file = services.upload(collab, team["owner"], upload_of("poster.png", picture("PNG")))
    page = open_file(open_page, team["member"], collab, file)
    viewer = page.locator("#file-viewer")
    image = viewer.get_by_role("img", name="poster.png")
    expect(image).to_be_visible()
    page.wait_for_function("document.querySelector('#file-viewer img').naturalWidth === 900")
    box = image.bounding_box()
    assert box["width"] <= viewer.bounding_box()["width"]  # fitted to the panel
    shot(page, "image-desktop")
    zoom = viewer.get_by_role("link", name="Zoom in")
    zoom.click()
    expect(viewer.get_by_role("link", name="Fit to the panel")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert page.url.endswith(f"/files/{file.pk}/")  # the link did not navigate
    page.keyboard.press("Escape")
    expect(viewer.get_by_role("link", name="Zoom in")).to_be_visible()
    expect(page.get_by_role("link", name="Download", exact=True)).to_be_visible()
    expect(page.get_by_text("Version 1")).to_be_visible()
    assert_clean(page)


def test_the_placeholder_gives_way_to_the_picture(open_page, team, monkeypatch):
    collab = team["collab"]
    # The upload's task lost on its way to the queue: the preview is still pending.
    monkeypatch.setattr(services, "after_commit", lambda *args: None)
    file = services.upload(collab, team["owner"], upload_of("late.jpg", picture("JPEG")))
    page = open_file(open_page, team["member"], collab, file)
    expect(page.get_by_text("The preview is being made…")).to_be_visible()
    previews.make_preview(file.current_version.pk)
    # The live event (sent by the worker's process; here the test's) as the page hears it.
    page.evaluate(
        "id => document.dispatchEvent(new CustomEvent('collab:event',"
        " {detail: {type: 'files', action: 'preview', file: id}}))",
        file.pk,
    )
    expect(page.locator("#file-viewer").get_by_role("img", name="late.jpg")).to_be_visible()
    expect(page.get_by_text("The preview is being made…")).to_have_count(0)
    assert_clean(page)


def test_a_pdf_is_drawn_by_pdfjs_without_csp_violations(open_page, team):
    collab = team["collab"]
    two_pages = io.BytesIO()
    first = Image.new("RGB", (600, 800), (200, 30, 30))
    second = Image.new("RGB", (600, 800), (30, 160, 60))
    first.save(two_pages, "PDF", save_all=True, append_images=[second])
    file = services.upload(collab, team["owner"], upload_of("brief.pdf", two_pages.getvalue()))
    page = open_file(open_page, team["member"], collab, file)
    canvas = page.get_by_role("img", name="First page of brief.pdf")
    expect(canvas).to_be_visible()
    expect(canvas).to_have_attribute("data-rendered", "1")
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    # The page is drawn: red in the middle of the canvas.
    pixel = page.evaluate(
        "() => { const c = document.querySelector('[data-pdf-canvas]');"
        " const data = c.getContext('2d').getImageData(c.width / 2, c.height / 2, 1, 1).data;"
        " return Array.from(data); }"
    )
    assert pixel[0] > 150 and pixel[1] < 80, pixel
    shot(page, "pdf-desktop")
    page.get_by_role("button", name="Next page").click()
    expect(canvas).to_have_attribute("data-rendered", "2")
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    # Without the JS fallback link in sight.
    expect(page.get_by_role("link", name="Open the PDF")).to_be_hidden()
    assert_clean(page)


def test_the_file_page_on_a_phone(open_page, team):
    collab = team["collab"]
    file = services.upload(
        collab,
        team["owner"],
        upload_of(
            "a-long-name-of-a-poster-for-the-spring-campaign.png", picture("PNG", (1600, 900))
        ),
    )
    services.new_version(
        collab, team["owner"], file.pk, upload_of("p.png", picture("PNG", (1600, 900)))
    )
    page = open_file(open_page, team["member"], collab, file, **PHONE)
    viewer = page.locator("#file-viewer")
    expect(viewer.get_by_role("img")).to_be_visible()
    no_horizontal_overflow(page, 375)
    assert viewer.get_by_role("img").bounding_box()["width"] <= 375
    expect(page.get_by_role("link", name="Download", exact=True)).to_be_visible()
    shot(page, "image-phone")
    page.get_by_text("Version 1").scroll_into_view_if_needed()
    shot(page, "versions-phone")
    assert_clean(page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_file_pages_pass_the_accessibility_audit(open_page, team, scheme):
    from .test_a11y import blocking_violations, describe

    collab = team["collab"]
    files = [
        services.upload(collab, team["owner"], upload_of("poster.png", picture("PNG"))),
        services.upload(collab, team["owner"], upload_of("notes.txt", b"Some notes")),
    ]
    page = open_page(color_scheme=scheme)
    sign_in_by_cookie(page, team["member"])
    for file in files:
        page.goto(f"/collabs/{collab.pk}/files/{file.pk}/")
        page.wait_for_load_state("networkidle")
        shot(page, f"{file.name}-{scheme}")
        violations = blocking_violations(page)
        assert not violations, f"axe found on {page.url}:\n{describe(violations)}"
    assert_clean(page)
