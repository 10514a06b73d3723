"""The notifications' background tasks (apps.core.background): they take ids and read the
rest from the database."""

from django_tasks import task


@task()
def send_notification_email(notification_id: int) -> bool:
    """Email one notification to its person, once (emails.send)."""
    from . import emails

    return emails.send(notification_id)
