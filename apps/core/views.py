import contextlib
import logging
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("collabs:list")
    return redirect("account_login")


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _layer_round_trip() -> None:
    import asyncio

    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz.ping", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    if message.get("token") != token:
        raise RuntimeError("the channel layer returned another message")
    # The pub/sub layer forgets a channel (and unsubscribes it) only when a receive on it is
    # cancelled; without this, every check would leave a subscription behind.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(layer.receive(channel), timeout=0.01)


def _check_channel_layer() -> None:
    async_to_sync(_layer_round_trip)()


# A proxy asks every few seconds (deploy/haproxy.cfg: every 2 s per node), and the storage
# check writes, reads and deletes a file (three requests on S3): a success holds for this
# long in the process. A failure is never remembered: the next check tries again.
STORAGE_CHECK_HOLDS = 30.0
_storage_ok_at = float("-inf")


def _check_storage() -> None:
    global _storage_ok_at
    if time.monotonic() - _storage_ok_at < STORAGE_CHECK_HOLDS:
        return
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != b"ok":
                raise RuntimeError("storage returned other bytes")
    finally:
        default_storage.delete(name)
    _storage_ok_at = time.monotonic()


CHECKS = {
    "database": _check_database,
    "channel_layer": _check_channel_layer,
    "storage": _check_storage,
}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The state of each part the portal needs: 200 when all are up, 503 otherwise."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure of a part is a "down", never a 500
            logger.warning("healthz: %s is down: %s", name, exc)
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True}
    healthy = all(result["ok"] for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": results}, status=200 if healthy else 503
    )
