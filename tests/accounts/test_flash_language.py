"""allauth's flash messages ("Successfully signed in as …", "You have signed out.", "Password
successfully changed.") in the language of the page that shows them.

Signing in starts anonymous: the request speaks the cookie's or the browser's language until
the user is known, and allauth renders its message in that request. The adapter switches the
request to the user's language as soon as they are signed in (apps/accounts/adapter.py)."""

import pytest
from django.conf import settings
from django.utils import timezone, translation

from tests.conftest import PASSWORD

LOGIN_URL = "/accounts/login/"
LOGOUT_URL = "/accounts/logout/"
PASSWORD_CHANGE_URL = "/accounts/password/change/"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield
    timezone.deactivate()


@pytest.fixture
def russian(member):
    member.language = "ru"
    member.save(update_fields=["language"])
    return member


def flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_russian_user_is_greeted_in_russian_after_signing_in(client, russian):
    response = client.post(LOGIN_URL, {"login": russian.email, "password": PASSWORD}, follow=True)

    assert response.status_code == 200
    assert flashes(response) == [f"Успешный вход под именем {russian.full_name}."]
    assert 'lang="ru"' in response.content.decode()


def test_signing_in_remembers_the_language_for_the_pages_after_signing_out(client, russian):
    response = client.post(LOGIN_URL, {"login": russian.email, "password": PASSWORD})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    client.get(response["Location"])  # the greeting is read there

    response = client.post(LOGOUT_URL, follow=True)
    assert flashes(response) == ["Вы вышли."]
    assert 'lang="ru"' in response.content.decode()


def test_an_english_user_is_greeted_in_english_even_from_a_russian_browser(client, member):
    member.language = "en"
    member.save(update_fields=["language"])

    response = client.post(
        LOGIN_URL,
        {"login": member.email, "password": PASSWORD},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    assert flashes(response) == [f"Successfully signed in as {member.full_name}."]


def test_a_user_without_a_language_keeps_the_browsers(client, member):
    response = client.post(
        LOGIN_URL,
        {"login": member.email, "password": PASSWORD},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    assert flashes(response) == [f"Успешный вход под именем {member.full_name}."]


def test_a_password_change_is_confirmed_in_russian(client, russian):
    client.force_login(russian)

    response = client.post(
        PASSWORD_CHANGE_URL,
        {"oldpassword": PASSWORD, "password1": "N3w-pass-phrase!", "password2": "N3w-pass-phrase!"},
        follow=True,
    )

    assert flashes(response) == ["Пароль успешно изменён."]
