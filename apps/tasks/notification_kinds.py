"""The task kinds of the notification centre, rendered in the reader's language when read
(pages run in it; emails are built in it)."""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.notifications.kinds import NotificationKind, register_kind

from .models import Status


def _when(data: dict) -> str:
    moment = parse_datetime(data.get("deadline") or "")
    if moment is None:
        return ""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _status(value) -> str:
    return str(Status(value).label) if value in Status.values else str(value or "")


def _names(d: dict) -> dict:
    return {
        "actor": d.get("actor") or _("Someone"),
        "title": d.get("title") or _("a task"),
        "status": _status(d.get("status")),
        "when": _when(d),
        "collab": d.get("collab", ""),
    }


def _assigned(d: dict) -> str:
    return _("%(actor)s gave you the task “%(title)s”") % _names(d)


def _assigned_body(d: dict) -> str:
    names = _names(d)
    text = _("%(actor)s gave you the task “%(title)s” in %(collab)s.") % names
    if names["when"]:
        text += "\n" + _("Deadline: %(when)s") % names
    return text


def _status_changed(d: dict) -> str:
    return _("%(actor)s moved “%(title)s” to “%(status)s”") % _names(d)


def _comment(d: dict) -> str:
    if d.get("mention"):
        return _("%(actor)s mentioned you in a comment on “%(title)s”") % _names(d)
    return _("%(actor)s commented on “%(title)s”") % _names(d)


def _overdue(d: dict) -> str:
    return _("The task “%(title)s” is overdue") % _names(d)


def _due(d: dict) -> str:
    return _("The task “%(title)s” is due %(when)s") % _names(d)


def _due_subject(d: dict) -> str:
    return _("Due soon: %(title)s") % _names(d)


def _due_body(d: dict) -> str:
    return _("The task “%(title)s” in %(collab)s is due %(when)s.") % _names(d)


def register() -> None:
    register_kind(
        NotificationKind(
            key="task_assigned",
            label=gettext_lazy("A task is given to me"),
            render=_assigned,
            email=True,
            email_body=_assigned_body,
        )
    )
    register_kind(
        NotificationKind(
            key="task_status", label=gettext_lazy("A task I am on moves"), render=_status_changed
        )
    )
    register_kind(
        NotificationKind(
            key="task_comment",
            label=gettext_lazy("Comments on tasks I am on"),
            render=_comment,
        )
    )
    register_kind(
        NotificationKind(
            key="task_overdue", label=gettext_lazy("A task of mine is overdue"), render=_overdue
        )
    )
    register_kind(
        NotificationKind(
            key="task_due",
            label=gettext_lazy("A task of mine is due within a day"),
            render=_due,
            email=True,
            email_subject=_due_subject,
            email_body=_due_body,
        )
    )
