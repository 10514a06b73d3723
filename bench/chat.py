"""Chat benchmark (issues 3 and 14): page times against history size and live delivery through
the real stack (Daphne + Redis + PostgreSQL), next to the bare Channels floor.

    .venv/bin/python bench/chat.py            # full run (~20-25 min on 2 cores)
    .venv/bin/python bench/chat.py --quick    # smoke run (about 2 min)

What it measures, in this order:
  floor    the floor's own client (run_all.py: one message in flight, its closed-loop window),
           then OUR client against the floor's server (pub/sub layer): the same open-loop
           ladder, closed loop and rate curve as against ours, so msg/s and latency compare
           like with like
  A        Daphne with the message limits off: page times; latency with one message in flight
           (K=10, K=100 receivers); the open-loop ladder (fixed rates, up until a step loses or
           falls behind, then bisected); the closed loop (at most `window` messages in flight);
           latency against the send rate (the same number of messages at each rate, open loop)
  B        a fresh Daphne: RSS of 1,000 idle sockets, their idle CPU read over a window once the
           connect burst's CPU has died down (the settling readings are printed), then one
           message to the 999 others
  C        a Daphne with the default limits: 20 members send at 10 msg/s and 10 read, first
           alone (baseline, after a warm-up not counted), then the same number of messages
           while members flood one after another for the whole window (chatbench/flooder.py,
           a process of its own: when the frame guard or the rate limit cuts one off, the next
           connected one takes over)
Every server's log is read after every phase: tracebacks (and asyncio's "Task was destroyed",
Daphne's "took too long to shut down and was killed") are counted per phase, printed in
section H, and any of our servers' is announced at the top and the bottom of the report.
Every latency is printed with the number of samples behind it, and no p99 from fewer than
100 samples (the maximum is printed instead, labelled so).
bench/chat_lowrate.py is the experiment on why latency rises as the send rate falls.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, no password), Redis on 127.0.0.1:6379 and
the client libraries `websockets` (and `uvloop`, optional). It creates the database
`collabhub_bench` (dropped and recreated every run, dropped at the end unless --keep-db),
uses Redis db 12 (flushed), starts its own Daphne processes on free loopback ports and stops
them by pid. The floor (../shared/bench-floor) runs in /tmp/collabhub-bench-floor with its own
venv and a Redis of its own on port 6390. Nothing but 127.0.0.1 is ever addressed.
"""

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(PROJECT))

from chatbench import floor, pages, profile, report, stack, wsload  # noqa: E402

HIGH_LIMIT = "1000000"
PHASES = ("floor", "live", "big", "flood")
QUIET_PCT = 25.0  # % of one core other processes may use before measuring


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small counts: a smoke run (< 2 min)")
    ap.add_argument("--no-floor", action="store_true", help="skip the floor runs")
    ap.add_argument(
        "--no-million",
        action="store_true",
        help="skip the 1,000,000-message collab (full run only)",
    )
    ap.add_argument("--db-name", default="collabhub_bench")
    ap.add_argument("--pg-user", default="postgres")
    ap.add_argument("--pg-port", type=int, default=5432)
    ap.add_argument("--redis-port", type=int, default=6379)
    ap.add_argument("--redis-db", type=int, default=12)
    ap.add_argument(
        "--conn-max-age",
        type=int,
        default=0,
        help="DB_CONN_MAX_AGE for the server (default 0, the project's default)",
    )
    ap.add_argument("--keep-db", action="store_true", help="leave the database after the run")
    ap.add_argument(
        "--no-rail",
        dest="rail",
        action="store_false",
        help="members' sockets without ?rail=1 (by default they are opened as every collab page "
        "opens its socket, with the list of collabs beside it: each socket then also gets the "
        "message's summary for the list, a second frame per message)",
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="py-spy the server during the K=100 latency and the rate runs",
    )
    ap.add_argument(
        "--phases",
        default=",".join(PHASES),
        help="run only these phases, comma-separated, of " + ", ".join(PHASES) + " (for "
        "experiments: without all of them no report is printed, only each phase's figures as "
        "JSON; without 'live' only the live collab is seeded)",
    )
    ap.add_argument("--json", help="write all figures to this file")
    ap.add_argument(
        "--report-from",
        metavar="JSON",
        help="print the figures of an earlier run from its results file; run nothing",
    )
    ap.add_argument(
        "--wait-quiet",
        type=float,
        default=None,
        metavar="SECONDS",
        help="before measuring, wait at most this long for other processes to leave "
        "the cores alone (default 600, quick 5)",
    )
    return ap.parse_args()


def config(a: argparse.Namespace) -> dict:
    if a.quick:
        return {
            "plan": {
                "history-1k": (21, 1_000),
                "history-20k": (21, 20_000),
                "live": (121, 1_000),
            },
            "page_warmup": 3,
            "page_n": 10,
            "lat_warmup": 10,
            "lat_m": 40,
            "ks": [10, 100],
            "rates": [20, 50, 100],
            "bisect": 1,
            "rate_dur": 1.5,
            "window": 50,
            "step_pause": 0.5,
            "drain": 2.0,
            "curve_rates": [5, 20, 100],
            "curve_n": 20,
            "big_n": 100,
            "big_warmup": 2,
            "big_m": 5,
            "idle_settle_max": 5.0,
            "idle_window": 2.0,
            "flood_rate": 10.0,
            "flood_n": 30,
            "flood_senders": 20,
            "flood_pool": 30,
            "floor": {
                "variants": ["daphne-pubsub"],
                "ks": [10],
                "m": 60,
                "dur": 1.0,
                "idle": False,
            },
        }
    plan = {"history-1k": (21, 1_000), "history-100k": (21, 100_000)}
    if not a.no_million:
        plan["history-1m"] = (21, 1_000_000)
    plan["live"] = (1_001, 100_000)
    return {
        "plan": plan,
        "page_warmup": 5,
        "page_n": 30,
        "lat_warmup": 50,
        "lat_m": 300,
        "ks": [10, 100],
        "rates": [10, 20, 50, 100, 150, 200, 300, 400, 500],
        "bisect": 2,
        "rate_dur": 10.0,
        "window": 50,
        "step_pause": 1.0,
        "drain": 5.0,
        "curve_rates": [5, 10, 20, 50, 100, 200],
        "curve_n": 200,
        "big_n": 1_000,
        "big_warmup": 3,
        "big_m": 20,
        "idle_settle_max": 30.0,
        "idle_window": 20.0,
        "flood_rate": 10.0,
        "flood_n": 200,
        "flood_senders": 20,
        "flood_pool": 60,
        "floor": {
            "variants": ["daphne-redis", "daphne-pubsub", "daphne-inmemory"],
            "ks": [10, 100],
            "m": 500,
            "dur": 10.0,
            "idle": True,
        },
    }


# What members' sockets ask for: as a collab page opens its socket (frame.html), with the list
# of collabs beside it, unless --no-rail. Set by main().
RAIL = "?rail=1"


def log(msg: str) -> None:
    print(msg, flush=True)


def raise_fd_limit(n: int = 20_000) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(max(soft, n), hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


class Profiler:
    """py-spy record of the server for one phase (collapsed stacks), when asked for."""

    def __init__(self, enabled: bool, pid: int, out: Path):
        self.enabled = enabled and bool(_which("py-spy"))
        self.pid = pid
        self.out = out
        self.proc = None

    def __enter__(self):
        if self.enabled:
            self.proc = subprocess.Popen(
                [
                    _which("py-spy"),
                    "record",
                    "-p",
                    str(self.pid),
                    "-r",
                    "250",
                    "-f",
                    "raw",
                    "--idle",
                    "--threads",
                    "--nonblocking",
                    "-o",
                    str(self.out),
                    "-d",
                    "600",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)
        return self

    def __exit__(self, *exc):
        if self.proc is not None:
            self.proc.send_signal(2)  # SIGINT: py-spy writes what it has and exits
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return False


def _which(name: str) -> str:
    candidate = PROJECT / ".venv" / "bin" / name
    if candidate.exists():
        return str(candidate)
    from shutil import which

    return which(name) or ""


class ServerErrors:
    """Tracebacks in a Daphne's log, phase by phase: read() after each phase counts what was
    logged since the one before; done() after the server stopped counts what its shutdown
    logged. Every row goes to `rows` (the report prints them all and says loudly if any)."""

    def __init__(self, daphne, server: str, rows: list):
        self.daphne = daphne
        self.server = server
        self.rows = rows
        self.offset = daphne.log_size()

    def read(self, phase: str) -> dict:
        found = self.daphne.server_errors(self.offset)
        self.offset = self.daphne.log_size()
        self.rows.append({"server": self.server, "phase": phase, **found})
        if found["errors"]:
            kinds = "; ".join(f"{n} x {k}" for k, n in found["kinds"].items())
            log(f"    !! {found['errors']} server error(s) logged during {phase}: {kinds}")
        return found


async def rate_ladder(
    hub, senders, receivers, cfg, *, pid: int, redis_pid: int, payload, prof=None
):
    """Open loop, up the ladder until a step fails, then bisect (see _rates)."""
    steps = []
    with prof or contextlib.nullcontext():
        for rate in _rates(cfg["rates"], steps, cfg["bisect"]):
            with stack.CpuMeter(pid, redis_pid) as cpu:
                step = await wsload.paced(
                    hub,
                    senders,
                    receivers,
                    rate=rate,
                    dur=cfg["rate_dur"],
                    payload=payload,
                    drain=cfg["drain"],
                )
            step["cpu_pct"] = cpu.pct
            steps.append(step)
            log(
                f"    {rate:>4} msg/s: offered {step['offered_per_s']}, delivered "
                f"{step['delivered_per_s']}/s, lost {step['lost']}, errors {step['errors']}, "
                f"to the last {report.lat(step['last_ms'])} ms, server CPU {cpu.pct['daphne']}%"
                f" -> {'ok' if step['ok'] else 'FAIL'}"
            )
            await asyncio.sleep(cfg["step_pause"])
    return steps


async def rate_curve(hub, senders, receivers, cfg, *, pid: int, redis_pid: int, payload):
    """Delivery latency against the send rate: the same number of messages at each rate, open
    loop (each sent when due), lowest rate first."""
    points = []
    for rate in cfg["curve_rates"]:
        n = cfg["curve_n"]
        with stack.CpuMeter(pid, redis_pid) as cpu:
            step = await wsload.paced(
                hub,
                senders,
                receivers,
                rate=rate,
                dur=n / rate,
                n_msgs=n,
                payload=payload,
                drain=cfg["drain"],
            )
        step["cpu_pct"] = cpu.pct
        points.append(step)
        log(
            f"    {rate:>4} msg/s x {n}: to the last {report.lat(step['last_ms'])} ms, "
            f"lost {step['lost']}, server CPU {cpu.pct['daphne']}%"
        )
        await asyncio.sleep(0.5)
    return points


async def windowed_run(hub, senders, receivers, cfg, *, pid: int, redis_pid: int, payload):
    with stack.CpuMeter(pid, redis_pid) as cpu:
        res = await wsload.windowed(
            hub, senders, receivers, window=cfg["window"], dur=cfg["rate_dur"], payload=payload
        )
    res["cpu_pct"] = cpu.pct
    log(
        f"    closed loop, window {res['window']}: {res['delivered_per_s']} msg/s delivered to "
        f"all {res['receivers']}, lost {res['lost']}, to the last {report.lat(res['last_ms'])} ms"
    )
    return res


async def floor_client_phases(fs, cfg, errors: list) -> dict:
    """Our client against the floor's server: the same ladder, closed loop and rate curve as
    against ours (4 senders in turn, 10 receivers)."""
    hub = wsload.Hub()
    out: dict = {"layer": fs.layer}
    socks = await wsload.open_socks(hub, fs.url, fs.origin, ["-"] * 15, list(range(1, 15)))
    senders, receivers = socks[:4], socks[4:]
    await asyncio.sleep(1.0)
    kw = {"pid": fs.pid, "redis_pid": fs.redis_pid, "payload": wsload.floor_body}
    log(f"  our client against the floor ({fs.layer} layer): the same open-loop ladder ...")
    out["rate_steps"] = await rate_ladder(hub, senders, receivers, cfg, **kw)
    log("  ... the same closed loop ...")
    out["windowed"] = await windowed_run(hub, senders, receivers, cfg, **kw)
    log("  ... and latency against the send rate")
    out["curve"] = await rate_curve(hub, senders, receivers, cfg, **kw)
    await wsload.close_socks(socks)
    found = fs.server_errors()
    errors.append({"server": f"floor ({fs.layer})", "phase": "our client's runs", **found})
    return out


async def live_phases(st, cfg, seeded, a, workdir: Path, errors: list) -> dict:
    """Daphne A (limits off): page times, latency with 10 and 100 members, the same with 10 in
    a small collab, the highest zero-loss rate (open loop), the closed-loop rate, and latency
    against the send rate."""
    out: dict = {}
    live = seeded.collabs["live"]
    small = seeded.collabs["history-1k"]
    redis_pid = st.redis_pid()
    daphne = stack.Daphne(
        st,
        workdir / "daphne-live.log",
        CHAT_BURST_MESSAGES=HIGH_LIMIT,
        CHAT_SUSTAINED_MESSAGES=HIGH_LIMIT,
    )
    seen = ServerErrors(daphne, "A (limits off)", errors)
    out["daphne_rss_start_kib"] = stack.rss_kib(daphne.pid)
    origin = daphne.base
    hub = wsload.Hub()
    try:
        log(f"  page timings (Daphne pid {daphne.pid}) ...")
        out["pages"] = {}
        for name, c in seeded.collabs.items():
            out["pages"][name] = await asyncio.to_thread(
                pages.time_pages,
                daphne.port,
                seeded.sessions[1],
                c.id,
                c.first_id,
                c.last_id,
                warmup=cfg["page_warmup"],
                n=cfg["page_n"],
            )
            out["pages"][name]["messages"] = c.messages
            out["pages"][name]["members"] = len(c.member_ids)
        seen.read("page timings")

        out["latency"] = {}
        cases = [(f"K={k}", live, k) for k in cfg["ks"]]
        cases.append(("K=10 small collab", small, 10))
        for label, c, k in cases:
            url = f"{daphne.ws_base}/ws/collabs/{c.id}/{RAIL}"
            log(
                f"  latency {label} ({len(c.member_ids)}-member collab, "
                f"{c.messages:,} messages) ..."
            )
            socks = await wsload.open_socks(
                hub, url, origin, seeded.sessions, list(range(1, k + 2))
            )
            await asyncio.sleep(1.0)
            prof = Profiler(a.profile and k == 100, daphne.pid, workdir / f"pyspy-{k}.txt")
            with prof, stack.CpuMeter(daphne.pid, redis_pid) as cpu:
                res = await wsload.latency(
                    hub, socks[0], socks[1:], warmup=cfg["lat_warmup"], m=cfg["lat_m"]
                )
            res["cpu_pct"] = cpu.pct
            res["members"] = len(c.member_ids)
            res["history"] = c.messages
            if prof.enabled:
                res["profile"] = profile.summarize(str(prof.out))
            out["latency"][label] = res
            await wsload.close_socks(socks)
            await asyncio.sleep(0.5)
            seen.read(f"latency {label}")

        url = f"{daphne.ws_base}/ws/collabs/{live.id}/{RAIL}"
        socks = await wsload.open_socks(hub, url, origin, seeded.sessions, list(range(1, 15)))
        senders, receivers = socks[:4], socks[4:]
        await asyncio.sleep(1.0)
        kw = {"pid": daphne.pid, "redis_pid": redis_pid, "payload": wsload._body}
        log("  highest rate with zero loss, open loop (10 receivers, 4 senders in turn) ...")
        prof = Profiler(a.profile, daphne.pid, workdir / "pyspy-rate.txt")
        out["rate_steps"] = await rate_ladder(hub, senders, receivers, cfg, prof=prof, **kw)
        if prof.enabled:
            out["rate_profile"] = profile.summarize(str(prof.out))
        seen.read("open-loop ladder")
        log("  closed loop (the floor's own msg/s measure) ...")
        out["windowed"] = await windowed_run(hub, senders, receivers, cfg, **kw)
        seen.read("closed loop")
        await asyncio.sleep(1.0)
        log("  latency against the send rate ...")
        out["curve"] = await rate_curve(hub, senders, receivers, cfg, **kw)
        await wsload.close_socks(socks)
        seen.read("rate curve")
        out["daphne_rss_end_kib"] = stack.rss_kib(daphne.pid)
    finally:
        daphne.stop()
        seen.read("shutdown")
    out["connect_retries"] = hub.connect_retries
    return out


def _rates(ladder: list[float], steps: list[dict], bisect: int):
    """The rates to try: up the ladder until a step fails, then `bisect` times between the
    last good rate and the failed one."""
    good = 0.0
    for rate in ladder:
        yield rate
        if not steps[-1]["ok"]:
            bad = rate
            for _ in range(bisect):
                mid = round((good + bad) / 2)
                if mid <= good or mid >= bad:
                    return
                yield mid
                if steps[-1]["ok"]:
                    good = mid
                else:
                    bad = mid
            return
        good = rate


async def _settle(pid: int, max_wait: float, below_pct: float = 5.0) -> list[float]:
    """Wait until the server's CPU over a second has been under `below_pct` twice in a row
    (the connect burst is over), at most `max_wait` s. Returns the 1 s readings."""
    readings: list[float] = []
    t_end = time.perf_counter() + max_wait
    while time.perf_counter() < t_end:
        c0, t0 = stack.cpu_seconds(pid), time.perf_counter()
        await asyncio.sleep(1.0)
        readings.append(round(100 * (stack.cpu_seconds(pid) - c0) / (time.perf_counter() - t0), 1))
        if len(readings) >= 2 and readings[-1] < below_pct and readings[-2] < below_pct:
            break
    return readings


async def big_phase(st, cfg, seeded, workdir: Path, errors: list) -> dict:
    """Daphne B, fresh: RSS before and after 1,000 idle sockets, their idle CPU once the
    connect burst has settled, then one message at a time to a collab of that many connected
    members."""
    live = seeded.collabs["live"]
    n = min(cfg["big_n"], len(live.member_ids) - 1)
    redis_pid = st.redis_pid()
    daphne = stack.Daphne(
        st,
        workdir / "daphne-big.log",
        CHAT_BURST_MESSAGES=HIGH_LIMIT,
        CHAT_SUSTAINED_MESSAGES=HIGH_LIMIT,
    )
    seen = ServerErrors(daphne, "B (limits off)", errors)
    hub = wsload.Hub()
    out: dict = {"n": n}
    url = f"{daphne.ws_base}/ws/collabs/{live.id}/{RAIL}"
    try:
        log(f"  {n} idle sockets (Daphne pid {daphne.pid}) ...")
        # One connect and close first, so lazily imported code is in the baseline (as the floor).
        first = await wsload.open_socks(hub, url, daphne.base, seeded.sessions, [1])
        await wsload.close_socks(first)
        await asyncio.sleep(1.0)
        out["rss_baseline_kib"] = stack.rss_kib(daphne.pid)
        t0 = time.perf_counter()
        socks, failed = await wsload.open_socks_tolerant(
            hub, url, daphne.base, seeded.sessions, list(range(1, n + 1))
        )
        out["open_s"] = round(time.perf_counter() - t0, 3)
        out["open_failed"] = len(failed)
        if failed:
            out["open_errors"] = sorted(set(failed))[:5]
            log(f"    !! {len(failed)} of {n} sockets could not be opened: {failed[0]}")
        out["settle_readings_pct"] = await _settle(daphne.pid, cfg["idle_settle_max"])
        out["settle_s"] = len(out["settle_readings_pct"])
        out["rss_idle_kib"] = stack.rss_kib(daphne.pid)
        window = cfg["idle_window"]
        c0, t0 = stack.cpu_seconds(daphne.pid), time.perf_counter()
        await asyncio.sleep(window)
        out["idle_window_s"] = round(time.perf_counter() - t0, 1)
        out["idle_cpu_pct"] = round(
            100 * (stack.cpu_seconds(daphne.pid) - c0) / (time.perf_counter() - t0), 2
        )
        out["per_socket_kib"] = round(
            (out["rss_idle_kib"] - out["rss_baseline_kib"]) / max(1, len(socks)), 1
        )
        seen.read(f"{n} sockets opening and idle")
        log(f"  one message at a time to {n - 1} other connected members ...")
        with stack.CpuMeter(daphne.pid, redis_pid) as cpu:
            res = await wsload.latency(
                hub, socks[0], socks[1:], warmup=cfg["big_warmup"], m=cfg["big_m"], timeout=15.0
            )
        res["cpu_pct"] = cpu.pct
        out["fanout"] = res
        out["rss_after_fanout_kib"] = stack.rss_kib(daphne.pid)
        out["closed_by_server"] = sum(1 for s in socks if s.close_code is not None)
        await wsload.close_socks(socks)
        seen.read(f"one message to {n - 1}")
    finally:
        daphne.stop()
        seen.read("shutdown")
    out["connect_retries"] = hub.connect_retries
    return out


def _stored_flood(tag: str) -> int:
    from apps.chat.models import Message

    return Message.objects.filter(body__startswith=f"flood {tag}-").count()


async def flood_phase(st, cfg, seeded, workdir: Path, errors: list) -> dict:
    """Daphne C with the default limits (burst and sustained message limits, the frame
    guard): twenty members send `flood_rate` msg/s between them and ten more read, first
    alone (baseline), then, for the same number of messages, while other members flood one
    after another, from a process of their own (chatbench/flooder.py), for the whole window."""
    live = seeded.collabs["live"]
    redis_pid = st.redis_pid()
    daphne = stack.Daphne(st, workdir / "daphne-flood.log")
    seen = ServerErrors(daphne, "C (default limits)", errors)
    hub = wsload.Hub()
    url = f"{daphne.ws_base}/ws/collabs/{live.id}/{RAIL}"
    n_send = cfg["flood_senders"]
    first_flooder = n_send + 11
    pool = list(range(first_flooder, min(first_flooder + cfg["flood_pool"], len(live.member_ids))))
    rate, n_msgs = cfg["flood_rate"], cfg["flood_n"]
    out: dict = {"rate": rate, "n_msgs": n_msgs, "senders": n_send, "receivers": 10}
    sessions_file = workdir / "sessions.json"
    sessions_file.write_text(json.dumps(seeded.sessions))
    tag = str(int(time.time()))
    proc = None
    try:
        log(f"  flood (default limits; Daphne pid {daphne.pid}) ...")
        socks = await wsload.open_socks(
            hub, url, daphne.base, seeded.sessions, list(range(1, n_send + 11))
        )
        senders, receivers = socks[:n_send], socks[n_send:]
        await asyncio.sleep(1.0)
        # A fresh server's first messages are slow (the pool's connections, caches, code paths
        # not yet run): a warm-up, not counted, so the baseline is not the worse window.
        out["warmup"] = await wsload.paced(
            hub, senders, receivers, rate=rate, dur=n_send / rate, n_msgs=n_send
        )
        await asyncio.sleep(1.0)
        log(f"    baseline: {n_msgs} messages at {rate:g} msg/s, no flood ...")
        with stack.CpuMeter(daphne.pid, redis_pid) as cpu:
            base = await wsload.paced(
                hub, senders, receivers, rate=rate, dur=n_msgs / rate, n_msgs=n_msgs
            )
        base["cpu_pct"] = cpu.pct
        out["baseline"] = base
        seen.read("flood: baseline")
        await asyncio.sleep(1.0)

        flood_s = n_msgs / rate + 1.0  # the others' sending, and their last deliveries
        proc = await asyncio.create_subprocess_exec(
            str(stack.PYTHON),
            str(HERE / "chatbench" / "flooder.py"),
            "--url",
            url,
            "--origin",
            daphne.base,
            "--sessions",
            str(sessions_file),
            "--users",
            *map(str, pool),
            "--dur",
            str(flood_s),
            "--tag",
            tag,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        line = await asyncio.wait_for(proc.stdout.readline(), 120)
        if line.strip() != b"ready":
            raise RuntimeError(f"the flooder did not start: {line!r}")
        await asyncio.sleep(1.0)  # its connect burst is over
        log(
            f"    during: {n_msgs} messages at {rate:g} msg/s while {len(pool)} members "
            f"flood in turn for {flood_s:g} s ..."
        )
        with stack.CpuMeter(daphne.pid, redis_pid) as cpu:
            proc.stdin.write(b"go\n")
            await proc.stdin.drain()
            await asyncio.sleep(0.05)  # the first flooder is going before the first message
            during = await wsload.paced(
                hub, senders, receivers, rate=rate, dur=n_msgs / rate, n_msgs=n_msgs
            )
        during["cpu_pct"] = cpu.pct
        result = await asyncio.wait_for(proc.stdout.read(), 120)
        await proc.wait()
        out["during"] = during
        out["flooder"] = json.loads(result.decode().strip().splitlines()[-1])
        out["flooder"]["stored"] = await asyncio.to_thread(_stored_flood, tag)
        out["rss_after_kib"] = stack.rss_kib(daphne.pid)
        await wsload.close_socks(socks)
        seen.read("flood: during")
    finally:
        if proc is not None and proc.returncode is None:
            proc.kill()
            await proc.wait()
        daphne.stop()
        seen.read("shutdown")
    return out


def main() -> None:
    a = parse_args()
    global RAIL
    RAIL = "?rail=1" if a.rail else ""
    if a.report_from:
        with open(a.report_from) as f:
            results = json.load(f)
        a.quick = results["mode"] == "quick"
        report.print_report(results, results.get("cfg") or config(a), log)
        return
    cfg = config(a)
    phases = [p.strip() for p in a.phases.split(",") if p.strip()]
    if unknown := set(phases) - set(PHASES):
        sys.exit(f"unknown phases: {', '.join(sorted(unknown))}")
    if "live" not in phases:
        cfg["plan"] = {"live": cfg["plan"]["live"]}
    raise_fd_limit()
    t_run = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="collabhub-bench-chat-"))
    st = stack.Stack(
        db_name=a.db_name,
        pg_user=a.pg_user,
        pg_port=a.pg_port,
        redis_port=a.redis_port,
        redis_db=a.redis_db,
        workdir=workdir,
        conn_max_age=a.conn_max_age,
    )
    results: dict = {
        "cfg": cfg,
        "mode": "quick" if a.quick else "full",
        "workdir": str(workdir),
        "conn_max_age": a.conn_max_age,
    }
    log(f"bench/chat ({results['mode']}); scratch {workdir}")

    log(f"[1/5] database {a.db_name} (recreated), Redis db {a.redis_db} (flushed), migrate ...")
    st.recreate_database()
    st.flush_redis()
    st.migrate()
    os.environ.update(st.env())
    import django

    django.setup()
    from chatbench import seed

    n_users = max(members for members, _ in cfg["plan"].values())
    log(f"[2/5] seeding {n_users} users, collabs {', '.join(cfg['plan'])} ...")
    seeded = seed.seed(n_users, cfg["plan"], log=log)
    results["seed_s"] = {k: round(v, 1) for k, v in seeded.timings.items()}
    log("  " + ", ".join(f"{k} {v:.1f} s" for k, v in seeded.timings.items()))

    max_wait = a.wait_quiet if a.wait_quiet is not None else (5 if a.quick else 600)
    results["machine_busy_pct"] = {}
    errors: list[dict] = []
    results["server_errors"] = errors

    loop_runner = asyncio.run
    try:
        import uvloop

        loop_runner = uvloop.run
        results["client_loop"] = "uvloop"
    except ImportError:
        results["client_loop"] = "asyncio"

    results["floor_ours"] = {}
    if a.no_floor or "floor" not in phases:
        results["floor"] = {}
    else:
        log(f"[3/5] the bare Channels floor ... (at {time.perf_counter() - t_run:.0f} s)")
        results["machine_busy_pct"]["before floor"] = round(
            stack.wait_quiet(QUIET_PCT, max_wait, log), 1
        )
        fc = cfg["floor"]
        try:
            results["floor"] = floor.run(
                fc["variants"], fc["ks"], m=fc["m"], dur=fc["dur"], idle=fc["idle"], log=log
            )
            for name in sorted(floor.logs_of(results["floor"])):
                found = floor.logs_of(results["floor"])[name]
                errors.append({"server": "floor (its own client)", "phase": name, **found})
        except Exception as exc:
            log(f"  the floor failed: {exc}")
            results["floor"] = {"_error": str(exc)}
        try:
            with floor.Server(workdir, "pubsub", log=log) as fs:
                results["floor_ours"] = loop_runner(floor_client_phases(fs, cfg, errors))
        except Exception as exc:
            log(f"  our client against the floor failed: {exc}")
            results["floor_ours"] = {"_error": str(exc)}

    log(
        "[4/5] CollabHub through Daphne + Redis + PostgreSQL ... "
        f"(at {time.perf_counter() - t_run:.0f} s)"
    )
    results["machine_busy_pct"]["before ours"] = round(
        stack.wait_quiet(QUIET_PCT, max_wait, log), 1
    )
    if "live" in phases:
        results["live"] = loop_runner(live_phases(st, cfg, seeded, a, workdir, errors))
    if "big" in phases:
        results["big"] = loop_runner(big_phase(st, cfg, seeded, workdir, errors))
    if "flood" in phases:
        results["flood"] = loop_runner(flood_phase(st, cfg, seeded, workdir, errors))
    results["elapsed_s"] = round(time.perf_counter() - t_run, 1)

    if not a.keep_db:
        st.drop_database()
    st.flush_redis()

    log("[5/5] figures\n")
    if set(phases) == set(PHASES):
        report.print_report(results, cfg, log)
    else:
        for phase in phases:
            log(f"{phase}: {json.dumps(results.get(phase), default=str)}")
        log(f"server errors: {json.dumps(errors, default=str)}")
    path = a.json or str(workdir / "results.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1, default=str)
    log(f"\nAll figures: {path}")


if __name__ == "__main__":
    main()
