"""Free-slot links: what a link offers, and booking, moving and cancelling through it.

A link offers the slots slots.free_slots computes from its rules, its owner's working hours
(availability.py) and the busy time of its owner and extra participants: every meeting they
have not declined, and every hold of a booking (SlotHold, buffers included). What is busy is
never shown, only what is free.

No double booking, ever. A booking re-checks its slot inside its transaction and writes a
SlotHold for each person whose time it takes:
- on PostgreSQL the link's row is locked first (bookings through one link queue), and the
  exclusion constraint on SlotHold (migration 0002) refuses any overlap of one person's
  holds, so even two links sharing a person cannot both take the same time: the loser's
  INSERT fails, its transaction rolls back, and it gets SlotTaken;
- on SQLite every transaction begins IMMEDIATE (settings: one writer at a time), so the
  re-check sees every booking committed before it and none can commit in between.
The loser of a race is told "this slot was just taken" with the slots that remain.
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.collabs.models import Collab, Membership
from apps.collabs.permissions import level_allows, require
from apps.core.inputs import clean_text
from apps.core.zones import is_zone, zone_named
from apps.notifications.services import notify

from . import availability, rules, services, slots
from .models import Attendee, Booking, FreeSlotLink, Meeting, SlotHold


class SlotTaken(ValidationError):
    """The slot is no longer free (someone booked it a moment ago, or the owner's calendar
    changed)."""


# Limits of a link's rules (minutes unless named).
LIMITS = {
    "duration": (5, 8 * 60),
    "increment": (5, 8 * 60),
    "buffer_before": (0, 4 * 60),
    "buffer_after": (0, 4 * 60),
    "min_notice": (0, 24 * 30),  # hours
    "horizon_days": (1, 365),
    "daily_limit": (1, 100),
}
MAX_PARTICIPANTS = 10


# --- Links --------------------------------------------------------------------------------------


def _number(value, key: str, label: str) -> int:
    low, high = LIMITS[key]
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("%(what)s must be a whole number.") % {"what": label}) from None
    if not low <= number <= high:
        raise ValidationError(
            _("%(what)s must be from %(low)d to %(high)d.")
            % {"what": label, "low": low, "high": high}
        )
    return number


def create_link(
    collab: Collab,
    user,
    *,
    title,
    duration=30,
    increment=30,
    buffer_before=0,
    buffer_after=0,
    min_notice=4,
    horizon_days=14,
    daily_limit=None,
    location="",
    link="",
    participant_ids=(),
    send_to_chat: bool = True,
) -> FreeSlotLink:
    """A new free-slot link of `user` for the collab (whoever may plan meetings there),
    sent into the chat as a card unless asked not to."""
    require(user, rules.CREATE, collab)
    values = {
        "title": services.clean_title(title),
        "duration": _number(duration, "duration", _("The meeting length")),
        "increment": _number(increment, "increment", _("The start time step")),
        "buffer_before": _number(buffer_before, "buffer_before", _("The buffer before")),
        "buffer_after": _number(buffer_after, "buffer_after", _("The buffer after")),
        "min_notice": _number(min_notice, "min_notice", _("The minimum notice")),
        "horizon_days": _number(horizon_days, "horizon_days", _("Days ahead")),
        "daily_limit": (
            _number(daily_limit, "daily_limit", _("Bookings per day"))
            if daily_limit not in (None, "")
            else None
        ),
        "location": services.clean_location(location),
        "link": services.clean_link(link),
    }
    people = services.invitable(collab)
    participants = services._people(collab, participant_ids, people)
    participants = [p for p in participants if p.pk != user.pk]
    if len(participants) > MAX_PARTICIPANTS:
        raise ValidationError(
            _("At most %(limit)d extra participants.") % {"limit": MAX_PARTICIPANTS}
        )
    with transaction.atomic():
        slot_link = FreeSlotLink.objects.create(
            collab=collab, owner=user, created=timezone.now(), **values
        )
        slot_link.participants.set(participants)
        if send_to_chat:
            from apps.chat.services import post_system_message

            post_system_message(
                collab,
                "slot_link_created",
                user,
                attachments=[link_card(slot_link)],
                link_title=slot_link.title,
            )
    return slot_link


def link_card(slot_link: FreeSlotLink):
    from apps.chat.attachments import Attached

    return Attached(
        "slot_link",
        slot_link.pk,
        slot_link.title,
        {
            "title": slot_link.title,
            "token": slot_link.token,
            "duration": slot_link.duration,
            "owner": slot_link.owner.full_name or slot_link.owner.email,
            "active": slot_link.active,
        },
    )


def turn_off(collab: Collab, user, link_id) -> FreeSlotLink:
    """Kill a link for good: its page answers "no longer available". Its owner does it, or
    whoever may cancel meetings in the collab. Booked meetings stay."""
    with transaction.atomic():
        slot_link = (
            FreeSlotLink.objects.select_for_update().filter(collab=collab, pk=link_id).first()
        )
        if slot_link is None:
            raise Http404
        if slot_link.owner_id != user.pk:
            require(user, rules.DELETE, collab)
        if slot_link.active:
            slot_link.active = False
            slot_link.turned_off = timezone.now()
            slot_link.save(update_fields=["active", "turned_off"])
            from apps.chat.services import update_attachments

            update_attachments(
                "slot_link", slot_link.pk, data=link_card(slot_link).data, label=slot_link.title
            )
    return slot_link


def link_by_token(token: str) -> FreeSlotLink:
    """The live link behind a token; 404 for an unknown, turned-off one, or one whose owner
    is deactivated or no longer in its collab."""
    slot_link = (
        FreeSlotLink.objects.select_related("owner", "collab")
        .filter(token=str(token)[:64], active=True, owner__is_active=True)
        .first()
    )
    if slot_link is None:
        raise Http404
    owner_in = Membership.objects.current().filter(collab=slot_link.collab, user=slot_link.owner)
    if not owner_in.exists():
        raise Http404
    return slot_link


# --- What a link offers -------------------------------------------------------------------------


def _rules(slot_link: FreeSlotLink) -> slots.Rules:
    return slots.Rules(
        duration=timedelta(minutes=slot_link.duration),
        increment=timedelta(minutes=slot_link.increment),
        buffer_before=timedelta(minutes=slot_link.buffer_before),
        buffer_after=timedelta(minutes=slot_link.buffer_after),
        min_notice=timedelta(hours=slot_link.min_notice),
        horizon_days=slot_link.horizon_days,
        daily_limit=slot_link.daily_limit,
    )


def _people_ids(slot_link: FreeSlotLink) -> list[int]:
    ids = [slot_link.owner_id]
    ids += [pk for pk in slot_link.participants.values_list("pk", flat=True) if pk not in ids]
    return ids


def busy_of(user_ids: list[int], start: datetime, end: datetime, *, skip_meeting=None) -> list:
    """The people's busy time overlapping [start, end): their meetings not cancelled and not
    declined, and the holds of their bookings. Two queries, whatever the number of people."""
    # From the attendee's side: a meeting is busy for each of these people who has not
    # declined it (another attendee declining changes nothing).
    meetings = (
        Attendee.objects.filter(
            user_id__in=user_ids,
            meeting__state=Meeting.State.CONFIRMED,
            meeting__start__lt=end,
            meeting__end__gt=start,
        )
        .exclude(answer=Attendee.Answer.DECLINED)
        .values_list("meeting_id", "meeting__start", "meeting__end")
        .distinct()
    )
    holds = SlotHold.objects.filter(user_id__in=user_ids, start__lt=end, end__gt=start)
    busy = [
        slots.Interval(s, e) for pk, s, e in meetings if skip_meeting is None or pk != skip_meeting
    ]
    busy += [
        slots.Interval(s, e)
        for pk, s, e in holds.values_list("meeting_id", "start", "end")
        if skip_meeting is None or pk != skip_meeting
    ]
    return sorted(busy, key=lambda i: (i.start, i.end))


def _window(slot_link: FreeSlotLink, schedule, now: datetime) -> tuple[datetime, datetime, date]:
    today = now.astimezone(zone_named(schedule.timezone)).date()
    start = now - timedelta(hours=12)
    end = now + timedelta(days=slot_link.horizon_days + 2)
    return start, end, today


def _schedule(slot_link: FreeSlotLink, now: datetime) -> slots.Schedule:
    today = now.date() - timedelta(days=1)
    zone, weekly, overrides = availability.schedule_parts(
        slot_link.owner,
        overrides_from=today,
        overrides_to=today + timedelta(days=slot_link.horizon_days + 3),
    )
    return slots.Schedule(timezone=zone, weekly=weekly, overrides=overrides)


def _booked_per_day(slot_link: FreeSlotLink, today: date, *, skip_booking=None) -> dict:
    rows = (
        Booking.objects.filter(
            link=slot_link,
            cancelled__isnull=True,
            meeting__state=Meeting.State.CONFIRMED,
            day__gte=today,
        )
        .exclude(pk=getattr(skip_booking, "pk", None))
        .values("day")
        .annotate(n=Count("pk"))
    )
    return {row["day"]: row["n"] for row in rows}


def offered(slot_link: FreeSlotLink, now: datetime | None = None, *, booking=None) -> list:
    """The slots the link offers now (UTC intervals). `booking`: its own time counts as
    free (moving a booking)."""
    now = now or timezone.now()
    schedule = _schedule(slot_link, now)
    start, end, today = _window(slot_link, schedule, now)
    skip = booking.meeting_id if booking is not None else None
    busy = busy_of(_people_ids(slot_link), start, end, skip_meeting=skip)
    per_day = _booked_per_day(slot_link, today, skip_booking=booking)
    return slots.free_slots(_rules(slot_link), schedule, busy, now, per_day)


def _still_free(slot_link: FreeSlotLink, start: datetime, now: datetime, booking=None) -> bool:
    schedule = _schedule(slot_link, now)
    window_start, window_end, today = _window(slot_link, schedule, now)
    skip = booking.meeting_id if booking is not None else None
    busy = busy_of(_people_ids(slot_link), window_start, window_end, skip_meeting=skip)
    per_day = _booked_per_day(slot_link, today, skip_booking=booking)
    slot = slots.Interval(start, start + timedelta(minutes=slot_link.duration))
    return slots.is_free(_rules(slot_link), schedule, busy, now, slot, per_day)


# --- Booking ------------------------------------------------------------------------------------


def clean_booker(name, email, zone) -> tuple[str, str, str]:
    name = clean_text(name, limit=150, what=_("Your name"), required=True, one_line=True)
    email = clean_text(email, limit=254, what=_("Your email"), required=True, one_line=True)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("Enter a valid email address.")) from None
    if not is_zone(zone):
        zone = "UTC"
    return name, email.lower(), zone


def _holds(meeting: Meeting, slot_link: FreeSlotLink, user_ids: list[int]) -> list[SlotHold]:
    start = meeting.start - timedelta(minutes=slot_link.buffer_before)
    end = meeting.end + timedelta(minutes=slot_link.buffer_after)
    return [SlotHold(user_id=uid, meeting=meeting, start=start, end=end) for uid in user_ids]


def _taken() -> SlotTaken:
    return SlotTaken(_("This slot was just taken. Please choose another one."))


def _as_member(slot_link: FreeSlotLink, user):
    """The booker's account when they are a member of the link's collab who may see its
    meetings (they get the meeting in their calendar there); None otherwise."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    membership = Membership.objects.current().filter(collab=slot_link.collab, user=user).first()
    if membership is None or not level_allows(
        rules.level(slot_link.collab, "view"), membership, user
    ):
        return None
    return user


def book(token: str, start: datetime, *, name, email, zone, user=None) -> Booking:
    """Book the slot starting at `start` through the link: a meeting for the owner, the
    extra participants and the booker, the chat told, everyone's invitation emailed, the
    booker's reschedule and cancel links in theirs. SlotTaken when the slot is gone."""
    name, email, zone = clean_booker(name, email, zone)
    member = _as_member(link_by_token(token), user)
    now = timezone.now()
    try:
        with transaction.atomic():
            # Bookings through one link queue here (PostgreSQL; SQLite is one writer anyway).
            slot_link = (
                FreeSlotLink.objects.select_for_update()
                .select_related("owner", "collab")
                .filter(token=str(token)[:64], active=True)
                .first()
            )
            if slot_link is None:
                raise Http404
            if not _still_free(slot_link, start, now):
                raise _taken()
            # Extra people still in the collab who may see its meetings (one removed since the
            # link was made is not invited); the booker once, if they are one of them.
            invitable = {p.pk for p in services.invitable(slot_link.collab)}
            people = [
                p
                for p in slot_link.participants.filter(is_active=True)
                if p.pk in invitable and (member is None or p.pk != member.pk)
            ]
            end = start + timedelta(minutes=slot_link.duration)
            outside = [] if member is not None else [(email, name)]
            invited = people + ([member] if member is not None else [])
            meeting = services.make_meeting(
                slot_link.collab,
                None,
                organizer=slot_link.owner,
                fields={
                    "title": slot_link.title,
                    "description": "",
                    "start": start,
                    "end": end,
                    "timezone": zone_of_owner(slot_link),
                    "location": slot_link.location,
                    "link": slot_link.link,
                },
                invited=invited,
                outside=outside,
                chat=("meeting_booked", {"user_name": name, "user_guest": member is None}),
            )
            SlotHold.objects.bulk_create(_holds(meeting, slot_link, _people_ids(slot_link)))
            # The booker chose the time: they are coming.
            meeting.attendees.filter(
                user=member if member is not None else None,
                email="" if member is not None else email,
                is_organizer=False,
            ).update(answer=Attendee.Answer.ACCEPTED, answered=now)
            local_day = start.astimezone(zone_named(zone_of_owner(slot_link))).date()
            booking = Booking.objects.create(
                link=slot_link,
                meeting=meeting,
                name=name,
                email=email,
                user=member,
                timezone=zone,
                day=local_day,
                created=now,
            )
            notify(
                [slot_link.owner_id],
                "meeting_booked",
                collab=slot_link.collab,
                data={
                    "actor": name,
                    "title": meeting.title,
                    "start": meeting.start.isoformat(),
                    "collab": slot_link.collab.name,
                },
                url=services.meeting_url(meeting),
            )
    except IntegrityError as exc:
        # The exclusion constraint: another booking took one of these people's time first.
        if "slothold_no_overlap" not in str(exc):
            raise
        raise _taken() from exc
    return booking


def zone_of_owner(slot_link: FreeSlotLink) -> str:
    availability_row = getattr(slot_link.owner, "availability", None)
    return (availability_row.timezone if availability_row else "") or (
        slot_link.owner.timezone or "UTC"
    )


def booking_by_token(token: str) -> Booking:
    booking = (
        Booking.objects.select_related("link", "link__owner", "link__collab", "meeting")
        .filter(token=str(token)[:64])
        .first()
    )
    if booking is None:
        raise Http404
    return booking


def reschedule(token: str, start: datetime) -> Booking:
    """The booker moves their meeting to another free slot of the same link (their own
    current time counts as free). The meeting keeps its UID; everyone gets the update."""
    now = timezone.now()
    try:
        with transaction.atomic():
            booking = booking_by_token(token)
            slot_link = (
                FreeSlotLink.objects.select_for_update()
                .select_related("owner", "collab")
                .get(pk=booking.link_id)
            )
            meeting = Meeting.objects.select_for_update().get(pk=booking.meeting_id)
            if booking.cancelled or meeting.is_cancelled:
                raise ValidationError(_("This meeting was cancelled."))
            if meeting.end <= now:
                raise ValidationError(_("This meeting is over."))
            # The link as its page judges it: turned off, or its owner gone, moves nothing.
            link_by_token(slot_link.token)
            if not _still_free(slot_link, start, now, booking=booking):
                raise _taken()
            meeting.start = start
            meeting.end = start + timedelta(minutes=slot_link.duration)
            meeting.sequence += 1
            meeting.updated = now
            meeting.reminded = None
            meeting.save(update_fields=["start", "end", "sequence", "updated", "reminded"])
            meeting.holds.all().delete()
            SlotHold.objects.bulk_create(_holds(meeting, slot_link, _people_ids(slot_link)))
            booking.day = start.astimezone(zone_named(zone_of_owner(slot_link))).date()
            booking.save(update_fields=["day"])
            services.booking_moved(meeting, booking.name, booking.user is None)
    except IntegrityError as exc:
        raise _taken() from exc
    return booking


def cancel_booking(token: str) -> Booking:
    """The booker cancels: the meeting is cancelled for everyone, the chat told."""
    with transaction.atomic():
        booking = booking_by_token(token)
        meeting = (
            Meeting.objects.select_for_update().select_related("collab").get(pk=booking.meeting_id)
        )
        if meeting.end <= timezone.now() and not meeting.is_cancelled:
            raise ValidationError(_("This meeting is over."))
        if booking.cancelled is None:
            booking.cancelled = timezone.now()
            booking.save(update_fields=["cancelled"])
        if not meeting.is_cancelled:
            services.booking_cancelled(meeting, booking.name, booking.user is None)
    return booking


def rehold(meeting: Meeting) -> None:
    """A booked meeting moved by its organizer: its holds follow (the exclusion constraint
    refuses a move onto another booking on PostgreSQL: IntegrityError, the edit fails)."""
    booking = Booking.objects.select_related("link").filter(meeting=meeting).first()
    if booking is None:
        return
    user_ids = list(meeting.holds.values_list("user_id", flat=True).distinct())
    meeting.holds.all().delete()
    if not meeting.is_cancelled:
        try:
            with transaction.atomic():
                SlotHold.objects.bulk_create(_holds(meeting, booking.link, user_ids))
        except IntegrityError:
            raise ValidationError(
                _("This time overlaps another booked meeting of someone invited.")
            ) from None
