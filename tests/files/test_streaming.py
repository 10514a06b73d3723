"""Downloads stream a chunk at a time both ways Django consumes a response (apps/files/
streaming.py): under ASGI (Daphne) with an asynchronous iterator, so Django's handler never
reads the file whole into a list first, and synchronously for WSGI and the test client; the
file is closed at the end and when the client goes away."""

import asyncio
import io
import warnings
from http.cookies import SimpleCookie

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.urls import reverse

from apps.files import services, streaming
from apps.files.streaming import CHUNK, FileStream
from tests.files.conftest import upload_of

CONTENT = bytes(range(256)) * 4096 + b"tail"  # 1 MiB and 4 bytes: 17 chunks, the last short


class Handle(io.BytesIO):
    """A file that remembers how far it was read."""

    furthest = 0

    def read(self, size=-1):
        data = super().read(size)
        self.furthest = max(self.furthest, self.tell())
        return data


def test_it_streams_synchronously_in_chunks_and_closes_the_file():
    handle = Handle(CONTENT)
    response = FileStream(handle, 0, len(CONTENT))

    parts = list(response.streaming_content)

    assert b"".join(parts) == CONTENT
    assert max(len(p) for p in parts) == CHUNK
    assert handle.closed


async def take_async(response, first_only=False):
    parts = []
    iterator = aiter(response)
    try:
        async for part in iterator:
            parts.append(part)
            if first_only:
                break
    finally:
        await iterator.aclose()
    return parts


def test_it_streams_asynchronously_without_reading_ahead_or_warning():
    handle = Handle(CONTENT)
    response = FileStream(handle, 0, len(CONTENT))

    async def first_then_rest():
        iterator = aiter(response)
        first = await anext(iterator)
        read_after_first = handle.furthest
        rest = [part async for part in iterator]
        return [first, *rest], read_after_first

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Django's "must consume synchronous iterators"
        parts, read_after_first = asyncio.run(first_then_rest())

    assert read_after_first == CHUNK  # one chunk read, not the file
    assert b"".join(parts) == CONTENT
    assert max(len(p) for p in parts) == CHUNK
    assert handle.closed


def test_a_range_is_streamed_both_ways():
    start, length = 100_000, 200_000
    sync = FileStream(Handle(CONTENT), start, length, status=206)
    asynchronous = FileStream(Handle(CONTENT), start, length, status=206)

    assert b"".join(sync.streaming_content) == CONTENT[start : start + length]
    assert b"".join(asyncio.run(take_async(asynchronous))) == CONTENT[start : start + length]


def test_a_client_gone_mid_stream_closes_the_file():
    handle = Handle(CONTENT)
    response = FileStream(handle, 0, len(CONTENT))

    parts = asyncio.run(take_async(response, first_only=True))

    assert len(parts) == 1
    assert handle.closed
    assert handle.furthest == CHUNK


def test_a_cancelled_task_closes_the_file():
    handle = Handle(CONTENT)
    response = FileStream(handle, 0, len(CONTENT))
    started = asyncio.Event()

    async def scenario():
        async def consume():
            async for _ in response:
                started.set()
                await asyncio.sleep(10)  # a slow client

        task = asyncio.create_task(consume())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())

    assert handle.closed


def test_closing_the_response_closes_the_file():
    handle = Handle(CONTENT)
    response = FileStream(handle, 0, len(CONTENT))

    response.close()

    assert handle.closed


def test_a_wrapped_stream_is_served_djangos_way():
    """A middleware may replace streaming_content (to wrap it): what it made is served."""
    response = FileStream(Handle(CONTENT), 0, len(CONTENT))
    response.streaming_content = (part.upper() for part in response.streaming_content)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Django's own warning for its list path
        parts = asyncio.run(take_async(response))

    assert b"".join(parts) == CONTENT.upper()


# --- Through Django's ASGI handler (what Daphne runs) -------------------------------------


def asgi_get(path: str, cookies: SimpleCookie, headers=()) -> list[dict]:
    """GET `path` through Django's ASGIHandler; the messages it sends."""
    sent: list[dict] = []
    cookie = "; ".join(f"{k}={v.value}" for k, v in cookies.items())
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode()), *headers],
        "client": ["127.0.0.1", 5000],
        "server": ["testserver", 80],
    }

    async def run():
        body_sent = asyncio.Event()

        async def receive():
            if not body_sent.is_set():
                body_sent.set()
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # the client stays until the response is done

        async def send(message):
            if message["type"] == "http.response.body" and message.get("body"):
                message = {**message, "reads": reads[0]}
            sent.append(message)

        await ASGIHandler()(scope, receive, send)

    reads = [0]
    original = streaming.FileChunks.read

    def counting_read(self):
        reads[0] += 1
        return original(self)

    streaming.FileChunks.read = counting_read
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            asyncio.run(run())
    finally:
        streaming.FileChunks.read = original
    return sent


@pytest.mark.django_db(transaction=True)
def test_a_download_under_asgi_streams_as_it_reads(client, collab, member):
    file = services.upload(collab, member, upload_of("big.bin", CONTENT))
    client.force_login(member)
    path = reverse("files:download", kwargs={"collab_id": collab.pk, "file_id": file.pk})

    sent = asgi_get(path, client.cookies)

    start, *bodies = sent
    assert start["status"] == 200
    assert (b"Content-Length", str(len(CONTENT)).encode()) in start["headers"]
    chunks = [m for m in bodies if m.get("body")]
    assert b"".join(m["body"] for m in chunks) == CONTENT
    # Each chunk went out as soon as it was read: the first after one read, not seventeen.
    assert [m["reads"] for m in chunks] == list(range(1, len(chunks) + 1))
    assert bodies[-1] == {"type": "http.response.body"}


@pytest.mark.django_db(transaction=True)
def test_a_range_under_asgi_streams_as_it_reads(client, collab, member):
    file = services.upload(collab, member, upload_of("big.bin", CONTENT))
    client.force_login(member)
    path = reverse("files:download", kwargs={"collab_id": collab.pk, "file_id": file.pk})

    sent = asgi_get(path, client.cookies, headers=[(b"range", b"bytes=1000-300999")])

    start, *bodies = sent
    assert start["status"] == 206
    chunks = [m for m in bodies if m.get("body")]
    assert b"".join(m["body"] for m in chunks) == CONTENT[1000:301000]
    assert [m["reads"] for m in chunks] == list(range(1, len(chunks) + 1))
