"""The calendar's background tasks (apps.core.background): they take ids and read the rest
from the database when they run."""

from django_tasks import task


@task()
def send_meeting_emails(meeting_id: int, method: str, attendee_ids: list, actor_id=None) -> int:
    """The invitation, update or cancellation of a meeting to the attendees named."""
    from . import emails

    return emails.send_meeting(meeting_id, method, attendee_ids)


@task()
def send_cancellation_to(meeting_id: int, people: list) -> int:
    """The cancellation to people taken off a meeting (their rows are gone)."""
    from . import emails

    return emails.send_cancellation_to(meeting_id, people)
