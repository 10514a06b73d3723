"""The periodic jobs for the single-machine default (`make run` starts this beside Daphne).
Production schedules the same idempotent commands with cron or a systemd timer instead."""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the periodic jobs (settings.PERIODIC_JOBS) every --every seconds."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=int, default=60)
        parser.add_argument("--once", action="store_true", help="One round, then exit.")

    def handle(self, *args, every: int, once: bool, **options) -> None:
        while True:
            for job in settings.PERIODIC_JOBS:
                try:
                    call_command(job)
                except Exception as exc:  # one failing job must not stop the others
                    self.stderr.write(f"{job} failed: {exc}")
            if once:
                return
            time.sleep(every)
