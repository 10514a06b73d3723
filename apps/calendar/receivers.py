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
    booking_moved      Встреча «Знакомство» перенесена на 14 декабря, 11:00, гость — Ольга
                       Olga moved the meeting “Intro” to Dec. 14, 2026, 11:00
    slot_link_created  Анна: отправлены свободные слоты «Знакомство»
                       Anna sent free slots: “Intro”
"""

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.chat import system
from apps.collabs import registry
from apps.core.templatetags.dates import babel_date, babel_datetime
from apps.core.zones import zone_named


def when(data: dict) -> str:
    """The meeting's start in the reader's zone and language ("Dec. 12, 2026, 10:00"); the
    date alone for an all-day meeting."""
    moment = parse_datetime(data.get("meeting_start") or "")
    if moment is None:
        return ""
    if data.get("meeting_all_day"):
        # An all-day meeting's dates are its own zone's, whoever reads them.
        return babel_date(moment.astimezone(zone_named(data.get("meeting_timezone"))).date())
    return babel_datetime(moment)


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
    "slot_link_created",
    lambda d: (
        _("%(actor)s sent free slots: “%(title)s”")
        % {**_names(d), "title": d.get("link_title") or ""}
    ),
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


# --- Demo data ----------------------------------------------------------------------------------

# collab: (title, organizer, attendees, days ahead, local hour, minutes, place)
DEMO_MEETINGS = {
    "Website redesign": [
        (
            "Design review",
            "boris@example.com",
            ["anna@example.com", "ivan@example.com"],
            2,
            11,
            60,
            "",
        ),
    ],
    "Quarterly report": [
        ("Сверка цифр", "anna@example.com", ["boris@example.com"], 3, 10, 45, ""),
    ],
}


def seed_demo_meetings(sender, users, collabs, **kwargs) -> int:
    """A few meetings in the coming days in each demo collab that has none yet, and a free-slot
    link of its owner in the first, made through the services (their notes in the chat are
    dated by seed_demo after the conversation)."""
    from datetime import datetime, time, timedelta

    from django.db import transaction
    from django.utils import timezone as dj_timezone

    from apps.collabs.models import Membership
    from apps.core.zones import zone_of

    from . import booking, services
    from .models import FreeSlotLink, Meeting

    made = 0
    for name, rows in DEMO_MEETINGS.items():
        collab = collabs.get(name)
        if collab is None or Meeting.objects.filter(collab=collab).exists():
            continue
        present = set(
            Membership.objects.current().filter(collab=collab).values_list("user__email", flat=True)
        )
        if not all({row[1], *row[2]} <= present for row in rows):
            continue
        today = dj_timezone.now().date()
        with transaction.atomic():
            for title, organizer, invited, days, hour, minutes, place in rows:
                person = users[organizer]
                zone = zone_of(person)
                start = datetime.combine(today + timedelta(days=days), time(hour), tzinfo=zone)
                services.create_meeting(
                    collab,
                    person,
                    title=title,
                    start=start,
                    end=start + timedelta(minutes=minutes),
                    zone=str(zone),
                    location=place,
                    attendee_ids=[users[email].pk for email in invited],
                )
                made += 1
            if not FreeSlotLink.objects.filter(collab=collab).exists() and made:
                # The first meeting's organizer offers free slots too.
                person = users[rows[0][1]]
                booking.create_link(
                    collab,
                    person,
                    title=_("Intro call with %(name)s")
                    % {"name": person.full_name or person.email},
                )
    return made


def _connect_demo() -> None:
    from apps.chat.demo import demo_seeded

    demo_seeded.connect(seed_demo_meetings, dispatch_uid="calendar-demo")


_connect_demo()
