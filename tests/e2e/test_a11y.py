"""Accessibility: axe-core (bundled in axe-playwright-python, nothing fetched at run time)
audits the pages a person spends their time on, in English and in Russian, on a desktop
screen. A violation of impact "serious" or "critical" fails the test, listed with its rule,
the elements it found and axe's help.

Every audited page is also saved as a screenshot for a person to look at (A11Y_SHOTS_DIR,
default var/shots/); nothing here depends on them."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.chat import services as chat
from apps.collabs import services
from apps.invitations import services as invitations
from tests.conftest import make_user

from .conftest import assert_clean, sign_in_by_cookie

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent.parent
SHOTS = Path(os.environ.get("A11Y_SHOTS_DIR", ROOT / "var" / "shots"))
BLOCKING = {"serious", "critical"}
_axe = Axe()


def save_shot(page: Page, name: str) -> None:
    """A full-page screenshot for a person to look at; a failure to write it fails nothing."""
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    except Exception as exc:  # the screenshots are a by-product
        print(f"screenshot {name} not saved: {exc}")


def blocking_violations(page: Page) -> list[dict]:
    results = _axe.run(page)
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"]:
            targets = ", ".join(map(str, node["target"]))
            lines.append(f"    {targets}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


def set_language_cookie(page: Page, language: str) -> None:
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": page._e2e_base}]
    )


@pytest.fixture
def world(transactional_db):
    """A collab with an owner, an employee, a guest whose access ends, a pending invitation,
    an invitation link and a few messages."""
    owner = make_user("olga@example.com", "Olga Owner", timezone="Europe/Moscow")
    colleague = make_user("ivan@example.com", "Ivan Colleague")
    guest = make_user("gleb@agency.example", "Gleb Guest", kind=User.Kind.GUEST)
    collab = services.create_collab(owner, name="Annual report", description="Numbers and words")
    services.add_member(collab, owner, colleague)
    services.add_member(collab, owner, guest)
    services.set_guest_expiry(collab, owner, guest, timezone.now() + timedelta(days=40))
    invitations.invite_by_email(collab, owner, "petr@agency.example", name="Petr Partner")
    invitations.create_link(collab, owner, days=14, max_uses=10)
    chat.send_message(collab, owner, "Welcome, **everyone**: the draft is in the files.")
    chat.send_message(collab, colleague, "@Olga Owner thanks, I will read it tonight.")
    return {"owner": owner, "collab": collab}


def audit(page: Page, name: str) -> None:
    save_shot(page, name)
    violations = blocking_violations(page)
    assert not violations, f"axe found on {page.url}:\n{describe(violations)}"
    assert_clean(page)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_sign_in_page(open_page, transactional_db, language):
    page = open_page(locale="ru-RU" if language == "ru" else "en-US")
    set_language_cookie(page, language)
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    audit(page, f"a11y-sign-in-{language}")


PAGES = {
    "collab-list": lambda collab: "/collabs/",
    "members": lambda collab: f"/collabs/{collab.pk}/members/",
    "settings": lambda collab: f"/collabs/{collab.pk}/settings/",
    "profile": lambda collab: "/me/",
    "chat": lambda collab: f"/collabs/{collab.pk}/",
}


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("name", list(PAGES))
def test_signed_in_pages(open_page, world, name, language):
    owner, collab = world["owner"], world["collab"]
    owner.language = language
    owner.save(update_fields=["language"])
    page = open_page()
    sign_in_by_cookie(page, owner)
    page.goto(PAGES[name](collab))
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.wait_for_load_state("networkidle")
    audit(page, f"a11y-{name}-{language}")


ACCOUNT_PAGES = ["password-reset", "password-reset-key", "change-password", "email"]


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_account_pages(open_page, transactional_db, name, language):
    """allauth's other pages, drawn by our elements (templates/allauth/elements/)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = make_user("olga@example.com", "Olga Owner", language=language)
    page = open_page()
    set_language_cookie(page, language)
    if name in ("change-password", "email"):
        sign_in_by_cookie(page, user)
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    page.goto(
        {
            "password-reset": "/accounts/password/reset/",
            "password-reset-key": f"/accounts/password/reset/key/{key}/",
            "change-password": "/accounts/password/change/",
            "email": "/accounts/email/",
        }[name]
    )
    expect(page.locator("main.auth-page form.auth-form")).to_be_visible()
    audit(page, f"a11y-account-{name}-{language}")


@pytest.mark.parametrize("name", ["sign-in", "members", "settings", "profile"])
def test_dark_theme_pages(open_page, world, name):
    """The dark theme (prefers-color-scheme) passes the same audit, contrast included."""
    owner, collab = world["owner"], world["collab"]
    page = open_page(color_scheme="dark")
    if name == "sign-in":
        page.goto("/accounts/login/")
    else:
        sign_in_by_cookie(page, owner)
        page.goto(PAGES[name](collab))
    page.wait_for_load_state("networkidle")
    audit(page, f"a11y-dark-{name}")


CALENDAR_PAGES = ["meeting", "new-meeting", "links", "book", "booking", "answer"]


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("name", CALENDAR_PAGES)
def test_calendar_pages(open_page, world, name, language):
    """The meeting's pages and the pages people open from links (booking, their booking, the
    invitation's answer), signed in or not."""
    from apps.calendar import availability, booking
    from apps.calendar import services as meetings

    owner, collab = world["owner"], world["collab"]
    owner.language = language
    owner.save(update_fields=["language"])
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    meeting = meetings.create_meeting(
        collab, owner, title="Design review", start=start, end=start + timedelta(hours=1),
        emails=["client@agency.example"], location="Room 2",
    )  # fmt: skip
    availability.set_weekly(owner, "UTC", [[["00:00", "23:59"]]] * 7)
    slot_link = booking.create_link(collab, owner, title="Intro call", min_notice=1)
    made = booking.book(
        slot_link.token, booking.offered(slot_link)[0].start, name="Vera Visitor",
        email="vera@agency.example", zone="Europe/Berlin",
    )  # fmt: skip
    answer = meeting.attendees.get(email="client@agency.example").token
    page = open_page()
    set_language_cookie(page, language)
    if name in ("meeting", "new-meeting", "links"):
        sign_in_by_cookie(page, owner)
    page.goto(
        {
            "meeting": f"/collabs/{collab.pk}/calendar/{meeting.pk}/",
            "new-meeting": f"/collabs/{collab.pk}/calendar/new/",
            "links": f"/collabs/{collab.pk}/calendar/links/",
            "book": f"/calendar/book/{slot_link.token}/?tz=Europe/Berlin",
            "booking": f"/calendar/booking/{made.token}/?tz=Europe/Berlin",
            "answer": f"/calendar/answer/{answer}/",
        }[name]
    )
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.wait_for_load_state("networkidle")
    audit(page, f"a11y-calendar-{name}-{language}")
