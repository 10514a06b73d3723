"""The invitation page is limited per client address, like sign-in: a prober sending token
after token gets a clear 429 page, whether the tokens work or not; a person following their
invitation never notices the limit."""

import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from apps.accounts.models import User
from apps.core import ratelimit
from apps.invitations import services
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def _low_limit(settings):
    settings.INVITE_PAGE_PER_MINUTE = LIMIT
    settings.INVITE_PAGE_PER_HOUR = 100


@pytest.fixture(autouse=True)
def _reset_language():
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def token(collab, owner, committed):
    with committed():
        services.invite_by_email(collab, owner, "ivan@example.com", name="Ivan Petrov")
    return re.search(r"/invite/([^/\s]+)/", mail.outbox[-1].body).group(1)


def url(token: str) -> str:
    return reverse("invitations:accept", args=[token])


def test_a_prober_with_forged_tokens_is_stopped_with_a_clear_page(client, db):
    answers = [client.get(url(f"forged-{i}")).status_code for i in range(LIMIT)]

    stopped = client.get(url("forged-next"))

    assert answers == [404] * LIMIT
    assert stopped.status_code == 429
    page = stopped.content.decode()
    assert "Too many tries" in page
    assert "Too many requests came from your address. Try again in 1 minute." in page
    assert 0 < int(stopped["Retry-After"]) <= 60


def test_a_valid_token_from_that_address_is_refused_too(client, collab, token):
    for i in range(LIMIT):
        client.get(url(f"forged-{i}"))

    response = client.get(url(token))

    assert response.status_code == 429
    assert collab.name not in response.content.decode()


def test_posting_the_form_counts_and_is_refused_over_the_limit(client, token):
    data = {"full_name": "Ivan Petrov", "password1": PASSWORD, "password2": "typo"}
    assert client.get(url(token)).status_code == 200
    assert client.post(url(token), data).status_code == 200  # the form error, counted
    assert client.post(url(token), data).status_code == 200

    refused = client.post(url(token), {**data, "password2": PASSWORD})

    assert refused.status_code == 429
    assert not User.objects.filter(email="ivan@example.com").exists()


def test_other_addresses_are_not_affected(client, token):
    for i in range(LIMIT):
        client.get(url(f"forged-{i}"), REMOTE_ADDR="203.0.113.7")

    assert client.get(url("forged"), REMOTE_ADDR="203.0.113.7").status_code == 429
    assert client.get(url(token), REMOTE_ADDR="198.51.100.1").status_code == 200


def test_an_ipv6_client_counts_as_its_whole_slash_64(client, token):
    for i in range(LIMIT):
        client.get(url(f"forged-{i}"), REMOTE_ADDR=f"2001:db8:1:2::{i + 1}")

    assert client.get(url(token), REMOTE_ADDR="2001:db8:1:2:ffff::9").status_code == 429
    assert client.get(url(token), REMOTE_ADDR="2001:db8:1:3::1").status_code == 200


def test_the_limit_ends_with_its_window(client, token, monkeypatch):
    now = 1_000_000_020  # 20 s into a minute
    monkeypatch.setattr(ratelimit.time, "time", lambda: now)
    for i in range(LIMIT):
        client.get(url(f"forged-{i}"))
    assert client.get(url(token)).status_code == 429

    now += 60

    assert client.get(url(token)).status_code == 200


def test_the_page_speaks_russian_to_a_russian_visitor(client, db):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"
    for i in range(LIMIT):
        client.get(url(f"forged-{i}"))

    response = client.get(url("forged"))

    page = response.content.decode()
    assert response.status_code == 429
    assert '<html lang="ru">' in page
    with translation.override("ru"):
        assert gettext("Too many tries") in page
        assert gettext("Go to the start page") in page
    assert "Go to the start page" not in page
