"""The calendar's reading side: which meetings a page lists, and when they happen for the
person reading it.

Which meetings:

- `collab_meetings(user, collab)`: a collab's meetings for someone who may view them (the
  access layer first: 404 outside the collab from get_collab_for, 403 here without the view
  right). Every collab page's meeting query starts here.
- `attended_by(user, collab_ids)`: the meetings a person is invited to (an Attendee row of
  theirs, the organizer's included), in the collabs given — "My calendar" passes
  features.viewable_collabs, so a collab they left or may not view adds nothing.
- `in_window(meetings, start, end)`: those overlapping [start, end) — start < end and
  end > start, the query the index meeting_collab_start serves.
- `with_my_answer(meetings, user)`: each row carries the reader's RSVP answer (None when they
  are not invited) in the same query, a correlated subquery on attendee_once.

When: times are always shown in the reader's zone (their profile's, `zone_for`), whatever zone
a meeting was planned in. `localize` is the one place that works out, for each meeting, its
start and end in that zone and the days it covers there: a meeting from 23:30 to 00:30 UTC is
on the next day for a reader in Moscow. An all-day meeting is different: its dates are those
it was planned for in its own zone (5 March is 5 March for everyone, as calendar programs
show them), so its instants in the reader's zone may begin the evening before. Windows are
therefore queried with a margin on each side (`WINDOW_MARGIN`: no two zones are more than
26 hours apart) and the pages keep what falls on their days (`covers`).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, Q, QuerySet, Subquery

from apps.collabs.models import Collab
from apps.collabs.permissions import require
from apps.core.zones import day_bounds, zone_named, zone_of

from .models import Attendee, Meeting
from .rules import VIEW

# The widest gap between two zones' clocks (UTC-12 to UTC+14), rounded up to whole days.
WINDOW_MARGIN = timedelta(days=2)


def zone_for(user) -> ZoneInfo:
    """The reader's zone: the profile's, UTC when unset or unknown."""
    return zone_of(user)


# --- Which meetings -----------------------------------------------------------------------------


def collab_meetings(user, collab: Collab) -> QuerySet[Meeting]:
    """The collab's meetings for someone who may view them (PermissionDenied otherwise)."""
    require(user, VIEW, collab)
    return Meeting.objects.filter(collab=collab)


def attended_by(user, collab_ids) -> QuerySet[Meeting]:
    """The meetings the person is invited to, in the collabs given (by id)."""
    return Meeting.objects.filter(collab_id__in=list(collab_ids), attendees__user=user)


def in_window(meetings: QuerySet[Meeting], start: datetime, end: datetime) -> QuerySet[Meeting]:
    """The meetings overlapping [start, end): starting before its end, ending after its start."""
    return meetings.filter(start__lt=end, end__gt=start)


def upcoming(meetings: QuerySet[Meeting], now: datetime) -> QuerySet[Meeting]:
    """Meetings not over yet and not cancelled, soonest first."""
    return meetings.filter(end__gt=now, state=Meeting.State.CONFIRMED).order_by("start", "pk")


def with_my_answer(meetings: QuerySet[Meeting], user) -> QuerySet[Meeting]:
    """Each meeting with `my_answer`: the reader's RSVP, None when they are not invited."""
    mine = Attendee.objects.filter(meeting=OuterRef("pk"), user=user).values("answer")[:1]
    return meetings.annotate(my_answer=Subquery(mine))


# --- When, for the reader -----------------------------------------------------------------------


@dataclass(frozen=True)
class Local:
    """A meeting's times for one reader: start and end in their zone, and the first and last
    day it covers (for an all-day meeting, its own dates)."""

    start: datetime
    end: datetime
    first_day: date
    last_day: date


def local_times(meeting: Meeting, zone: ZoneInfo) -> Local:
    start = meeting.start.astimezone(zone)
    end = meeting.end.astimezone(zone)
    if meeting.all_day:
        own = zone_named(meeting.timezone)
        first = meeting.start.astimezone(own).date()
        # The end is the midnight after the last day (exclusive).
        last = max(first, (meeting.end.astimezone(own) - timedelta(microseconds=1)).date())
    else:
        first = start.date()
        # A meeting ending at midnight does not reach into the next day.
        last = max(first, (end - timedelta(microseconds=1)).date())
    return Local(start, end, first, last)


def localize(meetings, zone: ZoneInfo) -> list[Meeting]:
    """Sets `meeting.local` (a Local in `zone`) on each meeting; returns them as a list."""
    meetings = list(meetings)
    for meeting in meetings:
        meeting.local = local_times(meeting, zone)
    return meetings


def covers(meeting: Meeting, first: date, last: date) -> bool:
    """Whether a localized meeting falls on any day from `first` to `last` (inclusive)."""
    return meeting.local.first_day <= last and meeting.local.last_day >= first


def days_of(meeting: Meeting, first: date, last: date):
    """The days from `first` to `last` that a localized meeting covers, in order."""
    day = max(meeting.local.first_day, first)
    end = min(meeting.local.last_day, last)
    while day <= end:
        yield day
        day += timedelta(days=1)


def on_days(meetings: QuerySet[Meeting], first: date, last: date, zone: ZoneInfo):
    """The meetings that may fall on the days `first` to `last` in `zone`: the timed ones
    overlapping those days' instants, the all-day ones with a margin (they are dated in their
    own zone; `covers` then keeps those dated on these days)."""
    start, _ = day_bounds(first, zone)
    _, end = day_bounds(last, zone)
    return meetings.filter(
        Q(start__lt=end, end__gt=start)
        | Q(all_day=True, start__lt=end + WINDOW_MARGIN, end__gt=start - WINDOW_MARGIN)
    )


def for_user_in_zone(meetings: QuerySet[Meeting], user, first: date, last: date) -> list[Meeting]:
    """The meetings on the days `first` to `last` for this reader: queried with the reader's
    answer, localized in their zone, kept when they fall on those days, in start order."""
    zone = zone_for(user)
    rows = with_my_answer(on_days(meetings, first, last, zone), user).order_by("start", "pk")
    return [m for m in localize(rows, zone) if covers(m, first, last)]
