"""The invitations' background tasks (apps.core.background): they take ids and read the rest
from the database."""

from django_tasks import task

from . import services


@task()
def deliver_invitation(invitation_id: int) -> str:
    """Send the invitation's email or text message, once (services.deliver)."""
    return services.deliver(invitation_id)
