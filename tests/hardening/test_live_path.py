"""Issue 8, seen from the socket: what the person kept out must not receive, and what a
careless or hostile client sends must not break the socket.

- A newcomer kept from the earlier history gets no reaction, pin, edit or deletion of a
  message from before they came (finding 1).
- A NUL in a message, over the socket, is refused with an error frame; the same socket still
  stores the next message (finding 3).
- Malformed frames get an error frame and the socket lives on (finding 5).
- Out-of-range ids in frames and in the socket's own URL are refused cleanly (finding 6).
"""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from apps.chat.models import Message
from collabhub.asgi import application
from tests.chat.acts import (
    add_member,
    change_settings,
    delete,
    edit,
    new_user,
    pin,
    post,
    react,
)
from tests.chat.ws import (  # noqa: F401  (fixtures)
    ORIGIN,
    TIMEOUT,
    channel_layer_of_its_own,
    session_cookie,
    sockets_fixture,
)

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def bodies_by(user) -> list[str]:
    return list(Message.objects.filter(author=user).order_by("pk").values_list("body", flat=True))


# --- Finding 1: the newcomer's history bound holds on the live path ---------------------------


async def test_a_newcomer_receives_no_change_to_a_message_from_before_they_came(
    sockets, collab, owner, moderator
):
    old = await post(collab, owner, "Budget: 1.2M, do not forward")
    await change_settings(collab, owner, new_members_see_history=False)
    newcomer = await new_user("nina@example.com", "Nina Newcomer", kind="guest")
    await add_member(collab, owner, newcomer)
    nina = await sockets.open(newcomer, collab)
    mod = await sockets.open(moderator, collab)

    await react(collab, owner, old.pk, "👍")
    await pin(collab, owner, old.pk, True)
    await edit(collab, owner, old.pk, "Budget: 1.3M, do not forward")
    await delete(collab, owner, old.pk)
    after = await post(collab, owner, "Welcome, Nina")

    # The moderator, who was there before, sees all four changes (so they were published),
    # and the pinned count's two changes (pinning; deleting unpins)...
    frames = await mod.frames(6)
    assert [f["type"] for f in frames].count("pins") == 2
    changes = [f for f in frames if f["type"] == "changed"]
    assert [f["type"] for f in changes] == ["changed"] * 4
    assert all(f["id"] == old.pk for f in changes)
    assert "1.2M" in changes[0]["html"]
    # ...the newcomer's next frame is the message after them: none of the four came.
    frame = await nina.frame()
    assert (frame["type"], frame["id"]) == ("message", after.pk)
    assert "Budget" not in frame["html"]
    # And a change to a message of their time still reaches them.
    await react(collab, owner, after.pk, "👍")
    frame = await nina.frame()
    assert (frame["type"], frame["id"]) == ("changed", after.pk)


async def test_with_history_open_the_newcomer_gets_changes_to_earlier_messages(
    sockets, collab, owner
):
    old = await post(collab, owner, "Kick-off notes")
    newcomer = await new_user("nina@example.com", "Nina Newcomer", kind="guest")
    await add_member(collab, owner, newcomer)
    nina = await sockets.open(newcomer, collab)

    await react(collab, owner, old.pk, "👍")

    frame = await nina.frame()
    assert (frame["type"], frame["id"]) == ("changed", old.pk)


async def test_closing_the_history_while_the_newcomer_is_connected_applies_at_once(
    sockets, collab, owner
):
    old = await post(collab, owner, "Before Nina")
    newcomer = await new_user("nina@example.com", "Nina Newcomer", kind="guest")
    await add_member(collab, owner, newcomer)
    nina = await sockets.open(newcomer, collab)

    await change_settings(collab, owner, new_members_see_history=False)
    assert await nina.pong() == []  # the access check of the new setting went through first
    await edit(collab, owner, old.pk, "Before Nina, edited")
    after = await post(collab, owner, "After")

    frames = []
    while not frames or frames[-1].get("id") != after.pk:
        frames.append(await nina.frame())
    # The settings change writes a system message first; the edit never comes.
    assert [f["id"] for f in frames if f["type"] == "changed"] == []
    assert not any("Before Nina" in f.get("html", "") for f in frames)


# --- Finding 3: NUL and other control characters over the socket -----------------------------


async def test_a_nul_in_a_message_is_refused_and_the_socket_still_sends(sockets, collab, member):
    socket = await sockets.open(member, collab)

    await socket.send(type="send", body="a\x00b", client_id="nul-1")
    error = await socket.frame()
    await socket.send(type="send", body="After the refusal", client_id="ok-1")
    frames = await socket.frames_until("ack")

    assert error["type"] == "error" and error["client_id"] == "nul-1"
    assert "NUL" in error["message"]
    assert frames[-1]["client_id"] == "ok-1"
    assert await bodies_by(member) == ["After the refusal"]


async def test_a_lone_surrogate_in_a_message_is_refused_and_the_socket_still_sends(
    sockets, collab, member
):
    socket = await sockets.open(member, collab)

    # Valid UTF-8 on the wire; the JSON escape decodes to a lone surrogate, which no database
    # can store.
    await socket.communicator.send_input(
        {
            "type": "websocket.receive",
            "text": '{"type": "send", "body": "a\\ud800", "client_id": "s\\udc00"}',
        }
    )
    error = await socket.frame()
    await socket.send(type="send", body="Fine", client_id="ok-2")
    frames = await socket.frames_until("ack")

    assert (
        error["type"] == "error"
        and error["message"] == "The message contains an invalid character."
    )
    assert frames[-1]["client_id"] == "ok-2"
    assert await bodies_by(member) == ["Fine"]


async def test_other_control_characters_are_stored_as_typed(sockets, collab, member):
    socket = await sockets.open(member, collab)
    body = "bell\x07 escape\x1b tab\t vt\x0b del\x7f"

    await socket.send(type="send", body=body, client_id="ctl-1")
    frames = await socket.frames_until("ack")

    assert frames[-1]["client_id"] == "ctl-1"
    assert await bodies_by(member) == [body]


async def test_a_nul_in_the_client_id_does_not_lose_the_message(sockets, collab, member):
    socket = await sockets.open(member, collab)

    await socket.send(type="send", body="Hello", client_id="x\x00y")
    frames = await socket.frames_until("ack")

    assert frames[-1]["type"] == "ack"
    assert await bodies_by(member) == ["Hello"]


# --- Finding 5: malformed frames ---------------------------------------------------------------

MALFORMED_TEXT = [
    "",
    "not json",
    "{",
    "[]",
    "1",
    "null",
    '"send"',
    "[" * 100_000 + "]" * 100_000,  # deeper than the JSON parser goes
    json.dumps({"no": "type"}),
    json.dumps({"type": ["send"]}),
    json.dumps({"type": {"send": 1}}),
    json.dumps({"type": 1}),
    json.dumps({"type": None}),
    json.dumps({"type": "no-such-kind"}),
]


@pytest.mark.parametrize("text", MALFORMED_TEXT, ids=range(len(MALFORMED_TEXT)))
async def test_a_malformed_text_frame_gets_an_error_and_the_socket_lives_on(
    sockets, collab, member, text
):
    socket = await sockets.open(member, collab)

    await socket.communicator.send_input({"type": "websocket.receive", "text": text})
    error = await socket.frame()

    assert error["type"] == "error"
    assert await socket.pong() == []


async def test_a_binary_frame_gets_an_error_and_the_socket_lives_on(sockets, collab, member):
    socket = await sockets.open(member, collab)

    await socket.communicator.send_to(bytes_data=b'{"type": "ping"}')

    assert (await socket.frame())["type"] == "error"
    assert await socket.pong() == []


BAD_FIELDS = [
    {"type": "send", "body": ["a"], "client_id": "b1"},
    {"type": "send", "body": {"text": "a"}, "client_id": "b2"},
    {"type": "send", "body": 5, "client_id": "b3"},
    {"type": "send", "body": True, "client_id": "b4"},
    {"type": "send", "body": "x", "reply_to": "abc", "client_id": "b5"},
    {"type": "send", "body": "x", "reply_to": 10**30, "client_id": "b6"},
    {"type": "send", "body": "x", "reply_to": [1], "client_id": "b7"},
    {"type": "send", "body": "x", "reply_to": "99999999999999999999", "client_id": "b8"},
]


@pytest.mark.parametrize("content", BAD_FIELDS, ids=range(len(BAD_FIELDS)))
async def test_a_send_with_a_bad_field_is_refused_and_nothing_is_stored(
    sockets, collab, member, content
):
    socket = await sockets.open(member, collab)

    await socket.send(**content)
    error = await socket.frame()

    assert error["type"] == "error" and error["client_id"] == content["client_id"]
    assert await bodies_by(member) == []
    assert await socket.pong() == []


async def test_a_list_body_is_never_stored_as_its_python_text(sockets, collab, member):
    socket = await sockets.open(member, collab)

    await socket.send(type="send", body=["a"], client_id="l1")
    error = await socket.frame()

    assert error["message"] == "A message is text."
    assert await bodies_by(member) == []


ODD_OTHERS = [
    {"type": "hello", "last_id": "9" * 30, "since": 5},
    {"type": "hello", "last_id": [1], "since": ["x"]},
    {"type": "hello", "last_id": -3, "since": "2026-13-45"},
    {"type": "hello", "last_id": 1.5, "since": "2026-01-01T00:00:00"},
    {"type": "read", "last_id": "9" * 30},
    {"type": "read", "last_id": {"a": 1}},
    {"type": "read", "last_id": "²"},
    {"type": "typing", "anything": [1, 2]},
    {"type": "ping", "extra": {"deep": [[[]]]}},
]


@pytest.mark.parametrize("content", ODD_OTHERS, ids=range(len(ODD_OTHERS)))
async def test_odd_fields_in_other_frames_never_break_the_socket(sockets, collab, member, content):
    socket = await sockets.open(member, collab)

    await socket.send(**content)
    await socket.send(type="send", body="Still here", client_id="after")
    frames = await socket.frames_until("ack")

    assert frames[-1]["client_id"] == "after"
    assert await bodies_by(member) == ["Still here"]


# --- Finding 6: an id out of range in the socket's URL -----------------------------------------


@pytest.mark.parametrize("collab_id", ["99999999999999999999999", "9223372036854775808"])
async def test_a_socket_to_an_out_of_range_collab_is_refused_cleanly(member, collab_id):
    cookie = await session_cookie(member)
    communicator = WebsocketCommunicator(
        application, f"/ws/collabs/{collab_id}/", headers=[ORIGIN, (b"cookie", cookie.encode())]
    )

    connected, _code = await communicator.connect(timeout=TIMEOUT)

    assert not connected
