"""iCalendar (RFC 5545) for meetings: the invitation and the cancellation attached to emails
(RFC 5546 iTIP: METHOD:REQUEST / METHOD:CANCEL), and the personal feed people subscribe to
(no METHOD). All three build their VEVENTs with one function, `_event`, so an invitation, its
cancellation and the feed never disagree about a meeting.

What makes calendars update one event rather than add a second: the UID never changes
(Meeting.uid) and SEQUENCE rises with each change the attendees are told of (the services
raise it before calling here); a cancellation carries the same UID and a higher SEQUENCE.

Times are written in the meeting's own zone (DTSTART;TZID=Europe/Berlin:...), with a VTIMEZONE
block for each zone used, so a meeting planned at 10:00 in Berlin stays at 10:00 Berlin time
across a change of daylight saving time. The VTIMEZONE is built here (`_vtimezone`) rather
than with icalendar's Timezone.from_tzid: that one writes the onset of a change that skips an
hour (spring) in the local time after the jump (03:00 for Berlin) where RFC 5545 wants the
time before it (02:00 in TZOFFSETFROM), so clients that read the block, as RFC 5545 says they
must, would put the change an hour late. All-day meetings are dates (VALUE=DATE) in the
meeting's zone, DTEND exclusive, as the model stores them.

No queries: the callers pass the attendees with their users loaded (select_related), and the
feed's meetings come with theirs prefetched."""

import functools
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

from apps.core.text import single_line
from apps.core.zones import zone_named

from .models import Attendee, Meeting

PRODID = "-//CollabHub//Calendar//EN"
# How often subscribed calendars should fetch the feed again (RFC 7986 and Outlook's own).
FEED_REFRESH = timedelta(hours=1)

UTC_NAMES = {"UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu", "GMT"}

# Control characters have no place in iCalendar text (RFC 5545 TSAFE-CHAR); line breaks and
# tabs stay (the library escapes "\n"), carriage returns go ("\r\n" typed in a form is "\n").
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def invitation(meeting: Meeting, attendees: Sequence[Attendee]) -> bytes:
    """The invitation (or update) sent to the attendees: METHOD:REQUEST."""
    calendar = _calendar(method="REQUEST")
    calendar.add_component(_event(meeting, attendees, stamp=dj_timezone.now()))
    return _finish(calendar, [meeting])


def cancellation(meeting: Meeting, attendees: Sequence[Attendee]) -> bytes:
    """The cancellation: METHOD:CANCEL, STATUS:CANCELLED, the meeting's UID and SEQUENCE
    (the caller raised it when cancelling)."""
    calendar = _calendar(method="CANCEL")
    calendar.add_component(_event(meeting, attendees, stamp=dj_timezone.now(), status="CANCELLED"))
    return _finish(calendar, [meeting])


def feed(meetings: Iterable[Meeting], name: str) -> bytes:
    """A person's feed: their meetings, cancelled ones as STATUS:CANCELLED (so a subscribed
    calendar drops or strikes them rather than keeping a meeting that will not happen).
    Each meeting's attendees come prefetched (`attendee_list`, or attendees.all())."""
    meetings = list(meetings)
    calendar = _calendar()
    calendar.add("x-wr-calname", single_line(name))
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", FEED_REFRESH)
    for meeting in meetings:
        attendees = getattr(meeting, "attendee_list", None)
        if attendees is None:
            attendees = meeting.attendees.all()
        # Without METHOD, DTSTAMP is the object's last change (RFC 5545 3.8.7.2): the feed
        # reads the same until a meeting changes.
        calendar.add_component(_event(meeting, attendees, stamp=meeting.updated))
    return _finish(calendar, meetings)


# --- Building blocks -----------------------------------------------------------------------------


def _calendar(method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def _finish(calendar: Calendar, meetings: Sequence[Meeting]) -> bytes:
    """The calendar with one VTIMEZONE per zone its timed meetings use, before the events
    (clients read the zones first), as bytes."""
    years: dict[str, tuple[int, int]] = {}
    for meeting in meetings:
        zone = _zone_of(meeting)
        if meeting.all_day or zone is UTC:
            continue
        first = meeting.start.astimezone(zone).year
        last = meeting.end.astimezone(zone).year
        low, high = years.get(zone.key, (first, last))
        years[zone.key] = (min(low, first), max(high, last))
    zones = [_vtimezone(key, *span) for key, span in sorted(years.items())]
    calendar.subcomponents[:0] = zones
    return calendar.to_ical()


def _zone_of(meeting: Meeting):
    """The meeting's zone: a ZoneInfo, or datetime.UTC (written as "Z", no VTIMEZONE needed)
    for UTC and for a name this machine does not know."""
    zone = zone_named(meeting.timezone)
    return UTC if zone.key in UTC_NAMES else zone


def _event(
    meeting: Meeting,
    attendees: Iterable[Attendee],
    *,
    stamp: datetime,
    status: str | None = None,
) -> Event:
    """The meeting's VEVENT, the same for the invitation, the cancellation and the feed."""
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    zone = _zone_of(meeting)
    if meeting.all_day:
        first = meeting.start.astimezone(zone).date()
        end = meeting.end.astimezone(zone).date()
        event.add("dtstart", first)
        event.add("dtend", max(end, first + timedelta(days=1)))
    else:
        event.add("dtstart", meeting.start.astimezone(zone))
        event.add("dtend", meeting.end.astimezone(zone))
    event.add("summary", single_line(meeting.title))
    description = _text(meeting.description)
    if meeting.link:
        call = _("Call link: %(link)s") % {"link": meeting.link}
        description = f"{description}\n\n{call}" if description else call
    if description:
        event.add("description", description)
    location = single_line(meeting.location) or meeting.link
    if location:
        event.add("location", location)
    if meeting.link:
        event.add("url", meeting.link)

    attendees = list(attendees)
    organizer = next((a for a in attendees if _is_organizer(a, meeting)), None)
    if organizer is not None:
        event.add("organizer", _address(*_who(organizer)))
    else:
        # Not among those passed: the meeting's own organizer (a query unless loaded).
        who = meeting.organizer
        event.add("organizer", _address(who.email, who.full_name))
    for attendee in attendees:
        if _is_organizer(attendee, meeting):
            continue
        email, name = _who(attendee)
        event.add(
            "attendee",
            _address(
                email,
                name,
                CUTYPE="INDIVIDUAL",
                ROLE="REQ-PARTICIPANT",
                PARTSTAT=(attendee.answer or Attendee.Answer.PENDING).upper(),
                RSVP="TRUE",
            ),
        )

    if status is None:
        status = "CANCELLED" if meeting.is_cancelled else "CONFIRMED"
    event.add("status", status)
    event.add("created", meeting.created.astimezone(UTC))
    event.add("last-modified", meeting.updated.astimezone(UTC))
    return event


def _is_organizer(attendee: Attendee, meeting: Meeting) -> bool:
    return attendee.is_organizer or (
        attendee.user_id is not None and attendee.user_id == meeting.organizer_id
    )


def _who(attendee: Attendee) -> tuple[str, str]:
    """(address, name) of an attendee: the member's account, or the outside address."""
    if attendee.user_id is not None:
        return attendee.user.email, attendee.user.full_name
    return attendee.email, attendee.name


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    name = single_line(name)
    if name:
        address.params["CN"] = name
    for key, value in params.items():
        address.params[key] = value
    return address


def _text(value: str) -> str:
    return _CONTROLS.sub("", (value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


# --- Time zones -----------------------------------------------------------------------------------


def _vtimezone(key: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for the zone, valid from 1 January of first_year to the end of last_year:
    the observance in force then, and one STANDARD / DAYLIGHT per kind of change after it,
    each onset (DTSTART, then RDATE) in the local time before the change (TZOFFSETFROM), as
    RFC 5545 3.6.5 says."""
    component = Timezone()
    component.add("tzid", key)
    for is_dst, name, offset_from, offset_to, onsets in _observances(key, first_year, last_year):
        observance = TimezoneDaylight() if is_dst else TimezoneStandard()
        observance.add("dtstart", onsets[0])
        if len(onsets) > 1:
            observance.add("rdate", list(onsets[1:]))
        observance.add("tzname", name)
        observance.add("tzoffsetfrom", offset_from)
        observance.add("tzoffsetto", offset_to)
        component.add_component(observance)
    return component


@functools.lru_cache(maxsize=128)
def _observances(key: str, first_year: int, last_year: int) -> tuple:
    """((is_dst, name, offset from, offset to, (onsets...)), ...) of the zone over the years,
    from zoneinfo's own rules: each change found by stepping a day at a time in UTC, then
    halving to the second. Cached: a feed asks for the same zones again and again."""
    zone = ZoneInfo(key)
    # From local midnight on 1 January (as a UTC instant: the steps below are in UTC).
    start = datetime(first_year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=zone).astimezone(UTC)

    def state(at: datetime) -> tuple:
        local = at.astimezone(zone)
        return local.utcoffset(), bool(local.dst()), local.tzname() or ""

    current = state(start)
    local_start = start.astimezone(zone).replace(tzinfo=None)
    # The observance in force on the first day: its onset is that day, it changes nothing.
    found: dict[tuple, list[datetime]] = {
        (current[1], current[2], current[0], current[0]): [local_start]
    }
    at = start
    day = timedelta(days=1)
    while at < end:
        step = min(at + day, end)
        if state(step) == current:
            at = step
            continue
        low, high = at, step
        while high - low > timedelta(seconds=1):
            middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
            if state(middle) == current:
                low = middle
            else:
                high = middle
        changed = state(high)
        onset = (high + current[0]).replace(tzinfo=None)  # local time before the change
        found.setdefault((changed[1], changed[2], current[0], changed[0]), []).append(onset)
        current, at = changed, high
    return tuple(
        (is_dst, name, offset_from, offset_to, tuple(onsets))
        for (is_dst, name, offset_from, offset_to), onsets in found.items()
    )
