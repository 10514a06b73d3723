"""Live connections of the collab pages: revocation closes them at once.

The chat's event publisher (issue 3) fans collab events out to the same groups.
"""

import asyncio
import hashlib
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

_sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="group-send")


def collab_group(collab_id: int) -> str:
    return f"collab.{collab_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def group_send(group: str, message: dict) -> None:
    """Send to a channel-layer group from synchronous code (services, on commit).

    Services run in worker threads, where async_to_sync just works. Called from a thread that
    runs an event loop (a caller that forgot database_sync_to_async, or a test driving a
    browser), async_to_sync refuses; the send then goes through a helper thread instead of
    being lost."""
    layer = get_channel_layer()
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(layer.group_send)(group, message)
        return
    _sender.submit(async_to_sync(layer.group_send), group, message).result()


def revoke(user_id: int, collab_id: int | None = None) -> None:
    """Close the user's live connections: to one collab, or to all when collab_id is None.

    Sent through the channel layer, so it reaches sockets held by any server process.
    Call it on transaction commit.
    """
    group_send(user_group(user_id), {"type": "access.revoked", "collab_id": collab_id})


def access_changed(group: str, collab_id: int) -> None:
    """Tell the sockets in `group` to check their access to the collab again (rights or
    settings changed). Call it on transaction commit."""
    group_send(group, {"type": "access.changed", "collab_id": collab_id})


def session_tag(session_key: str) -> str:
    """How a session is named on the channel layer: a digest, not the key itself."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def check_sessions(user_id: int, ended: str | None = None) -> None:
    """Tell the user's sockets that sessions may have ended: the one signed out of (`ended`)
    closes at once; every other checks that its session still signs the user in."""
    group_send(
        user_group(user_id),
        {"type": "session.check", "ended": session_tag(ended) if ended else None},
    )
