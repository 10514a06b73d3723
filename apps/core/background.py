"""How slow work leaves the request: django-tasks (the backport of Django 6's django.tasks).

Each app keeps its tasks in `tasks.py`. A task takes ids, never model objects, and reads the
state again from the database; it claims what it is about to do (a conditional UPDATE) before
doing it, records the outcome, and gives the claim back when it fails: run twice, or by two
workers at once, it does the work once. No task sends anything inside a database transaction.

- `after_commit(task, *args)`: for services. The task is enqueued when the current
  transaction commits (at once outside one), so nothing is sent for a change that was rolled
  back, and a worker never looks for a row that is not committed yet. With the immediate
  backend (the tests) the task runs right there, after the commit.
- `enqueue_once(task, *args, key=...)`: for periodic jobs, which run outside transactions
  and find the same due work again each round until it is done. While a task for `key` waits
  in the queue (workers down or busy) it is not enqueued again for REQUEUE_AFTER; should it
  be enqueued twice all the same (a restarted runner, a cache without the key), the task's
  claim makes the second one do nothing. A task that ran on the spot (the immediate backend)
  holds no key: the next round looks again, as it would after a worker finished it.
"""

import logging

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

# Seconds a periodic job's task may wait in the queue before the job enqueues it again.
REQUEUE_AFTER = 600


def after_commit(task, *args) -> None:
    """Enqueue `task(*args)` when the current transaction commits. Should enqueueing fail
    (the queue's database away), the error is logged and the committed change stands: the
    periodic job that owns the work finds it again."""
    transaction.on_commit(lambda: task.enqueue(*args), robust=True)


def enqueue_once(task, *args, key: str) -> bool:
    """Enqueue `task(*args)` unless the task for `key` was enqueued less than REQUEUE_AFTER
    ago; True when enqueued."""
    key = f"tasks:queued:{task.module_path}:{key}"
    if not cache.add(key, 1, REQUEUE_AFTER):
        return False
    if task.enqueue(*args).is_finished:  # run already (the immediate backend)
        cache.delete(key)
    return True
