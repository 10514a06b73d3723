"""What the list of collabs shows of a collab's chat: the last message in one line ("Anna:
the mock-up is ready"), with a short time, for the page (from the database, in one query for
all the rows) and for the live summaries (from the event, no database).

The line is plain text: a message's sanitized HTML with its tags stripped, or a system message's
sentence in the reader's language. It is autoescaped by the template like any text."""

import html as html_lib
import zoneinfo
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock

import nh3
from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from . import system
from .models import Message

PREVIEW_LENGTH = 90


def plain_line(html: str, length: int = PREVIEW_LENGTH) -> str:
    """The text of sanitized message HTML on one line, cut to `length` characters."""
    text = " ".join(html_lib.unescape(nh3.clean(html, tags=set())).split())
    if len(text) > length:
        text = text[: length - 1].rstrip() + "…"
    return text


def _attached(labels: list[str]) -> str:
    """What a message has attached, for its preview (shown after a paperclip): the first
    label, and how many more ("report.pdf +2")."""
    if not labels:
        return ""
    return labels[0] if len(labels) == 1 else f"{labels[0]} +{len(labels) - 1}"


@dataclass(frozen=True)
class Preview:
    message_id: int
    # Whose doing the message is (author, or the actor of a system message); None: nobody's.
    by_id: int | None
    author_name: str
    system_type: str
    system_data: dict
    text: str  # a person's message as one line ("" for a system message or a deleted one)
    deleted: bool
    created: datetime
    # What is attached (a file's name), shown after a paperclip; "" for nothing.
    attached: str = ""

    @property
    def is_system(self) -> bool:
        return bool(self.system_type)

    @classmethod
    def of(cls, message: Message) -> "Preview":
        author = message.author
        return cls(
            message_id=message.pk,
            by_id=message.author_id or message.actor_id,
            author_name=(author.full_name or author.email) if author else "",
            system_type=message.system_type if message.kind == Message.Kind.SYSTEM else "",
            system_data=message.system_data,
            text="" if message.is_deleted else plain_line(message.html),
            attached=""
            if message.is_deleted
            else _attached([a.label for a in getattr(message, "attachment_list", ())]),
            deleted=message.is_deleted,
            created=message.created,
        )

    @classmethod
    def of_event(cls, data: dict) -> "Preview":
        """From a "message" or "changed" event's message (presenters.MessageView.to_event)."""
        author = data.get("author")
        system_kind = data["kind"] == Message.Kind.SYSTEM
        return cls(
            message_id=data["id"],
            by_id=author["id"] if author else data.get("actor_id"),
            author_name=author["name"] if author else "",
            system_type=data["system_type"] if system_kind else "",
            system_data=data["system_data"],
            text="" if data["deleted"] else plain_line(data["html"]),
            attached=""
            if data["deleted"]
            else _attached([a["label"] for a in data.get("attachments", ())]),
            deleted=data["deleted"],
            created=datetime.fromisoformat(data["created"]),
        )

    @property
    def who(self) -> str:
        """The author as a list of chats names them: the first name."""
        return self.author_name.split(maxsplit=1)[0] if self.author_name.strip() else ""

    def line(self) -> str:
        """The preview's text in the active language."""
        if self.is_system:
            return system.render(self.system_type, self.system_data)
        if self.deleted:
            return gettext("Message deleted")
        return self.text


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (ValueError, TypeError):
        return Locale.parse("en")


def short_when(moment: datetime, tz: str | None = None, language: str | None = None) -> str:
    """When, as a list of chats shows it: the time today, "Yesterday", the weekday within a
    week, else the day and month (and the year when not this year); CLDR patterns (Babel) in
    `language` (the active one by default) and the time zone `tz` (the active one)."""
    zone = zoneinfo.ZoneInfo(tz) if tz else timezone.get_current_timezone()
    locale = _locale(language or translation.get_language() or "en")
    local = moment.astimezone(zone)
    today = timezone.now().astimezone(zone).date()
    day = local.date()
    if day == today:
        return format_time(local, "short", locale=locale)
    if day == today - timedelta(days=1):
        with translation.override(locale.language):
            return gettext("Yesterday")
    if today - day < timedelta(days=7):
        return format_skeleton("EEE", local, locale=locale)
    if day.year == today.year:
        return format_skeleton("MMMd", local, locale=locale)
    return format_date(local, "short", locale=locale)


def render_preview(preview: Preview, viewer_id: int) -> str:
    """The preview partial (who, what, when) in the active language and time zone."""
    return render_to_string(
        "chat/_preview.html",
        {
            "preview": preview,
            "own": preview.by_id == viewer_id and not preview.is_system,
            "when": short_when(preview.created),
        },
    )


_CACHE_SIZE = 2048
_cache: OrderedDict[tuple, str] = OrderedDict()
_events: OrderedDict[tuple, Preview] = OrderedDict()
_lock = Lock()


def _remember(store: OrderedDict, key, value):
    with _lock:
        store[key] = value
        if len(store) > _CACHE_SIZE:
            store.popitem(last=False)
    return value


def preview_of_event(data: dict) -> Preview:
    """The preview of an event's message, made once per message version in this process (not
    once per socket that hears it: the text is cleaned of markup on the way)."""
    key = (data["id"], data["updated"])
    with _lock:
        found = _events.get(key)
    return found if found is not None else _remember(_events, key, Preview.of_event(data))


def render_for_viewer(preview: Preview, version: str, viewer) -> str:
    """The preview partial for a live summary, in the viewer's (a Reader's) language and time
    zone. One render per message version, kind of reader (own or not), language, time zone
    and day (the short time reads differently tomorrow), however many sockets hear it."""
    own = preview.by_id is not None and preview.by_id == viewer.user_id
    key = (preview.message_id, version, own, viewer.language, viewer.tz, timezone.now().date())
    with _lock:
        text = _cache.get(key)
        if text is not None:
            _cache.move_to_end(key)
            return text
    with translation.override(viewer.language), timezone.override(zoneinfo.ZoneInfo(viewer.tz)):
        return _remember(_cache, key, render_preview(preview, viewer.user_id))
