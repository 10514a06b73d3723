"""The collabs' background tasks (apps.core.background): they take ids and read the rest from
the database."""

from datetime import datetime

from django_tasks import task

from . import services


@task()
def warn_guest_expiry(membership_id: int, now: str) -> bool:
    """Warn whoever added a guest that the guest's access ends soon, once
    (services.warn_expiry), as of `now` (ISO 8601)."""
    return services.warn_expiry(membership_id, datetime.fromisoformat(now))
