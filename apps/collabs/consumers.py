import json
import logging
from time import monotonic

from autobahn.exception import Disconnected
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import DatabaseError
from django.http import Http404
from django.utils.translation import gettext

from apps.accounts.services import session_signs_in
from collabhub import wsguard
from collabhub.layers import LAYER_DOWN

from . import live, presence
from .models import Membership
from .permissions import get_collab_for, membership_of, rights_unchanged
from .readers import Reader, language_of_scope, reader_for

# Close codes: 4403 is "access revoked"; the client does not reconnect after it.
CLOSE_REVOKED = 4403
# The server lost its channel-layer connection (Redis restarted, collabhub/layers.py) and may
# have missed events for the socket: the page reconnects and catches up (static/js/live.js).
CLOSE_RECONNECT = 4503

logger = logging.getLogger(__name__)


def _collab_ids(user) -> set[int]:
    """The collabs whose events reach the person's sockets: those they are in now."""
    return set(Membership.objects.active().filter(user=user).values_list("collab_id", flat=True))


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """The live connection of a signed-in person's page: one socket per page, in the groups of
    all their collabs and of their own. A page that shows no collab (the list of collabs, the
    profile) has this one (/ws/me/); a collab's pages have CollabConsumer, which shows that
    collab in full. Of the other collabs the socket passes on only what their events' kinds
    summarise (live.summary_for: a new message's preview, the person's own reading), so the
    counters and the list of collabs stay live on every page.

    Who is in which group follows the memberships: a new one joins the socket to its collab
    (the membership's save sends `access.changed` to the person's group), an ended one leaves
    it (`access.revoked` with the collab's id); the page then hears {"type": "collabs"}."""

    # The collab the page shows in full (CollabConsumer); None here.
    collab_id: int | None = None
    closed_for_good = False
    # The collabs whose groups the socket is in, besides its own.
    other_collabs: frozenset[int] = frozenset()

    async def websocket_connect(self, message) -> None:
        """Connect; while Redis is away (the groups cannot be joined), the socket is refused
        with one line in the log instead of a traceback, and the page retries."""
        try:
            await super().websocket_connect(message)
        except LAYER_DOWN as exc:
            logger.warning("socket refused: the channel layer is down (%r)", exc)
            await self.disconnect(CLOSE_RECONNECT)
            self.groups_joined = []
            self.other_collabs = frozenset()
            await self.close(code=CLOSE_RECONNECT)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_REVOKED)
            return
        if await self._cooling_down(user):
            return
        self.groups_joined = [live.user_group(user.pk)]
        await self.channel_layer.group_add(self.groups_joined[0], self.channel_name)
        self.viewer = self._viewer(user)
        await self._follow_collabs()
        await self.accept()

    async def _cooling_down(self, user) -> bool:
        """A person whose socket was closed for flooding a moment ago (wsguard's cool-down) is
        refused before any other work; their page retries with its backoff."""
        if await live.on_db(wsguard.cooling_down)(user.pk):
            await self.close(code=wsguard.CLOSE_FLOODING)
            return True
        return False

    def _viewer(self, user) -> Reader:
        """Who hears the summaries: the person, in their language and time zone, with no
        rights (a summary is for every member)."""
        language = language_of_scope(self.scope, user)
        return Reader(
            user_id=user.pk, language=language, tz=user.timezone or "UTC", rights=frozenset()
        )

    async def _follow_collabs(self) -> bool:
        """Join the groups of the person's collabs, leave those they are no longer in.
        Returns whether anything changed."""
        ids = await live.on_db(_collab_ids)(self.scope["user"])
        ids.discard(self.collab_id)
        ids = frozenset(ids)
        joined, left = ids - self.other_collabs, self.other_collabs - ids
        for collab_id in joined:
            await self.channel_layer.group_add(live.collab_group(collab_id), self.channel_name)
        for collab_id in left:
            await self.channel_layer.group_discard(live.collab_group(collab_id), self.channel_name)
        self.other_collabs = ids
        return bool(joined or left)

    async def _leave_collab(self, collab_id: int) -> None:
        if collab_id in self.other_collabs:
            await self.channel_layer.group_discard(live.collab_group(collab_id), self.channel_name)
            self.other_collabs = self.other_collabs - {collab_id}
            await self.send_json({"type": "collabs"})

    async def collab_event(self, message) -> None:
        """An event published to one of the person's collabs (live.publish)."""
        if self.closed_for_good:
            return
        collab_id = message.get("collab_id")
        if collab_id not in self.other_collabs:
            return
        text = live.summary_for(message["event"], self.viewer, collab_id)
        if text is not None:
            await self.send(text_data=text)

    async def user_event(self, message) -> None:
        """An event for this person alone (live.publish_to_user), passed on to the page as it
        is: {"type": "user.event", "kind": ..., "data": {...}}. Every socket of the person
        hears it, a collab page's (CollabConsumer inherits this) as the /ws/me/ one."""
        if self.closed_for_good:
            return
        event = message.get("event") or {}
        await self.send_json(
            {"type": "user.event", "kind": event.get("kind"), "data": event.get("data") or {}}
        )

    async def access_changed(self, event) -> None:
        """A membership of the person's was saved (joined, a new role, left): follow the
        groups of the collabs they are in now."""
        if self.closed_for_good:
            return
        if await self._follow_collabs():
            await self.send_json({"type": "collabs"})

    async def access_revoked(self, event) -> None:
        if self.closed_for_good:
            return
        if event.get("collab_id") is None:
            await self._close_for_good()
        else:
            await self._leave_collab(event["collab_id"])

    async def _close_for_good(self) -> None:
        # From here on nothing more is sent to this socket, even if events are queued.
        self.closed_for_good = True
        await self.disconnect(CLOSE_REVOKED)
        self.groups_joined = []
        self.other_collabs = frozenset()
        await self.close(code=CLOSE_REVOKED)

    async def __call__(self, scope, receive, send) -> None:
        """Frames for a socket that has just closed are dropped. Between the connection's end
        (the client went away, or the frame guard closed it) and the consumer's handling of
        its websocket.disconnect, events and acks keep coming; Daphne refuses each send with
        autobahn's Disconnected (the ASGI spec lets a server raise an OSError there), which,
        uncaught, ended the consumer without its disconnect(): groups never left, presence row
        never deleted, the chat's sender task left pending (bench/chat's flood logged them).
        The disconnect is on its way and does what a closed socket needs."""

        async def send_unless_closed(message) -> None:
            try:
                await send(message)
            except (Disconnected, OSError):
                if message.get("type") != "websocket.send":
                    raise

        await super().__call__(scope, receive, send_unless_closed)

    async def dispatch(self, message) -> None:
        """Channels' dispatch first hops to the one thread for synchronous code to close stale
        database connections, before every frame and every group event. Our handlers reach
        the database only through live.on_db (database_sync_to_async), which does that itself
        in its thread; so here the hop is skipped, and a pushed event costs no wait behind other
        sockets' database work (bench/chat: the main cost of delivering to 100 members)."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def layer_reconnect(self, message) -> None:
        """The process's channel layer lost Redis (collabhub/layers.py): what was published
        meanwhile never reached this socket. Closed so that the page reconnects and catches up
        from the database."""
        if not self.closed_for_good:
            await self.close(code=CLOSE_RECONNECT)

    async def disconnect(self, code) -> None:
        user = self.scope.get("user")
        if code == wsguard.CLOSE_FLOODING and user is not None and user.is_authenticated:
            await live.on_db(wsguard.cool_down)(user.pk)
        groups = [
            *getattr(self, "groups_joined", []),
            *(live.collab_group(collab_id) for collab_id in self.other_collabs),
        ]
        for group in groups:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception as exc:  # Redis away: the groups are left locally all the same
                logger.warning("leaving %s while the channel layer is down: %r", group, exc)

    async def websocket_receive(self, message) -> None:
        # A socket closed for good (access revoked) has the rest of its queue dropped unread.
        if self.closed_for_good:
            return
        await super().websocket_receive(message)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        """Every inbound frame is a JSON object with a string "type"; anything else (binary,
        not JSON, too deeply nested, a list, a type that is not a string) gets an error frame
        and the socket lives on."""
        content = None
        if text_data is not None:
            try:
                content = json.loads(text_data)
            except (ValueError, RecursionError):
                content = None
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_json({"type": "error", "message": self.bad_frame_text()})
            return
        await self.receive_json(content)

    def bad_frame_text(self) -> str:
        return gettext("The server could not read that frame.")

    async def receive_json(self, content, **kwargs) -> None:
        if content["type"] == "ping":
            await self.heard_from_client()
            await self.send_json({"type": "pong"})

    async def heard_from_client(self) -> None:
        """The page's heartbeat (a "ping" frame every 25 s)."""

    def _session_key(self) -> str | None:
        session = self.scope.get("session")
        return getattr(session, "session_key", None) if session is not None else None

    async def session_check(self, event) -> None:
        """A sign-out or a password change: a socket whose session no longer signs its user in
        closes as a revoked one does (the page reloads, and the server decides what it shows)."""
        if self.closed_for_good:
            return
        key = self._session_key()
        ended = event.get("ended")
        if ended and key and live.session_tag(key) == ended:
            still = False
        else:
            still = await live.on_db(session_signs_in)(key, self.scope["user"].pk)
        if not still:
            await self._close_for_good()


class CollabConsumer(LiveConsumer):
    """The live connection of an open collab page. Access is checked on connect through the
    access layer; removal or deactivation closes it (see live.revoke). Events published to the
    collab (live.publish) reach the socket's reader as their kind's renderer makes them, when
    the reader holds the rights they need; the person's other collabs are heard of as on any
    page (LiveConsumer). While open, the socket keeps its person's presence (presence.py): a
    row written on connect, refreshed by the heartbeat, deleted on close."""

    reader: Reader
    # When this socket last wrote its presence row (monotonic seconds); None: it keeps none
    # (not open yet, refused, or closed).
    presence_written: float | None = None
    # Whether the page lists the person's collabs beside this one (the query string's
    # "rail=1"): it then hears this collab's summaries too, for the list's preview.
    with_rail = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_REVOKED)
            return
        if await self._cooling_down(user):
            return
        self.collab_id = self.scope["url_route"]["kwargs"]["collab_id"]
        self.with_rail = b"rail=1" in self.scope.get("query_string", b"").split(b"&")
        # Join the groups before checking access: a removal that commits between the check
        # and the join would otherwise send its revocation to nobody.
        self.groups_joined = [live.collab_group(self.collab_id), live.user_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        try:
            collab = await live.on_db(get_collab_for)(user, self.collab_id)
        except Http404:
            await self.disconnect(CLOSE_REVOKED)
            self.groups_joined = []
            await self.close(code=CLOSE_REVOKED)
            return
        self.collab = collab
        self.language = language_of_scope(self.scope, user)
        self.reader = await live.on_db(reader_for)(user, collab, self.language)
        self.viewer = self._viewer(user)
        await self._follow_collabs()
        await self.on_access_granted(user, collab)
        await self._presence(presence.connected)
        await self.accept()

    def current_collab(self):
        """The collab with the user's membership, for a frame about to act (in the database
        thread). The collab and its settings are those found on connect or after the last
        change (every saved change of the membership or the collab sends `access.changed` on
        commit, see receivers.py); the membership itself is checked against the database on
        every call, with the collab's settings, by one light query: a removal or a new rule that
        committed a moment ago holds for this frame even if its event is still on its way.
        Http404 when the membership has ended."""
        membership = membership_of(self.scope["user"], self.collab)
        if membership is None or not rights_unchanged(self.collab, membership):
            self.collab = self._recheck()
        return self.collab

    async def access_changed(self, event) -> None:
        if self.closed_for_good:
            return
        if event.get("collab_id") != self.collab_id:
            await super().access_changed(event)
            return
        try:
            self.collab = await live.on_db(self._recheck)()
        except Http404:
            await self.access_revoked({"collab_id": self.collab_id})

    def _recheck(self):
        # A new role or new settings change what the pushed partials offer and which events
        # reach the reader.
        collab = get_collab_for(self.scope["user"], self.collab_id)
        self.reader = reader_for(self.scope["user"], collab, self.language)
        return collab

    async def collab_event(self, message) -> None:
        """An event published to the collab (live.publish), for this socket's reader; of the
        person's other collabs, the summaries (LiveConsumer)."""
        if self.closed_for_good:
            return
        collab_id = message.get("collab_id", self.collab_id)
        if collab_id != self.collab_id:
            await super().collab_event(message)
            return
        text = live.frame_for(message["event"], self.reader, self.collab)
        if text is not None:
            await self.send(text_data=text)
        if self.with_rail:
            summary = live.summary_for(message["event"], self.viewer, collab_id)
            if summary is not None:
                await self.send(text_data=summary)

    async def on_access_granted(self, user, collab) -> None:
        """For subclasses (the chat): set up what the connection needs before it opens."""

    async def disconnect(self, code) -> None:
        await super().disconnect(code)
        # Called twice for a socket closed by revocation (at once, then when it is gone): the
        # row goes the first time.
        if self.presence_written is not None:
            self.presence_written = None
            await self._presence(presence.disconnected)

    async def heard_from_client(self) -> None:
        """The page's heartbeat (a "ping" frame every 25 s; subclasses that handle pings
        themselves call this too): the socket's presence row is refreshed, at most once every
        presence.REFRESH_EVERY seconds, so most pings write nothing."""
        if self.presence_written is None or self.closed_for_good:
            return
        if monotonic() - self.presence_written < presence.REFRESH_EVERY:
            return
        await self._presence(presence.seen)

    async def _presence(self, change) -> None:
        """presence.connected, .seen or .disconnected for this socket, in the database thread.
        Presence is not worth a socket: a failure is logged, the socket lives on, and its next
        refresh writes the row again (presence.seen)."""
        if change is not presence.disconnected:
            self.presence_written = monotonic()
        try:
            await live.on_db(change)(self.channel_name, self.scope["user"].pk, self.collab_id)
        except DatabaseError:
            logger.exception("presence: %s failed", change.__name__)

    async def access_revoked(self, event) -> None:
        if self.closed_for_good:
            return  # closed already (a revocation and an access check may both arrive)
        collab_id = event.get("collab_id")
        if collab_id in (None, self.collab_id):
            await self._close_for_good()
        else:
            await self._leave_collab(collab_id)
