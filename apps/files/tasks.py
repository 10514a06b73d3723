"""The files' background tasks (apps.core.background): they take ids and read the rest from
the database."""

from django_tasks import task

from . import previews


@task()
def make_preview(version_id: int) -> str:
    """The preview of one file version (a thumbnail for images), once (previews.make_preview)."""
    return previews.make_preview(version_id)
