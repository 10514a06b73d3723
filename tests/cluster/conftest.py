"""Two real Daphne nodes behind HAProxy (collabhub.cluster, as `make cluster` starts them) on a
PostgreSQL database of the test session's own and a redis-server of the module's own (so a test
can restart it), and pages that talk to them as static/js/live.js and chat.js do.

PostgreSQL only (the nodes are separate processes sharing one database): skipped, saying why,
when DATABASE_URL is not PostgreSQL. `.ci/run`'s PostgreSQL + Redis pass runs them."""

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import psycopg
import pytest
import websockets
from psycopg import sql

from collabhub.cluster import Cluster, cluster_env, free_port, port_open, wait_for

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
# Per-person sending limit in the cluster (CHAT_BURST_*): high enough for the send storms,
# counted in windows of 30 s (test_rate_limit waits until a window has room for its sends).
BURST = 20
BURST_SECONDS = 30
MEMBERS = 16


def _postgres() -> dict:
    """The PostgreSQL server of DATABASE_URL, or a skip saying why (a failure when
    CLUSTER_TESTS=required, as .ci/run's PostgreSQL pass sets: there they must run)."""
    refuse = pytest.fail if os.environ.get("CLUSTER_TESTS") == "required" else pytest.skip
    url = os.environ.get("DATABASE_URL", "")
    settings = dj_database_url.parse(url) if url else {}
    if settings.get("ENGINE") != "django.db.backends.postgresql":
        refuse(
            "the cluster tests start real nodes sharing one PostgreSQL database: set "
            "DATABASE_URL to PostgreSQL (as .ci/run's second pass does)"
        )
    if not shutil.which("redis-server"):
        refuse("the cluster tests start a redis-server of their own: none is installed")
    if not (shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")):
        refuse("the cluster tests need HAProxy: `make install-test` installs it")
    return settings


def _connect_params(settings: dict, dbname: str) -> dict:
    params = {
        "dbname": dbname,
        "user": settings.get("USER") or None,
        "password": settings.get("PASSWORD") or None,
        "host": settings.get("HOST") or None,
        "port": settings.get("PORT") or None,
        "autocommit": True,
    }
    return {k: v for k, v in params.items() if v is not None}


@dataclass
class Database:
    settings: dict
    name: str

    @property
    def url(self) -> str:
        s = self.settings
        auth = s.get("USER") or ""
        if s.get("PASSWORD"):
            auth += f":{s['PASSWORD']}"
        host = s.get("HOST") or HOST
        port = s.get("PORT") or 5432
        return f"postgres://{auth}{'@' if auth else ''}{host}:{port}/{self.name}"

    def rows(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(**_connect_params(self.settings, self.name)) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def cluster_database():
    """A database for the nodes (they cannot see pytest-django's, which lives in a transaction
    of the test process): cluster_<pid>, migrated once, dropped at the end."""
    settings = _postgres()
    db = Database(settings, f"cluster_{os.getpid()}")
    name = sql.Identifier(db.name)
    with psycopg.connect(**_connect_params(settings, "postgres")) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    try:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "collabhub.settings",
            "DATABASE_URL": db.url,
            "DEBUG": "1",
        }
        env.pop("REDIS_URL", None)
        migrated = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        yield db
    finally:
        with psycopg.connect(**_connect_params(settings, "postgres")) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


class RedisServer:
    """A redis-server of the test's own on a free port: it can be killed and started again."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        log = open(self.workdir / "redis.log", "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no",
                "--dir", str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        assert wait_for(lambda: port_open(self.port), 10), "redis-server did not start"

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


@dataclass
class Stack:
    cluster: Cluster
    redis: RedisServer
    db: Database
    env: dict
    collab: int
    people: list[dict]
    used: set = field(default_factory=set)

    @property
    def a(self):
        return self.cluster.node_list[0]

    @property
    def b(self):
        return self.cluster.node_list[1]

    @property
    def proxy_port(self) -> int:
        return self.cluster.port

    def person(self) -> dict:
        """A member no other test has used (rate limits are per person)."""
        for index, person in enumerate(self.people[1:], start=1):
            if index not in self.used:
                self.used.add(index)
                return person
        raise AssertionError("more people needed: raise MEMBERS")

    @property
    def owner(self) -> dict:
        return self.people[0]

    def message_ids(self, after: int = 0) -> list[int]:
        return [
            row[0]
            for row in self.db.rows(
                "SELECT id FROM chat_message WHERE collab_id = %s AND id > %s ORDER BY id",
                (self.collab, after),
            )
        ]

    def last_id(self) -> int:
        ids = self.message_ids()
        return ids[-1] if ids else 0

    def restart_node(self, node) -> None:
        node.stop()
        self.cluster.start_node(node)
        assert self.cluster.wait_all_up(30), self.cluster.status()


@pytest.fixture(scope="module")
def stack(cluster_database, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("cluster")
    redis = RedisServer(workdir)
    redis.start()
    port = free_port()
    base = {**os.environ}
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "PYTEST_CURRENT_TEST"):
        base.pop(name, None)
    base.update(
        DATABASE_URL=cluster_database.url,
        REDIS_URL=redis.url,
        VAR_DIR=str(workdir / "var"),
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        LOG_LEVEL="WARNING",
        TASKS_BACKEND="immediate",
        CHAT_BURST_MESSAGES=str(BURST),
        CHAT_BURST_SECONDS=str(BURST_SECONDS),
        CHAT_SUSTAINED_MESSAGES="1000",
        CHAT_SUSTAINED_SECONDS="60",
    )
    env = cluster_env(base, port)
    # The nodes run as production does (DEBUG off): their pages need the collected static
    # files' manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    cluster = Cluster(
        env=env,
        workdir=workdir,
        port=port,
        node_ports=[free_port(), free_port()],
        runners=False,
        worker=False,
        check_inter="1s",
    )
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.cluster.seed", str(MEMBERS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    data = json.loads(seeded.stdout.strip().splitlines()[-1])
    try:
        cluster.start()
        assert cluster.wait_all_up(30), cluster.status()
        yield Stack(cluster, redis, cluster_database, env, data["collab"], data["people"])
    finally:
        cluster.stop(timeout=3)
        redis.kill()
        for node in cluster.node_list:
            log = node.tail(6000)
            if "Traceback" in log:
                print(f"--- {node.name} log (tail)\n{log}")


# --- Pages --------------------------------------------------------------------------------------


def http(port: int, path: str, session: str, method: str = "GET", data: bytes | None = None):
    """(status, headers) of a request with a person's session (and a CSRF token of our own:
    the cookie and the header carry the same secret, as Django accepts)."""
    csrf = uuid.uuid4().hex
    request = urllib.request.Request(
        f"http://{HOST}:{port}{path}",
        method=method,
        data=data,
        headers={
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
        },
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


class Page:
    """One person's open chat page, as live.js and chat.js keep it: a socket that reconnects
    (unless closed with 4403), a hello{last_id} after each connect, then the sends not yet
    acknowledged again (same client_id, so the server stores each once)."""

    def __init__(self, stack: Stack, person: dict, port: int, name: str = ""):
        self.stack = stack
        self.person = person
        self.port = port
        self.name = name or f"user{person['id']}"
        self.ws = None
        self.held: dict[int, int] = {}  # message id -> frames that brought it
        self.acks: dict[str, int] = {}  # client_id -> message id
        self.pending: dict[str, str] = {}  # client_id -> body, sent and not acknowledged
        self.errors: list[dict] = []
        self.close_codes: list[int | None] = []
        self.frames_after_close = 0
        self.connections = 0
        self.since = None
        self.reconnecting = True
        self.ready = asyncio.Event()
        self.closed = asyncio.Event()
        self._reader = None
        self._keeper = None

    @property
    def url(self) -> str:
        return f"ws://{HOST}:{self.port}/ws/collabs/{self.stack.collab}/"

    async def connect(self, hello: bool = True) -> None:
        self.ready.clear()
        self.closed.clear()
        self.ws = await websockets.connect(
            self.url,
            additional_headers={
                "Cookie": f"sessionid={self.person['session']}",
                "Origin": f"http://{HOST}:{self.port}",
            },
            open_timeout=5,
            close_timeout=2,
        )
        self.connections += 1
        self._reader = asyncio.ensure_future(self._read(self.ws))
        if hello:
            # As chat.js: the newest id, the last event's time and the ids of its newest
            # messages (a message committed after a later one comes too).
            have = sorted(set(self.held) | set(self.acks.values()))[-200:]
            last = max(have, default=0)
            await self.ws.send(
                json.dumps({"type": "hello", "last_id": last, "since": self.since, "have": have})
            )

    async def _read(self, ws) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                if frame.get("ts") and (self.since is None or frame["ts"] > self.since):
                    self.since = frame["ts"]  # the last event seen, as chat.js keeps it
                if kind == "message":
                    self.held[frame["id"]] = self.held.get(frame["id"], 0) + 1
                elif kind == "ack":
                    self.acks[frame["client_id"]] = frame["id"]
                    self.pending.pop(frame["client_id"], None)
                elif kind == "error":
                    self.errors.append(frame)
                elif kind == "ready":
                    self.ready.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_codes.append(ws.close_code)
            self.closed.set()

    def keep_connected(self) -> None:
        """Reconnect (to self.port) whenever the socket closes, as live.js does."""
        self._keeper = asyncio.ensure_future(self._keep())

    async def _keep(self) -> None:
        while self.reconnecting:
            await self.closed.wait()
            if not self.reconnecting or self.close_codes[-1] == 4403:
                return
            retry = 0
            while self.reconnecting:
                await asyncio.sleep(min(0.1 * (retry + 1), 0.5))
                retry += 1
                try:
                    await self.connect()
                    await asyncio.wait_for(self.ready.wait(), 10)
                except (OSError, websockets.InvalidHandshake, websockets.ConnectionClosed):
                    continue
                except TimeoutError:
                    with contextlib.suppress(Exception):
                        await self.ws.close()
                    continue
                for client_id, body in list(self.pending.items()):
                    await self._send_frame(client_id, body)
                break

    async def _send_frame(self, client_id: str, body: str) -> None:
        with contextlib.suppress(websockets.ConnectionClosed, AttributeError):
            await self.ws.send(json.dumps({"type": "send", "body": body, "client_id": client_id}))

    async def send(self, body: str) -> str:
        client_id = uuid.uuid4().hex
        self.pending[client_id] = body
        await self._send_frame(client_id, body)
        return client_id

    async def resend_pending(self) -> None:
        for client_id, body in list(self.pending.items()):
            await self._send_frame(client_id, body)

    async def close(self) -> None:
        self.reconnecting = False
        if self._keeper is not None:
            self._keeper.cancel()
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader

    def holds(self, after: int) -> list[int]:
        """The ids the page shows (each once, as the page keeps them by id), past `after`."""
        return sorted(
            {i for i in self.held if i > after} | {i for i in self.acks.values() if i > after}
        )


async def settle(pages: list[Page], timeout: float = 30) -> None:
    """Until every page is connected and has every send acknowledged (resending what is not)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(p.ws is not None and p.ready.is_set() and not p.pending for p in pages):
            return
        for page in pages:
            if page.pending and page.ready.is_set():
                await page.resend_pending()
        await asyncio.sleep(0.5)
    raise AssertionError(
        "pages did not settle: "
        + ", ".join(f"{p.name}: {len(p.pending)} pending, codes {p.close_codes}" for p in pages)
    )
