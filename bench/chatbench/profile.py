"""py-spy (record -f raw --threads --idle) of the server during a phase, summed up: where the
wall time of each thread goes, by the functions that matter for a chat message. With --idle,
waiting on PostgreSQL, Redis or a lock counts too, which is what latency is made of."""

import re
from collections import Counter

# (label, a substring of the frame) — inclusive time of the first frame that matches.
MARKERS = [
    ("consumer on_send (whole)", "ChatConsumer.on_send"),
    ("  send_message (service)", "send_message (apps/chat/services.py"),
    ("  get_collab_for (access check)", "get_collab_for (apps/collabs/permissions.py"),
    ("  ratelimit.hit (Redis cache)", "hit (apps/chat/ratelimit.py"),
    ("  render_message (Markdown)", "render_message (apps/chat/markup.py"),
    ("  _members (member list query)", "_members (apps/chat/services.py"),
    ("  _publish_message (re-read + present)", "_publish_message (apps/chat/services.py"),
    ("  group_send (on commit, async_to_sync)", "group_send (apps/collabs/live.py"),
    ("  opening a PostgreSQL connection", "BaseDatabaseWrapper.connect (django/db/backends/base/"),
    ("  closing connections", "close_old_connections"),
    ("  SQL execute (any)", "CursorWrapper._execute (django/db/backends/utils.py"),
    ("  commit", "BaseDatabaseWrapper.commit"),
    ("consumer collab_event (per receiver)", "CollabConsumer.collab_event"),
    ("  render_for (message partial)", "render_for (apps/chat/partials.py"),
    ("  send_json", "send_json"),
    ("channel layer receive/group_send (redis)", "channels_redis/core.py"),
    ("consumer connect", "CollabConsumer.connect"),
    ("HTTP (Django ASGI handler)", "ASGIHandler"),
    ("Twisted/autobahn frame I/O", "autobahn/"),
]

THREAD = re.compile(r"^(?:process \d+:\"[^\"]*\";)?thread \((0x[0-9a-fA-F]+)\)")


def summarize(path: str, top: int = 12) -> dict:
    """{thread: {"samples", "idle_wait", "markers": {label: %}, "leaves": [(frame, %)]}}."""
    threads: dict[str, dict] = {}
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError:
        return {}
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        name = _thread_name(frames)
        t = threads.setdefault(
            name, {"samples": 0, "idle_wait": 0, "marks": Counter(), "leaves": Counter()}
        )
        t["samples"] += n
        if _is_idle_wait(frames):
            t["idle_wait"] += n
            continue
        seen = set()
        for label, needle in MARKERS:
            if label in seen:
                continue
            if any(needle in f for f in frames):
                t["marks"][label] += n
                seen.add(label)
        t["leaves"][_short(frames[-1])] += n
    out = {}
    for name, t in threads.items():
        total = t["samples"] or 1
        out[name] = {
            "samples": t["samples"],
            "idle_wait_pct": round(100 * t["idle_wait"] / total, 1),
            "markers": {
                label: round(100 * t["marks"][label] / total, 1)
                for label, _ in MARKERS
                if t["marks"][label]
            },
            "leaves": [(f, round(100 * c / total, 1)) for f, c in t["leaves"].most_common(top)],
        }
    return out


def _thread_name(frames: list[str]) -> str:
    head = frames[0]
    if "ThreadPoolExecutor" in head or any("concurrent/futures/thread.py" in f for f in frames):
        return "sync worker thread (database_sync_to_async)"
    if "MainThread" in head or any("daphne/server.py" in f for f in frames):
        return "main thread (event loop)"
    return head[:60]


def _is_idle_wait(frames: list[str]) -> bool:
    last = frames[-1]
    # A sync worker waiting for work, or the event loop waiting in epoll: no request is in them.
    return (
        "_worker (concurrent/futures/thread.py" in last
        or "EpollSelector.select" in last
        or ("thread.py:81" in last)
    )


def _short(frame: str) -> str:
    return frame if len(frame) < 110 else frame[:107] + "..."


def print_summary(title: str, summary: dict, log) -> None:
    log(f"\n  py-spy: {title}")
    for name, t in summary.items():
        if t["samples"] < 20:
            continue
        log(f"   {name}: {t['samples']} samples, {t['idle_wait_pct']}% waiting for work")
        for label, p in t["markers"].items():
            log(f"     {p:5.1f}%  {label}")
        log("     top leaf frames:")
        for f, p in t["leaves"][:8]:
            log(f"     {p:5.1f}%  {f}")
