"""A task's history as people read it: each TaskChange in the reader's language, with the
values as they were when the change was made."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import Priority, Status, Task

LIMIT = 200


@dataclass(frozen=True)
class Entry:
    created: datetime
    actor: str
    text: str


def _who(value) -> str:
    if not isinstance(value, dict):
        return _("someone")
    name = value.get("name") or _("someone")
    return _("%(name)s (guest)") % {"name": name} if value.get("guest") else name


def _status(value) -> str:
    return str(Status(value).label) if value in Status.values else str(value)


def _priority(value) -> str:
    return str(Priority(value).label) if value in Priority.values else str(value)


def _when(value) -> str:
    if not value:
        return _("no deadline")
    moment = parse_datetime(value)
    if moment is None:
        return str(value)
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def describe(action: str, d: dict) -> str:
    if action == "created":
        return _("created the task for %(user)s") % {"user": _who(d.get("responsible"))}
    if action == "title":
        return _("renamed it from “%(old)s” to “%(new)s”") % {
            "old": d.get("old", ""),
            "new": d.get("new", ""),
        }
    if action == "description":
        return _("changed the description")
    if action == "responsible":
        return _("handed it from %(old)s to %(new)s") % {
            "old": _who(d.get("old")),
            "new": _who(d.get("new")),
        }
    if action == "deadline":
        return _("moved the deadline from %(old)s to %(new)s") % {
            "old": _when(d.get("old")),
            "new": _when(d.get("new")),
        }
    if action == "priority":
        return _("changed the priority from %(old)s to %(new)s") % {
            "old": _priority(d.get("old")),
            "new": _priority(d.get("new")),
        }
    if action == "status":
        return _("changed the status from %(old)s to %(new)s") % {
            "old": _status(d.get("old")),
            "new": _status(d.get("new")),
        }
    if action == "people":
        return _("changed the co-assignees and observers")
    if action == "check_added":
        return _("added “%(text)s” to the checklist") % {"text": d.get("text", "")}
    if action == "check_done":
        return _("ticked “%(text)s”") % {"text": d.get("text", "")}
    if action == "check_undone":
        return _("unticked “%(text)s”") % {"text": d.get("text", "")}
    if action == "check_removed":
        return _("removed “%(text)s” from the checklist") % {"text": d.get("text", "")}
    if action == "file_added":
        return _("attached “%(name)s”") % {"name": d.get("name", "")}
    if action == "file_removed":
        return _("removed the file “%(name)s”") % {"name": d.get("name", "")}
    return _("changed the task")


def entries(task: Task) -> list[Entry]:
    """The newest LIMIT changes, newest first; one query."""
    rows = task.changes.select_related("actor").order_by("-created", "-id")[:LIMIT]
    return [
        Entry(
            row.created,
            (row.actor.full_name or row.actor.email) if row.actor else _("The portal"),
            describe(row.action, row.data),
        )
        for row in rows
    ]
