"""Reading the history: keyset pages on (collab_id, id), never OFFSET, so any page costs the
same whatever the length of the history."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_date, format_skeleton
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, to_locale

from apps.collabs.models import Collab

from .access import unread_messages, visible_messages
from .models import ReadState
from .presenters import MessageView, load_attachments, present, with_related


@dataclass
class Window:
    messages: list[MessageView]
    has_older: bool
    has_newer: bool
    # The first unread message (the "new messages" divider goes before it), if on this page.
    first_unread_id: int | None = None
    last_read_id: int = 0
    # The message just before the first one shown, when the page's own query read it anyway
    # (the extra row that tells whether there is more): day separators and grouping at the
    # seam between a loaded page and the one put above or below it need it.
    previous: "Neighbour | None" = None

    @property
    def oldest_id(self) -> int | None:
        return self.messages[0].id if self.messages else None

    @property
    def newest_id(self) -> int | None:
        return self.messages[-1].id if self.messages else None


@dataclass(frozen=True)
class Neighbour:
    """What grouping and day separators need to know of the message before another."""

    created: datetime
    author_id: int | None
    is_system: bool
    has_reply: bool = False

    @classmethod
    def of(cls, message) -> "Neighbour":
        """Of a Message row or a MessageView."""
        if isinstance(message, MessageView):
            author_id = message.author.id if message.author else None
            return cls(message.created, author_id, message.is_system, message.reply is not None)
        return cls(
            message.created,
            message.author_id,
            message.is_system,
            message.reply_to_id is not None,
        )


def _page(qs, order: str, limit: int):
    """The ids through the (collab, id) index first, then the rows with their relations.
    Ordering the joined query directly lets PostgreSQL walk the whole primary key backwards
    and filter on collab_id (measured: 500 ms on a quiet collab among busy ones)."""
    ids = qs.order_by(order).values("pk")[: limit + 1]
    rows = list(with_related(qs.model.objects.filter(pk__in=Subquery(ids)).order_by(order)))
    load_attachments(rows)
    return rows


def _older(qs, before_id: int | None, limit: int) -> tuple[list, bool, Neighbour | None]:
    """The page, whether there is more, and the message just before the page (the extra row
    read to know whether there is more)."""
    if before_id is not None:
        qs = qs.filter(pk__lt=before_id)
    rows = _page(qs, "-pk", limit)
    has_more = len(rows) > limit
    previous = Neighbour.of(rows[limit]) if has_more else None
    return [present(m) for m in reversed(rows[:limit])], has_more, previous


def _newer(qs, after_id: int, limit: int) -> tuple[list, bool]:
    rows = _page(qs.filter(pk__gt=after_id), "pk", limit)
    has_more = len(rows) > limit
    return [present(m) for m in rows[:limit]], has_more


def before(user, collab: Collab, before_id: int | None, limit: int) -> Window:
    """The page of messages just older than before_id (the newest page when None)."""
    messages, has_older, previous = _older(visible_messages(user, collab), before_id, limit)
    return Window(messages, has_older, has_newer=before_id is not None, previous=previous)


def after(user, collab: Collab, after_id: int, limit: int) -> Window:
    """The page just newer than after_id. The anchor itself comes in the same query (one row
    more), for the separator and grouping of the page's first message; it is not shown."""
    rows = _page(visible_messages(user, collab).filter(pk__gte=after_id), "pk", limit + 1)
    previous = None
    if rows and rows[0].pk == after_id:
        previous = Neighbour.of(rows.pop(0))
    has_newer = len(rows) > limit
    messages = [present(m) for m in rows[:limit]]
    return Window(messages, has_older=True, has_newer=has_newer, previous=previous)


def around(user, collab: Collab, message_id: int, limit: int) -> Window:
    """A page with message_id in the middle (jump to a message, a search hit, a reply)."""
    qs = visible_messages(user, collab)
    older, has_older, previous = _older(qs, message_id + 1, limit // 2 + 1)
    newer, has_newer = _newer(qs, message_id, limit // 2)
    return Window(older + newer, has_older, has_newer, previous=previous)


def _reading(user, collab: Collab) -> tuple[int, int | None]:
    """The person's read marker and their first unread message (None when nothing is unread),
    in one query: the page then reads only the pages it shows."""
    read_to = Coalesce(
        Subquery(ReadState.objects.filter(user=user, collab=collab).values("last_read_id")[:1]),
        Value(0),
    )
    first_unread = unread_messages(user, collab, read_to).order_by("pk").values("pk")[:1]
    return Collab.objects.filter(pk=collab.pk).values_list(read_to, Subquery(first_unread)).get()


def opening(user, collab: Collab, limit: int) -> Window:
    """Where the chat page opens: at the first unread message with a divider before it, or at
    the end when nothing is unread. "Unread" is access.unread_messages, as for the counters of
    "my collabs": one's own messages and the notes of one's own actions past the marker are
    not news, so no divider stands before them (they show above it, with the context)."""
    read_to, first_unread = _reading(user, collab)
    qs = visible_messages(user, collab)
    newer, has_newer = ([], False)
    if first_unread is not None:
        newer, has_newer = _newer(qs.filter(pk__gte=first_unread), read_to, limit)
    if not newer:
        messages, has_older, previous = _older(qs, None, limit)
        return Window(messages, has_older, has_newer=False, last_read_id=read_to, previous=previous)
    first_unread_id = newer[0].id
    older, has_older, previous = _older(qs, first_unread_id, max(limit // 5, 5))
    return Window(
        older + newer,
        has_older=has_older,
        has_newer=has_newer,
        first_unread_id=first_unread_id,
        last_read_id=read_to,
        previous=previous,
    )


# --- How a window reads: day separators and groups ------------------------------------------

# Consecutive messages of one author closer than this show as one group (no repeated name).
GROUP_GAP = timedelta(minutes=5)


def continues(previous: Neighbour | None, message: Neighbour, tz) -> bool:
    """Whether `message` shows as a continuation of `previous` (no avatar and name again):
    the same author, within GROUP_GAP, on the same day in the reader's time zone, neither a
    system message, and no quote of a reply opening it."""
    if previous is None or message.is_system or previous.is_system or message.has_reply:
        return False
    if message.author_id is None or message.author_id != previous.author_id:
        return False
    gap = message.created - previous.created
    if gap < timedelta(0) or gap > GROUP_GAP:
        return False
    return timezone.localtime(message.created, tz).date() == (
        timezone.localtime(previous.created, tz).date()
    )


def day_label(day: date, today: date, language: str) -> str:
    """ "Today", "Yesterday", else the date as the reader's language writes it (Babel): with
    the (short) weekday within this year, with the year before it."""
    if day == today:
        return gettext("Today")
    if day == today - timedelta(days=1):
        return gettext("Yesterday")
    locale = to_locale(language)
    if day.year == today.year:
        return format_skeleton("MMMMEd", day, locale=locale)
    return format_date(day, format="long", locale=locale)


@dataclass(frozen=True)
class Entry:
    message: MessageView
    # The label of the day separator before the message, or "" for none.
    day: str
    continuation: bool


def entries(window: Window, reader, *, standalone: bool, now: datetime | None = None):
    """The window's messages with what goes before each: a day separator where a new day
    starts (in the reader's time zone) and whether it continues the previous one's group.

    The first message of a standalone page (the chat panel, a plain history page) always gets
    its day; on a page put next to loaded ones (htmx, `standalone=False`) it gets one only if
    its day differs from the message before it, so the seam between two pages has exactly one.
    The "New messages" divider starts a new group."""
    tz = zoneinfo.ZoneInfo(reader.tz)
    today = timezone.localtime(now or timezone.now(), tz).date()
    previous = None if standalone else window.previous
    out = []
    for message in window.messages:
        this = Neighbour.of(message)
        day = timezone.localtime(message.created, tz).date()
        new_day = previous is None or timezone.localtime(previous.created, tz).date() != day
        label = day_label(day, today, reader.language) if new_day else ""
        unread_break = message.id == window.first_unread_id
        out.append(Entry(message, label, not unread_break and continues(previous, this, tz)))
        previous = this
    return out
