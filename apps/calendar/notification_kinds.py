"""The meeting kinds of the notification centre, rendered in the reader's language when read.
Invitations, updates and cancellations reach people by their own iCalendar emails
(emails.py), so these kinds do not email; "starts soon" does."""

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.templatetags.dates import babel_date, babel_datetime
from apps.core.zones import zone_named
from apps.notifications.kinds import NotificationKind, register_kind

from .models import Attendee


def _when(data: dict) -> str:
    moment = parse_datetime(data.get("start") or "")
    if moment is None:
        return ""
    if data.get("all_day"):
        return babel_date(moment.astimezone(zone_named(data.get("timezone"))).date())
    return babel_datetime(moment)


def _answer(value) -> str:
    return str(Attendee.Answer(value).label) if value in Attendee.Answer.values else ""


def _names(d: dict) -> dict:
    return {
        "actor": d.get("actor") or _("Someone"),
        "title": d.get("title") or _("a meeting"),
        "when": _when(d),
        "answer": _answer(d.get("answer")),
        "collab": d.get("collab", ""),
    }


def register() -> None:
    register_kind(
        NotificationKind(
            key="meeting_invited",
            label=gettext_lazy("I am invited to a meeting"),
            render=lambda d: _("%(actor)s invited you to “%(title)s” on %(when)s") % _names(d),
        )
    )
    register_kind(
        NotificationKind(
            key="meeting_moved",
            label=gettext_lazy("A meeting I am invited to moves"),
            render=lambda d: _("“%(title)s” moved to %(when)s") % _names(d),
        )
    )
    register_kind(
        NotificationKind(
            key="meeting_cancelled",
            label=gettext_lazy("A meeting I am invited to is cancelled"),
            render=lambda d: _("“%(title)s” on %(when)s is cancelled") % _names(d),
        )
    )
    register_kind(
        NotificationKind(
            key="meeting_answered",
            label=gettext_lazy("Answers to my meetings' invitations"),
            render=lambda d: _("%(actor)s answered “%(answer)s” to “%(title)s”") % _names(d),
        )
    )
    register_kind(
        NotificationKind(
            key="meeting_booked",
            label=gettext_lazy("Someone books time with me"),
            render=lambda d: _("%(actor)s booked “%(title)s” on %(when)s") % _names(d),
        )
    )
    register_kind(
        NotificationKind(
            key="meeting_soon",
            label=gettext_lazy("A meeting of mine starts soon"),
            render=lambda d: _("“%(title)s” starts at %(when)s") % _names(d),
            email=True,
            email_subject=lambda d: _("Starts soon: %(title)s") % _names(d),
            email_body=lambda d: (
                _("The meeting “%(title)s” in %(collab)s starts at %(when)s.") % _names(d)
            ),
        )
    )
