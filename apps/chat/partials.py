"""Rendering a message partial for one reader: the same template serves the page, the htmx
swap and the WebSocket push. Renders are cached per process by everything that changes the
output (message version, language, time zone, the reader's rights over it), so a message
pushed to a hundred readers is rendered once per kind of reader."""

import json
import zoneinfo
from collections import OrderedDict
from functools import lru_cache
from threading import Lock

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation

from apps.collabs import features
from apps.collabs.readers import Reader

from . import attachments
from .presenters import MessageView

_CACHE_SIZE = 4096
_cache: OrderedDict[tuple, str] = OrderedDict()
_lock = Lock()


def message_context(message: MessageView, reader: Reader) -> dict:
    """What the message partial shows this reader. The partial carries no form and no
    per-reader action: its "⋯" link opens the page's one shared menu (chat.js, filled from
    what the page knows of the reader) or, without JavaScript, the message's actions page
    (views.actions); its reaction chips submit the page's one shared form (`form="msg-act"`).
    So it differs between readers of one language and zone only in what the access layer
    hides (a quoted reply, an attachment), and in marking the reader's own reactions. Whose
    message it is the page knows from `data-author` (chat.js): so one render serves the author's
    page and everyone else's."""
    return {
        # Each attachment with its kind's template, or None where the reader may not see it.
        "attached": [
            (a, attachments.kind_of(a.kind).template)
            if attachments.visible_to(a.kind, reader.rights)
            else (a, None)
            for a in message.attachments
        ],
        "m": message,
        # A reply must not quote what a newcomer may not read.
        "reply_hidden": bool(message.reply and not reader.may_read(message.reply.created)),
    }


# Addresses in the partial, made once per process by reverse() with a placeholder and filled
# with str.replace: reverse() per message and per link was a fifth of a partial's render.
_PLACEHOLDER = 987654321


@lru_cache(maxsize=8)
def _url_patterns() -> dict[str, str]:
    return {
        name: reverse(f"chat:{name}", args=[_PLACEHOLDER, _PLACEHOLDER + 1])
        for name in ("actions", "react", "revisions")
    } | {"avatar": reverse("users:user_avatar", args=[_PLACEHOLDER])}


def _url(name: str, *ids: int) -> str:
    url = _url_patterns()[name]
    if len(ids) == 2:
        url = url.replace(str(_PLACEHOLDER + 1), str(ids[1]))
    return url.replace(str(_PLACEHOLDER), str(ids[0]), 1)


def _bits(message: MessageView) -> dict:
    """What the partial shows of the message's numbers, times and addresses, as strings made
    here once (in the reader's language and zone, active while rendering) instead of by a
    dozen template filters and {% url %} tags: the same text, several times faster."""
    local = timezone.localtime(message.created)
    author = message.author
    return {
        "id": str(message.id),
        "ts": str(int(message.created.timestamp())),
        "day": local.date().isoformat(),
        "iso": local.isoformat(),
        "title": formats.date_format(local, "DATETIME_FORMAT"),
        "hm": local.strftime("%H:%M"),
        "author_id": str(author.id) if author else "",
        "avatar": _url("avatar", author.id) if author and author.has_avatar else "",
        "actions": _url("actions", message.collab_id, message.id),
        "react": _url("react", message.collab_id, message.id) if message.reactions else "",
        "revisions": _url("revisions", message.collab_id, message.id) if message.edited else "",
    }


def _key(message: MessageView, reader: Reader, ctx: dict) -> tuple:
    """Everything that changes the rendered partial."""
    return (
        message.id,
        message.version,
        reader.language,
        reader.tz,
        ctx["reply_hidden"],
        tuple(template is not None for _a, template in ctx["attached"]),
        # The author's name, avatar and badges may change without the message changing.
        message.author,
        # Reactions show "mine" differently.
        reader.user_id if message.reactions else 0,
    )


def render_for(message: MessageView, reader: Reader) -> str:
    return _render(message, reader, message_context(message, reader))[1]


def _render(message: MessageView, reader: Reader, ctx: dict) -> tuple[tuple, str]:
    key = _key(message, reader, ctx)
    with _lock:
        html = _cache.get(key)
        if html is not None:
            _cache.move_to_end(key)
            return key, html
    with translation.override(reader.language), timezone.override(zoneinfo.ZoneInfo(reader.tz)):
        html = render_to_string(
            "chat/_message.html", {**ctx, "reader": reader, "t": _bits(message)}
        )
    with _lock:
        _cache[key] = html
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return key, html


# Pushed frames, for the event loop of a server process: one event reaches every socket of
# the collab in the process, and the frame text (the partial inside its JSON envelope) is the
# same for all the readers of one kind, so it is built once per kind, not once per socket.
_views: OrderedDict[tuple, MessageView] = OrderedDict()
_alike: OrderedDict[tuple, str] = OrderedDict()
PUSHED_SIZE = 1024


def remember(store: OrderedDict, key, value, size: int = PUSHED_SIZE):
    """Keep `value` under `key` in a store of the event loop (no lock: one thread), dropping
    the oldest entry past `size`; returns `value`."""
    store[key] = value
    if len(store) > size:
        store.popitem(last=False)
    return value


def pushed_frame(kind: str, event: dict, reader: Reader) -> str:
    """The JSON text of a "message" or "changed" event for this reader. Called once per socket
    of the collab: the readers alike in everything the frame shows of it (language, zone,
    rights, view of the history; themselves only when the message has reactions) get the
    text the first of them got, found by one look-up."""
    data = event["data"]["message"]
    event_key = (kind, data["id"], data["updated"], event["ts"])
    alike = (
        event_key,
        reader.language,
        reader.tz,
        reader.rights,
        reader.sees_from,
        reader.user_id if data["reactions"] else 0,
    )
    text = _alike.get(alike)
    if text is None:
        view = _views.get(event_key)
        if view is None:
            view = remember(_views, event_key, MessageView.from_event(data))
        html = _render(view, reader, message_context(view, reader))[1]
        frame = {**_envelope(kind, view, html), "may": reader_may(reader), "ts": event["ts"]}
        text = remember(_alike, alike, json.dumps(frame))
    return text


def frame(kind: str, message: MessageView, reader: Reader) -> dict:
    """A "message" or "changed" frame for this reader (catch-up after a reconnect)."""
    return {**_envelope(kind, message, render_for(message, reader)), "may": reader_may(reader)}


def reader_may(reader: Reader) -> tuple[str, ...]:
    """What the page's shared "⋯" menu may offer this reader, beyond what anyone who reads may
    do (react, copy a link, edit and delete their own): "post" (reply, pin), "moderate"
    (delete anyone's message) and the keys of the features' message actions allowed. The page
    renders it (data-may), and every pushed frame carries it, so a promotion or a demotion
    shows in the menu at once; the server checks every action anyway."""
    return _may(reader.rights)


@lru_cache(maxsize=256)
def _may(rights: frozenset[str]) -> tuple[str, ...]:
    reader = Reader(user_id=0, language="", tz="UTC", rights=rights)
    return (
        *(("post",) if reader.can_post else ()),
        *(("moderate",) if reader.can_moderate else ()),
        *(f"feature:{item.key}" for item in features.message_actions(rights)),
    )


def _envelope(kind: str, view: MessageView, html: str) -> dict:
    return {
        "type": kind,
        "id": view.id,
        "version": view.version,
        "html": html,
        # Whose doing it is (the author, or who did what a system message tells): the page
        # counts in its title only what is not the reader's own, and scrolls to their own.
        "author_id": view.by_id,
    }


@lru_cache(maxsize=512)
def pinned_link(collab_id: int, count: int, language: str) -> dict:
    """The chat toolbar's "N pinned" link, for a live "swap" (live.js): the element's id and
    its new HTML."""
    with translation.override(language):
        html = render_to_string(
            "chat/_pinned_link.html", {"collab_id": collab_id, "pinned_count": count}
        )
    return {"id": "chat-pinned", "html": html}
