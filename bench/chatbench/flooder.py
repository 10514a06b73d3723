"""The flood of bench/chat's flood phase, in a process of its own (so its sending does not hold
up the event loop of the client that timestamps the others' deliveries).

    python flooder.py --url WS_URL --origin ORIGIN --sessions FILE --users 31 32 ... --dur S

Opens one socket per member given (their sessions from FILE, a JSON list of session keys by
user index), prints "ready", waits for a line on stdin, then floods for `--dur` seconds: the
members flood one after another, each as fast as it can (yielding after each send), until the
server cuts it off (closes the socket: the frame guard; or refuses a send: the rate limit).
The next connected member takes over at once; the cut one reconnects and joins the back of
the queue, so the flood never pauses while a connected member is ready. Prints one JSON
object with what happened. All loops are bounded in count and time."""

import argparse
import asyncio
import json
import sys
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from websockets.exceptions import ConnectionClosed

from chatbench import wsload
from chatbench.stats import summary_ms


async def flood(a: argparse.Namespace) -> dict:
    sessions = json.loads(Path(a.sessions).read_text())
    hub = wsload.Hub()
    pool = await wsload.open_socks(hub, a.url, a.origin, sessions, a.users)
    ready: asyncio.Queue = asyncio.Queue()
    for sock in pool:
        ready.put_nowait(sock)
    st = {
        "pool": len(pool),
        "flooders_used": 0,
        "frames": 0,
        "cut_by": {"closed": 0, "refused": 0, "window ended": 0},
        "reconnects": 0,
        "reconnect_failures": 0,
        "waited_for_a_flooder_s": 0.0,
    }
    cut_after: list[float] = []
    used: list[wsload.Sock] = []
    reopening: set[asyncio.Future] = set()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

    t_start = perf_counter()
    t_end = t_start + a.dur

    async def reconnect(sock: wsload.Sock) -> None:
        await sock.close()
        try:
            fresh = await wsload.open_socks(
                hub, a.url, a.origin, sessions, [sock.user_index], batch=1
            )
        except Exception:
            st["reconnect_failures"] += 1
            return
        st["reconnects"] += 1
        ready.put_nowait(fresh[0])

    async def one(sock: wsload.Sock) -> None:
        sent = 0
        t0 = perf_counter()
        errors0 = sock.errors
        reason = "window ended"
        try:
            while perf_counter() < t_end and sent < a.max_frames_each:
                if sock.close_code is not None:
                    reason = "closed"
                    break
                if sock.errors > errors0:
                    reason = "refused"
                    break
                await sock.ws.send(
                    json.dumps(
                        {
                            "type": "send",
                            "body": f"flood {a.tag}-{sock.user_index}-{sent}",
                            "client_id": f"f{a.tag}-{sock.user_index}-{sent}",
                        }
                    )
                )
                sent += 1
                await asyncio.sleep(0)
        except ConnectionClosed:
            reason = "closed"
        st["frames"] += sent
        st["cut_by"][reason] += 1
        if reason != "window ended":
            cut_after.append(perf_counter() - t0)

    while perf_counter() < t_end:
        t_wait = perf_counter()
        try:
            sock = await asyncio.wait_for(ready.get(), max(0.001, t_end - perf_counter()))
        except TimeoutError:
            st["waited_for_a_flooder_s"] += perf_counter() - t_wait
            break
        st["waited_for_a_flooder_s"] += perf_counter() - t_wait
        st["flooders_used"] += 1
        used.append(sock)
        await one(sock)
        if perf_counter() < t_end:
            task = asyncio.ensure_future(reconnect(sock))
            reopening.add(task)
            task.add_done_callback(reopening.discard)
    st["flood_s"] = round(perf_counter() - t_start, 3)
    if reopening:
        await asyncio.wait(set(reopening), timeout=10)
    await asyncio.sleep(1.0)  # the last acks, errors and closes
    acks = errors = closed = 0
    codes: dict[str, int] = {}
    for sock in used:
        acks += sock.acks
        errors += sock.errors
        if sock.close_code is not None:
            closed += 1
            codes[str(sock.close_code)] = codes.get(str(sock.close_code), 0) + 1
    st.update(
        acks=acks,
        error_frames=errors,
        closed_by_server=closed,
        close_codes=codes,
        cut_after_ms=summary_ms(cut_after),
        waited_for_a_flooder_s=round(st["waited_for_a_flooder_s"], 3),
        connect_retries=hub.connect_retries,
    )
    left = [s for s in pool if s not in used] + list(used)
    while not ready.empty():
        left.append(ready.get_nowait())
    await wsload.close_socks(left)
    return st


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--origin", required=True)
    ap.add_argument("--sessions", required=True)
    ap.add_argument("--users", type=int, nargs="+", required=True)
    ap.add_argument("--dur", type=float, required=True)
    ap.add_argument("--tag", default="1")
    ap.add_argument("--max-frames-each", type=int, default=100_000)
    a = ap.parse_args()
    try:
        import uvloop

        out = uvloop.run(flood(a))
    except ImportError:
        out = asyncio.run(flood(a))
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
