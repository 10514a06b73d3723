"""The chat's live events, registered with the collab's event publisher (apps.collabs.live):
new and changed messages, typing, read receipts and "links" (the collab's links changed: an open
Links tab fetches its list again); the member count is the core's (apps.collabs.receivers).
Services publish them with `live.publish(collab_id, kind, data, created=...)`; each socket
renders them for its reader here (on the event loop: no database)."""

from apps.collabs import live

from .partials import pushed_frame


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
    data = event["data"]
    return {
        "type": "read",
        "user_id": data["user_id"],
        "name": data["name"],
        "last_read_id": data["last_read_id"],
        "ts": event["ts"],
    }


def _links(event: dict, reader, collab) -> dict:
    # Only a nudge: the tab's list comes from apps.chat.links, through the access rules.
    return {"type": "links"}


def register() -> None:
    live.register_event("message", _message)
    live.register_event("changed", _changed)
    live.register_event("typing", _typing)
    live.register_event("read", _read)
    live.register_event("links", _links)
