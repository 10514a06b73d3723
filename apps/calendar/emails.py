"""The meetings' emails, each with its iCalendar part (ics.py) so the invitee's calendar
program shows "accept / decline" and later moves or removes the event by its UID:

- REQUEST: a new meeting, or a change (SEQUENCE raised), to everyone invited, with links to
  answer without signing in (the attendee's token; the page asks to confirm with a button,
  so a mail scanner following links answers nothing);
- CANCEL: a cancelled meeting to everyone, or to people taken off it.

Each email is written in its reader's language (their profile's, the site's for outside
addresses), with the times in their zone. A member whose address is not proven gets none
(apps.accounts.verification.may_email); an outside address always does (it was typed by
the organizer, or the booker typed it themselves)."""

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from apps.accounts.verification import may_email
from apps.core.text import single_line
from apps.core.zones import zone_named

from . import ics
from .models import Attendee, Booking, Meeting
from .services import address_of, display_name, invitable

logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _when(meeting: Meeting, zone: ZoneInfo) -> dict:
    if meeting.all_day:
        # All-day dates are the meeting's own (midnights in its zone), whoever reads them.
        zone = zone_named(meeting.timezone)
    start = meeting.start.astimezone(zone)
    end = meeting.end.astimezone(zone)
    last_day = (end - timedelta(days=1)).date() if meeting.all_day else end.date()
    return {
        "start": start,
        "end": end,
        "last_day": last_day,
        "zone": str(zone),
        "all_day": meeting.all_day,
    }


def _message(
    meeting: Meeting,
    method: str,
    *,
    to: str,
    name: str,
    language: str,
    zone,
    context: dict,
    calendar: bytes,
) -> EmailMultiAlternatives:
    with translation.override(language):
        ctx = {
            "meeting": meeting,
            "method": method,
            "name": name,
            "site_name": settings.SITE_NAME,
            "when": _when(meeting, zone),
            "organizer": meeting.organizer.full_name or meeting.organizer.email,
            "collab": meeting.collab.name,
            **context,
        }
        subject = render_to_string("calendar/email/subject.txt", ctx)
        text = render_to_string("calendar/email/meeting.txt", ctx)
        html = render_to_string("calendar/email/meeting.html", ctx)
    email = EmailMultiAlternatives(single_line(subject), text, to=[to])
    email.attach_alternative(html, "text/html")
    # The calendar part inline (what calendar programs read) and as a file (what people open).
    email.attach_alternative(calendar.decode(), f"text/calendar; method={method}; charset=UTF-8")
    email.attach("invite.ics", calendar, f"application/ics; method={method}")
    return email


def _rsvp_links(attendee: Attendee) -> dict:
    return {
        "rsvp_url": _absolute(reverse("my_calendar:rsvp", kwargs={"token": attendee.token})),
    }


def _is_booker(attendee: Attendee, booked: Booking) -> bool:
    if booked.user_id is not None:
        return attendee.user_id == booked.user_id
    return attendee.user_id is None and attendee.email == booked.email


def send_meeting(meeting_id: int, method: str, attendee_ids: list) -> int:
    """Send the meeting (REQUEST or CANCEL) to the attendees named; returns emails sent."""
    meeting = Meeting.objects.select_related("organizer", "collab").filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    everyone = list(meeting.attendees.select_related("user"))
    calendar = (
        ics.cancellation(meeting, everyone)
        if method == "CANCEL"
        else ics.invitation(meeting, everyone)
    )
    wanted = {int(pk) for pk in attendee_ids}
    booked = Booking.objects.filter(meeting=meeting).first()
    # Members who left the collab (or may no longer see its meetings) hear nothing more of it.
    current = {p.pk for p in invitable(meeting.collab)}
    sent = 0
    for attendee in everyone:
        if attendee.pk not in wanted:
            continue
        if attendee.user is not None and (
            attendee.user_id not in current or not may_email(attendee.user)
        ):
            continue
        language = (attendee.user.language if attendee.user else "") or settings.LANGUAGE_CODE
        # An outside address reads times in the booker's zone (a booked meeting), else in
        # the meeting's own.
        outside_zone = booked.timezone if booked is not None else meeting.timezone
        zone = zone_named(attendee.user.timezone if attendee.user else outside_zone)
        context = _rsvp_links(attendee) if method == "REQUEST" else {}
        if booked is not None and _is_booker(attendee, booked) and method == "REQUEST":
            # The booker moves or cancels from their own page, not by answering.
            context = {"manage_url": _absolute(reverse("my_calendar:booking", args=[booked.token]))}
        try:
            _message(
                meeting,
                method,
                to=address_of(attendee),
                name=display_name(attendee),
                language=language,
                zone=zone,
                context=context,
                calendar=calendar,
            ).send()
        except Exception:
            logger.exception("meeting email %s to attendee %s failed", meeting.pk, attendee.pk)
            continue
        sent += 1
    return sent


def send_cancellation_to(meeting_id: int, people: list) -> int:
    """The cancellation for people no longer on the meeting (their rows are gone): the
    iCalendar CANCEL names them as its attendees."""
    meeting = Meeting.objects.select_related("organizer", "collab").filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    sent = 0
    for person in people:
        gone = Attendee(meeting=meeting, email=person["email"], name=person.get("name", ""))
        calendar = ics.cancellation(meeting, [gone])
        try:
            _message(
                meeting,
                "CANCEL",
                to=person["email"],
                name=person.get("name", ""),
                language=person.get("language") or settings.LANGUAGE_CODE,
                zone=zone_named(meeting.timezone),
                context={"removed": True},
                calendar=calendar,
            ).send()
        except Exception:
            logger.exception("meeting %s cancellation to a removed person failed", meeting.pk)
            continue
        sent += 1
    return sent
