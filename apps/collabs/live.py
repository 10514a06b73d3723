"""Live connections of the collab pages: the event publisher, and revocation.

The event publisher is the one way anything reaches the open pages of a collab. An app
registers each kind of event it publishes (`register_event`: the renderer that turns the
event into the frame a reader gets, and the right a reader needs); its services call
`publish(collab_id, kind, data, right=..., created=...)` inside their transaction, and the
event goes out through the channel layer once the transaction commits (never for a rolled-back
change). Every socket of the collab (any process, through Redis) then decides for its own
reader (apps.collabs.readers): an event that needs a right the reader lacks, or that is about
something older than the reader's view of the history, never reaches them; otherwise the kind's
renderer makes the frame (renderers cache per kind of reader, so a hundred sockets cost one
render per language and set of rights).

Revocation (a member removed, a user deactivated, a session ended) closes sockets at once.
"""

import asyncio
import concurrent.futures
import contextlib
import hashlib
import json
import logging
import os
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from asgiref.sync import SyncToAsync, async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

_sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="group-send")


# The sockets' database work (a send, a read marking, a catch-up, an access check) runs in
# threads of its own, several at once: database_sync_to_async's default puts all of it, for
# every socket of the process, in the one thread-sensitive thread, where each waits for the
# others' round trips to PostgreSQL (bench/load: acks and deliveries at p99 300-400 ms with
# the process at half a core). Pages are not in that queue: Django gives each request its
# own thread. One socket's frames still go one at a time where their order matters (its
# sends are stored in turn by its sender task, its read markings by one task).
def _socket_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=settings.SOCKET_DB_THREADS, thread_name_prefix="socket-db"
    )


_socket_db = _socket_threads()


def let_go_of_the_database() -> None:
    """Let every socket database thread finish what it runs and close its connections (the
    pool's go back to it), then end them; a later on_db starts new ones. For the end of a
    process's work with the database (the test suite's, before its database is dropped)."""
    global _socket_db
    executor, _socket_db = _socket_db, _socket_threads()
    # One closing per thread: each waits at the barrier until all have theirs.
    barrier = threading.Barrier(settings.SOCKET_DB_THREADS)

    def close() -> None:
        connections.close_all()
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)

    for _ in range(settings.SOCKET_DB_THREADS):
        executor.submit(close)
    executor.shutdown(wait=True)


def on_db(func: Callable) -> Callable:
    """`func` as a coroutine function running in the sockets' database threads (with
    database_sync_to_async's closing of stale connections before and after)."""
    return database_sync_to_async(func, thread_sensitive=False, executor=_socket_db)


def collab_group(collab_id: int) -> str:
    return f"collab.{collab_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def group_send(group: str, message: dict) -> None:
    """Send to a channel-layer group from synchronous code (services, on commit).

    In a server process, services run in the worker thread of an event loop (a consumer's
    database_sync_to_async, a view under the ASGI handler): the send is handed to that loop's
    publisher (below) and the thread goes on at once, instead of waiting a round trip through
    the loop and Redis for every event (bench/chat: a sixth of a send's time in the one
    database thread). Elsewhere (a management command, the task worker, a test) the send is
    made before returning, as async_to_sync does. Called from a thread that runs an event loop
    (a caller that forgot database_sync_to_async, or a test driving a browser), async_to_sync
    refuses; the send then goes through a helper thread instead of being lost."""
    layer = get_channel_layer()
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = _serving_loop()
        if loop is not None:
            sent = _publisher_of(loop).put(group, message)
            handed = getattr(_handed_over, "sends", None)
            if handed is not None:
                handed.append(sent)
            return
        async_to_sync(layer.group_send)(group, message)
        return
    _sender.submit(async_to_sync(layer.group_send), group, message).result()


def _serving_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop this worker thread serves (asgiref's SyncToAsync records it in
    the thread), if any."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop


class _Publisher:
    """The group sends of one event loop, made one after another in the order they were
    handed over (two events of one collab never overtake each other), by one task that runs
    while there is something to send. A send that fails is logged, as a robust on-commit
    hook's failure is, and the ones behind it still go.

    Events of a kind registered with `merge` are the exception: they are held for
    MERGE_EVERY seconds per group and go out as one (read receipts: every open page of a
    busy collab marks each message read, and each marking went to every open page, so a
    message cost as many frames as the square of the pages open). Held events are ordered
    among themselves, not against the others; a process that stops drops what it holds,
    which is only news (what they tell of is stored)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.waiting: deque[tuple[str, dict, list[concurrent.futures.Future]]] = deque()
        self.held: dict[tuple, list[tuple[dict, concurrent.futures.Future]]] = {}
        self.task: asyncio.Task | None = None

    def put(self, group: str, message: dict) -> concurrent.futures.Future:
        """From any thread. The future is done once the send is made (or failed)."""
        sent: concurrent.futures.Future = concurrent.futures.Future()
        self.loop.call_soon_threadsafe(self._enqueue, group, message, sent)
        return sent

    def _enqueue(self, group: str, message: dict, sent: concurrent.futures.Future) -> None:
        key = _merge_key(group, message)
        if key is not None:
            held = self.held.get(key)
            if held is None:
                held = self.held[key] = []
                self.loop.call_later(MERGE_EVERY, self._release, key)
            held.append((message, sent))
            return
        self._send(group, message, [sent])

    def _release(self, key: tuple) -> None:
        held = self.held.pop(key)
        message = _merged([message for message, _sent in held])
        self._send(key[0], message, [sent for _message, sent in held])

    def _send(self, group: str, message: dict, sent: list[concurrent.futures.Future]) -> None:
        self.waiting.append((group, message, sent))
        if self.task is None:
            self.task = self.loop.create_task(self._drain())

    async def _drain(self) -> None:
        layer = get_channel_layer()
        try:
            while self.waiting:
                group, message, sent = self.waiting.popleft()
                try:
                    await layer.group_send(group, message)
                except Exception:
                    logger.exception("live: a group send failed (%s)", message.get("type"))
                finally:
                    for future in sent:
                        future.set_result(None)
        finally:
            self.task = None


# How long events of a kind registered with `merge` wait for others of their kind and group.
MERGE_EVERY = 1.0


def _merge_key(group: str, message: dict) -> tuple | None:
    """What events of a mergeable kind are held together under (those a merge may join: one
    group, kind, right and start), or None for an event that goes at once."""
    event = message.get("event") if message.get("type") == "collab.event" else None
    if not isinstance(event, dict):
        return None
    kind = _kinds.get(event.get("kind"))
    if kind is None or kind.merge is None:
        return None
    return (group, event["kind"], event.get("right"), event.get("created"))


def _merged(messages: list[dict]) -> dict:
    """One event standing for `messages` (held under one key, oldest first): the newest's,
    with the data the kind's merge makes of them all."""
    last = messages[-1]
    if len(messages) == 1:
        return last
    event = last["event"]
    data = _kinds[event["kind"]].merge([message["event"]["data"] for message in messages])
    return {**last, "event": {**event, "data": data}}


_handed_over = threading.local()


@contextmanager
def handing_over() -> Iterator[list[concurrent.futures.Future]]:
    """Collect the group sends the code inside hands to the loop's publisher (in this thread),
    so that a caller on the loop can wait for them: the chat acknowledges a message only once
    its event is out, so a server killed between the two never leaves an acknowledged message
    that no open page heard of (the sender, unacknowledged, sends it again)."""
    _handed_over.sends = sends = []
    try:
        yield sends
    finally:
        _handed_over.sends = None


_publishers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Publisher]" = (
    weakref.WeakKeyDictionary()
)
_publishers_lock = threading.Lock()


def _publisher_of(loop: asyncio.AbstractEventLoop) -> _Publisher:
    with _publishers_lock:
        publisher = _publishers.get(loop)
        if publisher is None:
            publisher = _publishers[loop] = _Publisher(loop)
        return publisher


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


# --- Events for one person ----------------------------------------------------------------------


def publish_to_user(
    user_id: int, kind: str, data: dict | None = None, *, now: bool = False
) -> None:
    """Send an event to every open page of one person (their `/ws/me/` socket and their collab
    pages' sockets alike, all in the person's group), once the transaction commits (`now=True`:
    at once). The page gets the JSON frame {"type": "user.event", "kind": kind, "data": data}
    as it is: no right is checked, since only the person hears it, so `data` must hold nothing
    they may not see (e.g. a count of their own notifications). `kind` names what it is about,
    with the app's prefix ("notifications.unread"); `data` must be JSON-safe."""
    message = {"type": "user.event", "event": {"kind": kind, "data": data or {}}}
    if now:
        group_send(user_group(user_id), message)
    else:
        transaction.on_commit(lambda: group_send(user_group(user_id), message), robust=True)


# --- The event publisher ------------------------------------------------------------------------

# A renderer gets the event (kind, ts, data), the socket's reader and the collab, and returns the
# frame for that reader: a dict (sent as JSON), a JSON text, or None to send nothing.
Renderer = Callable[[dict, object, object], dict | str | None]


@dataclass(frozen=True)
class EventKind:
    name: str
    render: Renderer
    # The collab right (permissions.RULES) a reader needs for every event of this kind; an
    # event may name a narrower one when published. None: every member.
    right: str | None = None
    # What a member hears of the event while on another page (the list of their collabs, the
    # chat of another collab): a short "activity" frame for the counters and previews, from
    # (event, viewer, collab_id) where the viewer is a Reader without rights. None: nothing.
    # Only for events every member may know of (no right asked).
    summary: Renderer | None = None
    # For news that may come late and together (read receipts): the events of the kind that a
    # server process publishes to one collab within MERGE_EVERY seconds go out as one, whose
    # data is merge(their data, oldest first). Renderers then see merged data too.
    merge: Callable[[list[dict]], dict] | None = None


_kinds: dict[str, EventKind] = {}


def _check_right(right: str | None) -> None:
    from .permissions import RULES

    if right is not None and right not in RULES:
        raise ValueError(f"Unknown collab right: {right}")


def register_event(
    name: str,
    render: Renderer,
    *,
    right: str | None = None,
    summary: Renderer | None = None,
    merge: Callable[[list[dict]], dict] | None = None,
) -> None:
    """Register a kind of live event (in the app's AppConfig.ready). `summary`: what the
    members of the collab hear of it on their other pages; `merge`: the kind's events may be
    held briefly and sent together (see EventKind)."""
    _check_right(right)
    if summary is not None and right is not None:
        raise ValueError("A summary is for events every member may know of.")
    _kinds[name] = EventKind(name, render, right, summary, merge)


def unregister_event(name: str) -> None:
    _kinds.pop(name, None)


def event_kinds() -> list[EventKind]:
    return list(_kinds.values())


def _payload(
    collab_id: int, kind: str, data: dict | None, right: str | None, created: datetime | None
) -> dict:
    if kind not in _kinds:
        raise LookupError(f"Live event kind not registered: {kind}")
    _check_right(right)
    return {
        "type": "collab.event",
        # Which collab: a socket hears the events of all its person's collabs (the counters of
        # the others); the one its page shows gets them in full, the others as summaries.
        "collab_id": collab_id,
        "event": {
            "kind": kind,
            "ts": timezone.now().isoformat(),
            "right": right,
            "created": created.isoformat() if created else None,
            "data": data or {},
        },
    }


def publish(
    collab_id: int,
    kind: str,
    data: dict | None = None,
    *,
    right: str | None = None,
    created: datetime | None = None,
    now: bool = False,
) -> None:
    """Send an event of a registered kind to the collab's open pages once the transaction
    commits (`now=True`: at once, for events with nothing to commit, such as typing).
    `right`: a right the reader needs besides the kind's own; `created`: when the thing the
    event is about was made, so that a newcomer kept from the earlier history does not hear
    of it. `data` must be JSON-safe."""
    message = _payload(collab_id, kind, data, right, created)
    if now:
        group_send(collab_group(collab_id), message)
    else:
        transaction.on_commit(lambda: group_send(collab_group(collab_id), message))


def frame_for(event: dict, reader, collab) -> str | None:
    """The JSON text a socket sends its reader for `event`, or None when nothing reaches them.
    Runs on the server's event loop, for every socket of the collab: no database."""
    kind = _kinds.get(event["kind"])
    if kind is None:
        logger.warning("live event of an unregistered kind dropped: %s", event["kind"])
        return None
    for right in (kind.right, event.get("right")):
        if right is not None and not reader.can(right):
            return None
    if not reader.may_read(event.get("created")):
        return None
    frame = kind.render(event, reader, collab)
    if frame is None or isinstance(frame, str):
        return frame
    return json.dumps(frame)


def summary_for(event: dict, viewer, collab_id: int) -> str | None:
    """The JSON text of what `viewer` (a Reader without rights) hears of an event of one of
    their collabs that their page does not show, or None. On the event loop: no database."""
    kind = _kinds.get(event["kind"])
    if kind is None or kind.summary is None or event.get("right") is not None:
        return None
    if not viewer.may_read(event.get("created")):
        return None
    frame = kind.summary(event, viewer, collab_id)
    if frame is None or isinstance(frame, str):
        return frame
    return json.dumps(frame)
