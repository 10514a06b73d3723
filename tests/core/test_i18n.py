"""The interface speaks the user's language: English by default, Russian for a user who chose
it, and for a visitor whose language cookie says so.

The Russian strings come from locale/ru/LC_MESSAGES/django.mo (compiled from django.po); the
login page's own words come from allauth's Russian catalogue."""

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from apps.accounts.models import User

LIST_URL = "/collabs/"
LOGIN_URL = "/accounts/login/"


@pytest.fixture(autouse=True)
def _reset_language():
    # A request that activated Russian must not leave it active for the next test.
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_collab_list_is_in_english_by_default(client, member):
    client.force_login(member)

    response = client.get(LIST_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "My collabs" in html
    assert "Мои коллабы" not in html


def test_collab_list_is_in_russian_for_a_russian_speaking_user(client, member):
    User.objects.filter(pk=member.pk).update(language="ru")
    client.force_login(member)

    response = client.get(LIST_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ru">' in html
    assert "Мои коллабы" in html
    assert "My collabs" not in html


def test_users_language_wins_over_the_cookie(client, member):
    User.objects.filter(pk=member.pk).update(language="ru")
    client.force_login(member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(LIST_URL).content.decode()

    assert "Мои коллабы" in html


def test_user_without_a_language_follows_the_browser(client, member):
    client.force_login(member)

    html = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9").content.decode()

    assert '<html lang="ru">' in html
    assert "Мои коллабы" in html


def test_login_page_is_in_russian_for_a_visitor_with_the_cookie(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    response = client.get(LOGIN_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ru">' in html
    # From the project's catalogue: the layout (base.html)...
    assert "К содержимому" in html  # noqa: RUF001
    assert "Skip to content" not in html
    # ...and the sign-in page itself (templates/account/login.html), whatever the wording.
    with translation.override("ru"):
        sign_in = gettext("Sign in")
    assert sign_in != "Sign in", "'Sign in' has no Russian translation in locale/ru"
    assert sign_in in html
    assert ">Sign in<" not in html


def test_login_page_is_in_english_without_the_cookie(client, db):
    html = client.get(LOGIN_URL).content.decode()

    assert '<html lang="en">' in html
    assert "<h1>Sign in</h1>" in html
    assert "Skip to content" in html


def test_unknown_language_cookie_falls_back_to_english(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"

    html = client.get(LOGIN_URL).content.decode()

    assert '<html lang="en">' in html
