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


def describe(action: str, d: dict, actor: str) -> str:
    """The whole sentence, the actor's name at its head (in Russian followed by a colon: the
    rules of apps/chat/system.py, no verb agreeing with a person)."""
    who = {"actor": actor}
    if action == "created":
        return _("%(actor)s created the task for %(user)s") % {
            **who,
            "user": _who(d.get("responsible")),
        }
    if action == "title":
        return _("%(actor)s renamed it from “%(old)s” to “%(new)s”") % {
            **who,
            "old": d.get("old", ""),
            "new": d.get("new", ""),
        }
    if action == "description":
        return _("%(actor)s changed the description") % who
    if action == "responsible":
        return _("%(actor)s handed it from %(old)s to %(new)s") % {
            **who,
            "old": _who(d.get("old")),
            "new": _who(d.get("new")),
        }
    if action == "deadline":
        return _("%(actor)s moved the deadline from %(old)s to %(new)s") % {
            **who,
            "old": _when(d.get("old")),
            "new": _when(d.get("new")),
        }
    if action == "priority":
        return _("%(actor)s changed the priority from %(old)s to %(new)s") % {
            **who,
            "old": _priority(d.get("old")),
            "new": _priority(d.get("new")),
        }
    if action == "status":
        return _("%(actor)s changed the status from %(old)s to %(new)s") % {
            **who,
            "old": _status(d.get("old")),
            "new": _status(d.get("new")),
        }
    if action == "people":
        return _("%(actor)s changed the co-assignees and observers") % who
    text = {**who, "text": d.get("text", ""), "name": d.get("name", "")}
    if action == "check_added":
        return _("%(actor)s added “%(text)s” to the checklist") % text
    if action == "check_done":
        return _("%(actor)s ticked “%(text)s”") % text
    if action == "check_undone":
        return _("%(actor)s unticked “%(text)s”") % text
    if action == "check_removed":
        return _("%(actor)s removed “%(text)s” from the checklist") % text
    if action == "file_added":
        return _("%(actor)s attached “%(name)s”") % text
    if action == "file_removed":
        return _("%(actor)s removed the file “%(name)s” from the task") % text
    return _("%(actor)s changed the task") % who


def entries(task: Task) -> list[Entry]:
    """The newest LIMIT changes, newest first; one query."""
    rows = task.changes.select_related("actor").order_by("-created", "-id")[:LIMIT]
    entries = []
    for row in rows:
        actor = (row.actor.full_name or row.actor.email) if row.actor else _("The portal")
        entries.append(Entry(row.created, actor, describe(row.action, row.data, actor)))
    return entries
