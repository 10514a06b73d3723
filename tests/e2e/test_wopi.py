"""Online editing in a browser, with a tiny fake office server run by the test: the host page
posts the token into its iframe, the fake editor calls the portal back (CheckFileInfo, Lock,
PutFile, Unlock) and shows what it got; the page's CSP lets exactly that through.

The portal runs in a Daphne process of its own here (the session's live server knows no office
server), configured with the fake one's discovery URL."""

import html
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.files import services
from apps.files.models import FileVersion
from tests.e2e.conftest import (
    _CSP_WATCH,
    DESKTOP,
    PHONE,
    _database_url,
    _free_port,
    _watch,
    assert_clean,
    no_horizontal_overflow,
    sign_in_by_cookie,
)
from tests.files.conftest import upload_of

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent.parent
DOCX = b"PK\x03\x04" + b"docx" * 50
DAPHNE = [sys.executable, "-m", "daphne", "-b", "127.0.0.1"]
SCREENSHOTS = os.environ.get("WOPI_SCREENSHOTS")  # a folder: save the pages' pictures there


class FakeOffice:
    """Discovery (no proof keys: the token is the credential) and an "editor" that, when the
    host page posts the token to it, calls the portal back and shows the result."""

    def __init__(self) -> None:
        office = self
        self.calls: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                xml = (
                    '<wopi-discovery><net-zone name="external-http"><app name="writer">'
                    f'<action ext="docx" name="edit" urlsrc="{office.url}/edit?"/>'
                    "</app></net-zone></wopi-discovery>"
                ).encode()
                self._answer(200, "text/xml", xml)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                page = office.edit(query["WOPISrc"][0], form["access_token"][0])
                self._answer(200, "text/html; charset=utf-8", page.encode())

            def _answer(self, status, content_type, data):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def call(self, url: str, token: str, method="GET", data=None, **headers):
        full = f"{url}?access_token={urllib.parse.quote(token)}"
        request = urllib.request.Request(full, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            self.calls.append(headers.get("X-WOPI-Override", method))
            return response.read()

    def edit(self, wopi_src: str, token: str) -> str:
        info = json.loads(self.call(wopi_src, token))
        self.call(wopi_src, token, "POST", b"", **{"X-WOPI-Override": "LOCK", "X-WOPI-Lock": "L1"})
        self.call(
            wopi_src + "/contents",
            token,
            "POST",
            DOCX + b" saved",
            **{"X-WOPI-Override": "PUT", "X-WOPI-Lock": "L1"},
        )
        self.call(
            wopi_src, token, "POST", b"", **{"X-WOPI-Override": "UNLOCK", "X-WOPI-Lock": "L1"}
        )
        return (
            "<!doctype html><title>Fake office</title><h1>Fake office</h1>"
            f"<p>Editing {html.escape(info['BaseFileName'])} "
            f"as {html.escape(info['UserFriendlyName'])}; saved.</p>"
        )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def office():
    fake = FakeOffice()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def portal(django_db_setup, tmp_path_factory, office):
    """The portal in Daphne, with the fake office server configured."""
    from django.conf import settings as django_settings
    from django.db import connection

    port = _free_port()
    folder = tmp_path_factory.mktemp("wopi-daphne")
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "DEBUG": "0",
        "SECRET_KEY": django_settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(folder / "media"),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "SITE_URL": url,
        "TASKS_BACKEND": "immediate",
        "WOPI_DISCOVERY_URL": f"{office.url}/hosting/discovery",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    log_path = folder / "daphne.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*DAPHNE, "-p", str(port), "collabhub.asgi:application"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("Daphne did not start:\n" + log_path.read_text(), pytrace=False)
            time.sleep(0.1)
    yield {"url": url, "media": folder / "media"}
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


def open_portal_page(browser, portal, **options):
    context = browser.new_context(
        base_url=portal["url"], **{**DESKTOP, "locale": "en-US", **options}
    )
    context.set_default_timeout(10_000)
    context.add_init_script(_CSP_WATCH)
    page = context.new_page()
    page._e2e_problems = _watch(page)
    page._e2e_base = portal["url"]
    return context, page


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_editor_opens_in_the_page_and_saves_a_version(
    browser, portal, office, transactional_db, settings, collab, member, size
):
    settings.MEDIA_ROOT = portal["media"]
    doc = services.upload(collab, member, upload_of("Report.docx", DOCX))
    context, page = open_portal_page(browser, portal, **(PHONE if size == "phone" else {}))
    try:
        sign_in_by_cookie(page, member)
        page.goto(f"/collabs/{collab.pk}/files/{doc.pk}/edit-online/")
        expect(page.get_by_role("heading", name="Report.docx")).to_be_visible()
        editor = page.frame_locator("iframe[name=wopi-editor]")
        expect(editor.get_by_text("Editing Report.docx as Marina Member; saved.")).to_be_visible()
        # The fallback button is for browsers without JavaScript.
        expect(page.get_by_role("button", name="Open the editor")).to_be_hidden()
        expect(page.get_by_title("Editor of “Report.docx”")).to_be_visible()
        assert_clean(page)
        if size == "phone":
            no_horizontal_overflow(page, 375)
        if SCREENSHOTS:
            page.screenshot(path=f"{SCREENSHOTS}/wopi-host-{size}.png")
    finally:
        context.close()
    latest = FileVersion.objects.filter(file=doc).order_by("-number").first()
    assert latest.number == 2 and latest.uploaded_by == member
    assert office.calls[-4:] == ["GET", "LOCK", "PUT", "UNLOCK"]


def test_an_outsider_gets_404_and_no_editor(
    browser, portal, transactional_db, collab, member, outsider, settings
):
    settings.MEDIA_ROOT = portal["media"]
    doc = services.upload(collab, member, upload_of("Report.docx", DOCX))
    context, page = open_portal_page(browser, portal)
    try:
        page._e2e_problems.allow("404")
        sign_in_by_cookie(page, outsider)
        response = page.goto(f"/collabs/{collab.pk}/files/{doc.pk}/edit-online/")
        assert response.status == 404
        expect(page.locator("iframe")).to_have_count(0)
    finally:
        context.close()


def test_a_type_the_office_server_does_not_open_gets_a_clear_page(
    browser, portal, transactional_db, collab, member, settings
):
    settings.MEDIA_ROOT = portal["media"]
    notes = services.upload(collab, member, upload_of("notes.txt", b"hello"))
    context, page = open_portal_page(browser, portal, **PHONE)
    try:
        page._e2e_problems.allow("404")
        sign_in_by_cookie(page, member)
        response = page.goto(f"/collabs/{collab.pk}/files/{notes.pk}/edit-online/")
        assert response.status == 404
        expect(page.get_by_text("Files of this type cannot be opened online.")).to_be_visible()
        expect(page.get_by_role("link", name="Download")).to_be_visible()
        no_horizontal_overflow(page, 375)
        if SCREENSHOTS:
            page.screenshot(path=f"{SCREENSHOTS}/wopi-unavailable-phone.png")
    finally:
        context.close()
