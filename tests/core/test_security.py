"""Security as first-class tests: the headers every page carries, CSRF on every form, no inline
script (the Content-Security-Policy forbids it, so it would silently not run), and a
production configuration that passes Django's deployment checks."""

import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from apps.collabs.models import Membership
from tests.conftest import PASSWORD

# Script types that are data, not code: the CSP does not concern them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class PageScan(HTMLParser):
    """Collects the forms (method, action, field names), inline scripts, inline event
    handlers and inline styles of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self.inline_scripts: list[str] = []
        self.event_handlers: list[str] = []
        self.style_attributes: list[str] = []
        self.style_elements = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.event_handlers.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.style_attributes.append(f"<{tag} style={value!r}>")
            if name == "href" and (value or "").strip().lower().startswith("javascript:"):
                self.event_handlers.append(f"<{tag} href={value!r}>")
        if tag == "form":
            self._form = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action"),
                "fields": {},
            }
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and a.get("name"):
            self._form["fields"][a["name"]] = a.get("value")
        elif tag == "script":
            kind = (a.get("type") or "").lower()
            if "src" not in a and kind not in DATA_SCRIPT_TYPES:
                self._in_script = True
                self.inline_scripts.append("")
        elif tag == "style":
            self.style_elements += 1

    def handle_data(self, data):
        if self._in_script:
            self.inline_scripts[-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "script":
            self._in_script = False


def scan(response) -> PageScan:
    assert response.status_code == 200, response
    page = PageScan()
    page.feed(response.content.decode())
    return page


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def collab_pages(collab) -> dict[str, str]:
    return {
        "detail": reverse("collabs:detail", args=[collab.pk]),
        "members": reverse("collabs:members", args=[collab.pk]),
        "settings": reverse("collabs:settings", args=[collab.pk]),
    }


def signed_in_pages(collab) -> list[str]:
    return [
        reverse("collabs:list"),
        reverse("collabs:create"),
        *collab_pages(collab).values(),
        reverse("collabs:transfer", args=[collab.pk]),
        reverse("collabs:delete", args=[collab.pk]),
        reverse("accounts:profile"),
        reverse("account_change_password"),
        reverse("account_email"),
    ]


ANONYMOUS_PAGES = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]


# Headers.


@pytest.mark.parametrize("signed_in", [False, True])
def test_security_headers(client, collab, owner, signed_in):
    if signed_in:
        client.force_login(owner)
    url = reverse("collabs:list") if signed_in else "/accounts/login/"

    response = client.get(url)

    assert response.status_code == 200
    directives = csp_directives(response)
    assert "'self'" in directives["script-src"]
    header = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'self'" in directives["default-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_session_and_csrf_cookies_are_guarded(client, owner):
    response = client.get("/accounts/login/")
    csrf_cookie = response.cookies[django_settings.CSRF_COOKIE_NAME]
    assert csrf_cookie["samesite"] == "Lax"

    response = client.post("/accounts/login/", {"login": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    session_cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session_cookie["httponly"]
    assert session_cookie["samesite"] == "Lax"


# CSRF.


@pytest.mark.parametrize("page", ["detail", "members", "settings"])
def test_every_post_form_on_collab_pages_has_csrf_token(owner_client, collab, page):
    page_scan = scan(owner_client.get(collab_pages(collab)[page]))

    post_forms = [form for form in page_scan.forms if form["method"] == "post"]
    assert post_forms, "the page was expected to have forms"
    for form in post_forms:
        token = form["fields"].get("csrfmiddlewaretoken")
        assert token, f"form to {form['action']} has no CSRF token"


def test_every_post_form_on_every_page_has_csrf_token(owner_client, collab, db):
    for url in signed_in_pages(collab):
        for form in scan(owner_client.get(url)).forms:
            if form["method"] == "post":
                assert form["fields"].get("csrfmiddlewaretoken"), (url, form["action"])
    anonymous = Client()
    for url in ANONYMOUS_PAGES:
        for form in scan(anonymous.get(url)).forms:
            if form["method"] == "post":
                assert form["fields"].get("csrfmiddlewaretoken"), (url, form["action"])


def test_post_without_csrf_token_is_refused(collab, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    response = client.post(reverse("collabs:pin", args=[collab.pk]), {"pinned": "1"})

    assert response.status_code == 403
    assert not Membership.objects.get(collab=collab, user=owner).pinned


def test_post_with_csrf_token_is_accepted(collab, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    page = scan(client.get(reverse("collabs:detail", args=[collab.pk])))
    token = next(f["fields"]["csrfmiddlewaretoken"] for f in page.forms if f["method"] == "post")

    response = client.post(
        reverse("collabs:pin", args=[collab.pk]), {"pinned": "1", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert Membership.objects.get(collab=collab, user=owner).pinned


def test_login_and_language_switch_need_csrf_token(member):
    client = Client(enforce_csrf_checks=True)

    assert (
        client.post("/accounts/login/", {"login": member.email, "password": "x"}).status_code == 403
    )
    assert client.post("/me/language/", {"language": "ru"}).status_code == 403


# No inline script, no inline handlers, no inline styles: the CSP would block them.


def _assert_csp_clean(url: str, page: PageScan) -> None:
    assert page.inline_scripts == [], f"{url}: inline <script> {page.inline_scripts[:1]}"
    assert page.event_handlers == [], f"{url}: inline handlers {page.event_handlers[:3]}"
    assert page.style_attributes == [], f"{url}: style attributes {page.style_attributes[:3]}"
    assert page.style_elements == 0, f"{url}: <style> elements"


def test_signed_in_pages_have_no_inline_script_or_style(owner_client, collab):
    for url in signed_in_pages(collab):
        _assert_csp_clean(url, scan(owner_client.get(url)))


def test_anonymous_pages_have_no_inline_script_or_style(client, db):
    for url in ANONYMOUS_PAGES:
        _assert_csp_clean(url, scan(client.get(url)))


def test_pages_load_scripts_from_own_origin_only(owner_client, collab):
    response = owner_client.get(reverse("collabs:detail", args=[collab.pk]))
    html = response.content.decode()

    assert 'src="http' not in html
    assert 'src="//' not in html


# The production configuration.


def _production_env(tmp_path, **extra: str) -> dict[str, str]:
    """A clean environment: only what a process needs to run, then the production settings.
    Nothing leaks in from the test run (pytest's or Playwright's variables such as
    DJANGO_ALLOW_ASYNC_UNSAFE, or overrides like SECURE_SSL_REDIRECT=0): the test is about
    the defaults that DEBUG=0 turns on."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update({"DEBUG": "0", "VAR_DIR": str(tmp_path / "var")}, **extra)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_in_production(tmp_path):
    alphabet = "abcdefghijkmnopqrstuvwxyz0123456789!@#%^*"
    secret_key = "".join(secrets.choice(alphabet) for _ in range(50))
    env = _production_env(tmp_path, SECRET_KEY=secret_key, ALLOWED_HOSTS="collab.example.com")

    result = _manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = _manage(_production_env(tmp_path, ALLOWED_HOSTS="collab.example.com"), "check")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_allows_no_host_unless_told(tmp_path):
    env = _production_env(tmp_path, SECRET_KEY=secrets.token_urlsafe(50))

    result = _manage(env, "check", "--deploy", "--fail-level", "WARNING")

    # With DEBUG off, ALLOWED_HOSTS defaults to nothing, which Django's check reports.
    assert result.returncode != 0
    assert "security.W020" in result.stdout + result.stderr
