"""`make run` as a production-grade default: DEBUG off, a secret key generated once for this
machine (LOCAL_RUN=1, the Makefile's opt-in; production without it and without a key still
refuses), plain HTTP on the local host names, links that follow PORT, our own error pages,
and expected refusals logged in one line. `make dev` is the same with DEBUG on."""

import json
import logging
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path, reverse

from apps.invitations.services import link
from collabhub import urls as portal_urls

ROOT = Path(__file__).resolve().parents[2]

# What the settings come to in a process of their own.
SHOW_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
from apps.invitations.services import link
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "SITE_URL": settings.SITE_URL,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "STATICFILES": settings.STORAGES["staticfiles"]["BACKEND"],
    "MIDDLEWARE": settings.MIDDLEWARE,
    "invitation_link": link("a-token"),
}))
"""


def run_target() -> str:
    makefile = (ROOT / "Makefile").read_text()
    return re.search(r"^run: install.*?(?=^\S)", makefile, re.S | re.M).group(0)


def make_run_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment (nothing of the test run's leaks in) with what `make run` adds:
    LOCAL_RUN=1 and PORT; no DEBUG, no SECRET_KEY, no SITE_URL."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "collabhub.settings",
            "VAR_DIR": str(tmp_path / "var"),
            "LOCAL_RUN": "1",
            "PORT": "8000",
        }
    )
    env.update(extra)
    return {key: value for key, value in env.items() if value is not None}


def python(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_in(env: dict[str, str]) -> dict:
    result = python(env, SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# The Makefile.


def test_make_run_opts_in_passes_port_and_checks_before_serving():
    target = run_target()
    makefile = (ROOT / "Makefile").read_text()

    assert re.search(r"^run: export LOCAL_RUN := 1$", makefile, re.M)
    assert re.search(r"^run: export PORT := \$\(PORT\)$", makefile, re.M)
    assert "DEBUG" not in target  # off by the opt-in, unless the environment says otherwise
    check = target.index("manage.py check")
    assert check < target.index("manage.py migrate") < target.index("daphne")
    assert "--fail-level ERROR" in target
    assert target.index("collectstatic") < target.index("daphne")


def test_make_dev_is_make_run_with_debug_on():
    result = subprocess.run(
        ["make", "-n", "dev"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert re.search(r"\brun DEBUG=1\b", result.stdout)
    assert "daphne" in result.stdout


# The settings `make run` serves with.


def test_make_run_settings_are_production_ones_for_one_machine(tmp_path):
    first = settings_in(make_run_env(tmp_path))

    assert first["DEBUG"] is False
    assert set(first["ALLOWED_HOSTS"]) >= {"127.0.0.1", "localhost"}
    # Plain HTTP on this machine: no redirect to HTTPS, cookies a browser sends over HTTP.
    assert first["SECURE_SSL_REDIRECT"] is False
    assert first["SESSION_COOKIE_SECURE"] is False
    assert first["CSRF_COOKIE_SECURE"] is False
    assert first["SECURE_HSTS_SECONDS"] == 0
    # Static files: collected (hashed names, compressed) and served by WhiteNoise, right
    # after the security middleware.
    assert first["STATICFILES"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    middleware = first["MIDDLEWARE"]
    assert middleware[:2] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    # The key is generated once into VAR_DIR, readable by its owner only...
    key_file = tmp_path / "var" / "secret_key"
    assert key_file.read_text().strip() == first["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # ...and the same on the next start (sessions survive a restart).
    assert settings_in(make_run_env(tmp_path))["SECRET_KEY"] == first["SECRET_KEY"]


def test_make_run_settings_pass_the_checks_it_runs(tmp_path):
    result = manage(
        make_run_env(tmp_path), "check", "--database", "default", "--fail-level", "WARNING"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_environment_still_decides(tmp_path):
    env = make_run_env(
        tmp_path,
        DEBUG="1",
        SECRET_KEY="k" * 60,
        ALLOWED_HOSTS="portal.lan",
        SESSION_COOKIE_SECURE="1",
    )

    shown = settings_in(env)

    assert shown["DEBUG"] is True
    assert shown["SECRET_KEY"] == "k" * 60
    assert shown["ALLOWED_HOSTS"] == ["portal.lan"]
    assert shown["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "var" / "secret_key").exists()


def test_without_the_opt_in_production_refuses_to_start_without_a_key(tmp_path):
    env = make_run_env(tmp_path, LOCAL_RUN=None, DEBUG="0", ALLOWED_HOSTS="collab.example.com")

    result = manage(env, "check")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_production_keeps_its_https_defaults(tmp_path):
    env = make_run_env(
        tmp_path, LOCAL_RUN=None, DEBUG="0", SECRET_KEY="k" * 60, ALLOWED_HOSTS="a.example"
    )

    shown = settings_in(env)

    assert shown["SECURE_SSL_REDIRECT"] is True
    assert shown["SESSION_COOKIE_SECURE"] is True
    assert shown["CSRF_COOKIE_SECURE"] is True
    assert shown["SECURE_HSTS_SECONDS"] == 31_536_000


# SITE_URL follows PORT.


def test_site_url_and_invitation_links_follow_port(tmp_path):
    shown = settings_in(make_run_env(tmp_path, PORT="9000"))

    assert shown["SITE_URL"] == "http://127.0.0.1:9000"
    assert shown["invitation_link"].startswith("http://127.0.0.1:9000/invite/a-token")


def test_a_site_url_set_wins_over_port(tmp_path):
    shown = settings_in(make_run_env(tmp_path, PORT="9000", SITE_URL="https://collab.example"))

    assert shown["SITE_URL"] == "https://collab.example"
    assert shown["invitation_link"].startswith("https://collab.example/invite/")


def test_every_link_written_uses_site_url(settings, db):
    settings.SITE_URL = "http://127.0.0.1:9000"

    assert link("t").startswith("http://127.0.0.1:9000/")


def port_warnings() -> list[checks.CheckMessage]:
    return [issue for issue in checks.run_checks() if issue.id == "core.W001"]


def test_the_check_warns_when_site_url_is_on_another_port(settings):
    settings.PORT = 9000
    settings.SITE_URL = "http://127.0.0.1:8000"

    [warning] = port_warnings()

    assert warning.level == checks.WARNING
    assert "9000" in warning.msg
    assert "8000" in warning.msg


@pytest.mark.parametrize(
    ("port", "site_url"),
    [
        (9000, "http://127.0.0.1:9000"),
        (9000, "http://localhost:9000/"),
        (None, "http://127.0.0.1:8000"),  # PORT not set: nothing to compare
        (8000, "https://collab.example.com"),  # behind a proxy: the proxy's own port
        (80, "http://localhost"),
    ],
)
def test_the_check_is_quiet_otherwise(settings, port, site_url):
    settings.PORT = port
    settings.SITE_URL = site_url

    assert port_warnings() == []


def test_the_mismatch_shows_in_manage_check(tmp_path):
    env = make_run_env(tmp_path, PORT="9000", SITE_URL="http://127.0.0.1:8000")

    result = manage(env, "check")

    assert "core.W001" in result.stdout + result.stderr


def test_the_check_warns_when_the_opt_in_meets_a_public_host(settings):
    settings.LOCAL_RUN = True
    settings.ALLOWED_HOSTS = ["localhost", "collab.example.com"]

    issues = [issue.id for issue in checks.run_checks()]

    assert "core.W002" in issues
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
    assert "core.W002" not in [issue.id for issue in checks.run_checks()]


# Our own error pages with DEBUG off.


def boom(request):
    raise RuntimeError("something broke")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    *portal_urls.urlpatterns,
    path("test-boom/", boom),
    path("test-forbidden/", forbidden),
]


@pytest.fixture
def errors_urls(settings):
    settings.ROOT_URLCONF = __name__


def test_a_collab_that_is_not_yours_is_our_404_page(settings, client, collab, outsider):
    settings.DEBUG = False
    client.force_login(outsider)

    response = client.get(reverse("collabs:detail", args=[collab.pk]))

    assert response.status_code == 404
    page = response.content.decode()
    assert "There is nothing here, or it is not yours to see." in page
    assert "Using the URLconf" not in page
    assert "Page not found (404)" not in page
    assert collab.name not in page


def test_a_feature_page_of_a_collab_that_is_not_yours_is_our_404_page(
    settings, client, collab, outsider
):
    settings.DEBUG = False
    client.force_login(outsider)

    response = client.get(reverse("board:cards", args=[collab.pk]))

    assert response.status_code == 404
    assert "There is nothing here, or it is not yours to see." in response.content.decode()


def test_a_right_you_lack_is_our_403_page(settings, client, collab, member):
    settings.DEBUG = False
    client.force_login(member)

    response = client.get(reverse("collabs:delete", args=[collab.pk]))

    assert response.status_code == 403
    assert "Your role in this collab does not allow this." in response.content.decode()


def test_a_server_error_is_our_500_page(settings, errors_urls, db):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.get("/test-boom/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side." in page
    assert "something broke" not in page
    assert "Traceback" not in page


# Expected refusals are one line in the log; a server error keeps its traceback.


def request_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "django.request"]


def test_a_404_is_logged_in_one_line(caplog, client, collab, outsider):
    client.force_login(outsider)
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get(reverse("collabs:detail", args=[collab.pk]))

    [record] = request_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == f"Not Found: /collabs/{collab.pk}/"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def test_a_403_is_logged_in_one_line(caplog, client, collab, member):
    client.force_login(member)
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get(reverse("collabs:delete", args=[collab.pk]))

    [record] = request_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith("Forbidden")
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def test_permission_denied_anywhere_is_logged_in_one_line(caplog, errors_urls, db):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert Client().get("/test-forbidden/").status_code == 403

    [record] = request_records(caplog)
    assert record.exc_info is None


def test_a_429_is_logged_in_one_line(settings, caplog, client, db):
    settings.INVITE_PAGE_PER_MINUTE = 1
    client.get(reverse("invitations:accept", args=["forged-1"]))
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("invitations:accept", args=["forged-2"])).status_code == 429

    [record] = request_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.exc_info is None


def test_a_500_keeps_its_traceback(settings, caplog, errors_urls, db):
    settings.DEBUG = False

    with caplog.at_level(logging.WARNING, logger="django.request"):
        Client(raise_request_exception=False).get("/test-boom/")

    [record] = request_records(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert record.exc_info[0] is RuntimeError
    assert "Traceback" in caplog.text


# Every variable the settings read is documented.


def test_every_environment_variable_is_in_the_readme_and_env_example():
    source = (ROOT / "collabhub" / "settings.py").read_text()
    names = set(
        re.findall(r'(?:envbool|envint|envlist|os\.environ\.get)\(\s*"([A-Z_0-9]+)"', source)
    )
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()

    assert {"LOCAL_RUN", "PORT", "SITE_URL", "DEBUG", "SECRET_KEY"} <= names
    assert [name for name in sorted(names) if not re.search(rf"^{name}=", example, re.M)] == []
    assert [name for name in sorted(names) if f"`{name}`" not in readme] == []
