"""Issue 8: property-based tests (Hypothesis). Arbitrary text and arbitrary JSON, sent to the
message form, the search boxes and the socket, never get a 5xx, never crash the socket (no
close 1011, no dead sender task), and never cost a later message: after whatever came
before, a normal message from the same page is stored and acknowledged.

CI runs this on SQLite and on PostgreSQL (which refuses NUL characters)."""

import asyncio
import json
from itertools import count

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.chat.models import Message
from tests.chat.ws import (  # noqa: F401  (fixtures)
    channel_layer_of_its_own,
    session_cookie,
    sockets_fixture,
)

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any text, with the characters that broke things before made likely. Over HTTP, text is
# UTF-8 (the test client cannot even encode a lone surrogate); a JSON frame can carry one as
# "\ud800", so the socket's texts include them.
_likely = st.sampled_from(["\x00", "\r", "\n", "\x1b", "\u2028", "@", "_", "`", "[", "<", "&"])
http_texts = st.text(
    alphabet=st.one_of(st.characters(blacklist_categories=("Cs",)), _likely), max_size=300
)
texts = st.text(alphabet=st.one_of(st.characters(), _likely), max_size=300)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=2**63 - 3, max_value=2**70),
    st.floats(allow_nan=False),
    st.just("²"),
)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12,
)
kinds = st.sampled_from(["send", "hello", "read", "typing", "ping", "unknown"])
frame_objects = st.fixed_dictionaries(
    {"type": kinds},
    optional={
        "body": st.one_of(texts, json_values),
        "client_id": st.one_of(texts, json_values),
        "reply_to": st.one_of(numbers, texts, json_values),
        "last_id": st.one_of(numbers, texts, json_values),
        "since": st.one_of(texts, json_values),
    },
)
frames = st.one_of(
    frame_objects.map(json.dumps),
    json_values.map(json.dumps),
    texts.filter(bool),
    st.binary(min_size=1, max_size=50),
)


@pytest.fixture(autouse=True)
def roomy_limits(settings):
    settings.CHAT_BURST_MESSAGES = 100_000
    settings.CHAT_SUSTAINED_MESSAGES = 100_000


@pytest.mark.django_db
def test_the_message_form_never_fails_on_any_text(client, collab, member):
    client.force_login(member)
    url = reverse("chat:send", args=[collab.pk])
    serial = count()

    @FUZZ
    @given(body=http_texts, client_id=http_texts, reply_to=st.one_of(st.just(""), http_texts))
    def check(body, client_id, reply_to):
        response = client.post(url, {"body": body, "client_id": client_id, "reply_to": reply_to})
        assert response.status_code == 302
        # The next normal message from the same page is stored.
        marker = f"after {next(serial)}"
        response = client.post(url, {"body": marker})
        assert response.status_code == 302
        assert Message.objects.filter(author=member, body=marker).exists()

    check()


@pytest.mark.django_db
def test_the_search_boxes_never_fail_on_any_text(client, collab, owner):
    client.force_login(owner)
    search = reverse("chat:search", args=[collab.pk])
    members = reverse("collabs:members", args=[collab.pk])
    history = reverse("chat:history", args=[collab.pk])
    page = reverse("collabs:detail", args=[collab.pk])

    @FUZZ
    @given(query=http_texts)
    def check(query):
        assert client.get(search, {"q": query}).status_code == 200
        assert client.get(members, {"q": query}).status_code == 200
        assert client.get(page, {"message": query, "reply": query}).status_code == 200
        assert client.get(history, {"before": query}).status_code in (200, 400)

    check()


@pytest.mark.django_db(transaction=True)
async def test_the_socket_survives_any_frames_and_keeps_the_next_message(sockets, collab, member):
    loop = asyncio.get_running_loop()
    cookie = await session_cookie(member)
    serial = count()

    def on_loop(coro):
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=60)

    async def one_example(sent: list) -> None:
        socket = await sockets.open(member, collab, cookie=cookie)
        for item in sent:
            if isinstance(item, bytes):
                await socket.communicator.send_input({"type": "websocket.receive", "bytes": item})
            else:
                await socket.communicator.send_input({"type": "websocket.receive", "text": item})
        final = f"final-{next(serial)}"
        await socket.send(type="send", body=final, client_id=final)
        received = []
        # frame() fails on a close (1011 after a crash) or when nothing comes.
        while not (received and received[-1] == ("ack", final)):
            frame = await socket.frame()
            received.append((frame["type"], frame.get("client_id")))
        stored = await database_sync_to_async(
            lambda: Message.objects.filter(author=member, client_id=final, body=final).exists()
        )()
        assert stored
        await socket.disconnect()

    @FUZZ
    @given(sent=st.lists(frames, min_size=1, max_size=5))
    def check(sent):
        on_loop(one_example(sent))

    # Hypothesis drives the examples from a thread of its own; the sockets live on this loop.
    await asyncio.to_thread(check)
