"""The portal on two nodes behind HAProxy (issue 14): what one node does reaches the other's
sockets, revocation and rate limits hold across nodes, and neither a node killed during a send
storm nor a Redis restart loses an acknowledged message or leaves a page with a gap."""

import asyncio
import time

import pytest
import websockets

from .conftest import BURST, BURST_SECONDS, Page, http, settle

pytestmark = pytest.mark.cluster


async def _wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def test_the_proxy_serves_both_nodes_and_checks_their_health(stack):
    assert stack.cluster.status() == {"node1": "UP", "node2": "UP"}
    statuses = [http(stack.proxy_port, "/healthz/", "")[0] for _ in range(6)]
    assert statuses == [200] * 6
    # The body limit (FILES_MAX_BYTES x 8 + the form) holds at the proxy, before any node.
    status, _ = http(stack.proxy_port, "/healthz/", "", method="POST", data=b"x" * 10)
    assert status != 413
    too_big = str(8 * 100 * 1024 * 1024 + 64 * 1024 + 1)
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{stack.proxy_port}/", method="POST", headers={"Content-Length": too_big}
    )
    try:
        urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as exc:
        assert exc.code == 413
    else:
        pytest.fail("the proxy let a body over the limit through")


async def test_a_message_sent_through_node_a_reaches_a_socket_on_node_b(stack):
    sender = Page(stack, stack.person(), stack.a.port, "sender on A")
    reader = Page(stack, stack.person(), stack.b.port, "reader on B")
    await sender.connect()
    await reader.connect()
    await asyncio.wait_for(asyncio.gather(sender.ready.wait(), reader.ready.wait()), 10)
    before = stack.last_id()

    for i in range(5):
        await sender.send(f"across nodes {i}")
    assert await _wait(lambda: len(sender.acks) == 5, 10), sender.errors
    acked = sorted(sender.acks.values())
    assert await _wait(lambda: set(acked) <= set(reader.held), 5)

    assert stack.message_ids(after=before) == acked
    assert {i: reader.held[i] for i in acked} == dict.fromkeys(acked, 1)
    await sender.close()
    await reader.close()


async def test_a_member_removed_through_node_a_is_cut_off_on_node_b_within_a_second(stack):
    removed, other = stack.person(), stack.person()
    page = Page(stack, removed, stack.b.port, "removed, on B")
    writer = Page(stack, other, stack.b.port, "writer on B")
    await page.connect()
    await writer.connect()
    await asyncio.wait_for(asyncio.gather(page.ready.wait(), writer.ready.wait()), 10)
    frames_before = len(page.held)

    # The owner removes the member through the members page's form on node A.
    status, headers = http(
        stack.a.port,
        f"/collabs/{stack.collab}/members/{removed['id']}/remove/",
        stack.owner["session"],
        method="POST",
        data=b"",
    )
    removed_at = time.monotonic()
    assert status == 302, (status, headers)
    assert await _wait(lambda: page.closed.is_set(), 1.0), "still open a second later"
    print(f"cut off on node B {1000 * (time.monotonic() - removed_at):.0f} ms after the removal")
    assert page.close_codes == [4403]

    # Nothing more reaches them: the others' messages go on, the removed page hears none,
    # and a new socket of theirs (on either node) is refused.
    held_at_close = dict(page.held)
    await writer.send("after the removal")
    assert await _wait(lambda: len(writer.acks) == 1, 10), writer.errors
    await asyncio.sleep(0.3)
    assert page.held == held_at_close
    assert len(page.held) <= frames_before + 1  # at most the "removed" notice before the close
    for port in (stack.a.port, stack.b.port):
        # Refused before it opens (a socket closed before accept is an HTTP 403).
        with pytest.raises(websockets.InvalidStatus) as refused:
            await Page(stack, removed, port).connect(hello=False)
        assert refused.value.response.status_code == 403
    await writer.close()


async def _send_one_by_one(pages: list[Page], count: int) -> tuple[int, int]:
    """`count` sends, taking turns over the pages, each awaited: (acknowledged, refused)."""
    acked = refused = 0
    for i in range(count):
        page = pages[i % len(pages)]
        before_acks, before_errors = len(page.acks), len(page.errors)
        client_id = await page.send(f"rate {i}")
        done = await _wait(
            lambda p=page, a=before_acks, e=before_errors: len(p.acks) > a or len(p.errors) > e, 10
        )
        assert done, f"no answer to send {i}"
        if client_id in page.acks:
            acked += 1
        else:
            refused += 1
            page.pending.pop(client_id, None)
    return acked, refused


def _room_in_the_window(seconds: float) -> None:
    """The limits count in fixed windows: start where this one has `seconds` left at least."""
    left = BURST_SECONDS - time.time() % BURST_SECONDS
    if left < seconds:
        time.sleep(left + 0.2)


async def test_the_rate_limit_holds_across_nodes(stack):
    sends = BURST + 6
    one_node = Page(stack, stack.person(), stack.a.port, "one node")
    on_a_person = stack.person()
    on_a = Page(stack, on_a_person, stack.a.port, "alternating, A")
    on_b = Page(stack, on_a_person, stack.b.port, "alternating, B")
    for page in (one_node, on_a, on_b):
        await page.connect()
        await asyncio.wait_for(page.ready.wait(), 10)

    _room_in_the_window(10)
    alone = await _send_one_by_one([one_node], sends)
    _room_in_the_window(10)
    spread = await _send_one_by_one([on_a, on_b], sends)

    assert alone == (BURST, sends - BURST)
    assert spread == alone
    assert len(on_a.acks) + len(on_b.acks) == BURST
    assert len(on_a.acks) > 0 and len(on_b.acks) > 0
    for page in (one_node, on_a, on_b):
        await page.close()


async def _storm(pages: list[Page], per_page: int, every: float, during=None) -> None:
    """Each page sends `per_page` messages, one every `every` seconds, not waiting for acks;
    `during` (a coroutine function) runs once a third of the storm is sent."""

    async def one(page: Page) -> None:
        for i in range(per_page):
            await page.send(f"storm {page.name} {i}")
            await asyncio.sleep(every)

    storm = [asyncio.ensure_future(one(page)) for page in pages]
    if during is not None:
        await asyncio.sleep(per_page * every / 3)
        await during()
    await asyncio.gather(*storm)


def _assert_nothing_lost(stack, pages: list[Page], before: int) -> None:
    """Every acknowledged send stored once, under its acked id, and nothing stored that was not
    acknowledged in the end; every page shows every message since `before`, none missing and
    none it should not: those that stayed connected by the live events (a message stored by a
    killed node before its event went out was never acknowledged, so its sender sent it again
    and the resend published it), those that reconnected by their catch-up."""
    in_db = stack.message_ids(after=before)
    rows = stack.db.rows(
        "SELECT client_id, count(*), min(id) FROM chat_message WHERE collab_id = %s AND id > %s "
        "GROUP BY client_id",
        (stack.collab, before),
    )
    by_client_id = {client_id: (count, first) for client_id, count, first in rows}
    sent = sum(len(p.acks) for p in pages)
    assert len(in_db) == sent  # nothing stored that was not acknowledged in the end
    for page in pages:
        for client_id, message_id in page.acks.items():
            # Every acknowledged send: in the database once, under the id it was acked with.
            assert by_client_id[client_id] == (1, message_id)
    for page in pages:
        missing = set(in_db) - set(page.holds(before))
        assert not missing, (page.name, sorted(missing), _who(pages, missing))
        assert set(page.holds(before)) <= set(in_db), page.name


def _who(pages, ids):
    return {i: [(p.name, p.connections) for p in pages if i in p.acks.values()] for i in ids}


async def test_a_node_killed_during_a_send_storm_loses_nothing_acknowledged(stack):
    people = [stack.person() for _ in range(6)]
    pages = [Page(stack, p, stack.proxy_port, f"storm{i}") for i, p in enumerate(people)]
    for page in pages:
        await page.connect()
        await asyncio.wait_for(page.ready.wait(), 10)
        page.keep_connected()
    before = stack.last_id()
    killed_at = {}

    async def kill_a():
        killed_at["codes"] = [len(p.close_codes) for p in pages]
        stack.a.kill()  # kill -9

    try:
        _room_in_the_window(12)
        await _storm(pages, per_page=15, every=0.1, during=kill_a)
        await settle(pages, timeout=30)
        await asyncio.sleep(0.5)  # the last deliveries

        cut = [p for p, n in zip(pages, killed_at["codes"], strict=True) if len(p.close_codes) > n]
        print(f"{len(cut)} of {len(pages)} pages were on node A; reconnected through the proxy")
        assert cut, "no page was on node A"
        assert all(p.connections >= 2 for p in cut)
        assert sum(len(p.acks) for p in pages) == 6 * 15
        _assert_nothing_lost(stack, pages, before)
    finally:
        for page in pages:
            await page.close()
        stack.restart_node(stack.a)


async def test_a_redis_restart_during_traffic_loses_nothing_acknowledged(stack):
    people = [stack.person() for _ in range(4)]
    ports = [stack.a.port, stack.b.port, stack.proxy_port, stack.proxy_port]
    pages = [
        Page(stack, person, port, f"redis{i}")
        for i, (person, port) in enumerate(zip(people, ports, strict=True))
    ]
    for page in pages:
        await page.connect()
        await asyncio.wait_for(page.ready.wait(), 10)
        page.keep_connected()
    before = stack.last_id()

    async def restart_redis():
        stack.redis.kill()
        await asyncio.sleep(1.0)
        stack.redis.start()

    _room_in_the_window(15)
    await _storm(pages, per_page=15, every=0.2, during=restart_redis)
    await settle(pages, timeout=45)
    await asyncio.sleep(0.5)

    # Every page's socket was closed for it to catch up (4503), or broke, and came back.
    assert all(p.connections >= 2 for p in pages), [p.close_codes for p in pages]
    assert sum(len(p.acks) for p in pages) == 4 * 15
    _assert_nothing_lost(stack, pages, before)
    for page in pages:
        await page.close()


async def test_the_client_address_behind_the_proxy_is_the_real_one_not_a_forged_one(stack):
    """The per-address limits count the address HAProxy appended to X-Forwarded-For
    (ALLAUTH_TRUSTED_PROXY_COUNT=1): neither the proxy's own (127.0.0.1, the nodes' peer) nor
    what the client wrote there. The client speaks from 127.0.0.2 to tell it from the proxy."""
    import http.client

    import redis

    keys = redis.Redis(host="127.0.0.1", port=stack.redis.port)
    pattern = "*rl:invite_page:*"
    for key in keys.scan_iter(pattern):
        keys.delete(key)
    for forged in ("203.0.113.7", "198.51.100.1, 203.0.113.8"):
        client = http.client.HTTPConnection(
            "127.0.0.1", stack.proxy_port, timeout=10, source_address=("127.0.0.2", 0)
        )
        client.request("GET", "/invite/no-such-token/", headers={"X-Forwarded-For": forged})
        client.getresponse().read()
        client.close()

    counted = {
        key.decode().split(":rl:invite_page:")[1]: int(keys.get(key))
        for key in keys.scan_iter(pattern)
    }
    # One address counted twice, in each window (the minute's and the hour's): the client's.
    assert sorted(key.split(":")[0] for key in counted) == ["127.0.0.2", "127.0.0.2"]
    assert set(counted.values()) == {2}
