"""Files benchmark (issue 11): a large file's upload and download through the real stack
(Daphne + PostgreSQL + Redis, local disk storage) against a plain `cp` of the same file on the
same disk, the server's peak memory growth while it moves the file, and the Files tab and Files
section server time with 10 and with 10,000 files in a collab.

    .venv/bin/python bench/files.py                  # 64 MiB, 256 MiB and 1 GiB (~4 min)
    .venv/bin/python bench/files.py --quick          # 64 MiB only, fewer page samples (~1 min)
    .venv/bin/python bench/files.py --sizes 64,2048  # other sizes, in MiB

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, no password) and Redis on 127.0.0.1:6379.
It creates the database `collabhub_bench_files` (dropped and recreated every run, dropped at
the end unless --keep-db), uses Redis db 13 (flushed), starts its own Daphne on a free
loopback port and stops it by pid. Everything it writes (source files, MEDIA_ROOT, the `cp`
copies, Daphne's log, results.json) is in one scratch directory (under $TMPDIR, or --workdir),
so the server's storage, its temporary files and `cp` share one disk; the large files are
deleted at the end.

Transfers, for each size, with one Daphne (FILES_MAX_BYTES raised above the largest size):
- the source: random bytes written to the scratch directory (so it is in the page cache);
- upload: a member POSTs it as multipart to the chat upload endpoint
  (/collabs/<id>/files/chat-upload/, `Accept: application/json`, CSRF cookie and header),
  streamed from disk by the client with a Content-Length (never held in memory). Timed from
  the first byte sent to the 201; "body sent" is when the client finished sending. The stored
  FileVersion's SHA-256 and size (ORM) and the stored blob's own SHA-256 must match the source;
- cp: `cp` of the same source to the same disk right after the upload (warm page cache for
  both, no fsync for either: the server does not fsync either), median of 3;
- download: GET /collabs/<id>/files/<file_id>/download/ read in 1 MiB blocks and discarded
  (to /dev/null: nothing written on the client side), byte count and ETag checked; for the
  smallest size, once more by a client reading no faster than SLOW_MIB_S (32 MiB/s, slower
  than the disk, as a client on a real network is): the server must wait for it
  (back-pressure) or hold what it read ahead;
- during each: Daphne's RSS every 50 ms (/proc/<pid>/status VmRSS) -> peak growth over the
  RSS right before the request, and its I/O (/proc/<pid>/io): bytes through read()/write()
  and bytes written to the disk, in file sizes, which counts the copies the server makes.

Pages, with a fresh Daphne: GET /collabs/<id>/files/tab/ (HX-Request, HX-Target: tab-files:
the sidebar's Files tab partial) and GET /collabs/<id>/files/ (the Files section page, "not
available" while that URL answers 404) in a collab of 10 and one of 10,000 files (File and
FileVersion rows made in bulk, all on one small blob), interleaved, after warm-up; p50/p95/p99
and the 10,000 / 10 ratio.
"""

import argparse
import hashlib
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(PROJECT))

from chatbench import stack  # noqa: E402
from chatbench.stats import summary_ms  # noqa: E402

MIB = 1024 * 1024
BLOCK = MIB  # the client's read and send size
QUIET_PCT = 25.0  # % of one core other processes may use before measuring
TARGET_RSS_MIB = 64
TARGET_PAGE_RATIO = 1.3
# The slow client's pace: a download of the smallest size read no faster than this, so the
# server has to wait for the client (back-pressure) or hold what it read ahead.
SLOW_MIB_S = 32


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="64 MiB only, fewer page samples")
    ap.add_argument("--sizes", help="file sizes in MiB, comma separated (default 64,256,1024)")
    ap.add_argument("--reps", type=int, default=None, help="uploads and downloads per size")
    ap.add_argument("--page-n", type=int, default=None, help="samples per page and collab")
    ap.add_argument("--big-collab", type=int, default=10_000, help="files in the large collab")
    ap.add_argument("--no-pages", action="store_true", help="skip the page timings")
    ap.add_argument("--no-transfers", action="store_true", help="skip uploads and downloads")
    ap.add_argument("--workdir", help="scratch directory (default: a new one under $TMPDIR)")
    ap.add_argument("--db-name", default="collabhub_bench_files")
    ap.add_argument("--pg-user", default="postgres")
    ap.add_argument("--pg-port", type=int, default=5432)
    ap.add_argument("--redis-port", type=int, default=6379)
    ap.add_argument("--redis-db", type=int, default=13)
    ap.add_argument("--keep-db", action="store_true", help="leave the database after the run")
    ap.add_argument("--json", help="write all figures to this file")
    ap.add_argument(
        "--report-from", metavar="JSON", help="print the figures of an earlier run; run nothing"
    )
    ap.add_argument(
        "--wait-quiet",
        type=float,
        default=None,
        metavar="SECONDS",
        help="before measuring, wait at most this long for other processes to leave the "
        "cores alone (default 120, quick 10)",
    )
    return ap.parse_args()


def config(a: argparse.Namespace) -> dict:
    if a.sizes:
        sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    else:
        sizes = [64] if a.quick else [64, 256, 1024]
    return {
        "sizes_mib": sizes,
        "reps": a.reps or (1 if a.quick else 2),
        "cp_reps": 3,
        "page_warmup": 5 if a.quick else 20,
        "page_n": a.page_n or (30 if a.quick else 200),
        "small_collab": 10,
        # One full page of the Files tab (apps/files/tab.py PAGE): the tab shows 10 rows for
        # 10 files but 30 for 10,000, so this tells the rows' cost from the collab's size.
        "page_collab": 30,
        "big_collab": 1_000 if a.quick and a.big_collab == 10_000 else a.big_collab,
    }


def log(msg: str) -> None:
    print(msg, flush=True)


# --- /proc readings -------------------------------------------------------------------------


def proc_io(pid: int) -> dict[str, int]:
    """rchar/wchar: bytes through read()/write() of any kind (sockets, pipes, files);
    read_bytes/write_bytes: bytes the process made the disk read or write (counted when pages
    are dirtied, so a file written and deleted before writeback still counts)."""
    out = {}
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            key, _, value = line.partition(":")
            out[key] = int(value)
    return out


class RssSampler:
    """Samples a process's RSS every `every` seconds in a thread; marks let the peak be read
    per stretch of time (while the body was sent, after it, ...)."""

    def __init__(self, pid: int, every: float = 0.05):
        self.pid = pid
        self.every = every
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        self.samples.append((time.perf_counter(), stack.rss_kib(self.pid)))

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._sample()

    def __enter__(self):
        self._sample()
        self.base_kib = self.samples[0][1]
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()
        return False

    def peak_kib(self, t0: float = 0.0, t1: float = float("inf")) -> int:
        inside = [kib for t, kib in self.samples if t0 <= t <= t1]
        return max(inside) if inside else self.base_kib


# --- Seeding --------------------------------------------------------------------------------


def seed(cfg: dict) -> dict:
    """An owner, a member (who uploads and reads), a collab for the transfers and two for the
    pages (10 and `big_collab` files, all versions on one small blob). Call after
    django.setup()."""
    from datetime import timedelta

    from chatbench.seed import _sessions
    from django.contrib.auth.hashers import make_password
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import connection, connections, transaction
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.collabs.models import Membership, Role
    from apps.collabs.services import create_collab
    from apps.files.models import File, FileVersion, PreviewState

    t0 = time.perf_counter()
    password = make_password("bench-" + secrets.token_hex(8))
    users = User.objects.bulk_create(
        [
            User(
                email=f"files-bench{i}@example.com",
                full_name=f"Files Bench {i}",
                kind=User.Kind.EMPLOYEE,
                password=password,
            )
            for i in range(2)
        ]
    )
    owner, member = users
    sessions = _sessions(users)
    out: dict = {"sessions": sessions, "collabs": {}}

    def collab(name: str) -> int:
        c = create_collab(owner, name=name)
        Membership.objects.create(collab=c, user=member, role=Role.MEMBER, added_by=owner)
        return c.pk

    out["collabs"]["transfers"] = collab("Files bench: transfers")
    content = b"A small blob every seeded file version points at.\n" * 40
    blob = default_storage.save("files/bench/shared-blob", ContentFile(content))
    sha = hashlib.sha256(content).hexdigest()
    kinds = [
        ("pdf", "application/pdf"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("txt", "text/plain"),
        ("zip", "application/zip"),
    ]
    plan = (
        ("small", cfg["small_collab"]),
        ("page", cfg["page_collab"]),
        ("big", cfg["big_collab"]),
    )
    for label, n in plan:
        cid = collab(f"Files bench: {n:,} files")
        out["collabs"][label] = cid
        now = timezone.now()
        with transaction.atomic():
            files = File.objects.bulk_create(
                [
                    File(
                        collab_id=cid,
                        name=f"Report {i:05d} for the quarterly review.{kinds[i % 5][0]}",
                        created_by=owner if i % 2 else member,
                        created=now - timedelta(minutes=i),
                    )
                    for i in range(n)
                ],
                batch_size=5_000,
            )
            versions = FileVersion.objects.bulk_create(
                [
                    FileVersion(
                        file=f,
                        number=1,
                        blob=blob,
                        size=len(content) * (1 + i % 97),
                        sha256=sha,
                        content_type=kinds[i % 5][1],
                        preview_state=PreviewState.NONE,
                        uploaded_by=f.created_by,
                        created=f.created,
                    )
                    for i, f in enumerate(files)
                ],
                batch_size=5_000,
            )
            for f, v in zip(files, versions, strict=True):
                f.current_version = v
            File.objects.bulk_update(files, ["current_version"], batch_size=5_000)
    with connection.cursor() as cursor:
        for model in (File, FileVersion):
            # lint: allow fstring-sql -- a table name from model metadata
            cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
    connections.close_all()
    out["seed_s"] = round(time.perf_counter() - t0, 1)
    return out


# --- HTTP -----------------------------------------------------------------------------------


def _conn(port: int, timeout: float = 900) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(stack.HOST, port, timeout=timeout)


def csrf_token(port: int, session: str, collab_id: int) -> str:
    """The csrftoken cookie the collab page sets (as the browser gets it before an upload)."""
    conn = _conn(port)
    try:
        conn.request("GET", f"/collabs/{collab_id}/", headers={"Cookie": f"sessionid={session}"})
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"GET /collabs/{collab_id}/ -> {resp.status}")
        jar = SimpleCookie()
        for header in resp.msg.get_all("Set-Cookie") or []:
            jar.load(header)
    finally:
        conn.close()
    if "csrftoken" not in jar:
        raise RuntimeError("the collab page set no csrftoken cookie")
    return jar["csrftoken"].value


def upload(port: int, session: str, csrf: str, collab_id: int, src: Path, name: str) -> dict:
    """POST `src` as multipart, streamed from disk with a Content-Length. Returns the times
    and the JSON answer."""
    boundary = "----collabhub-bench-" + secrets.token_hex(12)
    pre = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="client_id"\r\n\r\n'
        f"bench-{secrets.token_hex(8)}\r\n"
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    post = f"\r\n--{boundary}--\r\n".encode()
    size = src.stat().st_size
    origin = f"http://{stack.HOST}:{port}"
    path = f"/collabs/{collab_id}/files/chat-upload/"
    conn = _conn(port)
    try:
        conn.putrequest("POST", path, skip_accept_encoding=True)
        for header, value in (
            ("Cookie", f"sessionid={session}; csrftoken={csrf}"),
            ("X-CSRFToken", csrf),
            ("Origin", origin),
            ("Referer", f"{origin}/collabs/{collab_id}/"),
            ("Accept", "application/json"),
            ("Content-Type", f"multipart/form-data; boundary={boundary}"),
            ("Content-Length", str(len(pre) + size + len(post))),
        ):
            conn.putheader(header, value)
        conn.endheaders()
        t0 = time.perf_counter()
        conn.send(pre)
        with open(src, "rb") as f:
            while block := f.read(BLOCK):
                conn.send(block)
        conn.send(post)
        t_sent = time.perf_counter()
        resp = conn.getresponse()
        body = resp.read()
        t_done = time.perf_counter()
    finally:
        conn.close()
    if resp.status != 201:
        raise RuntimeError(f"upload -> {resp.status}: {body[:500]!r}")
    return {"t0": t0, "t_sent": t_sent, "t_done": t_done, "answer": json.loads(body)}


def download(
    port: int, session: str, collab_id: int, file_id: int, rate_mib_s: float | None = None
) -> dict:
    """GET the file, reading 1 MiB at a time and discarding it (/dev/null); with
    `rate_mib_s`, no faster than that (a client on a real network, slower than the disk)."""
    conn = _conn(port)
    path = f"/collabs/{collab_id}/files/{file_id}/download/"
    try:
        t0 = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": f"sessionid={session}"})
        resp = conn.getresponse()
        t_headers = time.perf_counter()
        if resp.status != 200:
            raise RuntimeError(f"GET {path} -> {resp.status}")
        received = 0
        t_first = None
        while block := resp.read(BLOCK):
            if t_first is None:
                t_first = time.perf_counter()
            received += len(block)
            if rate_mib_s:
                ahead = t_first + received / MIB / rate_mib_s - time.perf_counter()
                if ahead > 0:
                    time.sleep(ahead)
        t_done = time.perf_counter()
    finally:
        conn.close()
    return {
        "t0": t0,
        "t_headers": t_headers,
        "t_first": t_first or t_done,
        "t_done": t_done,
        "bytes": received,
        "content_length": int(resp.getheader("Content-Length") or -1),
        "etag": (resp.getheader("ETag") or "").strip('"'),
    }


def make_source(path: Path, size: int) -> str:
    """Random bytes (nothing compresses or dedups them), written in 1 MiB blocks; returns
    their SHA-256."""
    sha = hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(size // BLOCK):
            block = os.urandom(BLOCK)
            sha.update(block)
            f.write(block)
    return sha.hexdigest()


def file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(BLOCK):
            sha.update(block)
    return sha.hexdigest()


def time_cp(src: Path, dst: Path, reps: int) -> list[float]:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run(["cp", str(src), str(dst)], check=True)
        times.append(time.perf_counter() - t0)
        dst.unlink()
    return times


# --- Phases ---------------------------------------------------------------------------------


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process."""
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return int(parts[11]) / stack.CLK_TCK, int(parts[12]) / stack.CLK_TCK


def _cpu_delta(c0, c1) -> dict:
    return {"user": round(c1[0] - c0[0], 2), "system": round(c1[1] - c0[1], 2)}


def _io_delta(before: dict, after: dict, size: int) -> dict:
    keys = ("rchar", "wchar", "read_bytes", "write_bytes")
    return {k: round((after[k] - before[k]) / size, 2) for k in keys}


def transfers(st, cfg: dict, seeded: dict, workdir: Path) -> dict:
    session = seeded["sessions"][1]  # the member
    cid = seeded["collabs"]["transfers"]
    largest = max(cfg["sizes_mib"]) * MIB
    out: dict = {"sizes": {}, "server_errors_in_log": 0, "sync_iterator_warnings_in_log": 0}
    media = Path(st.env()["MEDIA_ROOT"])
    for mib in cfg["sizes_mib"]:
        # A fresh server per size: memory a process keeps after a large request (freed to
        # the allocator, not to the system) would hide the next size's growth.
        daphne = stack.Daphne(
            st, workdir / f"daphne-{mib}MiB.log", FILES_MAX_BYTES=str(largest + 16 * MIB)
        )
        try:
            out["sizes"][mib] = _one_size(daphne, cfg, mib, session, cid, media, workdir)
        finally:
            daphne.stop()
        logtext = daphne.tail(2_000_000)
        out["server_errors_in_log"] += logtext.count("Traceback")
        out["sync_iterator_warnings_in_log"] += logtext.count("must consume synchronous iterators")
    return out


def _one_size(daphne, cfg, mib, session, cid, media: Path, workdir: Path) -> list[dict]:
    from apps.chat.models import MessageAttachment
    from apps.files.models import FileVersion

    csrf = csrf_token(daphne.port, session, cid)
    # A small upload and download first: lazily imported code is in the baseline.
    warm = workdir / "warm.bin"
    make_source(warm, MIB)
    answer = upload(daphne.port, session, csrf, cid, warm, "warm.bin")["answer"]
    fid = MessageAttachment.objects.get(message_id=answer["message"], kind="file").ref_id
    download(daphne.port, session, cid, fid)
    warm.unlink()
    size = mib * MIB
    log(f"  {mib} MiB: writing the source ...")
    src = workdir / f"source-{mib}MiB.bin"
    sha = make_source(src, size)
    runs = []
    for rep in range(cfg["reps"]):
        run: dict = {}
        name = f"bench-{mib}MiB-{rep + 1}.bin"
        time.sleep(1.0)
        io0 = proc_io(daphne.pid)
        cpu0 = cpu_split(daphne.pid)
        with RssSampler(daphne.pid) as rss:
            up = upload(daphne.port, session, csrf, cid, src, name)
        io1 = proc_io(daphne.pid)
        elapsed = up["t_done"] - up["t0"]
        run["upload"] = {
            "s": round(elapsed, 3),
            "mb_s": round(size / MIB / elapsed, 1),
            "body_sent_s": round(up["t_sent"] - up["t0"], 3),
            "after_body_s": round(up["t_done"] - up["t_sent"], 3),
            "rss_before_mib": round(rss.base_kib / 1024, 1),
            "peak_growth_mib": round((rss.peak_kib() - rss.base_kib) / 1024, 1),
            "peak_growth_while_sending_mib": round(
                (rss.peak_kib(up["t0"], up["t_sent"]) - rss.base_kib) / 1024, 1
            ),
            "rss_after_mib": round(rss.samples[-1][1] / 1024, 1),
            "server_cpu_s": _cpu_delta(cpu0, cpu_split(daphne.pid)),
            "io_in_file_sizes": _io_delta(io0, io1, size),
        }
        fid = MessageAttachment.objects.get(message_id=up["answer"]["message"], kind="file").ref_id
        version = FileVersion.objects.get(file_id=fid, number=1)
        stored = media / version.blob.name
        run["upload"]["sha256_ok"] = version.sha256 == sha and version.size == size
        run["upload"]["stored_blob_sha256_ok"] = file_sha256(stored) == sha
        log(
            f"    upload {rep + 1}: {run['upload']['mb_s']} MB/s "
            f"({elapsed:.2f} s: body sent in {run['upload']['body_sent_s']} s, then "
            f"{run['upload']['after_body_s']} s to the answer), RSS +"
            f"{run['upload']['peak_growth_mib']} MiB, SHA-256 "
            f"{'ok' if run['upload']['sha256_ok'] else 'WRONG'}"
        )

        # Right after the upload, the same source to the same disk.
        cp_times = time_cp(src, workdir / "cp-copy.bin", cfg["cp_reps"])
        cp_s = statistics.median(cp_times)
        run["cp"] = {
            "s": round(cp_s, 3),
            "mb_s": round(size / MIB / cp_s, 1),
            "all_s": [round(t, 3) for t in cp_times],
        }
        log(f"    cp: {run['cp']['mb_s']} MB/s (median of {cfg['cp_reps']})")

        time.sleep(1.0)
        io0 = proc_io(daphne.pid)
        cpu0 = cpu_split(daphne.pid)
        with RssSampler(daphne.pid) as rss:
            down = download(daphne.port, session, cid, fid)
        io1 = proc_io(daphne.pid)
        elapsed = down["t_done"] - down["t0"]
        run["download"] = {
            "s": round(elapsed, 3),
            "mb_s": round(size / MIB / elapsed, 1),
            "first_byte_s": round(down["t_first"] - down["t0"], 3),
            "headers_s": round(down["t_headers"] - down["t0"], 3),
            "rss_before_mib": round(rss.base_kib / 1024, 1),
            "peak_growth_mib": round((rss.peak_kib() - rss.base_kib) / 1024, 1),
            "rss_after_mib": round(rss.samples[-1][1] / 1024, 1),
            "server_cpu_s": _cpu_delta(cpu0, cpu_split(daphne.pid)),
            "io_in_file_sizes": _io_delta(io0, io1, size),
            "bytes_ok": down["bytes"] == size == down["content_length"],
            "etag_ok": down["etag"] == sha,
        }
        log(
            f"    download {rep + 1}: {run['download']['mb_s']} MB/s ({elapsed:.2f} s, "
            f"first byte after {run['download']['first_byte_s']} s), RSS +"
            f"{run['download']['peak_growth_mib']} MiB, bytes "
            f"{'ok' if run['download']['bytes_ok'] else 'WRONG'}"
        )
        if rep == 0 and mib == min(cfg["sizes_mib"]):
            time.sleep(1.0)
            with RssSampler(daphne.pid) as rss:
                slow = download(daphne.port, session, cid, fid, rate_mib_s=SLOW_MIB_S)
            run["slow_download"] = {
                "rate_mib_s": SLOW_MIB_S,
                "s": round(slow["t_done"] - slow["t0"], 3),
                "peak_growth_mib": round((rss.peak_kib() - rss.base_kib) / 1024, 1),
                "bytes_ok": slow["bytes"] == size,
            }
            log(
                f"    download read at {SLOW_MIB_S} MiB/s: {run['slow_download']['s']} s, RSS +"
                f"{run['slow_download']['peak_growth_mib']} MiB, bytes "
                f"{'ok' if run['slow_download']['bytes_ok'] else 'WRONG'}"
            )
        run["upload"]["ratio_to_cp"] = round(run["upload"]["mb_s"] / run["cp"]["mb_s"], 3)
        run["download"]["ratio_to_cp"] = round(run["download"]["mb_s"] / run["cp"]["mb_s"], 3)
        runs.append(run)
        stored.unlink()  # the disk is not filled with copies (its row stays)
    src.unlink()
    return runs


def pages(st, cfg: dict, seeded: dict, workdir: Path) -> dict:
    """The Files tab partial and the Files section page, 10 files against `big_collab`,
    interleaved so a busy moment of the machine falls on both alike."""
    daphne = stack.Daphne(st, workdir / "daphne-pages.log")
    session = seeded["sessions"][1]
    headers = {"Cookie": f"sessionid={session}"}
    tab_headers = {**headers, "HX-Request": "true", "HX-Target": "tab-files"}
    collabs = {
        "small": (seeded["collabs"]["small"], cfg["small_collab"]),
        "page": (seeded["collabs"]["page"], cfg["page_collab"]),
        "big": (seeded["collabs"]["big"], cfg["big_collab"]),
    }
    views = {
        "tab": ("/collabs/{}/files/tab/", tab_headers),
        "section": ("/collabs/{}/files/", headers),
    }
    out: dict = {"files": {k: n for k, (_, n) in collabs.items()}}
    conn = _conn(daphne.port, timeout=60)
    try:
        available = {}
        for view, (url, hdrs) in views.items():
            conn.request("GET", url.format(collabs["small"][0]), headers=hdrs)
            resp = conn.getresponse()
            resp.read()
            available[view] = resp.status == 200
            if resp.status not in (200, 404):
                raise RuntimeError(f"GET {url} -> {resp.status}")
        out["available"] = available
        samples: dict = {(v, c): [] for v in views if available[v] for c in collabs}
        sizes: dict = {}
        for i in range(cfg["page_warmup"] + cfg["page_n"]):
            for (view, label), bucket in samples.items():
                url, hdrs = views[view]
                t0 = time.perf_counter()
                conn.request("GET", url.format(collabs[label][0]), headers=hdrs)
                resp = conn.getresponse()
                body = resp.read()
                dt = time.perf_counter() - t0
                if resp.status != 200:
                    raise RuntimeError(f"GET {url} -> {resp.status}")
                if i >= cfg["page_warmup"]:
                    bucket.append(dt)
                sizes[(view, label)] = len(body)
        for view in views:
            if not available[view]:
                out[view] = {"available": False}
                continue
            res = {
                label: {**summary_ms(samples[(view, label)]), "bytes": sizes[(view, label)]}
                for label in collabs
            }
            res["ratio_p50"] = round(res["big"]["p50"] / res["small"]["p50"], 3)
            res["ratio_p95"] = round(res["big"]["p95"] / res["small"]["p95"], 3)
            res["ratio_to_page_p50"] = round(res["big"]["p50"] / res["page"]["p50"], 3)
            out[view] = res
    finally:
        conn.close()
        daphne.stop()
    out["server_errors_in_log"] = daphne.tail(2_000_000).count("Traceback")
    return out


# --- Report ---------------------------------------------------------------------------------


def _median(runs: list[dict], kind: str, key: str) -> float:
    return round(statistics.median(r[kind][key] for r in runs), 3)


def print_report(results: dict) -> None:
    t = results.get("transfers")
    if t:
        log(
            "Transfers (MB/s = MiB/s; median of the runs; cp: warm page cache, no fsync, "
            "same disk; download read to /dev/null):"
        )
        log(
            f"  {'size':>9} {'upload':>9} {'cp':>9} {'down':>9} {'up/cp':>7} {'down/cp':>8}"
            f" {'up RSS+':>9} {'down RSS+':>10}  ok"
        )
        for mib, runs in t["sizes"].items():
            ok = all(
                r["upload"]["sha256_ok"]
                and r["upload"]["stored_blob_sha256_ok"]
                and r["download"]["bytes_ok"]
                and r["download"]["etag_ok"]
                for r in runs
            )
            log(
                f"  {mib:>5} MiB {_median(runs, 'upload', 'mb_s'):>9} "
                f"{_median(runs, 'cp', 'mb_s'):>9} {_median(runs, 'download', 'mb_s'):>9} "
                f"{_median(runs, 'upload', 'ratio_to_cp'):>7} "
                f"{_median(runs, 'download', 'ratio_to_cp'):>8} "
                f"{max(r['upload']['peak_growth_mib'] for r in runs):>6} MiB "
                f"{max(r['download']['peak_growth_mib'] for r in runs):>6} MiB  "
                f"{'yes' if ok else 'NO'}"
            )
        log(
            f"  (RSS+: the Daphne process's peak RSS growth over the RSS before the request, "
            f"worst run; target {TARGET_RSS_MIB} MiB, flat in the size)"
        )
        for mib, runs in t["sizes"].items():
            slow = runs[0].get("slow_download")
            if slow:
                log(
                    f"  {mib} MiB read by a client at {slow['rate_mib_s']} MiB/s (slower than "
                    f"the disk): RSS +{slow['peak_growth_mib']} MiB, bytes "
                    f"{'ok' if slow['bytes_ok'] else 'WRONG'}"
                )
        log("  Where the time and memory go, per size (first run):")
        for mib, runs in t["sizes"].items():
            up, down = runs[0]["upload"], runs[0]["download"]
            io_up, io_down = up["io_in_file_sizes"], down["io_in_file_sizes"]
            cu, cd = up["server_cpu_s"], down["server_cpu_s"]
            log(
                f"    {mib} MiB upload: body sent in {up['body_sent_s']} s (RSS +"
                f"{up['peak_growth_while_sending_mib']} MiB meanwhile), then "
                f"{up['after_body_s']} s until the 201; server CPU user {cu['user']} s, "
                f"system {cu['system']} s; server I/O in file sizes: read() {io_up['rchar']}, "
                f"write() {io_up['wchar']}, disk writes {io_up['write_bytes']}"
            )
            log(
                f"    {mib} MiB download: first byte after {down['first_byte_s']} s; server "
                f"CPU user {cd['user']} s, system {cd['system']} s; server I/O in file "
                f"sizes: read() {io_down['rchar']}, write() {io_down['wchar']}"
            )
        log(
            f"  server log: {t['server_errors_in_log']} tracebacks, "
            f"{t['sync_iterator_warnings_in_log']} 'must consume synchronous iterators' warnings"
        )
    p = results.get("pages")
    if p:
        n_small, n_big = p["files"]["small"], p["files"]["big"]
        n_page = p["files"].get("page")
        log(f"\nPages, server time as the client sees it, {n_small} vs {n_big:,} files (ms):")
        for view, label in (("tab", "Files tab (partial)"), ("section", "Files section")):
            res = p.get(view) or {}
            if not res or res.get("available") is False:
                log(f"  {label}: not available (404 in this tree)")
                continue
            rows = [("small", n_small), ("page", n_page), ("big", n_big)]
            for key, n in [(k, n) for k, n in rows if k in res]:
                s = res[key]
                log(
                    f"  {label:<20} {n:>6,} files: p50 {s['p50']:>7}  p95 {s['p95']:>7}  "
                    f"p99 {s['p99']:>7}  (n={s['n']}, {s['bytes']:,} bytes)"
                )
            log(
                f"  {label:<20} ratio {n_big:,} / {n_small}: p50 {res['ratio_p50']}x, "
                f"p95 {res['ratio_p95']}x (target {TARGET_PAGE_RATIO}x)"
            )
            if "ratio_to_page_p50" in res:
                log(
                    f"  {label:<20} ratio {n_big:,} / {n_page} (both a full page): p50 "
                    f"{res['ratio_to_page_p50']}x"
                )
    busy = results.get("machine_busy_pct")
    if busy:
        log(
            "\nOther load on the machine before each phase (% of one core): "
            + ", ".join(f"{k} {v}" for k, v in busy.items())
        )


# --- Main -----------------------------------------------------------------------------------


def main() -> None:
    a = parse_args()
    if a.report_from:
        with open(a.report_from) as f:
            print_report(json.load(f))
        return
    cfg = config(a)
    t_run = time.perf_counter()
    if a.workdir:
        workdir = Path(a.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="collabhub-bench-files-"))
    need = (max(cfg["sizes_mib"]) * MIB * 6) if not a.no_transfers else 0
    free = shutil.disk_usage(workdir).free
    if free < need:
        sys.exit(f"{workdir}: {free // MIB:,} MiB free, the transfers need about {need // MIB:,}")
    st = stack.Stack(
        db_name=a.db_name,
        pg_user=a.pg_user,
        pg_port=a.pg_port,
        redis_port=a.redis_port,
        redis_db=a.redis_db,
        workdir=workdir,
        conn_max_age=0,
    )
    results: dict = {
        "cfg": cfg,
        "mode": "quick" if a.quick else "full",
        "workdir": str(workdir),
        "tmpdir": tempfile.gettempdir(),
        "machine_busy_pct": {},
    }
    log(f"bench/files ({results['mode']}); scratch {workdir}")
    log(f"[1/4] database {a.db_name} (recreated), Redis db {a.redis_db} (flushed), migrate ...")
    st.recreate_database()
    st.flush_redis()
    st.migrate()
    os.environ.update(st.env())
    import django

    django.setup()

    log(
        f"[2/4] seeding: 2 people, collabs of {cfg['small_collab']}, {cfg['page_collab']} and "
        f"{cfg['big_collab']:,} files"
    )
    seeded = seed(cfg)
    results["seed_s"] = seeded["seed_s"]
    max_wait = a.wait_quiet if a.wait_quiet is not None else (10 if a.quick else 120)
    try:
        if not a.no_pages:
            log("[3/4] Files tab and Files section ...")
            results["machine_busy_pct"]["before pages"] = round(
                stack.wait_quiet(QUIET_PCT, max_wait, log), 1
            )
            results["pages"] = pages(st, cfg, seeded, workdir)
        if not a.no_transfers:
            log(f"[4/4] uploads and downloads of {', '.join(f'{s} MiB' for s in cfg['sizes_mib'])}")
            results["machine_busy_pct"]["before transfers"] = round(
                stack.wait_quiet(QUIET_PCT, max_wait, log), 1
            )
            results["transfers"] = transfers(st, cfg, seeded, workdir)
    finally:
        from django.db import connections

        connections.close_all()
        if not a.keep_db:
            st.drop_database()
        st.flush_redis()
        for leftover in [*workdir.glob("*.bin"), workdir / "var" / "media"]:
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
    results["elapsed_s"] = round(time.perf_counter() - t_run, 1)
    log("\nFigures\n")
    print_report(results)
    path = a.json or str(workdir / "results.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1, default=str)
    log(f"\nAll figures: {path}")


if __name__ == "__main__":
    main()
