"""The WebSocket load client: members' sockets on /ws/collabs/<id>/ through the real stack
(session cookie, Origin, Daphne, Redis channel layer, PostgreSQL).

A sender sends {"type": "send", "body": "bench <run>-<n> <t>", "client_id": ...}; every
counted socket records when the {"type": "message"} frame carrying that body arrives (the
body is in the rendered html). Times are the client's perf_counter, from just before the
send to each receiver's frame, as in the floor's client. All loops are bounded in count and
time."""

import asyncio
import contextlib
import itertools
import json
import re
import time
from time import perf_counter

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from .stats import summary_ms

MARK = re.compile(r"bench (\d+)-(\d+) ")
MESSAGE_PREFIX = '{"type": "message"'
# Run numbers are unique in the bench process: a client_id is unique per author, and a repeated
# one returns the message already sent (without publishing it again).
_RUNS = itertools.count(1)
MAX_TIMEOUTS_IN_A_ROW = 5  # the server is stuck or gone: stop instead of waiting out the run


class Pending:
    __slots__ = ("ack_t", "done", "first", "got", "last", "need", "t0", "times")

    def __init__(self, need: int):
        self.need = need
        self.got = 0
        self.t0 = 0.0
        self.first = 0.0
        self.last = 0.0
        self.ack_t = 0.0
        self.times: list[float] = []
        self.done = asyncio.Event()


class Hub:
    """Routes the frames of all sockets of a run to what is waiting for them."""

    def __init__(self):
        self.pending: dict[tuple[int, int], Pending] = {}
        self.run = 0
        self.connect_retries = 0
        self.completed = 0  # messages every counted receiver got

    def next_run(self) -> int:
        self.run = next(_RUNS)
        return self.run

    def delivered(self, run: int, n: int, now: float) -> None:
        p = self.pending.get((run, n))
        if p is None:
            return
        p.got += 1
        p.times.append(now)
        if p.got == 1:
            p.first = now
        if p.got == p.need:
            p.last = now
            p.done.set()
            self.completed += 1

    def acked(self, client_id: str, now: float) -> None:
        if client_id.startswith("c"):
            try:
                run, n = (int(x) for x in client_id[1:].split("-"))
            except ValueError:
                return
            p = self.pending.get((run, n))
            if p is not None:
                p.ack_t = now


class Sock:
    def __init__(self, hub: Hub, ws, user_index: int):
        self.hub = hub
        self.ws = ws
        self.user_index = user_index
        self.counts = False  # a receiver whose deliveries are recorded
        self.frames = 0
        self.acks = 0
        self.errors = 0
        self.last_error = ""
        self.first_error_t = 0.0
        self.closed_t = 0.0
        self.close_code = None
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        hub = self.hub
        try:
            async for text in self.ws:
                now = perf_counter()
                self.frames += 1
                if text.startswith(MESSAGE_PREFIX):
                    if self.counts:
                        m = MARK.search(text)
                        if m:
                            hub.delivered(int(m.group(1)), int(m.group(2)), now)
                    continue
                frame = json.loads(text)
                kind = frame.get("type")
                if kind == "ack":
                    self.acks += 1
                    hub.acked(str(frame.get("client_id", "")), now)
                elif kind == "error":
                    self.errors += 1
                    self.last_error = frame.get("message", "")
                    if not self.first_error_t:
                        self.first_error_t = now
        except ConnectionClosed:
            pass
        finally:
            self.closed_t = perf_counter()
            self.close_code = self.ws.close_code

    async def send(self, payload: dict) -> None:
        await self.ws.send(json.dumps(payload))

    async def close(self) -> None:
        # Closing at the end of a phase, whatever state the socket is in.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 5)
        self.task.cancel()


async def _open_one(
    hub: Hub, url: str, origin: str, session_key: str, user_index: int, tries: int = 5
) -> Sock:
    for attempt in range(tries):
        try:
            ws = await connect(
                url,
                origin=origin,
                additional_headers={"Cookie": f"sessionid={session_key}"},
                compression=None,
                ping_interval=None,
                open_timeout=30,
                close_timeout=5,
                max_size=2**22,
            )
            return Sock(hub, ws, user_index)
        except Exception:
            if attempt == tries - 1:
                raise
            hub.connect_retries += 1
            await asyncio.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


async def open_socks(
    hub: Hub, url: str, origin: str, sessions: list[str], user_indexes: list[int], batch: int = 20
) -> list[Sock]:
    """Open one socket per user, `batch` handshakes at a time (channels-redis's pool of 100
    connections refuses bigger connect bursts, see the floor's note 6)."""
    socks: list[Sock] = []
    for i in range(0, len(user_indexes), batch):
        chunk = user_indexes[i : i + batch]
        socks += await asyncio.gather(*(_open_one(hub, url, origin, sessions[u], u) for u in chunk))
    return socks


async def open_socks_tolerant(
    hub: Hub, url: str, origin: str, sessions: list[str], user_indexes: list[int], batch: int = 20
) -> tuple[list[Sock], list[str]]:
    """As open_socks, but a socket that cannot be opened (after its retries) is counted, not
    fatal: (the sockets opened, the errors of those that were not)."""
    socks: list[Sock] = []
    errors: list[str] = []
    for i in range(0, len(user_indexes), batch):
        chunk = user_indexes[i : i + batch]
        got = await asyncio.gather(
            *(_open_one(hub, url, origin, sessions[u], u) for u in chunk), return_exceptions=True
        )
        for g in got:
            if isinstance(g, BaseException):
                errors.append(f"{type(g).__name__}: {g}")
            else:
                socks.append(g)
    return socks, errors


async def close_socks(socks: list[Sock]) -> None:
    for i in range(0, len(socks), 100):
        await asyncio.gather(*(s.close() for s in socks[i : i + 100]))


def _body(run: int, n: int) -> dict:
    body = f"bench {run}-{n} {time.time():.6f}"
    return {"type": "send", "body": body, "client_id": f"c{run}-{n}"}


def floor_body(run: int, n: int) -> dict:
    """The same marked text in the floor's protocol: its consumer passes on any JSON object with
    an "id" unchanged to every socket in the room, so the frame each receiver reads starts as
    our message frames do and carries the same mark (the same client code reads both)."""
    return {"type": "message", "id": n, "html": f"bench {run}-{n} {time.time():.6f}"}


async def latency(
    hub: Hub, sender: Sock, receivers: list[Sock], *, warmup: int, m: int, timeout: float = 5.0
) -> dict:
    """One message in flight: message n+1 is sent once every receiver got message n."""
    for s in receivers:
        s.counts = True
    run = hub.next_run()
    timeouts = 0
    in_a_row = 0
    aborted = ""
    keys = []
    for n in range(warmup + m):
        p = Pending(len(receivers))
        hub.pending[(run, n)] = p
        payload = _body(run, n)
        p.t0 = perf_counter()
        try:
            await sender.send(payload)
        except ConnectionClosed as exc:
            aborted = f"the server closed the sender: {exc}"
            break
        try:
            await asyncio.wait_for(p.done.wait(), timeout)
            in_a_row = 0
        except TimeoutError:
            timeouts += 1 if n >= warmup else 0
            in_a_row += 1
        if n >= warmup:
            keys.append((run, n))
        if in_a_row >= MAX_TIMEOUTS_IN_A_ROW:
            aborted = f"{in_a_row} messages in a row not delivered within {timeout} s"
            break
    done = [hub.pending[k] for k in keys if hub.pending[k].last]
    out = {
        "k": len(receivers),
        "warmup": warmup,
        "messages": m,
        "measured": len(keys),
        "aborted": aborted,
        "timeouts": timeouts,
        "sender_errors": sender.errors,
        "sender_last_error": sender.last_error,
        "last_ms": summary_ms([p.last - p.t0 for p in done]),
        "first_ms": summary_ms([p.first - p.t0 for p in done]),
        "all_ms": summary_ms([t - p.t0 for p in done for t in p.times]),
        "ack_ms": summary_ms([p.ack_t - p.t0 for p in done if p.ack_t]),
    }
    for k in [k for k in hub.pending if k[0] == run]:
        del hub.pending[k]
    for s in receivers:
        s.counts = False
    return out


async def paced(
    hub: Hub,
    senders: list[Sock],
    receivers: list[Sock],
    *,
    rate: float,
    dur: float,
    drain: float = 5.0,
    max_in_flight: int = 2000,
    payload=_body,
    n_msgs: int | None = None,
) -> dict:
    """Open loop at a fixed rate for `dur` s (or `n_msgs` messages), senders in turn; then wait
    up to `drain` s for the deliveries. Every receiver must get every message. A message is sent
    when it is due whatever happened to the earlier ones (open loop): the latency of each is
    from its due time's send to its last receiver."""
    for s in receivers:
        s.counts = True
    run = hub.next_run()
    errors0 = sum(s.errors for s in senders)
    keys = []
    stalled = False
    completed0 = hub.completed
    t_start = perf_counter()
    n = 0
    total = n_msgs if n_msgs is not None else int(rate * dur)
    while n < total:
        due = t_start + n / rate
        now = perf_counter()
        if due > now:
            await asyncio.sleep(due - now)
        if n - (hub.completed - completed0) >= max_in_flight:
            stalled = True
            break
        p = Pending(len(receivers))
        key = (run, n)
        hub.pending[key] = p
        keys.append(key)
        frame = payload(run, n)
        p.t0 = perf_counter()
        try:
            await senders[n % len(senders)].send(frame)
        except ConnectionClosed:
            stalled = True
            keys.pop()
            del hub.pending[key]
            break
        n += 1
    t_send_end = perf_counter()
    deadline = t_send_end + drain
    while perf_counter() < deadline and hub.completed - completed0 < n:
        await asyncio.sleep(0.02)
    pend = [hub.pending[k] for k in keys]
    full = [p for p in pend if p.last]
    acked = sum(1 for p in pend if p.ack_t)
    t_last = max((p.last for p in full), default=t_start)
    offered = n / (t_send_end - t_start) if n else 0.0
    delivered_rate = len(full) / (t_last - t_start) if full else 0.0
    out = {
        "rate": rate,
        "dur_s": dur,
        "sent": n,
        "offered_per_s": round(offered, 1),
        "fully_delivered": len(full),
        "lost": n - len(full),
        "frames_missing": sum(p.need - p.got for p in pend),
        "acked": acked,
        "errors": sum(s.errors for s in senders) - errors0,
        "stalled": stalled,
        "delivered_per_s": round(delivered_rate, 1),
        "drain_s": round(max(0.0, t_last - t_send_end), 3),
        "send_s": round(t_send_end - t_start, 3),
        "last_ms": summary_ms([p.last - p.t0 for p in full]),
        "first_ms": summary_ms([p.first - p.t0 for p in full]),
        "all_ms": summary_ms([t - p.t0 for p in full for t in p.times]),
        "ack_ms": summary_ms([p.ack_t - p.t0 for p in pend if p.ack_t]),
    }
    out["ok"] = (
        out["lost"] == 0
        and out["errors"] == 0
        and not stalled
        and offered >= 0.95 * rate
        and delivered_rate >= 0.95 * rate
    )
    for k in keys:
        del hub.pending[k]
    for s in receivers:
        s.counts = False
    return out


async def windowed(
    hub: Hub,
    senders: list[Sock],
    receivers: list[Sock],
    *,
    window: int,
    dur: float,
    payload=_body,
    stall_timeout: float = 5.0,
) -> dict:
    """Closed loop, as the floor's own client measures its msg/s: at most `window` messages in
    flight (sent, not yet at every receiver) for `dur` s, senders in turn; the rate is what the
    server delivers to every receiver."""
    for s in receivers:
        s.counts = True
    run = hub.next_run()
    keys = []
    free = asyncio.Semaphore(window)
    stalled = False
    t_start = perf_counter()
    n = 0

    async def release_when_done(p: Pending) -> None:
        await p.done.wait()
        free.release()

    waiters = []
    while perf_counter() - t_start < dur:
        try:
            await asyncio.wait_for(free.acquire(), stall_timeout)
        except TimeoutError:
            stalled = True
            break
        p = Pending(len(receivers))
        key = (run, n)
        hub.pending[key] = p
        keys.append(key)
        waiters.append(asyncio.ensure_future(release_when_done(p)))
        frame = payload(run, n)
        p.t0 = perf_counter()
        try:
            await senders[n % len(senders)].send(frame)
        except ConnectionClosed:
            stalled = True
            break
        n += 1
    t_send_end = perf_counter()
    deadline = t_send_end + stall_timeout
    pend = [hub.pending[k] for k in keys]
    while perf_counter() < deadline and any(not p.last for p in pend):
        await asyncio.sleep(0.01)
    for w in waiters:
        w.cancel()
    full = [p for p in pend if p.last]
    span = max((p.last for p in full), default=t_start) - t_start
    out = {
        "window": window,
        "dur_s": dur,
        "senders": len(senders),
        "receivers": len(receivers),
        "sent": n,
        "fully_delivered": len(full),
        "lost": len(pend) - len(full),
        "stalled": stalled,
        "delivered_per_s": round(len(full) / span, 1) if span > 0 else None,
        "last_ms": summary_ms([p.last - p.t0 for p in full]),
    }
    for k in keys:
        del hub.pending[k]
    for s in receivers:
        s.counts = False
    return out
