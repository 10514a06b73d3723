"""The figures of one step of the ramp, from the Recorder and /proc.

Deliveries: for every message acknowledged whose send began in the window, every socket of its
collab other than the sender's that was open when the send began gets its "message" frame;
the delivery time is from the send to that socket's frame. A socket still open when the step
is read (after a drain) without the frame counts one lost message; so does it again at the end
of the run (after another drain) if the frame never came: those are the losses reported. A
socket closed before its frame came owes nothing: the person moved to another page (which
shows the message), or the server dropped it (an error of its own; the page reconnects and
catches up). A send not acknowledged within ACK_TIMEOUT is an error."""

import os
import subprocess
import time
from time import perf_counter

from chatbench import stack
from chatbench.stats import summary_ms

from .people import ACK_TIMEOUT, PAGES, Recorder

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def step_figures(rec: Recorder, w0: float, w1: float, now: float, since: float) -> dict:
    """Times and throughput over the window [w0, w1); errors since the step began (`since`,
    the newcomers' arrival included)."""
    dur = w1 - w0
    out: dict = {"window_s": round(dur, 1)}
    actions = {}
    requests = 0
    for action, samples in sorted(rec.samples.items()):
        inside = [s for t, s in samples if w0 <= t < w1]
        if action not in ("ack", "socket handshake", "catch-up"):
            requests += len(inside)
        actions[action] = summary_ms(inside)
    out["actions"] = actions
    out["bytes"] = {a: round(sum(v) / len(v)) for a, v in rec.bytes.items() if v and a in PAGES}

    sends = [s for s in rec.sends.values() if w0 <= s.t0 < w1]
    acked = [s for s in sends if s.ack_t]
    unacked = [s for s in sends if not s.ack_t and now - s.t0 > ACK_TIMEOUT]
    by_collab: dict[int, list] = {}
    for sock in rec.socks:
        by_collab.setdefault(sock.collab_id, []).append(sock)
    lost = 0
    lost_examples = []
    times = []
    for s in acked:
        got = rec.received.get(s.id, {})
        for sock in by_collab.get(s.collab_id, ()):
            if sock.serial == s.serial or sock.open_t > s.t0:
                continue
            t = got.get(sock.serial)
            if t is None:
                if sock.closed_t is not None:
                    continue  # gone before it came: owed nothing (see above)
                lost += 1
                if len(lost_examples) < 5:
                    lost_examples.append((s.id, sock.serial))
            else:
                times.append(t - s.t0)
    out["actions"]["delivery"] = summary_ms(times)
    delivered_in = sum(1 for v in rec.received.values() for t in v.values() if w0 <= t < w1)
    frames_in = sum(1 for t in rec.frames_in if w0 <= t < w1)
    frames_out = sum(1 for t in rec.frames_out_t if w0 <= t < w1)
    errors = [e for e in rec.errors if since <= e[0] < w1]
    kinds: dict[str, int] = {}
    for _t, kind, _detail in errors:
        kinds[kind] = kinds.get(kind, 0) + 1
    out.update(
        requests_per_s=round(requests / dur, 1),
        messages_per_s=round(len(acked) / dur, 2),
        deliveries_per_s=round(delivered_in / dur, 1),
        frames_in_per_s=round(frames_in / dur, 1),
        frames_out_per_s=round(frames_out / dur, 1),
        sends=len(sends),
        acked=len(acked),
        unacked=len(unacked),
        lost=lost,
        lost_examples=lost_examples,
        errors=len(errors) + len(unacked),
        error_kinds=kinds,
        error_examples=[d for _t, k, d in errors[:3]],
    )
    return out


# /proc


def rss_kib(pid: int) -> int:
    try:
        return stack.rss_kib(pid)
    except OSError:
        return 0


def pids_named(name: str) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == name:
                        out.append(int(entry))
            except OSError:
                continue
    return out


def redis_pid(port: int) -> int:
    """The pid of the Redis on 127.0.0.1:`port` (0 when it does not answer)."""
    try:
        out = subprocess.run(
            ["redis-cli", "-h", stack.HOST, "-p", str(port), "INFO", "server"],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    for line in out.splitlines():
        if line.startswith("process_id:"):
            return int(line.split(":", 1)[1])
    return 0


def pss_kib(pids: list[int]) -> int:
    """Proportional set size summed over processes (PostgreSQL's backends share memory)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


class Meter:
    """CPU of each server process, Redis, PostgreSQL (all its processes), the proxy, this
    client and the rest of the machine over a window, in % of one core (the machine has
    os.cpu_count() cores); memory at the end."""

    def __init__(self, servers: dict[str, int], redis_pid: int, proxy_pids: list[int]):
        self.servers = servers
        self.redis_pid = redis_pid
        self.proxy_pids = proxy_pids

    def _read(self) -> dict[str, float]:
        usage = os.times()
        d = {name: stack.cpu_seconds(pid) for name, pid in self.servers.items()}
        d["redis"] = stack.cpu_seconds(self.redis_pid) if self.redis_pid else 0.0
        d["proxy"] = {p: stack.cpu_seconds(p) for p in self.proxy_pids}
        d["client"] = usage.user + usage.system
        d["machine"] = stack.machine_busy_seconds()
        return d

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.c0 = self._read()
        self.pg0 = {p: stack.cpu_seconds(p) for p in stack.postgres_pids()}

    def stop(self) -> dict:
        elapsed = time.perf_counter() - self.t0
        c1 = self._read()
        pg_pids = stack.postgres_pids()
        # A proxy process that ended (or began) within the window counts for nothing.
        p0, p1 = self.c0.pop("proxy"), c1.pop("proxy")
        d = {k: c1[k] - self.c0[k] for k in c1}
        d["proxy"] = sum(p1[p] - p0[p] for p in p1 if p in p0 and p1[p] >= p0[p])
        # Backends that ended during the window are missed here (they show in "rest").
        pg1 = {p: stack.cpu_seconds(p) for p in pg_pids}
        d["postgres"] = sum(max(0.0, c - self.pg0.get(p, 0.0)) for p, c in pg1.items())
        d["rest"] = d["machine"] - sum(v for k, v in d.items() if k != "machine")
        cpu = {k: round(100 * v / elapsed, 1) for k, v in d.items()}
        if not self.proxy_pids:
            del cpu["proxy"]
        mem = {name: round(rss_kib(pid) / 1024, 1) for name, pid in self.servers.items()}
        mem["redis"] = round(rss_kib(self.redis_pid) / 1024, 1) if self.redis_pid else None
        mem["postgres (PSS)"] = round(pss_kib(pg_pids) / 1024, 1)
        mem["client"] = round(rss_kib(os.getpid()) / 1024, 1)
        return {"cpu_pct": cpu, "mem_mib": mem, "postgres_processes": len(pg_pids)}


class LoopLag:
    """How late the client's event loop wakes (a busy client inflates every time it takes)."""

    def __init__(self, every: float = 0.05):
        self.every = every
        self.lags: list[tuple[float, float]] = []

    async def run(self) -> None:
        import asyncio

        while True:
            t = perf_counter()
            await asyncio.sleep(self.every)
            now = perf_counter()
            self.lags.append((now, now - t - self.every))

    def window(self, w0: float, w1: float) -> dict:
        return summary_ms([lag for t, lag in self.lags if w0 <= t < w1])
