"""The periodic runner's claims (`manage.py run_periodic`). Time is cut into intervals of
`every` seconds; before running a job the runner inserts (job, interval) into PeriodicRun,
which a unique constraint lets only one runner do. So a runner restarted within the interval,
or a second runner beside the first (two machines, an old process not yet gone), skips the
job instead of running it again. A job claimed by a runner that died before finishing is run
in the next interval: the jobs are idempotent and pick up what is left."""

import contextlib
import fcntl
import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from .models import PeriodicRun

# Claims are kept this long (for the admin to see what ran), then deleted.
KEEP = timedelta(days=2)


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def slot_of(now: datetime, every: int) -> datetime:
    """The start of the interval of `every` seconds that `now` falls in."""
    seconds = int(now.timestamp())
    return datetime.fromtimestamp(seconds - seconds % every, tz=UTC)


def claim(job: str, slot: datetime, runner: str) -> PeriodicRun | None:
    """The claim of `job` for the interval starting at `slot`, or None when another runner
    (or this one before a restart) has it already."""
    try:
        with transaction.atomic():
            return PeriodicRun.objects.create(
                job=job, slot=slot, runner=runner, started_at=timezone.now()
            )
    except IntegrityError:
        return None


def finish(run: PeriodicRun, error: str = "") -> None:
    PeriodicRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), error=error[:2000])


def prune(now: datetime) -> None:
    PeriodicRun.objects.filter(started_at__lt=now - KEEP).delete()


# --- One runner at a time ----------------------------------------------------------------------
#
# The claims above keep a job from running twice in one interval. They do not keep two runners
# from working at once: a round that outlasts its interval (a slow mail server) would meet the
# next interval's round on another machine, both sending the same digests. So a runner works
# only while it holds the runner lock; the others wait beside it (every node of a cluster may
# start `run_periodic`) and one of them takes over when the holder dies.
#
# - PostgreSQL: a session advisory lock, on a connection of the runner's own held open for as
#   long as it holds the lock (not a pooled one: the lock belongs to the session). A runner that
#   dies, however (kill -9, a lost machine), loses its session and so the lock: at once for a
#   dead process; for a machine gone silent, when the server's TCP keepalives give up on the
#   session (set below to about 25 s instead of the system's two hours). Needs a direct
#   connection or a session-mode pooler (PgBouncer in transaction mode would lose the lock).
# - SQLite (one machine by nature): an exclusive flock on a file beside the database, which the
#   kernel releases when the process ends however it ends.
# - Another engine: no lock (every runner works; the claims still hold per interval).

# The advisory lock's key (one 64-bit number per database; "collabhub.periodic" in spirit).
ADVISORY_KEY = 0x636F_6C6C_6162_7031
# Server-side keepalives of the lock's session: idle, interval (s) and count before giving up.
_KEEPALIVES = "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3"


class RunnerLock:
    """`hold()` takes the lock when free, or checks that this runner still has it; True while
    this runner may work. `release()` lets it go (the process ending does too)."""

    def hold(self) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        pass


class NoLock(RunnerLock):
    def hold(self) -> bool:
        return True


class PostgresLock(RunnerLock):
    def __init__(self, settings_dict: dict):
        self.settings_dict = settings_dict
        self.conn = None

    def _connect(self):
        import psycopg

        s = self.settings_dict
        options = s.get("OPTIONS") or {}
        params = {
            "dbname": s["NAME"],
            "user": s.get("USER") or None,
            "password": s.get("PASSWORD") or None,
            "host": s.get("HOST") or None,
            "port": s.get("PORT") or None,
            "autocommit": True,
            "connect_timeout": 10,
            # The client notices a dead server too, instead of waiting on it for hours.
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
            "options": _KEEPALIVES,
            "application_name": "collabhub run_periodic",
        }
        for key in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
            if key in options:
                params[key] = options[key]
        return psycopg.connect(**{k: v for k, v in params.items() if v is not None})

    def hold(self) -> bool:
        import psycopg

        try:
            if self.conn is not None:
                # Still our session, so still our lock.
                self.conn.execute("SELECT 1")
                return True
            self.conn = self._connect()
            row = self.conn.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY]).fetchone()
        except psycopg.Error:
            self.release()
            return False
        if not row[0]:
            self.release()
            return False
        return True

    def release(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()  # ends the session, and with it the lock
            self.conn = None


class FileLock(RunnerLock):
    def __init__(self, path: Path):
        self.path = path
        self.handle = None

    def hold(self) -> bool:
        if self.handle is not None:
            return True
        handle = open(self.path, "a")  # noqa: SIM115 - kept open while the lock is held
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()  # closing the file releases the flock
            self.handle = None


def runner_lock(alias: str = "default") -> RunnerLock:
    """The runner lock for the database the jobs work on."""
    settings_dict = connections[alias].settings_dict
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        return PostgresLock(settings_dict)
    if vendor == "sqlite":
        name = str(settings_dict["NAME"])
        if name and name != ":memory:" and not name.startswith("file:"):
            return FileLock(Path(f"{name}.periodic-lock"))
    return NoLock()
