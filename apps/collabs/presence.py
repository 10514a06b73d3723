"""Who is online: someone with at least one collab page open, that is a live socket to any
collab, held by any server process.

Each socket keeps a row (models.Presence): written when it opens (`connected`), its seen_at
refreshed by the page's heartbeat at most once every REFRESH_EVERY seconds (`seen`), deleted
when it closes, a revocation included (`disconnected`). Someone is online while they have a row
seen within FRESH (`online_user_ids`, `is_online`): the rows of a process that died stop
counting within two minutes, and the periodic job prune_presence deletes them after STALE.

The pages hear of the changes as a live event of the kind "presence", frame
`{"type": "presence", "people": [{"user_id": <id>, "online": true|false}, ...]}`, published to
every collab the person is a member of (guests included; one group_send per collab) when their
first fresh socket appears and when their last one goes. Not for their own sockets: their page
knows. The kind is merged (live.register_event's `merge`): the changes a server process
publishes to one collab within a second go out as one frame, each person once at their last
state. Without it, a thousand pages opening at once (a server restarted, its pages coming back)
made a frame for every page already open per page opening: half a million frames, and the
process spent minutes on them (bench/chat).

Why the last socket's close cannot miss its "offline": these functions run in autocommit (the
socket's database thread, the periodic command: never inside a transaction), so each statement
commits on its own, and a socket that goes first deletes its row, then looks for fresh rows
left. Of two sockets of one person closing at once, the one that looks last looks after the
other's delete committed and does not see its row: at least one of them publishes. The same
order (insert, then look for the others) makes the first socket's "online" certain. Both may
publish in a race; a duplicate is harmless.
"""

import json
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from . import live
from .models import Membership, Presence

# A row seen within this is a socket alive: the page pings every 25 s and a socket writes at
# most once a minute, so a live socket's row is never older than about 85 s.
FRESH = timedelta(minutes=2)
# Seconds between two refreshes of one socket's row (most pings write nothing).
REFRESH_EVERY = 60
# Rows not seen for this long are deleted by prune_presence.
STALE = timedelta(minutes=10)

KIND = "presence"


def online_user_ids(user_ids: Iterable[int] | QuerySet) -> set[int]:
    """Which of these users are online (one query, whatever their number). `user_ids` may be
    a queryset of ids (values_list("user_id", flat=True)): it goes in as a subquery."""
    if not isinstance(user_ids, QuerySet):
        user_ids = set(user_ids)
        if not user_ids:
            return set()
    fresh = Presence.objects.filter(user_id__in=user_ids, seen_at__gte=timezone.now() - FRESH)
    return set(fresh.values_list("user_id", flat=True).distinct())


def is_online(user_id: int) -> bool:
    return Presence.objects.filter(user_id=user_id, seen_at__gte=timezone.now() - FRESH).exists()


def connected(channel_name: str, user_id: int, collab_id: int) -> None:
    """A socket of `user_id` to `collab_id` opened (its access granted)."""
    now = timezone.now()
    Presence.objects.create(
        channel_name=channel_name,
        user_id=user_id,
        collab_id=collab_id,
        connected_at=now,
        seen_at=now,
    )
    if not _others_fresh(user_id, channel_name, now):
        _announce(user_id, online=True)


def seen(channel_name: str, user_id: int, collab_id: int) -> None:
    """The socket's page is still there (its heartbeat): refresh the row. One UPDATE, unless
    the row went stale (the process stalled) or was pruned meanwhile: then it is written
    again, and the person is back online if no other socket of theirs is fresh."""
    now = timezone.now()
    fresh = Presence.objects.filter(channel_name=channel_name, seen_at__gte=now - FRESH)
    if fresh.update(seen_at=now):
        return
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={"user_id": user_id, "collab_id": collab_id, "seen_at": now},
        create_defaults={
            "user_id": user_id,
            "collab_id": collab_id,
            "connected_at": now,
            "seen_at": now,
        },
    )
    if not _others_fresh(user_id, channel_name, now):
        _announce(user_id, online=True)


def disconnected(channel_name: str, user_id: int, collab_id: int) -> None:
    """The socket closed (the page went away, or access was revoked). Looks for the person's
    other sockets even when the row was gone already (deleted with its collab, or pruned):
    whoever deleted it may not have announced anything."""
    Presence.objects.filter(channel_name=channel_name).delete()
    if not _others_fresh(user_id, channel_name, timezone.now()):
        # Also to the socket's own collab: a member removed from it is told "offline" there.
        _announce(user_id, online=False, also=[collab_id])


def prune(now: datetime | None = None) -> int:
    """The periodic job: delete the rows not seen for STALE (left by a process that died), and
    tell the collabs of each person left with no fresh socket that they are offline. Returns
    how many rows went. Idempotent."""
    now = now or timezone.now()
    stale = Presence.objects.filter(seen_at__lt=now - STALE)
    rows = list(stale.values_list("user_id", "collab_id"))
    if not rows:
        return 0
    # A row refreshed since the read above is not deleted (the filter holds in the DELETE),
    # and its person is found online below.
    deleted, _ = stale.delete()
    users = {user_id for user_id, _ in rows}
    gone = users - online_user_ids(users)
    collabs: dict[int, set[int]] = {user_id: set() for user_id in gone}
    for user_id, collab_id in rows:
        if user_id in gone:
            collabs[user_id].add(collab_id)
    for user_id, collab_id in _memberships(gone):
        collabs[user_id].add(collab_id)
    for user_id, collab_ids in collabs.items():
        _publish(user_id, False, collab_ids)
    return deleted


def _others_fresh(user_id: int, channel_name: str, now: datetime) -> bool:
    """Whether the person has another socket seen within FRESH."""
    others = Presence.objects.filter(user_id=user_id, seen_at__gte=now - FRESH)
    return others.exclude(channel_name=channel_name).exists()


def _memberships(user_ids: Iterable[int]):
    """(user id, collab id) of the users' memberships. `active()`, not `current()`: a person
    deactivated keeps their stints but leaves `current()` before their sockets close, and
    their collabs must still hear that they went offline."""
    memberships = Membership.objects.active().filter(user_id__in=list(user_ids))
    return memberships.values_list("user_id", "collab_id")


def _announce(user_id: int, *, online: bool, also: Iterable[int] = ()) -> None:
    collab_ids = {collab_id for _, collab_id in _memberships([user_id])}
    _publish(user_id, online, collab_ids | set(also))


def _publish(user_id: int, online: bool, collab_ids: Iterable[int]) -> None:
    # On commit: at once here (autocommit), and never for a change rolled back.
    for collab_id in sorted(collab_ids):
        live.publish(collab_id, KIND, {"people": [{"user_id": user_id, "online": online}]})


# The JSON text of a presence event, per event and person left out: every socket of the collab
# renders it (on the event loop, no lock), and all but those named in it get the same text.
_texts: OrderedDict[tuple, str | None] = OrderedDict()
_TEXTS_KEPT = 64


def _frame(event: dict, reader, collab) -> str | None:
    people = event["data"]["people"]
    named = {entry["user_id"] for entry in people}
    left_out = reader.user_id if reader.user_id in named else None
    key = (event["ts"], tuple((entry["user_id"], entry["online"]) for entry in people), left_out)
    if key in _texts:
        return _texts[key]
    shown = [entry for entry in people if entry["user_id"] != left_out]
    text = json.dumps({"type": KIND, "people": shown}) if shown else None
    _texts[key] = text
    if len(_texts) > _TEXTS_KEPT:
        _texts.popitem(last=False)
    return text


def _merge(datas: list[dict]) -> dict:
    """The presence events held together, as one: each person once, at their last state (in
    the order of their last change)."""
    last: dict[int, dict] = {}
    for data in datas:
        for entry in data["people"]:
            last.pop(entry["user_id"], None)
            last[entry["user_id"]] = entry
    return {"people": list(last.values())}


def register() -> None:
    """The live event kind (CollabsConfig.ready). Every member's reader gets it."""
    live.register_event(KIND, _frame, merge=_merge)
