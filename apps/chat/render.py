"""Rendering a message partial for one reader: the same template serves the page, the htmx
swap and the WebSocket push. Renders are cached per process by everything that changes the
output (message version, language, time zone, the reader's rights over it), so a message
pushed to a hundred readers is rendered once per kind of reader."""

import zoneinfo
from collections import OrderedDict
from dataclasses import astuple, dataclass
from datetime import datetime
from threading import Lock

from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import ALLOWED_REACTIONS
from .presenters import MessageView

# Forms in the partial carry this marker instead of a CSRF token: the HTML is shared between
# readers (and pushed over the socket), so the page fills in the reader's token
# (fill_csrf) and the script does the same for pushed messages.
CSRF_MARKER = "__csrf__"

_CACHE_SIZE = 4096
_cache: OrderedDict[tuple, str] = OrderedDict()
_lock = Lock()


@dataclass(frozen=True)
class Reader:
    """Who reads: decides the language, the time zone and which actions the partial offers."""

    user_id: int
    language: str
    tz: str
    can_post: bool
    can_moderate: bool
    # When the reader's view of the history starts (a newcomer in a collab whose earlier
    # history is closed to them): a reply must not quote what they may not read.
    sees_from: datetime | None = None

    def context(self, message: MessageView) -> dict:
        own = bool(message.author and message.author.id == self.user_id)
        return {
            "m": message,
            "reply_hidden": bool(
                message.reply and self.sees_from and message.reply.created < self.sees_from
            ),
            "own": own,
            "can_post": self.can_post,
            "can_delete": not message.is_system and (own or self.can_moderate),
            "reactions_menu": ALLOWED_REACTIONS,
        }


def render_for(message: MessageView, reader: Reader) -> str:
    ctx = reader.context(message)
    key = (
        message.id,
        message.version,
        reader.language,
        reader.tz,
        ctx["own"],
        ctx["can_post"],
        ctx["can_delete"],
        ctx["reply_hidden"],
        # The author's name, avatar and badges may change without the message changing.
        astuple(message.author) if message.author else None,
        # Reactions show "mine" differently.
        reader.user_id if message.reactions else 0,
    )
    with _lock:
        html = _cache.get(key)
        if html is not None:
            _cache.move_to_end(key)
            return html
    with translation.override(reader.language), timezone.override(zoneinfo.ZoneInfo(reader.tz)):
        html = render_to_string("chat/_message.html", {**ctx, "reader": reader})
    with _lock:
        _cache[key] = html
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return html


def fill_csrf(html: str, token: str) -> str:
    """Put the reader's CSRF token into the forms of a rendered partial (page renders)."""
    return html.replace(CSRF_MARKER, token)
