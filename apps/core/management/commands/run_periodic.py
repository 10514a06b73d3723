"""The periodic jobs for the single-machine default (`make run` starts this beside Daphne and
the task worker). Production schedules the same idempotent commands with cron or a systemd
timer, or runs this on as many machines as it likes (`make cluster` starts one per node): only
the runner holding the runner lock works, the others wait to take over when it dies
(apps.core.periodic.runner_lock), and each job runs once per interval whatever the number of
runners and restarts (apps.core.periodic.claim)."""

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.core import periodic

# How often (seconds) a runner without the lock checks whether it is free.
STANDBY_POLL = 5


class Command(BaseCommand):
    help = "Run each periodic job (settings.PERIODIC_JOBS) once per interval of --every seconds."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=int, default=60)
        parser.add_argument("--once", action="store_true", help="One round, then exit.")

    def handle(self, *args, every: int, once: bool, **options) -> None:
        runner = periodic.runner_name()
        lock = periodic.runner_lock()
        standby = False
        try:
            while True:
                if not lock.hold():
                    # Another runner works; this one checks back often enough to take over
                    # soon after it dies (within STANDBY_POLL seconds, at most an interval).
                    if not standby:
                        self.stdout.write("another runner holds the lock: standing by")
                        standby = True
                    if once:
                        return
                    time.sleep(min(every, STANDBY_POLL))
                    continue
                if standby:
                    self.stdout.write(f"{runner} holds the lock now: running the jobs")
                    standby = False
                slot = self._round(runner, every)
                if once:
                    return
                # Sleep into the next interval (at least a second).
                wait = slot + timedelta(seconds=every) - timezone.now()
                time.sleep(max(1.0, wait.total_seconds()))
        finally:
            lock.release()

    def _round(self, runner: str, every: int) -> datetime:
        """Each job once in this interval, unless claimed already; returns the interval's start."""
        slot = periodic.slot_of(timezone.now(), every)
        for job in settings.PERIODIC_JOBS:
            run = periodic.claim(job, slot, runner)
            if run is None:
                self.stdout.write(f"{job}: already run in this interval, skipped")
                continue
            try:
                call_command(job)
            except Exception as exc:  # one failing job must not stop the others
                self.stderr.write(f"{job} failed: {exc}")
                periodic.finish(run, error=f"{type(exc).__name__}: {exc}")
            else:
                periodic.finish(run)
        periodic.prune(timezone.now())
        return slot
