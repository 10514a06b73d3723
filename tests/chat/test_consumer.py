"""The chat over the collab page's socket (/ws/collabs/<id>/), through the full ASGI application
with real session cookies: delivery to every member and nobody else, sending with acks and
errors, live changes, typing and read receipts, revocation, and catch-up after a reconnect.

Runs on the in-memory layer and, with REDIS_URL set, on Redis (CI runs the suite both ways).
"Nothing else came" is shown with a later event that provably went through the same queue
(the next frame is that later event), or by watching briefly after a later event reached the
others; never by timing."""

import asyncio
import json
from datetime import datetime

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.utils.module_loading import import_string

from apps.accounts.services import deactivate_user
from apps.chat import consumers as chat_consumers
from apps.chat import services as chat
from apps.chat.models import MAX_BODY_LENGTH, Message
from apps.collabs import live
from apps.collabs import services as collabs
from tests.chat.acts import (
    add_member,
    change_settings,
    delete,
    edit,
    new_user,
    pin,
    post,
    react,
    remove_member,
)
from tests.chat.ws import (  # noqa: F401  (fixtures)
    CLOSE_REVOKED,
    TIMEOUT,
    channel_layer_of_its_own,
    redis_layer_in_use,
    sockets_fixture,
)

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def messages_with_client_id(user, client_id: str) -> list[int]:
    return list(
        Message.objects.filter(author=user, client_id=client_id).values_list("pk", flat=True)
    )


@database_sync_to_async
def message_count() -> int:
    return Message.objects.count()


def when(version: str) -> datetime:
    return datetime.fromisoformat(version)


async def open_all(sockets, collab, *users):
    return [await sockets.open(user, collab) for user in users]


# --- Delivery ---------------------------------------------------------------------------------


async def test_a_message_sent_over_one_socket_reaches_every_members_socket(
    sockets, collab, owner, moderator, member, guest
):
    member_socket, *others = await open_all(sockets, collab, member, owner, moderator, guest)

    await member_socket.send(type="send", body="Drafts are in the shared folder", client_id="c1")

    own = {frame["type"]: frame for frame in await member_socket.frames(2)}
    assert set(own) == {"ack", "message"}
    message_id = own["ack"]["id"]
    assert own["ack"]["client_id"] == "c1"
    for socket in [member_socket, *others]:
        frame = own["message"] if socket is member_socket else await socket.frame()
        assert frame["type"] == "message"
        assert frame["id"] == message_id
        assert frame["author_id"] == member.pk
        assert "Drafts are in the shared folder" in frame["html"]
        assert f'data-id="{message_id}"' in frame["html"]


async def test_each_member_gets_the_message_once_and_nothing_else(
    sockets, collab, owner, moderator, member, guest
):
    member_socket, *others = await open_all(sockets, collab, member, owner, moderator, guest)

    await member_socket.send(type="send", body="Once", client_id="once")
    await member_socket.frames(2)  # the ack and the message
    later = await post(collab, owner, "Later")

    for socket in others:
        first, second = await socket.frames(2)
        assert (first["type"], second["type"]) == ("message", "message")
        assert "Once" in first["html"]
        assert second["id"] == later.pk


async def test_the_outsider_on_another_collab_receives_nothing_of_ours(
    sockets, collab, other_collab, owner, other_owner, member, outsider
):
    outsider_socket = await sockets.open(outsider, other_collab)
    member_socket = await sockets.open(member, collab)

    await member_socket.send(type="send", body="Budget: 40k", client_id="secret")
    await post(collab, owner, "Confidential too")
    await sockets.open(member, collab)  # a join in ours; nothing of it is theirs either
    theirs = await post(other_collab, other_owner, "Zeta news")

    # Queues are first in, first out: had anything of ours reached them, it would come first.
    frame = await outsider_socket.frame()
    assert frame["id"] == theirs.pk
    assert "Zeta news" in frame["html"]
    assert await outsider_socket.is_silent()


async def test_a_guest_of_another_collab_cannot_subscribe_to_ours(
    sockets, collab, other_collab, outsider
):
    attempt = await sockets.attempt(outsider, collab)

    assert not attempt.connected
    assert attempt.code == CLOSE_REVOKED


# --- Sending ----------------------------------------------------------------------------------


async def test_sending_is_acknowledged_with_the_id_of_the_stored_message(sockets, collab, member):
    socket = await sockets.open(member, collab)

    await socket.send(type="send", body="Stored?", client_id="abc-1")
    frames = await socket.frames(2)

    ack = next(frame for frame in frames if frame["type"] == "ack")
    assert ack == {"type": "ack", "client_id": "abc-1", "id": ack["id"]}
    assert await messages_with_client_id(member, "abc-1") == [ack["id"]]


@pytest.mark.parametrize(
    "body",
    ["", "   \n\t  ", "x" * (MAX_BODY_LENGTH + 1)],
    ids=["empty", "only-whitespace", "too-long"],
)
async def test_an_invalid_message_gets_an_error_frame_and_is_not_sent(
    sockets, collab, owner, member, body
):
    socket = await sockets.open(member, collab)
    owner_socket = await sockets.open(owner, collab)
    before = await message_count()

    await socket.send(type="send", body=body, client_id="bad")

    error = await socket.frame()
    assert error["type"] == "error"
    assert error["client_id"] == "bad"
    assert error["message"]
    assert await message_count() == before
    assert await socket.pong() == []
    later = await post(collab, member, "Fixed it")
    assert (await owner_socket.frame())["id"] == later.pk


async def test_sending_too_fast_gets_an_error_frame(sockets, settings, collab, member):
    settings.CHAT_BURST_MESSAGES = 2
    settings.CHAT_BURST_SECONDS = 10**9  # one window for the whole test: no edge to cross
    socket = await sockets.open(member, collab)

    for n in (1, 2):
        await socket.send(type="send", body=f"Quick {n}", client_id=f"q{n}")
        assert {frame["type"] for frame in await socket.frames(2)} == {"ack", "message"}
    await socket.send(type="send", body="Quick 3", client_id="q3")

    error = await socket.frame()
    assert error["type"] == "error"
    assert error["client_id"] == "q3"
    assert error["message"]
    assert await messages_with_client_id(member, "q3") == []
    assert await socket.pong() == []


async def test_a_member_cannot_post_in_an_announcement_collab(sockets, collab, owner, member):
    await change_settings(collab, owner, post_level="moderators")
    socket = await sockets.open(member, collab)
    owner_socket = await sockets.open(owner, collab)

    await socket.send(type="send", body="Can I say something?", client_id="ann")

    error = await socket.frame()
    assert error["type"] == "error"
    assert error["client_id"] == "ann"
    assert await messages_with_client_id(member, "ann") == []
    announcement = await post(collab, owner, "Office closed on Friday")
    assert (await owner_socket.frame())["id"] == announcement.pk


async def test_a_connected_member_cannot_post_once_the_collab_becomes_announcement_only(
    sockets, collab, owner, member
):
    # The page was opened before the owner changed the rule: the socket must follow the rule
    # as it is now, not as it was when the socket connected.
    socket = await sockets.open(member, collab)
    await change_settings(collab, owner, post_level="moderators")

    await socket.send(type="send", body="Still posting", client_id="stale")

    answer = await socket.frame()
    while answer["type"] not in ("ack", "error"):
        answer = await socket.frame()  # the message itself, pushed back: already wrong
    assert answer["type"] == "error"
    assert await messages_with_client_id(member, "stale") == []


async def test_a_moderator_can_post_in_an_announcement_collab(sockets, collab, owner, moderator):
    await change_settings(collab, owner, post_level="moderators")
    socket = await sockets.open(moderator, collab)

    await socket.send(type="send", body="Release on Monday", client_id="mod")

    assert {frame["type"] for frame in await socket.frames(2)} == {"ack", "message"}


async def test_resending_after_a_reconnect_makes_one_message_not_two(
    sockets, collab, owner, member
):
    owner_socket = await sockets.open(owner, collab)
    first = await sockets.open(member, collab)
    await first.send(type="send", body="Are we on for 3pm?", client_id="resend-1")
    ack = next(frame for frame in await first.frames(2) if frame["type"] == "ack")
    await first.disconnect()

    # The page never saw the ack (the connection dropped), so it sends again on a new socket.
    second = await sockets.open(member, collab)
    await second.send(type="send", body="Are we on for 3pm?", client_id="resend-1")

    # Stored once; the answer is the message already stored.
    frames = await second.frames_until("ack")
    assert frames[-1] == {"type": "ack", "client_id": "resend-1", "id": ack["id"]}
    assert await messages_with_client_id(member, "resend-1") == [ack["id"]]
    # Its event goes out again (the first may never have: a server killed between the commit
    # and the publish), the same message at the same version, which a page that has it keeps
    # once (by id); then the next message.
    later = await post(collab, owner, "Yes")
    seen = await owner_socket.frames(3)
    assert [(frame["type"], frame["id"]) for frame in seen] == [
        ("message", ack["id"]),
        ("message", ack["id"]),
        ("message", later.pk),
    ]
    assert seen[0]["version"] == seen[1]["version"]


async def test_a_send_is_acknowledged_only_once_its_event_is_out(
    sockets, monkeypatch, collab, owner, member
):
    # A server killed between storing a message and publishing it must not have acknowledged
    # it: the sender then sends it again, and the resend publishes it (see above).
    layer = live.get_channel_layer()
    gate = asyncio.Event()

    class HeldLayer:
        async def group_send(self, group, message):
            if message.get("event", {}).get("kind") == "message":
                await gate.wait()
            await layer.group_send(group, message)

    monkeypatch.setattr(live, "get_channel_layer", HeldLayer)
    owner_socket = await sockets.open(owner, collab)
    socket = await sockets.open(member, collab)

    await socket.send(type="send", body="Held at the door", client_id="held-1")

    assert await socket.is_silent()  # stored, but not out yet: no ack
    gate.set()
    # Out now: acknowledged, and the others have it (on Redis the socket's own copy of the
    # event may come just after its ack: the publish is done when Redis took it).
    ack = (await socket.frames_until("ack"))[-1]
    assert (await owner_socket.frame())["id"] == ack["id"]


async def test_a_reply_to_a_message_not_in_this_chat_gets_an_error_frame(
    sockets, collab, other_collab, other_owner, member
):
    theirs = await post(other_collab, other_owner, "Zeta only")
    socket = await sockets.open(member, collab)

    await socket.send(type="send", body="Replying", reply_to=theirs.pk, client_id="r1")

    error = await socket.frame()
    assert (error["type"], error["client_id"]) == ("error", "r1")
    assert await messages_with_client_id(member, "r1") == []


async def test_sends_over_the_rate_limit_are_refused_one_by_one_and_the_socket_stays(
    sockets, settings, collab, owner, member
):
    """One limit for messages, the person's (the service's): a page sending on after a
    refusal gets an error for each send, nothing is stored, and the socket stays open (a
    flood of frames is the frame limit's business, inside Daphne: collabhub/wsguard.py)."""
    settings.CHAT_BURST_MESSAGES = 1
    settings.CHAT_BURST_SECONDS = 10**9
    socket = await sockets.open(member, collab)
    owner_socket = await sockets.open(owner, collab)
    await socket.send(type="send", body="One", client_id="f0")
    assert {frame["type"] for frame in await socket.frames(2)} == {"ack", "message"}

    for n in range(1, 61):
        await socket.send(type="send", body=f"Again {n}", client_id=f"f{n}")

    errors = [await socket.frame() for _ in range(60)]
    assert {(e["type"], e["client_id"]) for e in errors} == {
        ("error", f"f{n}") for n in range(1, 61)
    }
    assert await socket.pong() == []
    # Nothing of it reached the others: after the first message, the next is a later one.
    first = await owner_socket.frame()
    later = await post(collab, owner, "Calm down")
    assert [first["id"], (await owner_socket.frame())["id"]] == [
        (await messages_with_client_id(member, "f0"))[0],
        later.pk,
    ]


async def test_sends_are_stored_in_order_while_other_frames_are_answered(sockets, collab, member):
    socket = await sockets.open(member, collab)

    for n in range(3):
        await socket.send(type="send", body=f"Step {n}", client_id=f"s{n}")
        await socket.send(type="ping")

    frames = []
    while sum(frame["type"] == "ack" for frame in frames) < 3:
        frames.append(await socket.frame())
    assert [f["type"] for f in frames].count("pong") >= 1
    acks = [f for f in frames if f["type"] == "ack"]
    assert [a["client_id"] for a in acks] == ["s0", "s1", "s2"]
    assert acks[0]["id"] < acks[1]["id"] < acks[2]["id"]


# --- Changes ----------------------------------------------------------------------------------


async def _everyone_gets_a_change(sockets_list, message_id: int, old_version: str) -> list[dict]:
    frames = [await socket.frame() for socket in sockets_list]
    for frame in frames:
        assert frame["type"] == "changed"
        assert frame["id"] == message_id
        assert when(frame["version"]) > when(old_version)
    assert len({frame["version"] for frame in frames}) == 1
    return frames


@pytest.fixture
async def conversation(sockets, collab, owner, moderator, member, guest):
    """Everyone's page is open, and the member's message has reached them all."""
    opened = await open_all(sockets, collab, owner, moderator, member, guest)
    message = await post(collab, member, "The logo is too small")
    arrivals = [await socket.frame() for socket in opened]
    assert {frame["id"] for frame in arrivals} == {message.pk}
    return opened, message, arrivals[0]["version"]


async def test_an_edit_reaches_every_socket_as_changed(conversation, collab, member):
    opened, message, version = conversation

    await edit(collab, member, message.pk, "The logo is far too small")

    for frame in await _everyone_gets_a_change(opened, message.pk, version):
        assert "The logo is far too small" in frame["html"]


async def test_a_deletion_reaches_every_socket_as_changed(conversation, collab, member):
    opened, message, version = conversation

    await delete(collab, member, message.pk)

    for frame in await _everyone_gets_a_change(opened, message.pk, version):
        assert "The logo is too small" not in frame["html"]
        assert "msg-deleted" in frame["html"]


async def test_a_reaction_reaches_every_socket_as_changed(conversation, collab, guest):
    opened, message, version = conversation

    await react(collab, guest, message.pk, "👍")

    for frame in await _everyone_gets_a_change(opened, message.pk, version):
        assert "👍 1" in frame["html"]


async def test_pinning_reaches_every_socket_as_changed(conversation, collab, moderator):
    opened, message, version = conversation

    await pin(collab, moderator, message.pk, True)

    for frame in await _everyone_gets_a_change(opened, message.pk, version):
        assert "msg-pinned" in frame["html"]


async def test_each_change_has_a_newer_version_than_the_last(conversation, collab, member, guest):
    opened, message, version = conversation
    owner_socket = opened[0]

    await edit(collab, member, message.pk, "The logo is far too small")
    edited = await owner_socket.frame()
    await react(collab, guest, message.pk, "🎉")
    reacted = await owner_socket.frame()

    assert when(version) < when(edited["version"]) < when(reacted["version"])


# --- Typing and read receipts -----------------------------------------------------------------


async def test_typing_reaches_the_others_but_not_the_typist(
    sockets, collab, owner, moderator, member, guest
):
    typist, *others = await open_all(sockets, collab, member, owner, moderator, guest)

    await typist.send(type="typing")

    for socket in others:
        assert await socket.frame() == {
            "type": "typing",
            "user_id": member.pk,
            "name": member.full_name,
        }
    # The typist's next frame is a later message: no typing frame came before it.
    later = await post(collab, owner, "Take your time")
    assert (await typist.frame())["id"] == later.pk


async def test_typing_follows_the_posting_rule_as_it_is_now(sockets, collab, owner, member):
    # Opened while only moderators could post; then the owner lets everyone post again.
    await change_settings(collab, owner, post_level="moderators")
    typist = await sockets.open(member, collab)
    owner_socket = await sockets.open(owner, collab)
    await change_settings(collab, owner, post_level="members")
    for socket in (typist, owner_socket):
        assert (await socket.frame())["type"] == "message"  # "... changed the settings"

    await typist.send(type="typing")

    assert await owner_socket.frame() == {
        "type": "typing",
        "user_id": member.pk,
        "name": member.full_name,
    }


async def test_a_read_frame_is_broadcast_with_the_readers_last_read_id(
    sockets, collab, owner, moderator, member, guest
):
    reader, *others = await open_all(sockets, collab, member, owner, moderator, guest)
    news = await post(collab, owner, "Minutes attached")
    for socket in (reader, *others):
        assert (await socket.frame())["id"] == news.pk

    await reader.send(type="read", last_id=news.pk)

    for socket in (reader, *others):
        frame = await socket.frame()
        assert frame["type"] == "read"
        assert frame["readers"] == [
            {"user_id": member.pk, "name": member.full_name, "last_read_id": news.pk}
        ]


async def test_reads_of_many_pages_reach_each_page_as_one_frame(
    sockets, collab, owner, moderator, member, guest
):
    # Every open page marks every message it shows; each marking going to every page made a
    # message cost pages x pages frames. The markings of an interval go out together.
    people = (owner, moderator, member, guest)
    socks = await open_all(sockets, collab, *people)
    news = await post(collab, owner, "Minutes attached")
    for socket in socks:
        assert (await socket.frame())["id"] == news.pk

    for socket in socks[1:]:
        await socket.send(type="read", last_id=news.pk)

    for socket in socks:
        frame = await socket.frame()
        assert frame["type"] == "read"
        got = sorted((r["user_id"], r["last_read_id"]) for r in frame["readers"])
        assert got == sorted((person.pk, news.pk) for person in people[1:])
    later = await post(collab, owner, "After the reads")
    for socket in socks:  # nothing more of those reads came between
        assert (await socket.frame())["id"] == later.pk


async def test_reading_past_the_end_reports_the_last_message(sockets, collab, owner, member):
    reader = await sockets.open(member, collab)
    owner_socket = await sockets.open(owner, collab)
    news = await post(collab, owner, "Minutes attached")
    await reader.frame()
    await owner_socket.frame()

    await reader.send(type="read", last_id=news.pk + 1000)

    frame = await owner_socket.frame()
    assert frame["type"] == "read"
    assert [(r["user_id"], r["last_read_id"]) for r in frame["readers"]] == [(member.pk, news.pk)]


async def test_reads_reported_in_a_burst_are_marked_together_the_newest_last(
    sockets, collab, owner, member
):
    reader = await sockets.open(member, collab)
    owner_socket = await sockets.open(owner, collab)
    sent = [await post(collab, owner, f"Line {i}") for i in range(4)]
    for socket in (reader, owner_socket):
        await socket.frames(4)

    for message in sent:  # the page reports each message as it scrolls into view
        await reader.send(type="read", last_id=message.pk)

    # The first marking goes at once; what comes within the interval waits and is marked
    # together: two markings at most, the newest last.
    reads = [await owner_socket.frame()]
    while reads[-1]["readers"][0]["last_read_id"] != sent[-1].pk:
        reads.append(await owner_socket.frame())
    assert {frame["type"] for frame in reads} == {"read"}
    assert len(reads) <= 2
    assert [len(frame["readers"]) for frame in reads] == [1] * len(reads)
    later = await post(collab, owner, "After the reads")
    assert (await owner_socket.frame())["id"] == later.pk  # and no other read came between


@database_sync_to_async
def last_read_id(collab, user) -> int:
    from apps.chat.models import ReadState

    return ReadState.objects.get(collab=collab, user=user).last_read_id


async def test_a_read_waiting_for_its_interval_is_marked_when_the_page_closes(
    sockets, collab, owner, member
):
    reader = await sockets.open(member, collab)
    sent = [await post(collab, owner, f"Line {i}") for i in range(2)]
    await reader.frames(2)
    await reader.send(type="read", last_id=sent[0].pk)
    assert (await reader.frame())["readers"][0]["last_read_id"] == sent[0].pk
    await reader.send(type="read", last_id=sent[1].pk)  # within the interval: it waits

    await reader.disconnect()

    assert await last_read_id(collab, member) == sent[1].pk


# --- Revocation -------------------------------------------------------------------------------


@database_sync_to_async
def remove_then_talk(collab, owner, member, bodies):
    """The removal, and the others carrying on at once (each its own transaction)."""
    collabs.remove_member(collab, owner, member)
    return [chat.send_message(collab, owner, body) for body in bodies]


@database_sync_to_async
def deactivate_then_talk(collab, owner, member, bodies):
    deactivate_user(member, actor=owner)
    return [chat.send_message(collab, owner, body) for body in bodies]


async def _others_received(socket, message_ids: list[int]) -> None:
    received = []
    while not set(message_ids) <= set(received):
        frame = await socket.frame()
        if frame["type"] == "message":
            received.append(frame["id"])


async def test_removing_a_member_closes_their_socket_and_nothing_follows(
    sockets, collab, owner, member, guest
):
    member_socket = await sockets.open(member, collab)
    guest_socket = await sockets.open(guest, collab)

    after = await remove_then_talk(collab, owner, member, ["Now without Marina", "Agreed?"])

    assert await member_socket.closed_with() == CLOSE_REVOKED
    # The others got everything said after the removal; the removed socket got none of it.
    await _others_received(guest_socket, [m.pk for m in after])
    assert await member_socket.is_silent()


async def test_deactivating_a_member_closes_their_socket_and_nothing_follows(
    sockets, collab, owner, member, guest
):
    member_socket = await sockets.open(member, collab)
    guest_socket = await sockets.open(guest, collab)

    after = await deactivate_then_talk(collab, owner, member, ["Marina has left the company"])

    assert await member_socket.closed_with() == CLOSE_REVOKED
    await _others_received(guest_socket, [m.pk for m in after])
    assert await member_socket.is_silent()


async def test_a_removed_member_cannot_reconnect(sockets, collab, owner, member):
    socket = await sockets.open(member, collab)
    await remove_member(collab, owner, member)
    assert await socket.closed_with() == CLOSE_REVOKED

    attempt = await sockets.attempt(member, collab)

    assert not attempt.connected
    assert attempt.code == CLOSE_REVOKED


async def test_what_a_removed_member_sends_as_the_socket_closes_is_refused(
    sockets, collab, owner, member
):
    socket = await sockets.open(member, collab)
    await remove_member(collab, owner, member)

    # The page did not know yet: it sends before the close reaches it.
    await socket.send(type="send", body="One more thing", client_id="late")

    outputs = []
    while not outputs or outputs[-1]["type"] != "websocket.close":
        outputs.append(await socket.communicator.receive_output(timeout=TIMEOUT))
    assert outputs[-1]["code"] == CLOSE_REVOKED
    frames = [json.loads(o["text"]) for o in outputs[:-1]]
    assert all(frame["type"] == "error" for frame in frames)
    assert await messages_with_client_id(member, "late") == []


async def test_a_send_after_a_removal_whose_close_is_still_on_its_way_is_refused(
    sockets, monkeypatch, collab, owner, member
):
    # The socket keeps the member's rights in hand; the removal has committed, but neither
    # its revocation nor its access check has reached the socket yet (here: never).
    socket = await sockets.open(member, collab)
    monkeypatch.setattr(live, "revoke", lambda *args, **kwargs: None)
    monkeypatch.setattr(live, "access_changed", lambda *args, **kwargs: None)
    await remove_member(collab, owner, member)

    await socket.send(type="send", body="Slipping in", client_id="slip")

    # (Before the answer come the events of the removal itself, delivered as the revocation
    # was suppressed: the system message and the new member count.)
    answer = await socket.frame()
    while answer["type"] not in ("ack", "error"):
        answer = await socket.frame()
    assert answer == {"type": "error", "client_id": "slip", "message": answer["message"]}
    assert await messages_with_client_id(member, "slip") == []


@database_sync_to_async
def end_membership_in_the_admin(collab, user) -> None:
    # The admin edits the row itself, not through the services.
    from django.utils import timezone

    membership = collab.memberships.get(user=user, left_at__isnull=True)
    membership.left_at = timezone.now()
    membership.save()


async def test_a_membership_ended_in_the_admin_closes_the_socket(sockets, collab, member):
    socket = await sockets.open(member, collab)

    await end_membership_in_the_admin(collab, member)

    assert await socket.closed_with() == CLOSE_REVOKED


change_role = database_sync_to_async(collabs.change_role)


async def test_a_promotion_shows_at_once_in_what_the_socket_pushes(
    sockets, collab, owner, member, guest
):
    """The page's shared menu offers what each pushed frame says the reader may do ("may"):
    a member promoted to moderator may delete others' messages from the next frame on."""
    socket = await sockets.open(member, collab)
    await post(collab, guest, "Before the promotion")
    before = await socket.frame()
    assert "moderate" not in before["may"] and "post" in before["may"]

    await change_role(collab, owner, member, "moderator")
    after = await post(collab, guest, "After the promotion")

    pushed = await socket.frame()
    while pushed.get("id") != after.pk:  # the system message about the new role comes first
        pushed = await socket.frame()
    assert "moderate" in pushed["may"]
    # The partial itself is the same for both: no action of the reader's is in it.
    assert "delete" not in before["html"].lower() and "delete" not in pushed["html"].lower()


@pytest.mark.skipif(
    "redis" not in django_settings.CHANNEL_LAYERS["default"]["BACKEND"].lower(),
    reason="another process reaches the sockets only through a shared layer (REDIS_URL)",
)
async def test_a_removal_in_another_process_closes_the_socket(
    sockets, monkeypatch, collab, owner, member, guest
):
    assert redis_layer_in_use()
    member_socket = await sockets.open(member, collab)
    guest_socket = await sockets.open(guest, collab)
    # Another server process: its own layer instance, built from the same configuration
    # (the test's own prefix included), shares nothing with this one but Redis.
    layer_settings = django_settings.CHANNEL_LAYERS["default"]
    elsewhere = import_string(layer_settings["BACKEND"])(**layer_settings.get("CONFIG", {}))
    monkeypatch.setattr(live, "get_channel_layer", lambda alias="default": elsewhere)
    try:
        await remove_member(collab, owner, member)
        later = await post(collab, owner, "Said in the other process")

        assert await member_socket.closed_with() == CLOSE_REVOKED
        await _others_received(guest_socket, [later.pk])
        assert await member_socket.is_silent()
    finally:
        await (elsewhere.close_pools() if hasattr(elsewhere, "close_pools") else elsewhere.flush())


# --- Catch-up after a reconnect ---------------------------------------------------------------


async def _hello(socket, last_id: int, since: str | None) -> list[dict]:
    await socket.send(type="hello", last_id=last_id, since=since)
    return await socket.frames_until("ready")


async def test_catch_up_sends_exactly_what_was_missed_then_ready(
    sockets, collab, owner, moderator, member
):
    # Online: the page loads, catches up from nothing, and sees a message arrive live.
    socket = await sockets.open(member, collab)
    opening = await _hello(socket, 0, None)
    assert opening[-1] == {"type": "ready", "complete": True}
    old = await post(collab, owner, "Kickoff on Tuesday")
    live_frame = await socket.frame()
    assert live_frame["id"] == old.pk
    last_seen, since = live_frame["id"], live_frame["ts"]
    await socket.disconnect()

    # Offline: three new messages, and an edit of one already seen.
    missed = [await post(collab, moderator, f"Offline note {n}") for n in (1, 2, 3)]
    await edit(collab, owner, old.pk, "Kickoff moved to Wednesday")

    socket = await sockets.open(member, collab)
    frames = await _hello(socket, last_seen, since)

    assert [(f["type"], f.get("id")) for f in frames] == [
        *(("message", m.pk) for m in missed),
        ("changed", old.pk),
        ("ready", None),
    ]
    assert frames[-1] == {"type": "ready", "complete": True}
    for frame, message in zip(frames[:3], missed, strict=True):
        assert message.body in frame["html"]
    assert "Kickoff moved to Wednesday" in frames[3]["html"]
    assert when(frames[3]["version"]) > when(since)
    # And nothing after it: the next frame is the answer to a ping.
    assert await socket.pong() == []


async def test_catch_up_when_nothing_was_missed_is_just_ready(sockets, collab, owner, member):
    socket = await sockets.open(member, collab)
    await _hello(socket, 0, None)
    news = await post(collab, owner, "Hello")
    frame = await socket.frame()
    await socket.disconnect()

    socket = await sockets.open(member, collab)

    assert frame["id"] == news.pk
    assert await _hello(socket, news.pk, frame["ts"]) == [{"type": "ready", "complete": True}]


async def test_a_long_absence_is_caught_up_in_part_and_says_so(
    sockets, monkeypatch, collab, owner, member
):
    monkeypatch.setattr(chat_consumers, "CATCH_UP_LIMIT", 2)
    socket = await sockets.open(member, collab)
    await _hello(socket, 0, None)
    seen = await post(collab, owner, "Seen")
    frame = await socket.frame()
    await socket.disconnect()
    missed = [await post(collab, owner, f"Missed {n}") for n in (1, 2, 3)]

    socket = await sockets.open(member, collab)
    frames = await _hello(socket, seen.pk, frame["ts"])

    # The oldest missed first, so the page can fetch the rest by history without a gap.
    assert [f.get("id") for f in frames[:-1]] == [missed[0].pk, missed[1].pk]
    assert frames[-1] == {"type": "ready", "complete": False}


async def test_a_newcomer_catches_up_only_since_joining_when_history_is_closed(
    sockets, collab, owner, moderator
):
    await change_settings(collab, owner, new_members_see_history=False)
    before = await post(collab, owner, "Before you came")
    newcomer = await new_user("nina@example.com", "Nina Newcomer")
    await add_member(collab, owner, newcomer)
    welcome = await post(collab, moderator, "Welcome, Nina")

    socket = await sockets.open(newcomer, collab)
    frames = await _hello(socket, 0, None)

    assert frames[-1] == {"type": "ready", "complete": True}
    messages = frames[:-1]
    assert all(frame["type"] == "message" for frame in messages)
    ids = [frame["id"] for frame in messages]
    assert ids == sorted(ids)
    assert all(message_id > before.pk for message_id in ids)
    assert ids[-1] == welcome.pk
    assert not any("Before you came" in frame["html"] for frame in messages)
    # Their own arrival (the system message) is the first thing they see.
    assert len(ids) == 2


async def _online_then_offline(sockets, collab, user, seen_from):
    """The page catches up, sees one message live, and the connection drops. Returns the
    last id and the time of the last event the page saw."""
    socket = await sockets.open(user, collab)
    await _hello(socket, 0, None)
    seen = await post(collab, seen_from, "Seen live")
    frame = await socket.frame()
    assert frame["id"] == seen.pk
    await socket.disconnect()
    return seen, frame["ts"]


async def test_a_new_message_edited_while_offline_comes_once_with_its_latest_text(
    sockets, collab, owner, member
):
    seen, since = await _online_then_offline(sockets, collab, member, owner)
    missed = await post(collab, owner, "Frist draft")
    await edit(collab, owner, missed.pk, "First draft")

    socket = await sockets.open(member, collab)
    frames = await _hello(socket, seen.pk, since)

    assert [(f["type"], f.get("id")) for f in frames] == [("message", missed.pk), ("ready", None)]
    assert "First draft" in frames[0]["html"]


async def test_a_message_deleted_while_offline_comes_back_deleted(sockets, collab, owner, member):
    seen, since = await _online_then_offline(sockets, collab, member, owner)
    await delete(collab, owner, seen.pk)

    socket = await sockets.open(member, collab)
    frames = await _hello(socket, seen.pk, since)

    assert [(f["type"], f.get("id")) for f in frames] == [("changed", seen.pk), ("ready", None)]
    assert "msg-deleted" in frames[0]["html"]
    assert "Seen live" not in frames[0]["html"]


async def test_a_message_committed_after_a_later_one_is_caught_up_when_the_page_names_its_ids(
    sockets, collab, owner, moderator, member
):
    # Two sends on two servers: the earlier id commits (and is published) after the later one,
    # and the page's socket dropped in between: it holds the later message only.
    socket = await sockets.open(member, collab)
    held = await _held(socket)
    earlier = await post(collab, owner, "Taken first, committed last")
    later = await post(collab, moderator, "Taken second, committed first")
    frames = [await socket.frame(), await socket.frame()]
    since = frames[-1]["ts"]
    await socket.disconnect()

    socket = await sockets.open(member, collab)
    caught = await _hello_with(socket, later.pk, since, [*held, later.pk])

    assert [(f["type"], f.get("id")) for f in caught] == [("message", earlier.pk), ("ready", None)]
    assert "Taken first, committed last" in caught[0]["html"]


async def test_a_page_that_names_every_id_it_has_gets_no_duplicate(
    sockets, collab, owner, moderator, member
):
    socket = await sockets.open(member, collab)
    held = await _held(socket)
    first = await post(collab, owner, "One")
    second = await post(collab, moderator, "Two")
    since = [await socket.frame(), await socket.frame()][-1]["ts"]
    await edit(collab, owner, first.pk, "One, edited")
    await socket.frame()  # the edit, live
    await socket.disconnect()

    socket = await sockets.open(member, collab)
    caught = await _hello_with(socket, second.pk, since, [*held, first.pk, second.pk])

    # The edit comes as a change of what the page has; nothing comes twice.
    assert [(f["type"], f.get("id")) for f in caught] == [("changed", first.pk), ("ready", None)]


async def test_a_page_showing_only_the_newest_messages_is_not_sent_the_older_ones(
    sockets, collab, owner, member
):
    # The page holds the newest messages only (older ones come by scrolling): what lies below
    # the oldest id it names is not missing, however recent.
    socket = await sockets.open(member, collab)
    await _held(socket)
    older = [await post(collab, owner, f"Older {n}") for n in range(3)]
    newest = await post(collab, owner, "Newest")
    frames = await socket.frames(4)
    since = frames[-1]["ts"]
    await socket.disconnect()

    socket = await sockets.open(member, collab)
    caught = await _hello_with(socket, newest.pk, since, [older[-1].pk, newest.pk])

    assert caught == [{"type": "ready", "complete": True}]


async def test_a_hello_with_a_malformed_have_is_read_as_naming_nothing(
    sockets, collab, owner, member
):
    socket = await sockets.open(member, collab)
    await _hello(socket, 0, None)
    seen = await post(collab, owner, "Seen")
    frame = await socket.frame()

    caught = await _hello_with(socket, seen.pk, frame["ts"], "not a list")

    assert caught == [{"type": "ready", "complete": True}]


async def _held(socket) -> list[int]:
    """The ids the page holds after its first catch-up (the collab's opening lines)."""
    return [f["id"] for f in await _hello(socket, 0, None) if f["type"] == "message"]


async def _hello_with(socket, last_id: int, since: str, have) -> list[dict]:
    await socket.send(type="hello", last_id=last_id, since=since, have=have)
    return await socket.frames_until("ready")
