"""Why delivery latency rises as the send rate falls (issue 14: 12 ms at 50 msg/s, 20 ms at
10, 35-39 ms at 5). The experiment behind the finding reported there, kept runnable:

    .venv/bin/python bench/chat_lowrate.py [--n 100] [--rates 5 10 20 50 100]

Through the real stack as bench/chat runs it (one Daphne, limits off, PostgreSQL, Redis; 4
senders in turn, 10 receivers, open loop, the same number of messages at each rate), each
message's time is split into its ack (the sender's frame read, the message stored and
published, the ack back) and its deliveries (first and last receiver). Each rate is measured
under conditions that remove one suspect at a time, interleaved so that the machine's drift
hits all alike:

  plain   as bench/chat measures it
  spin    two busy loops at nice 19 keep both vCPUs from going idle (this VM's cpuidle driver
          is haltpoll: an idle vCPU halts, and each wake-up goes through the hypervisor)
  floor   the same client and curve against the bare Channels floor's server (pub/sub layer;
          no database), with and without the busy loops

Two more modes: --fresh (a fresh server's first messages at 5 msg/s, as bench/chat's old flood
baseline measured them, against the same once warm) and --strace (20 messages at 2 msg/s with
strace -f -tt -T on Daphne: each message's way through the server, syscall by syscall).

Uses the database given (recreated, dropped at the end) and the Redis db given (flushed), and
the floor's own Redis on port 6390 (see chatbench/floor.py). Stops what it starts by pid."""

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from chatbench import floor, report, stack, wsload  # noqa: E402
from chatbench.stats import summary_ms  # noqa: E402


@contextlib.contextmanager
def spinning(on: bool, n: int = 2):
    """`n` busy loops at the lowest priority while on: they take only CPU time nobody else
    wants, so no vCPU goes idle."""
    procs = []
    if on:
        for _ in range(n):
            procs.append(
                subprocess.Popen(
                    ["nice", "-n", "19", sys.executable, "-c", "while True: pass"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    try:
        yield
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            p.wait(10)


ECHO = """
import asyncio, sys
async def echo(reader, writer):
    while data := await reader.read(65536):
        writer.write(data)
async def main():
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()
asyncio.run(main())
"""


async def pingpong(gaps_ms: list[float], n: int, results: dict) -> None:
    """The platform alone: a 200-byte round trip over loopback TCP (TCP_NODELAY, as asyncio
    sets it) to an echo process, one every `gap` ms, with and without the busy loops. Two
    wake-ups per round trip (the echo's, the client's), nothing else."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", ECHO, stdout=asyncio.subprocess.PIPE
    )
    try:
        port = int((await proc.stdout.readline()).decode())
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        payload = b"x" * 200
        for gap in gaps_ms:
            for spin in (False, True):
                times = []
                with spinning(spin):
                    await asyncio.sleep(0.3)
                    for _ in range(n):
                        await asyncio.sleep(gap / 1000)
                        t0 = time.perf_counter()
                        writer.write(payload)
                        got = 0
                        while got < len(payload):
                            got += len(await reader.read(65536))
                        times.append(time.perf_counter() - t0)
                key = f"round trip{' + spin' if spin else ''}"
                results.setdefault(key, {})[gap] = {"rtt_ms": summary_ms(times)}
                print(
                    f"  {key:<18} every {gap:>5g} ms: {report.lat(summary_ms(times))} ms",
                    flush=True,
                )
        writer.close()
    finally:
        proc.terminate()
        await proc.wait()


async def curve_point(hub, senders, receivers, rate, n, payload) -> dict:
    out = await wsload.paced(
        hub, senders, receivers, rate=rate, dur=n / rate, n_msgs=n, payload=payload
    )
    await asyncio.sleep(0.5)
    return out


async def measure(url, origin, sessions, rates, n, payload, label, results) -> None:
    hub = wsload.Hub()
    socks = await wsload.open_socks(hub, url, origin, sessions, list(range(1, 15)))
    senders, receivers = socks[:4], socks[4:]
    await asyncio.sleep(1.0)
    await curve_point(hub, senders, receivers, 50, 50, payload)  # warm-up
    for rate in rates:
        for spin in (False, True):
            with spinning(spin):
                await asyncio.sleep(0.3)
                res = await curve_point(hub, senders, receivers, rate, n, payload)
            key = f"{label}{' + spin' if spin else ''}"
            results.setdefault(key, {})[rate] = res
            print(
                f"  {key:<14} {rate:>4} msg/s: ack {report.lat(res['ack_ms'])}; first "
                f"{report.lat(res['first_ms'])}; last {report.lat(res['last_ms'])}",
                flush=True,
            )
    await wsload.close_socks(socks)


async def fresh_run(daphne, seeded, live, results) -> None:
    """The first messages a fresh server handles, against the same after it has warmed up."""
    hub = wsload.Hub()
    url = f"{daphne.ws_base}/ws/collabs/{live.id}/"
    socks = await wsload.open_socks(hub, url, daphne.base, seeded.sessions, list(range(1, 15)))
    await asyncio.sleep(1.0)
    for label, rate in (
        ("fresh server, 5 msg/s", 5),
        ("again, 5 msg/s", 5),
        ("50 msg/s", 50),
        ("5 msg/s", 5),
        ("50 msg/s", 50),
        ("5 msg/s", 5),
    ):
        res = await curve_point(hub, socks[:4], socks[4:], rate, 25, wsload._body)
        results.setdefault("fresh", []).append({"label": label, **res})
        print(
            f"  {label:<22}: ack {report.lat(res['ack_ms'])}; last {report.lat(res['last_ms'])}",
            flush=True,
        )
    await wsload.close_socks(socks)


STRACE_RATE = float(os.environ.get("STRACE_RATE", "2"))


async def strace_run(daphne, seeded, live, results) -> None:
    hub = wsload.Hub()
    url = f"{daphne.ws_base}/ws/collabs/{live.id}/"
    socks = await wsload.open_socks(hub, url, daphne.base, seeded.sessions, list(range(1, 15)))
    await asyncio.sleep(2.0)
    res = await wsload.paced(
        hub, socks[:4], socks[4:], rate=STRACE_RATE, dur=40 / STRACE_RATE, n_msgs=40
    )
    results["strace"] = res
    print(
        f"  {STRACE_RATE:g} msg/s under strace: ack {report.lat(res['ack_ms'])}; last "
        f"{report.lat(res['last_ms'])}",
        flush=True,
    )
    await wsload.close_socks(socks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--rates", type=float, nargs="+", default=[5, 10, 20, 50, 100])
    ap.add_argument("--db-name", default="collabhub_bench")
    ap.add_argument("--redis-db", type=int, default=12)
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument(
        "--strace",
        action="store_true",
        help="instead of the curve: 40 messages at 2 msg/s (env STRACE_RATE) with strace on Daphne "
        "(the trace is left in the scratch folder)",
    )
    ap.add_argument(
        "--fresh",
        action="store_true",
        help="instead of the curve: on a fresh Daphne, 5 msg/s x 25 at once (as the old flood "
        "baseline measured), again, then 50 msg/s x 25, then 5 msg/s x 25",
    )
    ap.add_argument(
        "--pingpong-only", action="store_true", help="only the platform's loopback round trip"
    )
    ap.add_argument("--json")
    a = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="collabhub-bench-lowrate-"))
    results: dict = {}
    try:
        import uvloop

        run = uvloop.run
    except ImportError:
        run = asyncio.run
    if not (a.strace or a.fresh):
        print("the platform: loopback TCP round trips to an echo process", flush=True)
        run(pingpong([200, 100, 50, 20, 10, 2], a.n, results))
    if a.pingpong_only:
        return
    st = stack.Stack(
        db_name=a.db_name,
        pg_user="postgres",
        pg_port=5432,
        redis_port=6379,
        redis_db=a.redis_db,
        workdir=workdir,
        conn_max_age=0,
    )
    st.recreate_database()
    st.flush_redis()
    st.migrate()
    os.environ.update(st.env())
    import django

    django.setup()
    from chatbench import seed

    seeded = seed.seed(21, {"live": (21, 100)}, log=lambda *_: None)
    live = seeded.collabs["live"]
    daphne = stack.Daphne(
        st,
        workdir / "daphne.log",
        CHAT_BURST_MESSAGES="1000000",
        CHAT_SUSTAINED_MESSAGES="1000000",
    )
    try:
        if a.fresh:
            run(fresh_run(daphne, seeded, live, results))
            return
        if a.strace:
            trace = workdir / "daphne.strace"
            tracer = subprocess.Popen(
                ["strace", "-f", "-tt", "-T", "-s", "120", "-o", str(trace), "-p", str(daphne.pid)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                run(strace_run(daphne, seeded, live, results))
            finally:
                tracer.send_signal(signal.SIGINT)
                tracer.wait(30)
            print(f"trace: {trace}")
            return
        print(f"ours (Daphne pid {daphne.pid}), {a.n} messages per rate:", flush=True)
        run(
            measure(
                f"{daphne.ws_base}/ws/collabs/{live.id}/",
                daphne.base,
                seeded.sessions,
                a.rates,
                a.n,
                wsload._body,
                "ours",
                results,
            )
        )
    finally:
        daphne.stop()
        st.drop_database()
        st.flush_redis()
    if not a.no_floor:
        with floor.Server(workdir, "pubsub") as fs:
            print(f"the floor (pub/sub, pid {fs.pid}):", flush=True)
            run(measure(fs.url, fs.origin, ["-"] * 21, a.rates, a.n, floor_body, "floor", results))
    path = a.json or str(workdir / "lowrate.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    print(f"\np50 (ms): last receiver by msg/s; round trip by gap in ms. All figures: {path}")
    for key, by_rate in results.items():
        print(
            f"  {key:<14} "
            + "  ".join(
                f"{r:g}: {(x.get('last_ms') or x.get('rtt_ms')).get('p50')}"
                for r, x in by_rate.items()
            )
        )


floor_body = wsload.floor_body

if __name__ == "__main__":
    main()
