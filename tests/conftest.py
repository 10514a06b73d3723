"""Shared fixtures: one collab with an owner, a moderator, a member and a guest; an outsider
(a guest of another collab); a deactivated user. Tests read as sentences about them."""

import io
from functools import partial

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from apps.accounts.models import User
from apps.collabs import services
from apps.collabs.models import Collab, Role
from tests.smtp import smtp, smtp_server  # noqa: F401  (fixtures for every test)


@pytest.fixture(autouse=True)
def storage_checked_afresh(monkeypatch):
    """Each test's /healthz/ checks the storage itself, whatever an earlier test found (a
    success holds for a while in a process: apps/core/views.STORAGE_CHECK_HOLDS)."""
    from apps.core import views

    monkeypatch.setattr(views, "_storage_ok_at", float("-inf"))


@pytest.fixture(scope="session", autouse=True)
def socket_db_threads_let_go(django_db_setup):
    """The sockets' database threads (live.on_db) may still be finishing a closed socket's
    work when the last test ends, holding a connection: PostgreSQL then refuses to drop the
    test database ("being accessed by other users"). Before the database goes (this fixture's
    teardown runs before pytest-django's, set up after it), each thread finishes and closes
    its connections."""
    yield
    from apps.collabs import live

    live.let_go_of_the_database()


PASSWORD = "correct horse battery staple"


def make_user(email: str, name: str, kind: str = User.Kind.EMPLOYEE, **extra) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=name, kind=kind, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def png(name: str = "a.png", size: tuple[int, int] = (8, 8)) -> SimpleUploadedFile:
    """A small real PNG, as an upload."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Hashing passwords properly is slow by design; tests need many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Uploaded files go to a folder of the test's own.
    settings.MEDIA_ROOT = tmp_path / "media"
    # Text messages too (the file backend is the default).
    settings.SMS_FILE_PATH = tmp_path / "sms"
    # Background tasks run in the test's process right after the commit that enqueues them
    # (the worker is tested on its own: tests/core/test_background.py).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Pages rendered here name static files as they are, with no collectstatic run before
    # (the portal's manifest storage needs one; the browser tests' server runs it).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language. Django keeps the language a request activated
    in its thread (LocaleMiddleware never resets it, and signing in a Russian user switches to
    Russian), so a test calling the services after another test's Russian request would read
    their messages in Russian. (The sockets never rely on it: they translate under the
    reader's language.)"""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits live in the cache; each test starts with none used.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...`: what the code inside leaves for the commit runs as the block
    ends, as after a real commit — the background tasks (immediate in tests: the email is sent
    there) and the live events. The test's own transaction stays open, so the test stays fast;
    tests/invitations/test_delivery.py checks real commits and rollbacks."""
    return partial(django_capture_on_commit_callbacks, execute=True)


@pytest.fixture
def owner(db) -> User:
    return make_user("owner@example.com", "Olga Owner")


@pytest.fixture
def moderator(db) -> User:
    return make_user("moderator@example.com", "Maxim Moderator")


@pytest.fixture
def member(db) -> User:
    return make_user("member@example.com", "Marina Member")


@pytest.fixture
def guest(db) -> User:
    return make_user("guest@example.com", "Gleb Guest", kind=User.Kind.GUEST)


@pytest.fixture
def outsider(db) -> User:
    """A guest of another collab: sees nothing of ours."""
    return make_user("outsider@example.com", "Oscar Outsider", kind=User.Kind.GUEST)


@pytest.fixture
def deactivated(db) -> User:
    """Was a member of our collab, then deactivated."""
    return make_user("gone@example.com", "Denis Deactivated")


@pytest.fixture
def other_owner(db) -> User:
    return make_user("other@example.com", "Pavel Other")


@pytest.fixture
def collab(owner, moderator, member, guest, deactivated) -> Collab:
    collab = services.create_collab(owner, name="Website redesign", description="With the studio")
    for user in (moderator, member, guest, deactivated):
        services.add_member(collab, owner, user)
    services.change_role(collab, owner, moderator, Role.MODERATOR)
    from apps.accounts.services import deactivate_user

    deactivate_user(deactivated)
    return Collab.objects.get(pk=collab.pk)


@pytest.fixture
def other_collab(other_owner, outsider) -> Collab:
    collab = services.create_collab(other_owner, name="Secret project Zeta")
    services.add_member(collab, other_owner, outsider)
    return collab


@pytest.fixture
def people(owner, moderator, member, guest, outsider, deactivated) -> dict[str, User]:
    return {
        "owner": owner,
        "moderator": moderator,
        "member": member,
        "guest": guest,
        "outsider": outsider,
        "deactivated": deactivated,
    }


def client_for(client, user: User):
    client.force_login(user)
    return client
