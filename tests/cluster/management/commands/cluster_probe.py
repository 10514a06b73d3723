"""A periodic job for tests/cluster/test_periodic_lock.py: notes when it starts and ends in
PROBE_LOG and takes PROBE_SECONDS, longer than the runner's interval."""

import os
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    def handle(self, *args, **options) -> None:
        log = os.environ["PROBE_LOG"]
        with open(log, "a") as out:
            out.write(f"start {os.getpid()} {time.time()}\n")
        time.sleep(float(os.environ.get("PROBE_SECONDS", "1.5")))
        with open(log, "a") as out:
            out.write(f"end {os.getpid()} {time.time()}\n")
