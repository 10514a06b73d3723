"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's
live server.

- `browser`: one Chromium for the whole session (starting it is the slow part).
- `open_page`: a factory of fresh browser contexts (separate cookies, so separate people);
  a test may open several. Every page it makes is watched: a console error, an uncaught
  exception or a Content-Security-Policy violation fails the test at teardown (and
  `assert_clean(page)` checks on the spot). The CSP forbids inline scripts and styles, so a
  template that slips one in shows up here.
- `sign_in(page, user)`: through the real allauth login form, as a person would.

Run: `.venv/bin/python -m pytest tests/e2e -q` (Chromium at /usr/bin/chromium; never
`playwright install`).
"""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

from tests.conftest import PASSWORD

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 375, "height": 667},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

# Playwright waits up to this long for an expectation; the live server answers in milliseconds.
expect.set_options(timeout=10_000)

# Chromium reports a CSP violation as a console error; this also catches violations that
# happen without one (e.g. in an event handler) by re-reporting the DOM event. Init scripts
# are injected by the browser itself, outside the page's CSP.
_CSP_WATCH = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
}, true);
"""


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps its event loop registered as running in the test's thread
    while it waits on the browser, so Django's guard against the ORM inside an event loop fires
    when a test sets up data between two browser steps. Nothing here runs ORM code
    concurrently. Only for the browser tests (they run last), so the guard stays on for the
    consumer tests."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class PageProblems:
    """What went wrong in the browser while a page was open."""

    errors: list[str] = field(default_factory=list)
    # Patterns of console errors the test expects (e.g. the 404 status of a page it wants).
    allowed: list[re.Pattern] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


def _watch(page: Page) -> PageProblems:
    problems = PageProblems()

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            source = (msg.location or {}).get("url", "")
            problems.errors.append(f"console error on {page.url}: {msg.text} ({source})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.errors.append(f"uncaught {exc!r} on {page.url}"))
    return problems


def problems_of(page: Page) -> PageProblems:
    return page._e2e_problems  # set by open_page


def assert_clean(page: Page) -> None:
    """No console error, uncaught exception or CSP violation so far on this page."""
    unexpected = problems_of(page).unexpected()
    assert not unexpected, "\n".join(unexpected)


def pytest_collection_modifyitems(config, items):
    """Run the browser tests after all others. From the moment the session's browser starts,
    Playwright's event loop stays registered as running in the main thread, so an async test
    (Channels consumers, pytest-asyncio) that came after it would fail with "Runner.run()
    cannot be called from a running event loop"."""
    browser_tests = [item for item in items if item.path.resolve().is_relative_to(HERE)]
    if browser_tests:
        others = [item for item in items if not item.path.resolve().is_relative_to(HERE)]
        items[:] = others + browser_tests


@pytest.fixture(autouse=True)
def _real_password_hashing(settings):
    """The server process checks passwords with the real hashers, so the users made here
    must have real hashes (the rest of the suite uses a fast one)."""
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _database_url(settings_dict: dict) -> str:
    """The test database, as the server process must reach it."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def sms_outbox(tmp_path_factory) -> Path:
    """Where the live server's file backend writes its text messages."""
    return tmp_path_factory.mktemp("sms")


@pytest.fixture(scope="session")
def live_media_root(tmp_path_factory) -> Path:
    """The live server's MEDIA_ROOT: a test that makes files in its own process (services.
    upload) points its settings.MEDIA_ROOT here, so the server finds their blobs."""
    return tmp_path_factory.mktemp("live-media")


@pytest.fixture(scope="session")
def live_url(
    django_db_setup, tmp_path_factory, smtp_server, sms_outbox, live_media_root
) -> Iterator[str]:
    """The real server, as in production: Daphne serving HTTP and WebSockets, in a process of
    its own, on the test database. (pytest-django's live_server speaks only WSGI.)

    Live events stay inside that process on the in-memory layer, so browser tests act through
    the browsers; with REDIS_URL set (CI's second run) they cross processes as in production."""
    from django.conf import settings as django_settings
    from django.db import connection

    port = _free_port()
    folder = tmp_path_factory.mktemp("daphne")
    log_path = folder / "daphne.log"
    # Production settings (DEBUG off: real error pages, collected static files), less HTTPS,
    # which a local test server does not have.
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "DEBUG": "0",
        # The tests' own key: a session made here (sign_in_by_cookie) is valid there.
        "SECRET_KEY": django_settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(live_media_root),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SMS_FILE_PATH": str(sms_outbox),
        # Background tasks run inside the server, right after each commit: the browser tests
        # see an invitation sent as the page answers (the worker is tested on its own).
        "TASKS_BACKEND": "immediate",
        # Mail goes over SMTP to the tests' server, where a test reads it.
        **smtp_server.settings_env(),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        cwd=HERE.parent.parent,
        check=True,
    )
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "collabhub.asgi:application",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=HERE.parent.parent,
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
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture
def open_page(browser: Browser, live_url, transactional_db) -> Iterator[Callable[..., Page]]:
    """open_page(**context_options) -> a page in a new context (its own cookies) whose base URL
    is the live server. Defaults to the desktop size and English; pass PHONE for a phone."""
    contexts: list[BrowserContext] = []
    pages: list[Page] = []

    def _open(**options) -> Page:
        options = {**DESKTOP, "locale": "en-US", **options}
        context = browser.new_context(base_url=live_url, **options)
        context.set_default_timeout(10_000)
        context.add_init_script(_CSP_WATCH)
        contexts.append(context)
        page = context.new_page()
        page._e2e_problems = _watch(page)
        page._e2e_base = live_url
        pages.append(page)
        return page

    yield _open

    unexpected = [line for page in pages for line in problems_of(page).unexpected()]
    for context in contexts:
        context.close()
    if unexpected:
        pytest.fail("The browser reported problems:\n" + "\n".join(unexpected), pytrace=False)


@pytest.fixture
def page(open_page) -> Page:
    """One desktop page, for tests with one person."""
    return open_page()


def sign_in(page: Page, user, password: str = PASSWORD) -> None:
    """Sign in through the login form and land on "My collabs"."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/collabs/$"))
    expect(page.get_by_role("heading", level=1, name="My collabs")).to_be_visible()


def no_horizontal_overflow(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide on a {width}px screen"


def sign_in_by_cookie(page: Page, user) -> None:
    """Sign in without the login form (for tests where signing in is not what is tested): a
    session made in the shared test database, recorded as the form's would be, handed to the
    browser as its cookie."""
    from django.conf import settings
    from django.test import Client

    from apps.accounts.services import remember_session

    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    session = client.session
    remember_session(user, session)
    session.save()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": page._e2e_base,  # the live server (open_page)
            }
        ]
    )
