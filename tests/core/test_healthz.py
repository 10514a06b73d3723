"""/healthz/: one JSON answer about each part the portal needs; 200 when all are up, 503 (never
a 500) when any is down, so a load balancer can take the process out of rotation."""

import pytest
from django.conf import settings as django_settings

from apps.core import views

URL = "/healthz/"
CHECK_NAMES = ["database", "channel_layer", "storage"]


def boom() -> None:
    raise RuntimeError("down for the test")


def test_all_checks_ok(client, db):
    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "ok"
    for name in CHECK_NAMES:
        assert body["checks"][name] == {"ok": True}


def test_is_never_cached(client, db):
    response = client.get(URL)

    assert "no-cache" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_needs_no_sign_in(client, db):
    # Probed by a load balancer, which has no session.
    response = client.get(URL)

    assert response.status_code == 200


def test_storage_check_leaves_no_file_behind(client, db):
    client.get(URL)

    healthz_dir = django_settings.MEDIA_ROOT / "healthz"
    assert not healthz_dir.exists() or not any(healthz_dir.iterdir())


class CountingStorage:
    """The real storage, counting the files written; `broken` makes reading fail."""

    def __init__(self, real):
        self.real, self.writes, self.broken = real, 0, False

    def save(self, name, content):
        self.writes += 1
        return self.real.save(name, content)

    def open(self, name, mode="rb"):
        if self.broken:
            boom()
        return self.real.open(name, mode)

    def delete(self, name):
        self.real.delete(name)


def test_a_working_storage_is_written_once_per_interval_a_failing_one_every_time(
    client, db, monkeypatch
):
    storage = CountingStorage(views.default_storage)
    monkeypatch.setattr(views, "default_storage", storage)
    for _ in range(3):
        assert client.get(URL).status_code == 200
    assert storage.writes == 1  # a proxy's check every 2 s does not write a file every 2 s
    monkeypatch.setattr(views, "_storage_ok_at", views._storage_ok_at - views.STORAGE_CHECK_HOLDS)
    assert client.get(URL).status_code == 200
    assert storage.writes == 2
    # Down: reported at once once the success has expired, and on every check after.
    monkeypatch.setattr(views, "_storage_ok_at", float("-inf"))
    storage.broken = True
    for _ in range(2):
        response = client.get(URL)
        assert response.status_code == 503
        assert response.json()["checks"]["storage"] == {"ok": False, "error": "RuntimeError"}
    assert storage.writes == 4


@pytest.mark.parametrize("failing", CHECK_NAMES)
def test_one_failing_check_gives_503(client, db, monkeypatch, failing):
    monkeypatch.setitem(views.CHECKS, failing, boom)

    response = client.get(URL)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"][failing]["ok"] is False
    assert body["checks"][failing]["error"] == "RuntimeError"
    for name in CHECK_NAMES:
        if name != failing:
            assert body["checks"][name]["ok"] is True
    # The exception's message (which might hold a host name or a path) is not shown.
    assert "down for the test" not in response.content.decode()


def test_all_checks_failing_gives_503(client, db, monkeypatch):
    for name in CHECK_NAMES:
        monkeypatch.setitem(views.CHECKS, name, boom)

    response = client.get(URL)

    assert response.status_code == 503
    assert all(not check["ok"] for check in response.json()["checks"].values())


@pytest.mark.parametrize(
    "backend",
    ["channels_redis.pubsub.RedisPubSubChannelLayer", "channels_redis.core.RedisChannelLayer"],
)
def test_unreachable_channel_layer_gives_503_not_500(client, db, settings, backend):
    # A real failure rather than a patched one: Redis on a port where nothing listens.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": backend,
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }

    response = client.get(URL)

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["channel_layer"]["ok"] is False
    assert checks["database"]["ok"] is True


def test_reachable_over_plain_http_when_https_is_enforced(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(URL).status_code == 200
    # Every other page is redirected to HTTPS.
    assert client.get("/accounts/login/").status_code == 301
