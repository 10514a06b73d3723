"""The load test's own arithmetic (bench/loadbench): what counts as a lost message, and the
small HTTP client it times pages with. Runs no server of the project."""

import asyncio
import gzip
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from loadbench import figures
from loadbench.http import Client
from loadbench.people import Recorder, SendRec, SockRec


def _recorder():
    """Collab 1: the sender's socket 0, receivers 1, 2 and 5 open from t=0, socket 3 opened
    at t=5 (after the send), socket 4 closed by its person at t=1.5, socket 6 dropped by the
    server at t=2. Collab 2: socket 7."""
    rec = Recorder()
    for collab_id, open_t in [(1, 0), (1, 0), (1, 0), (1, 5), (1, 0), (1, 0), (1, 0), (2, 0)]:
        rec.socks.append(SockRec(len(rec.socks), 0, collab_id, open_t))
    rec.socks[4].closed_t, rec.socks[4].by_us = 1.5, True
    rec.socks[6].closed_t = 2.0
    send = SendRec(1.0, 1, 0)
    send.ack_t, send.id = 1.02, 99
    rec.sends["a"] = send
    rec.by_id[99] = send
    return rec


def test_every_socket_open_at_the_send_must_get_it():
    rec = _recorder()
    rec.received[99] = {1: 1.05, 2: 1.25, 7: 1.1}  # 5 (still open) never got it; 7 is elsewhere
    fig = figures.step_figures(rec, 0.0, 3.0, 20.0, 0.0)
    assert fig["lost"] == 1
    assert fig["lost_examples"] == [(99, 5)]
    assert fig["actions"]["delivery"]["n"] == 2
    assert fig["actions"]["delivery"]["max"] == pytest.approx(250.0)
    assert fig["acked"] == 1
    assert fig["errors"] == 0


def test_nothing_lost_when_every_owed_socket_got_it():
    rec = _recorder()
    # 3 opened later: not owed, not timed; 4 and 6 closed without it: owed nothing.
    rec.received[99] = {1: 1.05, 2: 1.25, 5: 1.3, 3: 5.1}
    fig = figures.step_figures(rec, 0.0, 3.0, 20.0, 0.0)
    assert fig["lost"] == 0
    assert fig["actions"]["delivery"]["n"] == 3
    # 4 got it before it closed: timed like the others.
    rec.received[99][4] = 1.4
    fig = figures.step_figures(rec, 0.0, 3.0, 20.0, 0.0)
    assert fig["actions"]["delivery"]["n"] == 4


def test_a_send_never_acknowledged_is_an_error():
    rec = _recorder()
    rec.sends["b"] = SendRec(1.5, 1, 0)
    fig = figures.step_figures(rec, 0.0, 3.0, 20.0, 0.0)
    assert fig["unacked"] == 1
    assert fig["errors"] == 1
    # Not yet due: still waiting for its ack.
    fig = figures.step_figures(rec, 0.0, 3.0, 5.0, 0.0)
    assert fig["unacked"] == 0


async def _serve(responses: list[bytes], seen: list[bytes]):
    async def handle(reader, writer):
        for response in responses:
            head = await reader.readuntil(b"\r\n\r\n")
            seen.append(head)
            writer.write(response)
            await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_http_client_keep_alive_chunked_gzip_and_cookies():
    body = gzip.compress(b"<p>hello</p>")
    responses = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: csrftoken=abc; Path=/\r\n\r\nfirst",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nsec\r\n3\r\nond\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body,
        b"HTTP/1.1 204 No Content\r\n\r\n",
    ]
    seen: list[bytes] = []

    async def run():
        server = await _serve(responses, seen)
        port = server.sockets[0].getsockname()[1]
        client = Client(f"http://127.0.0.1:{port}", {"sessionid": "s1"})
        out = [await client.request("GET", f"/{i}/") for i in range(3)]
        out.append(await client.request("POST", "/react/", {"X-A": "1"}, b"a=1"))
        await client.close()
        server.close()
        return out, client.cookies

    out, cookies = asyncio.run(run())
    assert [r.status for r in out] == [200, 200, 200, 204]
    assert [r.body for r in out] == [b"first", b"second", b"<p>hello</p>", b""]
    assert out[2].size == len(body)
    assert cookies == {"sessionid": "s1", "csrftoken": "abc"}
    assert len(seen) == 4  # one connection for all four
    assert b"Cookie: sessionid=s1\r\n" in seen[0]
    assert b"Cookie: sessionid=s1; csrftoken=abc\r\n" in seen[1]
    assert b"Content-Length: 3\r\n" in seen[3]
