"""The real stack for one bench run: a dedicated PostgreSQL database, a Redis db of its own,
and Daphne processes started (and stopped, by their own pid) by the bench.

Everything listens on and targets 127.0.0.1 only."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
# The project's venv; from a git worktree without one, the interpreter running the bench.
PYTHON = PROJECT / ".venv" / "bin" / "python"
if not PYTHON.exists():
    PYTHON = Path(sys.executable)
HOST = "127.0.0.1"

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


class Stack:
    """The environment shared by the bench process (seeding) and the Daphne it starts."""

    def __init__(
        self,
        *,
        db_name: str,
        pg_user: str,
        pg_port: int,
        redis_port: int,
        redis_db: int,
        workdir: Path,
        conn_max_age: int,
    ):
        self.db_name = db_name
        self.pg_user = pg_user
        self.pg_port = pg_port
        self.redis_port = redis_port
        self.redis_db = redis_db
        self.workdir = workdir
        self.static_root = workdir / "static"
        self.var_dir = workdir / "var"
        self.static_root.mkdir(parents=True, exist_ok=True)
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.secret_key = secrets.token_urlsafe(50)
        self.conn_max_age = conn_max_age

    @property
    def database_url(self) -> str:
        return f"postgres://{self.pg_user}@{HOST}:{self.pg_port}/{self.db_name}"

    @property
    def redis_url(self) -> str:
        return f"redis://{HOST}:{self.redis_port}/{self.redis_db}"

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="collabhub.settings",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            # A prefix of its own: nothing meets what another run or the dev server keeps.
            REDIS_PREFIX="collabhub-bench",
            DEBUG="0",
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS=HOST,
            SECURE_SSL_REDIRECT="0",
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            SECURE_HSTS_SECONDS="0",
            STATIC_ROOT=str(self.static_root),
            VAR_DIR=str(self.var_dir),
            MEDIA_ROOT=str(self.var_dir / "media"),
            DB_CONN_MAX_AGE=str(self.conn_max_age),
            LOG_LEVEL="WARNING",
            SITE_URL=f"http://{HOST}",
        )
        env.update(extra)
        return env

    # PostgreSQL and Redis

    def psql(self, sql: str, db: str = "postgres") -> str:
        out = subprocess.run(
            [
                "psql",
                "-h",
                HOST,
                "-p",
                str(self.pg_port),
                "-U",
                self.pg_user,
                "-d",
                db,
                "-v",
                "ON_ERROR_STOP=1",
                "-Atqc",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        )
        return out.stdout.strip()

    def recreate_database(self) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self.psql(f'CREATE DATABASE "{self.db_name}"')

    def drop_database(self) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def flush_redis(self) -> None:
        subprocess.run(
            [
                "redis-cli",
                "-h",
                HOST,
                "-p",
                str(self.redis_port),
                "-n",
                str(self.redis_db),
                "FLUSHDB",
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def redis_pid(self) -> int:
        out = subprocess.run(
            ["redis-cli", "-h", HOST, "-p", str(self.redis_port), "INFO", "server"],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
        for line in out.splitlines():
            if line.startswith("process_id:"):
                return int(line.split(":", 1)[1])
        return 0

    def migrate(self) -> None:
        """The schema, and the static files collected as production serves them (DEBUG off:
        WhiteNoise's manifest names every file a page links to)."""
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            run = subprocess.run(
                [str(PYTHON), "manage.py", *command, "-v", "0"],
                cwd=PROJECT,
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=600,
            )
            if run.returncode:
                sys.exit(f"{command[0]} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


class Daphne:
    """One Daphne process serving collabhub.asgi on a free loopback port."""

    def __init__(self, stack: Stack, log: Path, **env: str):
        self.stack = stack
        self.port = free_port()
        self.log_path = log
        stack.flush_redis()  # nothing left of an earlier server: groups, rate-limit windows
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                str(PYTHON),
                "-m",
                "daphne",
                "-b",
                HOST,
                "-p",
                str(self.port),
                "collabhub.asgi:application",
            ],
            cwd=PROJECT,
            env=stack.env(**env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        if not wait_port(self.port):
            self.stop()
            sys.exit(f"Daphne did not open port {self.port}; log:\n{self.tail()}")
        time.sleep(0.5)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws_base(self) -> str:
        return f"ws://{HOST}:{self.port}"

    def tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text()[-n:]
        except OSError:
            return ""

    def log_size(self) -> int:
        """Where the log ends now: server_errors(since=...) counts what is written after."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def server_errors(self, since: int = 0) -> dict:
        """The tracebacks Daphne logged after byte `since`: how many, and how many of each
        exception (the traceback's last line)."""
        if not self.log.closed:
            self.log.flush()
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return {"tracebacks": 0, "errors": 0, "kinds": {}}
        return count_tracebacks(text)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


def count_tracebacks(text: str) -> dict:
    """{"tracebacks": n, "kinds": {"<exception line>": count}} of a log's Python tracebacks.
    A chained traceback ("During handling of the above exception ...", "The above exception
    was the direct cause ...") counts once, by its outermost exception."""
    header = "Traceback (most recent call last):"
    chain = ("During handling of the above exception", "The above exception was the direct")
    lines = text.splitlines()
    blocks = []  # (exception line, chained to the next block)
    i = 0
    while i < len(lines):
        if not lines[i].startswith(header):
            i += 1
            continue
        i += 1
        exc = "?"
        while i < len(lines):
            line = lines[i]
            i += 1
            if line.strip() and not line.startswith(" "):
                exc = line.strip()[:160]
                break
        k = i
        while k < len(lines) and not lines[k].strip():
            k += 1
        blocks.append((exc, k < len(lines) and lines[k].startswith(chain)))
    kinds: dict[str, int] = {}
    for exc, chained in blocks:
        if not chained:
            kinds[exc] = kinds.get(exc, 0) + 1
    n = sum(kinds.values())
    # Logged without a traceback: asyncio's complaints (a task left running when its consumer
    # died, an exception nobody retrieved) and Daphne's killing of a consumer whose disconnect
    # outlasted its application_close_timeout (its clean-up cut short).
    for marker in (
        "Task was destroyed but it is pending!",
        "exception was never retrieved",
        "took too long to shut down and was killed",
    ):
        hits = text.count(marker)
        if hits:
            kinds[marker] = kinds.get(marker, 0) + hits
    return {"tracebacks": n, "errors": sum(kinds.values()), "kinds": kinds}


# /proc readings


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(parts[11]) + int(parts[12])) / CLK_TCK


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def postgres_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == "postgres":
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


class CpuMeter:
    """CPU used by Daphne, PostgreSQL (all its processes), Redis and this client over a phase,
    as a share of one core."""

    def __init__(self, daphne_pid: int, redis_pid: int):
        self.daphne_pid = daphne_pid
        self.redis_pid = redis_pid

    def _read(self) -> dict[str, float]:
        usage = os.times()
        return {
            "daphne": cpu_seconds(self.daphne_pid),
            "redis": cpu_seconds(self.redis_pid) if self.redis_pid else 0.0,
            "client": usage.user + usage.system,
            "machine": machine_busy_seconds(),
        }

    def __enter__(self):
        self.t0 = time.perf_counter()
        self.c0 = self._read()
        self.pg0 = {p: cpu_seconds(p) for p in postgres_pids()}
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.t0
        c1 = self._read()
        # Backends that exited during the phase (DB_CONN_MAX_AGE=0: one per call) are lost
        # here; they show up in "rest".
        pg = sum(cpu_seconds(p) - self.pg0.get(p, 0.0) for p in postgres_pids())
        d = {k: c1[k] - self.c0[k] for k in c1}
        d["postgres"] = pg
        d["rest"] = d["machine"] - d["daphne"] - d["redis"] - d["client"] - pg
        self.pct = {
            k: round(100 * v / self.elapsed, 1) if self.elapsed else None for k, v in d.items()
        }
        return False


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (not idle, not waiting for I/O)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLK_TCK


def machine_busy_pct(seconds: float = 2.0) -> float:
    """Share of one core the whole machine used over `seconds` (200% = both cores)."""
    b0, t0 = machine_busy_seconds(), time.perf_counter()
    time.sleep(seconds)
    return 100 * (machine_busy_seconds() - b0) / (time.perf_counter() - t0)


def wait_quiet(limit_pct: float, max_wait: float, log) -> float:
    """Wait (at most max_wait s) until the machine is quiet: other work on the 2 cores would
    be measured as ours. Returns the last reading."""
    deadline = time.monotonic() + max_wait
    busy = machine_busy_pct()
    if busy <= limit_pct:
        return busy
    log(
        f"  the machine is busy ({busy:.0f}% of a core in use by other processes); waiting "
        f"up to {max_wait:.0f} s for it to quiet down ..."
    )
    while busy > limit_pct and time.monotonic() < deadline:
        time.sleep(3)
        busy = machine_busy_pct()
    if busy > limit_pct:
        log(f"  WARNING: still {busy:.0f}% busy; the figures below include that contention")
    return busy
