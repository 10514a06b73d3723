"""Two `run_periodic` processes on one PostgreSQL database, as two nodes of `make cluster` run
them: only the holder of the runner lock works, so no two rounds ever overlap (the probe job
takes longer than the interval, so without the lock the second runner would start the next
interval's round while the first still runs); killed with -9, the holder's lock goes with it
and the other runner takes over."""

import itertools
import os
import signal
import subprocess
import sys
import time

import pytest

from collabhub.cluster import wait_for

from .conftest import ROOT

pytestmark = pytest.mark.cluster


def _runs(log) -> list[dict]:
    """The probe's runs, in order: pid, start, end (None when it never ended)."""
    runs = []
    if not log.exists():
        return runs
    for line in log.read_text().splitlines():
        what, pid, moment = line.split()
        if what == "start":
            runs.append({"pid": int(pid), "start": float(moment), "end": None})
        else:
            [run] = [r for r in runs if r["pid"] == int(pid) and r["end"] is None]
            run["end"] = float(moment)
    return runs


def test_two_runners_never_work_at_once_and_one_takes_over_when_the_other_dies(
    cluster_database, tmp_path
):
    cluster_database.rows("DELETE FROM core_periodicrun RETURNING id")
    log = tmp_path / "probe.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.cluster.periodic_settings",
        "DATABASE_URL": cluster_database.url,
        "VAR_DIR": str(tmp_path / "var"),
        "PROBE_LOG": str(log),
        "PROBE_SECONDS": "1.2",
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    runners = []
    for i in range(2):
        out = open(tmp_path / f"runner{i}.log", "wb")  # noqa: SIM115 - closed below
        runners.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "run_periodic", "--every", "1"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        )
        out.close()
    try:
        assert wait_for(lambda: len(_runs(log)) >= 2, 30), _runs(log)
        [holder] = {run["pid"] for run in _runs(log)}
        [standby] = [r for r in runners if r.pid != holder]
        os.kill(holder, signal.SIGKILL)
        killed_at = time.time()
        assert wait_for(
            lambda: sum(r["pid"] == standby.pid and r["end"] is not None for r in _runs(log)) >= 2,
            30,
        ), _runs(log)
    finally:
        for runner in runners:
            if runner.poll() is None:
                runner.send_signal(signal.SIGTERM)
                runner.wait(20)

    runs = _runs(log)
    first = [r for r in runs if r["pid"] == holder]
    second = [r for r in runs if r["pid"] == standby.pid]
    assert len(first) >= 2 and len(second) >= 2
    assert len(first) + len(second) == len(runs)
    # One after the other: the standby worked only once the holder was dead ...
    assert all(r["start"] < killed_at for r in first)
    assert all(r["start"] > killed_at for r in second)
    # ... and no round overlapped another (the killed holder's last one ended at the kill).
    for earlier, later in itertools.pairwise(runs):
        assert later["start"] >= (earlier["end"] or killed_at)
    # Each run claimed its own interval, once.
    slots = cluster_database.rows("SELECT slot, runner FROM core_periodicrun ORDER BY slot")
    assert len(slots) == len(runs)
    assert len({slot for slot, _runner in slots}) == len(runs)
    standby_log = (tmp_path / f"runner{runners.index(standby)}.log").read_text()
    assert "another runner holds the lock: standing by" in standby_log
    assert "holds the lock now: running the jobs" in standby_log
