"""The chat's live events, registered with the collab's event publisher (apps.collabs.live):
new and changed messages, typing, read receipts (merged: see _merge_reads) and "links" (the
collab's links changed: an open Links tab fetches its list again); the member count is the
core's (apps.collabs.receivers). Services publish them with `live.publish(collab_id, kind,
data, created=...)`; each socket renders them for its reader here (on the event loop: no
database)."""

import json
from collections import OrderedDict

from django.utils import timezone

from apps.collabs import live

from .partials import pinned_link, pushed_frame, remember
from .preview import preview_of_event, render_for_viewer


def _message(event: dict, reader, collab) -> str:
    return pushed_frame("message", event, reader)


def _changed(event: dict, reader, collab) -> str:
    return pushed_frame("changed", event, reader)


def _typing(event: dict, reader, collab) -> dict | None:
    data = event["data"]
    if data["user_id"] == reader.user_id:
        return None
    return {"type": "typing", "user_id": data["user_id"], "name": data["name"]}


def _read(event: dict, reader, collab) -> dict:
    # Whose read markers moved, and to where: one event for every marking a server process
    # made in the collab within live.MERGE_EVERY (see _merge_reads).
    return {"type": "read", "readers": event["data"]["readers"], "ts": event["ts"]}


def _merge_reads(datas: list[dict]) -> dict:
    """The read events held together, as one: each reader once, at the furthest marker."""
    furthest: dict[int, dict] = {}
    for data in datas:
        for entry in data["readers"]:
            known = furthest.get(entry["user_id"])
            if known is None or entry["last_read_id"] > known["last_read_id"]:
                furthest[entry["user_id"]] = entry
    return {"readers": list(furthest.values())}


def _pins(event: dict, reader, collab) -> dict:
    # The toolbar's "N pinned" link, counted within the reader's view of the history, put in
    # place by live.js (a "swap" frame).
    count = sum(1 for created in event["data"]["created"] if reader.may_read(created))
    return {"type": "pins", "count": count, "swap": pinned_link(collab.pk, count, reader.language)}


def _links(event: dict, reader, collab) -> dict:
    # Only a nudge: the tab's list comes from apps.chat.links, through the access rules.
    return {"type": "links"}


# What a member hears of a collab whose chat their page does not show (the list of collabs,
# another collab's chat): a new message's preview and whether it counts for them, the last
# message's new look (edited, deleted), and their own reading (on another device or tab).


# The JSON text of a summary, per event and kind of viewer: every socket of a collab page hears
# its own collab's summaries too (for the list beside the chat), so this runs once per socket
# and message; the text is made once per kind of viewer.
_summaries: OrderedDict[tuple, str] = OrderedDict()


def _message_summary(event: dict, viewer, collab_id: int) -> str:
    data = event["data"]
    message = data["message"]
    preview = preview_of_event(message)
    own = preview.by_id is not None and preview.by_id == viewer.user_id
    # Unread for the viewer (apps.chat.access.unread_messages): not their own doing.
    mention = not own and viewer.user_id in data.get("mentioned", ())
    key = (collab_id, message["id"], message["updated"], event["ts"], own, mention)
    key += (viewer.language, viewer.tz, timezone.now().date())
    text = _summaries.get(key)
    if text is None:
        summary = {
            "type": "activity",
            "collab_id": collab_id,
            "id": message["id"],
            "preview": render_for_viewer(preview, message["updated"], viewer),
            "unread": not own,
            "mention": mention,
        }
        text = remember(_summaries, key, json.dumps(summary))
    return text


def _changed_summary(event: dict, viewer, collab_id: int) -> dict:
    message = event["data"]["message"]
    preview = preview_of_event(message)
    return {
        "type": "activity",
        "collab_id": collab_id,
        "id": message["id"],
        "changed": True,
        "preview": render_for_viewer(preview, message["updated"], viewer),
    }


def _read_summary(event: dict, viewer, collab_id: int) -> dict | None:
    # The viewer's own reading, on another page or device: their counter of the collab drops.
    for entry in event["data"]["readers"]:
        if entry["user_id"] == viewer.user_id:
            return {"type": "activity", "collab_id": collab_id, "read": entry["last_read_id"]}
    return None


def register() -> None:
    live.register_event("message", _message, summary=_message_summary)
    live.register_event("changed", _changed, summary=_changed_summary)
    live.register_event("typing", _typing)
    live.register_event("read", _read, summary=_read_summary, merge=_merge_reads)
    live.register_event("links", _links)
    live.register_event("pins", _pins)
