"""The background-task worker and the periodic runner, as `make run` starts them: real
processes (`manage.py db_worker`, `manage.py run_periodic`) on the test database, the way the
browser tests start Daphne. A queued task is done by the worker; neither a restarted worker
nor a restarted runner does a job a second time; a job a dead worker held is not lost."""

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from apps.collabs import services as collabs
from apps.core import periodic
from apps.core.management.commands import run_periodic
from apps.core.models import PeriodicRun
from apps.invitations import services, tasks
from apps.invitations.models import Invitation
from tests.e2e.conftest import _database_url

ROOT = Path(__file__).resolve().parents[2]
DAY = 86_400
DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def make_run_command(program: str) -> list[str]:
    """The arguments `make run` starts `manage.py <program>` with (Makefile, target run)."""
    makefile = (ROOT / "Makefile").read_text()
    run_target = re.search(r"^run: install.*?(?=^\S)", makefile, re.S | re.M).group(0)
    found = re.search(rf"\$\(PY\) manage\.py {program}([^&;\n]*)&", run_target)
    assert found, f"make run does not start manage.py {program} in the background"
    return [sys.executable, "manage.py", program, *found.group(1).split()]


def environment(smtp_server, **extra) -> dict[str, str]:
    """The test database and the tests' SMTP server, for a process of our own."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "collabhub.settings",
        "SITE_URL": "http://testserver",
        **smtp_server.settings_env(),
        **extra,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def clear_of_the_interval_end(every: int) -> None:
    """Two runs that must fall in one interval: wait out the end of this one if it is near."""
    left = every - time.time() % every
    if left < 120:
        time.sleep(left + 1)


def emails_to(inbox, address: str) -> list:
    return [m for m in inbox.messages if address in str(m["To"])]


def wait_until(condition, process, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the worker stopped:\n{log.read_text()}", pytrace=False)
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not get there:\n{log.read_text()}", pytrace=False)
        time.sleep(0.2)


def test_make_run_starts_the_worker_and_the_periodic_runner_beside_daphne():
    makefile = (ROOT / "Makefile").read_text()
    run_target = re.search(r"^run: install.*?(?=^\S)", makefile, re.S | re.M).group(0)

    assert make_run_command("db_worker")[2:4] == ["db_worker", "--no-reload"]
    assert make_run_command("run_periodic")[2] == "run_periodic"
    assert "daphne" in run_target
    assert re.search(r"trap 'kill \$\$jobs \$\$worker", run_target)  # both stop with it


@pytest.mark.django_db(transaction=True)
def test_the_worker_make_run_starts_sends_a_queued_invitation_once_across_a_restart(
    settings, smtp_server, collab, owner, tmp_path
):
    settings.TASKS = DATABASE_BACKEND
    smtp_server.inbox.clear()
    invitation = services.invite_by_email(collab, owner, "ivan@example.com")
    tasks.deliver_invitation.enqueue(invitation.pk)  # the same task twice in the queue
    assert DBTaskResult.objects.filter(status="READY").count() == 2
    env = environment(smtp_server, TASKS_BACKEND="database")
    log = tmp_path / "worker.log"

    with log.open("wb") as out:
        worker = subprocess.Popen(
            make_run_command("db_worker"), env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_until(
            lambda: not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists(), worker, log
        )
    finally:
        worker.send_signal(signal.SIGTERM)  # as make run's trap does
        stopped = worker.wait(timeout=20)
    assert stopped == 0, log.read_text()

    invitation.refresh_from_db()
    assert invitation.delivery == Invitation.Delivery.SENT
    [email] = emails_to(smtp_server.inbox, "ivan@example.com")
    link = re.search(r"/invite/([^/\s]+)/", smtp_server.inbox.text(email)).group(1)
    assert services.find(link) == invitation
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == [
        "sent",
        "skipped",
    ]
    first_worker = {tuple(ids) for ids in DBTaskResult.objects.values_list("worker_ids", flat=True)}
    assert len(first_worker) == 1

    # A task a worker claimed and then died in the middle of (killed, the machine gone).
    lost = services.invite_by_email(collab, owner, "lost@example.com")
    held = DBTaskResult.objects.get(status="READY")
    held.claim("a-worker-that-died")

    # The worker is started again: it runs nothing a second time, nor the task held.
    again = subprocess.run(
        [*make_run_command("db_worker"), "--batch"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert again.returncode == 0, again.stdout.decode() + again.stderr.decode()
    assert len(emails_to(smtp_server.inbox, "ivan@example.com")) == 1
    assert emails_to(smtp_server.inbox, "lost@example.com") == []
    assert {
        tuple(ids)
        for ids in DBTaskResult.objects.exclude(pk=held.pk).values_list("worker_ids", flat=True)
    } == first_worker
    held.refresh_from_db()
    assert (held.status, held.worker_ids) == ("RUNNING", ["a-worker-that-died"])

    # Nothing is lost: the periodic job finds the invitation still waiting and queues it anew.
    assert services.deliver_stalled(timezone.now() + timedelta(minutes=6)) == (1, 0)
    last = subprocess.run(
        [*make_run_command("db_worker"), "--batch"], env=env, cwd=ROOT, timeout=60, check=True
    )
    assert last.returncode == 0
    lost.refresh_from_db()
    assert lost.delivery == Invitation.Delivery.SENT
    assert len(emails_to(smtp_server.inbox, "lost@example.com")) == 1


@pytest.mark.django_db(transaction=True)
def test_a_periodic_runner_restarted_within_its_interval_runs_no_job_again(
    smtp_server, collab, owner, guest
):
    collabs.set_guest_expiry(collab, owner, guest, timezone.now() + timedelta(days=3))
    smtp_server.inbox.clear()
    env = environment(smtp_server, TASKS_BACKEND="immediate")
    command = [*make_run_command("run_periodic"), "--once", "--every", str(DAY)]
    clear_of_the_interval_end(DAY)

    first = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, timeout=60)

    assert first.returncode == 0, first.stderr.decode()
    assert "skipped" not in first.stdout.decode()
    runs = {r.job: r for r in PeriodicRun.objects.all()}
    assert sorted(runs) == sorted(django_settings.PERIODIC_JOBS)
    assert all(r.finished_at and not r.error for r in runs.values())
    [warning] = emails_to(smtp_server.inbox, owner.email)
    assert guest.full_name in str(warning["Subject"])

    # Restarted (a new process) in the same interval: every job is skipped.
    second = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, timeout=60)

    assert second.returncode == 0, second.stderr.decode()
    for job in django_settings.PERIODIC_JOBS:
        assert f"{job}: already run in this interval, skipped" in second.stdout.decode()
    assert {r.job: (r.pk, r.runner) for r in PeriodicRun.objects.all()} == {
        job: (r.pk, r.runner) for job, r in runs.items()
    }
    assert len(emails_to(smtp_server.inbox, owner.email)) == 1


@pytest.fixture
def ran(monkeypatch, settings):
    """The jobs run_periodic calls, recorded instead of run; "broken" fails."""
    settings.PERIODIC_JOBS = ["first", "broken", "last"]
    calls = []

    def call(job):
        calls.append(job)
        if job == "broken":
            raise RuntimeError("the mail server is away")

    monkeypatch.setattr(run_periodic, "call_command", call)
    clear_of_the_interval_end(DAY)
    return calls


def test_a_job_another_runner_claimed_in_this_interval_is_skipped(db, ran):
    slot = periodic.slot_of(timezone.now(), DAY)
    periodic.claim("first", slot, "another-machine:42")

    call_command("run_periodic", "--once", "--every", str(DAY))

    assert ran == ["broken", "last"]
    assert PeriodicRun.objects.get(job="first").runner == "another-machine:42"


def test_a_job_left_unfinished_by_a_runner_that_died_runs_in_the_next_interval(db, ran):
    yesterday = periodic.slot_of(timezone.now() - timedelta(days=1), DAY)
    periodic.claim("first", yesterday, "died:1")  # never finished

    call_command("run_periodic", "--once", "--every", str(DAY))

    assert ran == ["first", "broken", "last"]
    assert PeriodicRun.objects.filter(job="first").count() == 2


def test_a_failing_job_is_recorded_and_the_others_still_run(db, ran):
    call_command("run_periodic", "--once", "--every", str(DAY))

    assert ran == ["first", "broken", "last"]
    broken = PeriodicRun.objects.get(job="broken")
    assert broken.finished_at and broken.error == "RuntimeError: the mail server is away"
    assert PeriodicRun.objects.get(job="last").error == ""


def test_old_claims_are_deleted(db, ran):
    old = periodic.claim("first", periodic.slot_of(timezone.now() - timedelta(days=3), DAY), "x")
    PeriodicRun.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(days=3))

    call_command("run_periodic", "--once", "--every", str(DAY))

    assert not PeriodicRun.objects.filter(pk=old.pk).exists()
