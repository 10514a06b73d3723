"""The live connection of an open collab page: new, edited and deleted messages, reactions,
typing, read receipts and membership changes, both ways. Access is checked on connect by the
access layer (CollabConsumer) and on every inbound action by the services."""

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext

from apps.collabs import live
from apps.collabs.consumers import CollabConsumer
from apps.collabs.models import Collab
from apps.core.inputs import parse_id
from collabhub.wsguard import CLOSE_FLOODING

from . import services
from .access import visible_messages
from .partials import frame
from .presenters import load_attachments, present, with_related

CATCH_UP_LIMIT = 500
# How many of its newest message ids a page names in its hello ("have"), at most.
HAVE_LIMIT = 200
CATCH_UP_MARGIN = timedelta(seconds=5)
# What a page legitimately repeats is coalesced, not refused (the two limits on sockets are
# collabhub/wsguard.py's frame limit and the chat's message rate limit; see there).
TYPING_EVERY = 2.0  # seconds between two typing events from one socket
READ_EVERY = 1.0  # seconds between two read markings from one socket
# How long a closing socket's queued sends may still take to be stored (below Daphne's close
# timeout of 10 s).
OUTBOX_GRACE = 5.0

logger = logging.getLogger(__name__)


class ChatConsumer(CollabConsumer):
    # Read markings waiting for their interval (see on_read).
    read_waiting = 0
    read_at = float("-inf")
    read_task: asyncio.Future | None = None
    marking: asyncio.Future | None = None  # the marking under way in a database thread
    # Sends, stored one after another by the sender task.
    outbox: asyncio.Queue | None = None
    sender: asyncio.Future | None = None

    async def on_access_granted(self, user, collab: Collab) -> None:
        self.user = user
        self.last_typing = 0.0

    # Inbound

    def bad_frame_text(self) -> str:
        with translation.override(self.reader.language):
            return gettext("The server could not read that frame.")

    async def receive_json(self, content, **kwargs) -> None:
        kind = content["type"]  # a string: checked by CollabConsumer.receive
        handler = {
            "hello": self.on_hello,
            "send": self.on_send,
            "typing": self.on_typing,
            "read": self.on_read,
            "ping": self.on_ping,
        }.get(kind)
        if handler is None:
            await self.send_json({"type": "error", "message": "unknown type"})
            return
        await handler(content)

    async def on_ping(self, content) -> None:
        await self.heard_from_client()
        await self.send_json({"type": "pong"})

    async def on_hello(self, content) -> None:
        """Catch-up after a (re)connect: everything newer than the last message the page has,
        and whatever changed since the last event it saw. No gap, no duplicate.

        Message ids are taken at insert, so two sends on two threads or server nodes can commit
        (and be published) out of id order: a page that lost its socket in between holds the
        later id but not the earlier one, which "newer than the last" never brings. A page that
        names the ids it holds among its newest ("have") gets those of the recent window it
        lacks too; one that names none gets only what is newer than its last."""
        last_id = parse_id(content.get("last_id")) or 0
        since = _parse_time(content.get("since"))
        have = _parse_ids(content.get("have"))
        new, changed, complete = await live.on_db(self._missed)(last_id, since, have)
        for view in new:
            await self.send_json(frame("message", view, self.reader))
        for view in changed:
            await self.send_json(frame("changed", view, self.reader))
        await self.send_json({"type": "ready", "complete": complete})

    def _missed(self, last_id: int, since: datetime | None, have: frozenset[int] | None):
        qs = visible_messages(self.user, self.current_collab())
        new_rows = list(
            with_related(qs.filter(pk__gt=last_id).order_by("pk"))[: CATCH_UP_LIMIT + 1]
        )
        complete = len(new_rows) <= CATCH_UP_LIMIT
        new_rows = new_rows[:CATCH_UP_LIMIT]
        late_rows, changed_rows = [], []
        if since is not None and last_id:
            # A margin: a change stamped just before the last event the page saw may have
            # committed (and been published) after it. Resending a change is harmless (the
            # page replaces a message only when its version differs); missing one is not.
            recent = qs.filter(pk__lte=last_id, updated__gt=since - CATCH_UP_MARGIN)
            # What the page names spans its oldest named id to its newest: below that it holds
            # only what it loaded of the history (or nothing), and lacks nothing it should have.
            oldest = min(have, default=last_id) if have is not None else last_id
            for m in with_related(recent.order_by("pk"))[:CATCH_UP_LIMIT]:
                if have is not None and oldest < m.pk and m.pk not in have:
                    # Committed late (see on_hello): the page never had it.
                    late_rows.append(m)
                elif m.updated > m.created:
                    # Messages never changed since they were written are not resent.
                    changed_rows.append(m)
        load_attachments(late_rows + new_rows + changed_rows)
        return (
            [present(m) for m in late_rows + new_rows],
            [present(m) for m in changed_rows],
            complete,
        )

    def _send(self, body, reply_to: int | None, client_id: str):
        # Errors are worded in the reader's language.
        with translation.override(self.reader.language), live.handing_over() as published:
            try:
                message = services.send_message(
                    self.current_collab(),
                    self.user,
                    body,
                    reply_to_id=reply_to,
                    client_id=client_id,
                )
            except (ValidationError, PermissionDenied, services.RateLimited, Http404) as exc:
                raise _Refused(_text(exc)) from exc
            return message, list(published)

    async def on_send(self, content) -> None:
        """Stored in order by the socket's sender task, so the frames behind it (typing,
        reads, pings) are not held up; the service checks the person's rate limit."""
        client_id = content.get("client_id")
        client_id = client_id[:64] if isinstance(client_id, str) else ""
        if self.outbox is None:
            self.outbox = asyncio.Queue()
            self.sender = asyncio.ensure_future(self._sender())
        self.outbox.put_nowait((content, client_id))

    async def _sender(self) -> None:
        while True:
            content, client_id = await self.outbox.get()
            try:
                if not self.closed_for_good:
                    await self._store(content, client_id)
            except Exception:
                # Whatever went wrong with this one (a database error, a bug), the sends
                # queued behind it are still stored: the task lives on, the page hears of it.
                logger.exception("chat: a send over the socket failed")
                with translation.override(self.reader.language):
                    text = gettext("The message could not be sent. Try again.")
                with contextlib.suppress(Exception):
                    await self.send_json({"type": "error", "client_id": client_id, "message": text})
            finally:
                self.outbox.task_done()

    async def _store(self, content, client_id: str) -> None:
        reply_to = None
        if content.get("reply_to") not in (None, "", 0):
            reply_to = parse_id(content["reply_to"])
            if reply_to is None:
                with translation.override(self.reader.language):
                    text = gettext("Bad message number.")
                await self.send_json({"type": "error", "client_id": client_id, "message": text})
                return
        try:
            message, published = await live.on_db(self._send)(
                content.get("body"), reply_to, client_id
            )
        except _Refused as exc:
            await self.send_json({"type": "error", "client_id": client_id, "message": str(exc)})
            return
        # Acknowledged once its event is out to the other pages (live.handing_over).
        if published:
            await asyncio.wait([asyncio.wrap_future(sent) for sent in published])
        await self.send_json({"type": "ack", "client_id": client_id, "id": message.pk})

    async def on_typing(self, content) -> None:
        now = time.monotonic()
        if now - self.last_typing < TYPING_EVERY:
            return
        self.last_typing = now
        await live.on_db(self._typing)()

    def _typing(self) -> None:
        with contextlib.suppress(PermissionDenied, Http404):
            services.typing(self.current_collab(), self.user)

    async def on_read(self, content) -> None:
        last_id = parse_id(content.get("last_id"))
        if last_id is None:
            return
        # At most one marking per READ_EVERY seconds per socket: the page reports every message
        # it shows, and in a busy collab every member's page does so for every message. The
        # newest id waiting is marked when the interval is over; nothing read is lost.
        self.read_waiting = max(self.read_waiting, last_id)
        if self.read_task is None:
            self.read_task = asyncio.ensure_future(self._mark_read_soon())

    async def _mark_read_soon(self) -> None:
        try:
            while self.read_waiting:
                await asyncio.sleep(max(0.0, self.read_at + READ_EVERY - time.monotonic()))
                await self._mark_waiting()
        finally:
            self.read_task = None

    async def _mark_waiting(self) -> None:
        last_id, self.read_waiting = self.read_waiting, 0
        self.read_at = time.monotonic()
        if last_id and not self.closed_for_good:
            # Shielded: a closing page cancels the task waiting for the interval, never a
            # marking under way (its thread would go on, and finish after the page is gone).
            self.marking = asyncio.ensure_future(live.on_db(self._mark_read)(last_id))
            await asyncio.shield(self.marking)

    async def disconnect(self, code) -> None:
        # The page is going away: what it sent is stored and what it reported as read is
        # marked now, not lost (unless access was revoked: then nothing more is done). The
        # wait for its sends is bounded below Daphne's close timeout (10 s), which would
        # otherwise kill the consumer before its groups and presence are cleaned up; what is
        # not stored by then was never acknowledged, and the page sends it again when it
        # reconnects (its client id makes that harmless). A socket closed for flooding has
        # its queued sends dropped: a page never sends that fast.
        try:
            if self.outbox is not None and not self.closed_for_good and code != CLOSE_FLOODING:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.outbox.join(), OUTBOX_GRACE)
        finally:
            if self.sender is not None:
                self.sender.cancel()
            if self.read_task is not None:
                self.read_task.cancel()
        if self.marking is not None and not self.marking.done():
            await asyncio.wait([self.marking])
        if self.read_waiting:
            await self._mark_waiting()
        await super().disconnect(code)

    def _mark_read(self, last_id: int) -> None:
        with contextlib.suppress(PermissionDenied, Http404):
            services.mark_read(self.current_collab(), self.user, last_id)

    # Outbound: the events published to the collab reach the socket through
    # CollabConsumer.collab_event, rendered by the kinds registered in events.py.


class _Refused(Exception):
    """A send the services refused, with the reason in the reader's language."""


def _parse_time(value) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _parse_ids(value) -> frozenset[int] | None:
    """The message ids a page says it holds (a list, at most HAVE_LIMIT of them); None when it
    names none."""
    if not isinstance(value, list):
        return None
    return frozenset(i for i in (parse_id(v) for v in value[:HAVE_LIMIT]) if i is not None)


def _text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "Not allowed."
