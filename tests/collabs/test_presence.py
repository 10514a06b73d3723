"""Who is online (apps.collabs.presence): someone with a collab page open, that is a live
socket to any collab on any server process. Sockets are opened through the full ASGI
application (tests/chat/ws.py), on the in-memory layer and, with REDIS_URL set, on Redis.

"Nothing came" is shown as the chat's tests show it: a later presence event that provably went
through the same queue is the next one to arrive."""

import io
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.db import DatabaseError
from django.utils import timezone

from apps.accounts.services import deactivate_user
from apps.collabs import consumers, live, presence
from apps.collabs import services as collabs
from apps.collabs.models import Presence
from tests.chat.acts import add_member, remove_member
from tests.chat.ws import (  # noqa: F401  (fixtures)
    CLOSE_REVOKED,
    channel_layer_of_its_own,
    sockets_fixture,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def one_change_a_frame(monkeypatch):
    """Presence events are merged per second (live.MERGE_EVERY); these tests follow one change
    at a time, so each goes out as soon as it is published. The merging itself is tested below
    with the real window."""
    monkeypatch.setattr(live, "MERGE_EVERY", 0.0)


online_user_ids = database_sync_to_async(presence.online_user_ids)
is_online = database_sync_to_async(presence.is_online)


def online(user) -> dict:
    return {"type": "presence", "people": [{"user_id": user.pk, "online": True}]}


def offline(user) -> dict:
    return {"type": "presence", "people": [{"user_id": user.pk, "online": False}]}


@database_sync_to_async
def rows_of(user) -> list[Presence]:
    return list(Presence.objects.filter(user=user))


@database_sync_to_async
def set_seen(user, seen_at) -> None:
    Presence.objects.filter(user=user).update(seen_at=seen_at)


@pytest.fixture
def sent(monkeypatch):
    """What the code under test publishes, as (group, event data), instead of sending it."""
    published = []

    def capture(group, message):
        if message["type"] == "collab.event" and message["event"]["kind"] == "presence":
            published.append((group, message["event"]["data"]))

    monkeypatch.setattr(live, "group_send", capture)
    return published


# --- Online and offline -----------------------------------------------------------------------


async def test_an_open_page_makes_its_person_online_and_closing_it_offline(
    sockets, collab, member, guest
):
    socket = await sockets.open(member, collab)

    assert await is_online(member.pk)
    assert await online_user_ids([member.pk, guest.pk]) == {member.pk}
    [row] = await rows_of(member)
    assert row.collab_id == collab.pk

    await socket.disconnect()

    assert not await is_online(member.pk)
    assert await rows_of(member) == []


async def test_with_two_pages_open_closing_one_leaves_them_online(
    sockets, collab, other_collab, other_owner, owner
):
    """Any collab counts: the owner also belongs to another collab, open in a second tab."""
    await add_member(other_collab, other_owner, owner)
    first = await sockets.open(owner, collab)
    second = await sockets.open(owner, other_collab)

    await first.disconnect()
    assert await is_online(owner.pk)

    await second.disconnect()
    assert not await is_online(owner.pk)


async def test_a_row_not_refreshed_for_two_minutes_no_longer_counts(sockets, collab, member):
    """A server process that died leaves its rows: they stop counting once stale."""
    await sockets.open(member, collab)

    await set_seen(member, timezone.now() - timedelta(seconds=110))
    assert await online_user_ids([member.pk]) == {member.pk}
    await set_seen(member, timezone.now() - presence.FRESH - timedelta(seconds=1))
    assert await online_user_ids([member.pk]) == set()
    assert not await is_online(member.pk)


def test_online_user_ids_is_one_query_whatever_the_number(
    django_assert_num_queries, collab, owner, moderator, member, guest
):
    now = timezone.now()
    for n, (user, seen_at) in enumerate(
        [
            (owner, now),
            (owner, now - timedelta(seconds=30)),  # a second tab
            (moderator, now - timedelta(minutes=5)),  # stale
            (member, now - timedelta(seconds=90)),
        ]
    ):
        Presence.objects.create(channel_name=f"c{n}", user=user, collab=collab, seen_at=seen_at)
    everyone = [owner.pk, moderator.pk, member.pk, guest.pk]

    with django_assert_num_queries(1):
        assert presence.online_user_ids(everyone) == {owner.pk, member.pk}
    with django_assert_num_queries(0):
        assert presence.online_user_ids([]) == set()


# --- The heartbeat ----------------------------------------------------------------------------


async def test_pings_refresh_the_row_at_most_once_a_minute(sockets, monkeypatch, collab, member):
    clock = [1000.0]
    monkeypatch.setattr(consumers, "monotonic", lambda: clock[0])
    writes = []
    seen = presence.seen

    def counted(*args):
        writes.append(clock[0])
        seen(*args)

    monkeypatch.setattr(presence, "seen", counted)
    socket = await sockets.open(member, collab)  # written at 1000
    marker = timezone.now() - timedelta(seconds=90)
    await set_seen(member, marker)

    for at in (1025.0, 1050.0, 1059.9):
        clock[0] = at
        assert await socket.pong() == []  # every ping is answered
    assert writes == []
    assert [r.seen_at for r in await rows_of(member)] == [marker]

    for at in (1060.0, 1085.0, 1110.0, 1119.9, 1120.0, 1145.0):
        clock[0] = at
        await socket.pong()
    assert writes == [1060.0, 1120.0]
    [row] = await rows_of(member)
    assert row.seen_at > marker


async def test_a_ping_writes_the_row_again_when_it_was_pruned_meanwhile(
    sockets, monkeypatch, collab, member, guest
):
    """A process that stalled past the prune comes back: its socket is online again."""
    clock = [1000.0]
    monkeypatch.setattr(consumers, "monotonic", lambda: clock[0])
    observer = await sockets.open(guest, collab)
    socket = await sockets.open(member, collab)
    assert await observer.presence_frame() == online(member)
    await database_sync_to_async(Presence.objects.filter(user=member).delete)()

    clock[0] = 1061.0
    await socket.pong()

    assert len(await rows_of(member)) == 1
    assert await observer.presence_frame() == online(member)


async def test_a_database_failure_leaves_the_socket_open_and_the_next_refresh_repairs(
    sockets, monkeypatch, collab, member
):
    clock = [1000.0]
    monkeypatch.setattr(consumers, "monotonic", lambda: clock[0])
    connected = presence.connected

    def broken(*args):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(presence, "connected", broken)
    socket = await sockets.open(member, collab)
    monkeypatch.setattr(presence, "connected", connected)
    assert await rows_of(member) == []

    clock[0] = 1060.0
    await socket.pong()

    assert len(await rows_of(member)) == 1


# --- Live: what the other members' pages hear -------------------------------------------------


async def test_the_first_page_opening_and_the_last_closing_reach_the_other_members(
    sockets, collab, moderator, member, guest
):
    observer = await sockets.open(guest, collab)  # guests hear it too
    first = await sockets.open(member, collab)
    assert await observer.presence_frame() == online(member)

    # A second page, then the first closing: no change, nothing published. Shown by the
    # moderator's arrival being the next presence frame.
    second = await sockets.open(member, collab)
    await first.disconnect()
    await sockets.open(moderator, collab)
    assert await observer.presence_frame() == online(moderator)

    await second.disconnect()
    assert await observer.presence_frame() == offline(member)
    assert await observer.is_silent()
    assert observer.presence == []


async def test_the_changes_of_a_second_reach_a_page_as_one_frame(
    sockets, monkeypatch, collab, owner, moderator, member, guest
):
    """Pages opening together (a server restarted and its pages coming back) are heard of as
    one frame a second, not one frame per page opening on every page open (quadratic: 1,000
    pages opening made half a million frames). Each person once, at their last state."""
    monkeypatch.setattr(live, "MERGE_EVERY", 1.0)
    observer = await sockets.open(owner, collab)
    await sockets.open(moderator, collab)
    passing = await sockets.open(member, collab)
    await sockets.open(guest, collab)
    await passing.disconnect()  # came and went within the second

    frame = await observer.presence_frame()

    assert frame["type"] == "presence"
    assert sorted((p["user_id"], p["online"]) for p in frame["people"]) == sorted(
        [(moderator.pk, True), (member.pk, False), (guest.pk, True)]
    )
    assert await observer.is_silent()
    assert observer.presence == []


def test_merged_presence_keeps_each_persons_last_state_in_order():
    merged = presence._merge(
        [
            {"people": [{"user_id": 1, "online": True}]},
            {"people": [{"user_id": 2, "online": True}]},
            {"people": [{"user_id": 1, "online": False}]},
        ]
    )
    assert merged == {"people": [{"user_id": 2, "online": True}, {"user_id": 1, "online": False}]}


async def test_a_guest_coming_online_reaches_the_members(sockets, collab, owner, guest):
    observer = await sockets.open(owner, collab)
    socket = await sockets.open(guest, collab)
    assert await observer.presence_frame() == online(guest)
    await socket.disconnect()
    assert await observer.presence_frame() == offline(guest)


async def test_a_persons_own_pages_do_not_hear_of_them(sockets, collab, owner, member):
    own = await sockets.open(member, collab)
    await sockets.open(member, collab)
    await sockets.open(owner, collab)

    assert await own.presence_frame() == online(owner)  # the first: nothing about themselves


async def test_a_member_of_another_collab_hears_nothing(
    sockets, collab, other_collab, other_owner, outsider, member
):
    elsewhere = await sockets.open(outsider, other_collab)

    socket = await sockets.open(member, collab)
    await socket.disconnect()
    await sockets.open(other_owner, other_collab)

    assert await elsewhere.presence_frame() == online(other_owner)


async def test_every_collab_of_the_person_hears_it_not_only_the_one_opened(
    sockets, collab, other_collab, other_owner, outsider, member
):
    await add_member(other_collab, other_owner, member)
    elsewhere = await sockets.open(outsider, other_collab)

    socket = await sockets.open(member, collab)
    assert await elsewhere.presence_frame() == online(member)
    await socket.disconnect()
    assert await elsewhere.presence_frame() == offline(member)


async def test_a_socket_on_another_server_process_counts(sockets, collab, member, guest):
    """Presence lives in the database: a row written by another process (its own channel
    name) makes the person online and is published like any other."""
    observer = await sockets.open(guest, collab)

    await database_sync_to_async(presence.connected)("elsewhere!abc", member.pk, collab.pk)

    assert await is_online(member.pk)
    assert await observer.presence_frame() == online(member)


# --- Revocation -------------------------------------------------------------------------------


async def test_a_removed_members_socket_closes_and_its_row_goes(sockets, collab, owner, member):
    observer = await sockets.open(owner, collab)
    socket = await sockets.open(member, collab)
    assert await observer.presence_frame() == online(member)

    await remove_member(collab, owner, member)

    assert await socket.closed_with() == CLOSE_REVOKED
    assert await rows_of(member) == []
    # The collab they were removed from hears it too.
    assert await observer.presence_frame() == offline(member)


async def test_a_deactivated_persons_sockets_close_and_every_collab_of_theirs_hears_it(
    sockets, collab, other_collab, other_owner, outsider, owner, member
):
    await add_member(other_collab, other_owner, member)
    elsewhere = await sockets.open(outsider, other_collab)
    socket = await sockets.open(member, collab)
    assert await elsewhere.presence_frame() == online(member)

    await database_sync_to_async(deactivate_user)(member, actor=owner)

    assert await socket.closed_with() == CLOSE_REVOKED
    assert await rows_of(member) == []
    assert not await is_online(member.pk)
    # Deactivated, they are no longer among the current members, yet their collabs hear it.
    assert await elsewhere.presence_frame() == offline(member)


def test_a_row_gone_before_its_socket_closes_still_ends_in_offline(sent, collab, member):
    """A collab deleted takes its rows with it (CASCADE) before revocation closes the sockets;
    the close must still announce the person offline."""
    presence.connected("specific.a!1", member.pk, collab.pk)
    assert sent == [
        (live.collab_group(collab.pk), {"people": [{"user_id": member.pk, "online": True}]})
    ]
    Presence.objects.all().delete()
    sent.clear()

    presence.disconnected("specific.a!1", member.pk, collab.pk)

    assert sent == [
        (live.collab_group(collab.pk), {"people": [{"user_id": member.pk, "online": False}]})
    ]


def test_one_event_per_collab_of_the_person(sent, collab, other_collab, other_owner, member):
    collabs.add_member(other_collab, other_owner, member)

    presence.connected("specific.a!1", member.pk, collab.pk)

    groups = sorted(group for group, _ in sent)
    assert groups == sorted(live.collab_group(c.pk) for c in (collab, other_collab))


# --- The periodic job -------------------------------------------------------------------------


def test_prune_presence_deletes_stale_rows_keeps_fresh_ones_and_announces(
    sent, settings, collab, owner, member, guest
):
    assert "prune_presence" in settings.PERIODIC_JOBS
    now = timezone.now()
    long_ago = now - presence.STALE - timedelta(seconds=1)
    for name, user, seen_at in [
        ("dead.1", member, long_ago),
        ("dead.2", guest, long_ago),
        ("live.2", guest, now - timedelta(seconds=30)),  # the guest has a live page still
        ("quiet.3", owner, now - timedelta(minutes=5)),  # stale, not yet for pruning
    ]:
        Presence.objects.create(channel_name=name, user=user, collab=collab, seen_at=seen_at)

    out = io.StringIO()
    call_command("prune_presence", stdout=out)

    assert set(Presence.objects.values_list("channel_name", flat=True)) == {"live.2", "quiet.3"}
    assert "2 removed" in out.getvalue()
    assert sent == [
        (live.collab_group(collab.pk), {"people": [{"user_id": member.pk, "online": False}]})
    ]

    sent.clear()
    call_command("prune_presence", stdout=out)  # run twice: no harm
    assert sent == []
    assert Presence.objects.count() == 2
