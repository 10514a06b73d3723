"""Server time of the chat page and of history pages, over HTTP on loopback (keep-alive), as
the client sees it: from sending the request to the last byte of the body.

The server caches each rendered message partial per process (apps/chat/partials.py), so a
history page is timed twice: "cold", the first time that page is asked for (its messages are
rendered), and "warm", asked again (served from the render cache). The same number of
distinct, non-overlapping pages is used for every collab, so the collabs compare fairly."""

import http.client
import time

from .stats import summary_ms


def _get(conn: http.client.HTTPConnection, path: str, headers: dict) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    return time.perf_counter() - t0, resp.status, len(body)


def _weigh(conn, path: str, headers: dict) -> dict:
    """The body of `path` as sent: raw (no Accept-Encoding) and as a browser gets it
    (Accept-Encoding: gzip), in bytes, with how many messages it holds."""
    _dt, status, raw = _get_body(conn, path, headers)
    if status != 200:
        raise RuntimeError(f"GET {path} -> {status}")
    _dt, status, zipped, encoding = _get_body(
        conn, path, {**headers, "Accept-Encoding": "gzip"}, True
    )
    if status != 200:
        raise RuntimeError(f"GET {path} -> {status}")
    return {
        "raw": len(raw),
        "gzip": len(zipped) if encoding == "gzip" else None,
        "messages": raw.count(b'" data-id="'),
    }


def _get_body(conn, path: str, headers: dict, encoding: bool = False):
    t0 = time.perf_counter()
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    out = (time.perf_counter() - t0, resp.status, body)
    return (*out, resp.getheader("Content-Encoding", "")) if encoding else out


def _timed(conn, path: str, headers: dict, samples: list[float]) -> int:
    dt, status, size = _get(conn, path, headers)
    if status != 200:
        raise RuntimeError(f"GET {path} -> {status}")
    samples.append(dt)
    return size


def history_befores(first_id: int, last_id: int, pages: int, page_size: int) -> list[int]:
    """`pages` ids to page back from, at least a page apart, spread around the middle third
    of the collab's history (or over all of it when it is short)."""
    span = last_id - first_id
    stride = max(page_size + 1, span // (3 * pages))
    block = stride * (pages - 1)
    start = first_id + page_size + 1 + max(0, (span - page_size - 1 - block) // 2)
    return [min(last_id, start + i * stride) for i in range(pages)]


def time_pages(
    port: int,
    session_key: str,
    collab_id: int,
    first_id: int,
    last_id: int,
    *,
    warmup: int,
    n: int,
    history_pages: int = 15,
    page_size: int = 50,
) -> dict:
    """GET /collabs/<id>/ n times after warm-up; then `history_pages` distinct history pages
    (?before=<id>, the htmx partial the page fetches when scrolling back) once each (cold) and
    again until n warm samples."""
    headers = {"Cookie": f"sessionid={session_key}", "Host": f"127.0.0.1:{port}"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out = {}
    try:
        page = f"/collabs/{collab_id}/"
        samples: list[float] = []
        for _ in range(warmup):
            _timed(conn, page, headers, [])
        size = 0
        for _ in range(n):
            size = _timed(conn, page, headers, samples)
        out["page"] = {**summary_ms(samples), "bytes": size}

        hx = {**headers, "HX-Request": "true"}
        for _ in range(warmup):  # the newest page: warms the code path, not the measured pages
            _timed(conn, f"/collabs/{collab_id}/chat/messages/?before={last_id}", hx, [])
        befores = history_befores(first_id, last_id, history_pages, page_size)
        cold: list[float] = []
        for before in befores:
            size = _timed(conn, f"/collabs/{collab_id}/chat/messages/?before={before}", hx, cold)
        warm: list[float] = []
        for i in range(n):
            before = befores[i % len(befores)]
            _timed(conn, f"/collabs/{collab_id}/chat/messages/?before={before}", hx, warm)
        out["history_cold"] = {**summary_ms(cold), "bytes": size}
        out["history_warm"] = summary_ms(warm)
        # The weight of the chat page and of one history page of `page_size` messages.
        out["weight"] = {
            "page": _weigh(conn, page, headers),
            "history": _weigh(conn, f"/collabs/{collab_id}/chat/messages/?before={befores[0]}", hx),
        }
    finally:
        conn.close()
    return out
