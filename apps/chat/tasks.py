"""The chat's background tasks (apps.core.background): they take ids and read the rest from
the database."""

from datetime import datetime

from django_tasks import task

from . import digest


@task()
def send_mention_digest(user_id: int, now: str) -> bool:
    """One person's mention digest, as of `now` (ISO 8601), once (digest.send_digest_to)."""
    return digest.send_digest_to(user_id, datetime.fromisoformat(now))
