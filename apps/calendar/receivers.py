"""How meetings hook into the layers below: their sentences in the chat history, the counter
that keeps a collab holding meetings from being deleted.

The sentences follow the rules in apps/chat/system.py (past tense in English; in Russian the
actor with a colon, then a participle agreeing with the meeting, never with the person). The
time is shown in the reader's zone and language when read:

    meeting_created    Анна: встреча «Смета» запланирована на 12 декабря, 10:00
                       Anna planned the meeting “Estimate” for Dec. 12, 2026, 10:00
    meeting_moved      Анна: встреча «Смета» перенесена на 14 декабря, 11:00
                       Anna moved the meeting “Estimate” to Dec. 14, 2026, 11:00
    meeting_cancelled  Анна: встреча «Смета» отменена
                       Anna cancelled the meeting “Estimate”
    meeting_booked     Встреча «Знакомство» забронирована на 12 декабря, 10:00, гость — Ольга
                       Olga booked the meeting “Intro” for Dec. 12, 2026, 10:00
    booking_cancelled  Встреча «Знакомство» отменена, гость — Ольга
                       Olga cancelled the meeting “Intro”
"""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.chat import system
from apps.collabs import registry
from apps.core.zones import zone_named


def when(data: dict) -> str:
    """The meeting's start in the reader's zone and language ("Dec. 12, 2026, 10:00"); the
    date alone for an all-day meeting."""
    moment = parse_datetime(data.get("meeting_start") or "")
    if moment is None:
        return ""
    if data.get("meeting_all_day"):
        # An all-day meeting's dates are its own zone's, whoever reads them.
        return date_format(
            moment.astimezone(zone_named(data.get("meeting_timezone"))), "DATE_FORMAT"
        )
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _names(d: dict) -> dict:
    return {
        "actor": system.person(d, "actor"),
        "title": d.get("meeting_title") or _("a meeting"),
        "user": system.person(d),
        "when": when(d),
    }


system.register(
    "meeting_created",
    lambda d: _("%(actor)s planned the meeting “%(title)s” for %(when)s") % _names(d),
)
system.register(
    "meeting_moved",
    lambda d: _("%(actor)s moved the meeting “%(title)s” to %(when)s") % _names(d),
)
system.register(
    "meeting_cancelled",
    lambda d: _("%(actor)s cancelled the meeting “%(title)s”") % _names(d),
)
system.register(
    "meeting_booked",
    lambda d: _("%(user)s booked the meeting “%(title)s” for %(when)s") % _names(d),
)
system.register(
    "booking_cancelled",
    lambda d: _("%(user)s cancelled the meeting “%(title)s”") % _names(d),
)
system.register(
    "booking_moved",
    lambda d: _("%(user)s moved the meeting “%(title)s” to %(when)s") % _names(d),
)


def _count(collab) -> int:
    from .models import Meeting

    return Meeting.objects.filter(collab=collab).count()


registry.register_content_counter(
    "calendar",
    _count,
    lambda n: ngettext("%(count)d meeting", "%(count)d meetings", n) % {"count": n},
)
