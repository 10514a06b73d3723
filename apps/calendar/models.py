"""Meetings of a collab, people's working hours, and the free-slot links outsiders book.

A Meeting belongs to one collab. Its times are stored as instants (UTC) with the zone it was
planned in (`timezone`), which the invitations' VTIMEZONE blocks and all-day dates are read
in. Every attendee is an Attendee row, the organizer included: a member or guest of the
collab (`user`), or an outside address (`email`). The iCalendar UID never changes and
SEQUENCE rises with every change the attendees are told of (ics.py), so their calendars update
the event rather than add a second one. A cancelled meeting stays (history is never lost).

Free slots (PRODUCT.md §7): a person's working hours (Availability + AvailabilityOverride, in
their zone), a FreeSlotLink with the booking rules (slots.py computes what it offers), and a
Booking per meeting made through a link. A booked meeting holds its people's time in SlotHold
rows: on PostgreSQL an exclusion constraint (btree_gist over tstzrange, migration 0002) makes
two holds of one person's time overlap impossible, whatever races; on SQLite the booking runs
serialized (booking.py)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.collabs.models import Collab

MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_LOCATION = 300
MAX_ATTENDEES = 200


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Meeting(models.Model):
    class State(models.TextChoices):
        CONFIRMED = "confirmed", pgettext_lazy("meeting state", "Confirmed")
        CANCELLED = "cancelled", pgettext_lazy("meeting state", "Cancelled")

    collab = models.ForeignKey(Collab, on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(_("title"), max_length=MAX_TITLE)
    # The chat's Markdown, as typed; `html` is it rendered (sanitized, with mentions).
    description = models.TextField(_("description"), blank=True)
    html = models.TextField(blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # All day: start and end are midnights in `timezone` (end exclusive), shown as dates.
    all_day = models.BooleanField(_("all day"), default=False)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    location = models.CharField(_("place"), max_length=MAX_LOCATION, blank=True)
    link = models.URLField(_("call link"), max_length=500, blank=True)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organizer"),
        on_delete=models.PROTECT,
        related_name="organized_meetings",
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.CONFIRMED)
    # iCalendar: the UID stays for the meeting's life; SEQUENCE rises with each change sent.
    uid = models.CharField(max_length=255, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    created = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Raised on every change: an edit form carries the version it was loaded at.
    updated = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The chat message the meeting was planned from (its text became the description).
    source_message = models.ForeignKey(
        "chat.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The form's one-time key: a double submit finds the meeting already made.
    client_id = models.CharField(max_length=64, blank=True, default="")
    # The reminder job's claim: the people get "starts soon" once; moving the meeting clears it.
    reminded = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["collab", "created_by", "client_id"],
                condition=~Q(client_id=""),
                name="meeting_client_id_once",
            ),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="meeting_ends"),
        ]
        indexes = [
            # The collab's calendar: meetings of a collab overlapping a month / week / the
            # agenda's window (collab, start < window end, end > window start), by start.
            models.Index(fields=["collab", "start"], name="meeting_collab_start"),
            # The reminder job: confirmed meetings starting soon, not yet reminded.
            models.Index(
                fields=["start"],
                condition=Q(reminded__isnull=True, state="confirmed"),
                name="meeting_remind_due",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.state == self.State.CANCELLED


class Attendee(models.Model):
    """A person invited to a meeting, with their answer. `user` for members and guests of
    the collab; `email` (and `name`) alone for outside addresses. `token` signs the RSVP links
    of their invitation email, so they answer without signing in."""

    class Answer(models.TextChoices):
        PENDING = "needs-action", pgettext_lazy("rsvp", "No answer yet")
        ACCEPTED = "accepted", pgettext_lazy("rsvp", "Going")
        TENTATIVE = "tentative", pgettext_lazy("rsvp", "Maybe")
        DECLINED = "declined", pgettext_lazy("rsvp", "Not going")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attending",
    )
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=150, blank=True)
    is_organizer = models.BooleanField(default=False)
    answer = models.CharField(max_length=16, choices=Answer.choices, default=Answer.PENDING)
    answered = models.DateTimeField(null=True, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_token)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"], condition=Q(user__isnull=False), name="attendee_once"
            ),
            models.UniqueConstraint(
                fields=["meeting", "email"],
                condition=Q(user__isnull=True),
                name="attendee_email_once",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""), name="attendee_is_someone"
            ),
        ]
        indexes = [
            # A person's meetings: "My calendar", the personal feed, busy time for free slots
            # (user = ? joined to the meeting's start / end).
            models.Index(fields=["user", "meeting"], name="attendee_user_meeting"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id or self.email} at #{self.meeting_id}"


class Availability(models.Model):
    """A person's working hours: a weekly rule in their zone. `weekly` holds seven lists
    (Monday first) of ["HH:MM", "HH:MM"] pairs. Without a row, Monday to Friday 9 to 18 in
    the person's profile zone (DEFAULT_WEEKLY)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability"
    )
    timezone = models.CharField(_("time zone"), max_length=64)
    weekly = models.JSONField(default=list)
    updated = models.DateTimeField()

    def __str__(self) -> str:
        return f"working hours of {self.user_id}"


DEFAULT_WEEKLY = [[["09:00", "18:00"]]] * 5 + [[], []]


class AvailabilityOverride(models.Model):
    """Working hours for one date instead of the weekly rule; no intervals = a day off."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_overrides"
    )
    day = models.DateField(_("date"))
    intervals = models.JSONField(default=list)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="override_once"),
        ]

    def __str__(self) -> str:
        return f"{self.day} for {self.user_id}"


class FreeSlotLink(models.Model):
    """A link that lets anyone book a meeting with its owner in a free slot. Turning it off
    kills the link for good (a new one can be made)."""

    collab = models.ForeignKey(Collab, on_delete=models.CASCADE, related_name="slot_links")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slot_links"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    title = models.CharField(_("title"), max_length=MAX_TITLE)
    duration = models.PositiveIntegerField(_("meeting length, minutes"), default=30)
    increment = models.PositiveIntegerField(_("start times every, minutes"), default=30)
    buffer_before = models.PositiveIntegerField(_("buffer before, minutes"), default=0)
    buffer_after = models.PositiveIntegerField(_("buffer after, minutes"), default=0)
    min_notice = models.PositiveIntegerField(_("minimum notice, hours"), default=4)
    horizon_days = models.PositiveIntegerField(_("days ahead"), default=14)
    daily_limit = models.PositiveIntegerField(_("bookings per day at most"), null=True, blank=True)
    location = models.CharField(_("place"), max_length=MAX_LOCATION, blank=True)
    link = models.URLField(_("call link"), max_length=500, blank=True)
    # People whose busy time also counts; they are invited to every booked meeting.
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("participants")
    )
    active = models.BooleanField(default=True)
    created = models.DateTimeField()
    turned_off = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The collab's links (the calendar page), newest first.
            models.Index(fields=["collab", "-created"], name="slotlink_collab"),
        ]

    def __str__(self) -> str:
        return self.title


class Booking(models.Model):
    """A meeting booked through a free-slot link, with the booker's details and the secret of
    their reschedule / cancel links."""

    link = models.ForeignKey(FreeSlotLink, on_delete=models.CASCADE, related_name="bookings")
    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="booking")
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    timezone = models.CharField(max_length=64, default="UTC")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    # The owner's local date of the booked slot: the link's daily limit counts these.
    day = models.DateField()
    created = models.DateTimeField()
    cancelled = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The daily limit: a link's live bookings per owner's day within the horizon.
            models.Index(fields=["link", "day"], name="booking_link_day"),
        ]

    def __str__(self) -> str:
        return f"{self.name} via {self.link_id}"


class SlotHold(models.Model):
    """A person's time taken by a booked meeting, buffers included ([start, end)). On
    PostgreSQL no two holds of one person overlap (exclusion constraint, migration 0002); a
    cancelled or moved booking deletes or rewrites its holds."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="holds")
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        indexes = [
            # The booking's re-check on SQLite: a person's holds overlapping a slot.
            models.Index(fields=["user", "start"], name="slothold_user_start"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.start} to {self.end}"


class FeedToken(models.Model):
    """The secret of a person's iCalendar feed URL; a new one revokes the old."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created = models.DateTimeField()

    def __str__(self) -> str:
        return f"feed of {self.user_id}"
