"""Signing in, the closed signup, the failed-login limit, password reset, the profile, the
language switcher and the user's time zone."""

import zoneinfo

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from apps.accounts.middleware import UserPreferencesMiddleware
from apps.accounts.models import User
from apps.accounts.services import deactivate_user
from tests.conftest import PASSWORD, make_user

LOGIN_URL = "/accounts/login/"
SIGNUP_URL = "/accounts/signup/"
RESET_URL = "/accounts/password/reset/"
COLLABS_URL = "/collabs/"
LANGUAGE_URL = "/me/language/"
PROFILE_URL = "/me/"
TOO_MANY = "Too many failed login attempts"


@pytest.fixture(autouse=True)
def _english():
    # Translations activated by one test's middleware must not leak into the next.
    with translation.override("en"):
        yield
    timezone.deactivate()


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def login(client: Client, email: str, password: str = PASSWORD):
    return client.post(LOGIN_URL, {"login": email, "password": password})


# Signing in.


def test_login_page_has_email_and_password_fields(client, db):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.fields) >= {"login", "password"}


def test_login_by_email(client, member):
    response = login(client, member.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("collabs:list")
    assert signed_in(client)
    assert client.session["_auth_user_id"] == str(member.pk)
    assert client.get(COLLABS_URL).status_code == 200


def test_login_by_email_ignores_case(client, member):
    response = login(client, member.email.upper())

    assert response.status_code == 302
    assert signed_in(client)


def test_wrong_password_is_refused(client, member):
    response = login(client, member.email, "not the password")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not signed_in(client)


def test_inactive_user_cannot_sign_in(client, member):
    deactivate_user(member)

    response = login(client, member.email)

    assert not signed_in(client)
    # allauth shows its "account inactive" page (or the form again): never the portal.
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"] != reverse("collabs:list")
    after = client.get(COLLABS_URL)
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("account_login"))


def test_user_created_inactive_cannot_sign_in(client, db):
    make_user("never@example.com", "Never Active", is_active=False)

    login(client, "never@example.com")

    assert not signed_in(client)


# No open self-registration.


def test_signup_page_says_closed(client, db):
    response = client.get(SIGNUP_URL)

    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    assert b"Sign Up Closed" in response.content
    assert "form" not in response.context or response.context.get("form") is None


def test_signup_post_creates_no_user(client, db):
    before = User.objects.count()

    response = client.post(
        SIGNUP_URL,
        {"email": "intruder@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 200
    assert b"Sign Up Closed" in response.content
    assert User.objects.count() == before
    assert not User.objects.filter(email="intruder@example.com").exists()
    assert not signed_in(client)


# The failed-login limit: 5 per 30 minutes per account.


def test_failed_login_limit_per_account(member):
    assert "5/30m/key" in settings.ACCOUNT_RATE_LIMITS["login_failed"]
    client = Client()
    for _ in range(5):
        response = login(client, member.email, "wrong password")
        assert response.status_code == 200
        assert TOO_MANY not in response.content.decode()
        assert not signed_in(client)

    # The sixth attempt is refused even with the right password, from another browser too.
    # allauth 65 answers with the form again and a non-field error (not a 429).
    other = Client()
    response = login(other, member.email)

    assert response.status_code in (200, 429)
    if response.status_code == 200:
        assert TOO_MANY in " ".join(response.context["form"].non_field_errors())
    assert not signed_in(other)


def test_failed_login_limit_is_per_account(member, owner):
    client = Client()
    for _ in range(5):
        login(client, member.email, "wrong password")

    # Another account is not locked by someone hammering this one.
    response = login(client, owner.email)

    assert response.status_code == 302
    assert signed_in(client)


# Password reset.


def test_password_reset_sends_an_email(client, member):
    response = client.post(RESET_URL, {"email": member.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    assert message.subject.startswith(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX)
    assert "/accounts/password/reset/key/" in message.body


def test_password_reset_for_unknown_address_reveals_nothing(client, db):
    response = client.post(RESET_URL, {"email": "nobody@example.com"})

    # Same answer as for a known address; no reset link is sent to a stranger.
    assert response.status_code == 302
    assert not any("/accounts/password/reset/key/" in m.body for m in mail.outbox)


# Profile.


def test_profile_page_saves_name_time_zone_and_language(client, member):
    client.force_login(member)
    assert client.get(PROFILE_URL).status_code == 200

    response = client.post(
        PROFILE_URL,
        {"full_name": "Marina Renamed", "timezone": "Asia/Tokyo", "language": "ru"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    member.refresh_from_db()
    assert member.full_name == "Marina Renamed"
    assert member.timezone == "Asia/Tokyo"
    assert member.language == "ru"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"


def test_profile_refuses_unknown_time_zone(client, member):
    client.force_login(member)

    response = client.post(
        PROFILE_URL, {"full_name": "Marina", "timezone": "Mars/Olympus", "language": ""}
    )

    assert response.status_code == 200
    assert "timezone" in response.context["form"].errors
    member.refresh_from_db()
    assert member.timezone == "UTC"


def test_profile_needs_sign_in(client, db):
    response = client.get(PROFILE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# The language switcher.


def test_language_switcher_stores_language_and_sets_cookie(client, member):
    client.force_login(member)

    response = client.post(LANGUAGE_URL, {"language": "ru", "next": COLLABS_URL})

    assert response.status_code == 302
    assert response["Location"] == COLLABS_URL
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    member.refresh_from_db()
    assert member.language == "ru"


def test_language_switcher_for_anonymous_sets_cookie_only(client, db):
    response = client.post(LANGUAGE_URL, {"language": "ru", "next": LOGIN_URL})

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"


def test_language_switcher_refuses_unknown_language(client, member):
    client.force_login(member)

    response = client.post(LANGUAGE_URL, {"language": "xx", "next": COLLABS_URL})

    assert response.status_code == 400
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    member.refresh_from_db()
    assert member.language == ""


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example.com/", "//evil.example.com/collabs/", "http://evil.example.com"],
)
def test_language_switcher_refuses_off_site_next(client, member, next_url):
    client.force_login(member)

    response = client.post(LANGUAGE_URL, {"language": "en", "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_language_switcher_refuses_off_site_referer(client, member):
    client.force_login(member)

    response = client.post(
        LANGUAGE_URL, {"language": "en"}, HTTP_REFERER="https://evil.example.com/x"
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_language_switcher_is_post_only(client, member):
    client.force_login(member)

    assert client.get(LANGUAGE_URL, {"language": "ru"}).status_code == 405


# Time zones.


def _current_zone_for(user) -> str:
    seen = {}

    def view(request):
        seen["zone"] = timezone.get_current_timezone_name()
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.user = user
    UserPreferencesMiddleware(view)(request)
    return seen["zone"]


def test_middleware_activates_the_users_time_zone(member):
    member.timezone = "Asia/Tokyo"
    member.save(update_fields=["timezone"])

    assert _current_zone_for(member) == "Asia/Tokyo"


def test_middleware_uses_default_zone_for_anonymous(db):
    timezone.activate(zoneinfo.ZoneInfo("Asia/Tokyo"))  # left over from a previous request

    assert _current_zone_for(AnonymousUser()) == settings.TIME_ZONE


def test_pages_render_in_the_users_time_zone(client, member):
    member.timezone = "Asia/Tokyo"
    member.save(update_fields=["timezone"])
    client.force_login(member)

    response = client.get(COLLABS_URL)

    assert response.status_code == 200
    # The tz context processor reports the zone active while the page was rendered.
    assert response.context["TIME_ZONE"] == "Asia/Tokyo"


def test_pages_render_in_the_users_language(client, member):
    member.language = "ru"
    member.save(update_fields=["language"])
    client.force_login(member)

    response = client.get(COLLABS_URL)

    assert response.context["LANGUAGE_CODE"] == "ru"
    assert '<html lang="ru">' in response.content.decode()
