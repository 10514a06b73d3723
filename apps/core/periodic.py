"""The periodic runner's claims (`manage.py run_periodic`). Time is cut into intervals of
`every` seconds; before running a job the runner inserts (job, interval) into PeriodicRun,
which a unique constraint lets only one runner do. So a runner restarted within the interval,
or a second runner beside the first (two machines, an old process not yet gone), skips the
job instead of running it again. A job claimed by a runner that died before finishing is run
in the next interval: the jobs are idempotent and pick up what is left."""

import os
import socket
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
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
