"""Every change to meetings, one function per user action (views never touch the models).

Each runs in a transaction, tells the chat what matters there (system messages: planned,
moved, cancelled; the meeting's card under the note and under the message it was planned
from), keeps those cards current, publishes the "calendar" live event on commit (open
calendars and sidebars follow), tells the people through the notification centre, and sends
everyone invited the iCalendar email (emails.py, in the background once the change commits):
REQUEST on creating and on every change (SEQUENCE raised), CANCEL to those taken off and to
everyone when the meeting is cancelled.

Who may do what (rules.py): the collab's view / create / edit / delete rights for meetings,
the organizer editing and cancelling their own meeting, every attendee answering their own
invitation (also from the email, by the attendee's token)."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.chat.access import source_message
from apps.chat.attachments import Attached
from apps.chat.markup import title_from
from apps.chat.services import attach, post_system_message, render_for, update_attachments
from apps.collabs import live
from apps.collabs.models import Collab, Membership
from apps.collabs.permissions import level_allows, require
from apps.core.inputs import clean_text
from apps.core.zones import is_zone
from apps.notifications.services import notify

from . import rules
from .models import MAX_ATTENDEES, MAX_DESCRIPTION, MAX_LOCATION, MAX_TITLE, Attendee, Meeting
from .rules import CREATE, DELETE, EDIT, VIEW

__all__ = ["CREATE", "DELETE", "EDIT", "VIEW", "title_from"]

# The longest meeting: two weeks (a conference); all-day events up to a quarter.
MAX_LENGTH = timedelta(days=14)
MAX_ALL_DAY = timedelta(days=92)


class StaleEdit(ValidationError):
    """The meeting changed since the form was loaded."""


# --- Reading ------------------------------------------------------------------------------------


def visible_meetings(user, collab: Collab):
    """The collab's meetings for someone who may view them; every meeting query of a view
    starts here (404 from the access layer before, PermissionDenied without the right)."""
    require(user, VIEW, collab)
    return Meeting.objects.filter(collab=collab)


def get_meeting(user, collab: Collab, meeting_id) -> Meeting:
    meeting = (
        visible_meetings(user, collab)
        .select_related("organizer", "created_by")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def attendees_of(meeting: Meeting) -> list[Attendee]:
    """The organizer first, then the people by name, then outside addresses. One query."""
    rows = list(meeting.attendees.select_related("user"))
    return sorted(
        rows,
        key=lambda a: (
            not a.is_organizer,
            a.user_id is None,
            (a.user.full_name or a.user.email).lower() if a.user else a.email,
        ),
    )


def invitable(collab: Collab) -> list:
    """The people of the collab a meeting can invite: its current members who may view
    meetings, employees first, by name. One query."""
    level = rules.level(collab, "view")
    rows = (
        Membership.objects.current()
        .filter(collab=collab, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    people = [m.user for m in rows if level_allows(level, m, m.user)]
    return sorted(people, key=lambda u: u.is_guest)


def meeting_url(meeting: Meeting) -> str:
    return reverse(
        "calendar:detail", kwargs={"collab_id": meeting.collab_id, "meeting_id": meeting.pk}
    )


def version_of(meeting: Meeting) -> str:
    return str(int(meeting.updated.timestamp() * 1_000_000))


def display_name(attendee: Attendee) -> str:
    if attendee.user is not None:
        return attendee.user.full_name or attendee.user.email
    return attendee.name or attendee.email


def address_of(attendee: Attendee) -> str:
    return attendee.user.email if attendee.user is not None else attendee.email


# --- Clean input --------------------------------------------------------------------------------


def clean_title(value) -> str:
    return clean_text(value, limit=MAX_TITLE, what=_("The title"), required=True, one_line=True)


def clean_description(value) -> str:
    return clean_text(value, limit=MAX_DESCRIPTION, what=_("The description"))


def clean_location(value) -> str:
    return clean_text(value, limit=MAX_LOCATION, what=_("The place"), one_line=True)


def clean_link(value) -> str:
    value = clean_text(value, limit=500, what=_("The call link"), one_line=True)
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            raise ValidationError(
                _("The call link must be a web address starting with https://.")
            ) from None
    return value


def clean_times(start: datetime, end: datetime, *, all_day: bool) -> None:
    if start is None or end is None:
        raise ValidationError(_("Give the meeting's start and end."))
    if end <= start:
        raise ValidationError(_("The meeting must end after it starts."))
    if end - start > (MAX_ALL_DAY if all_day else MAX_LENGTH):
        raise ValidationError(_("The meeting is too long."))


def clean_zone(value) -> str:
    if not is_zone(value):
        raise ValidationError(_("Choose a time zone from the list."))
    return value


def clean_emails(values: Iterable[str]) -> list[str]:
    """Outside addresses, lower-cased, each once; a clear error naming a bad one."""
    seen: list[str] = []
    for raw in values:
        address = (raw or "").strip().strip(",;").lower()
        if not address:
            continue
        try:
            if len(address) > 254:
                raise ValidationError("too long")
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                _("“%(address)s” is not an email address.") % {"address": address[:100]}
            ) from None
        if address not in seen:
            seen.append(address)
    return seen


def split_emails(text: str) -> list[str]:
    """The addresses typed into one box, separated by commas, semicolons, spaces or lines."""
    for separator in ",;\n\t":
        text = (text or "").replace(separator, " ")
    return text.split()


def _people(collab: Collab, user_ids: Sequence, invitable_people: list) -> list:
    by_id = {str(p.pk): p for p in invitable_people}
    chosen = []
    for user_id in user_ids:
        person = by_id.get(str(user_id))
        if person is None:
            raise ValidationError(_("Choose people from this collab who can see its meetings."))
        if person not in chosen:
            chosen.append(person)
    return chosen


# --- Chat, live, notifications, emails ----------------------------------------------------------


def card(meeting: Meeting) -> Attached:
    """The meeting's card in the chat: what a message shows of it, with no query at render."""
    return Attached(
        "meeting",
        meeting.pk,
        meeting.title,
        {
            "title": meeting.title,
            "start": meeting.start.isoformat(),
            "end": meeting.end.isoformat(),
            "all_day": meeting.all_day,
            "timezone": meeting.timezone,
            "location": meeting.location,
            "link": meeting.link,
            "cancelled": meeting.is_cancelled,
        },
    )


def _refresh_cards(meeting: Meeting) -> None:
    update_attachments("meeting", meeting.pk, label=meeting.title, data=card(meeting).data)


def _system(meeting: Meeting, kind: str, actor, *, with_card: bool = False, **data) -> None:
    post_system_message(
        meeting.collab,
        kind,
        actor,
        attachments=[card(meeting)] if with_card else (),
        meeting_id=meeting.pk,
        meeting_title=meeting.title,
        meeting_start=meeting.start.isoformat(),
        meeting_all_day=meeting.all_day,
        meeting_timezone=meeting.timezone,
        **data,
    )


def _publish(meeting: Meeting, action: str) -> None:
    live.publish(meeting.collab_id, "calendar", {"action": action, "meeting": meeting.pk})


def _notify(meeting: Meeting, kind: str, actor, users: Iterable) -> None:
    notify(
        users,
        kind,
        collab=meeting.collab,
        actor=actor,
        data={
            "actor": (actor.full_name or actor.email) if actor else "",
            "title": meeting.title,
            "start": meeting.start.isoformat(),
            "all_day": meeting.all_day,
            "timezone": meeting.timezone,
            "collab": meeting.collab.name,
        },
        url=meeting_url(meeting),
    )


def _send(meeting: Meeting, method: str, attendee_ids: Iterable[int], actor=None) -> None:
    """The iCalendar emails, in the background once the change commits: to every attendee
    named except whoever made the change (they know; their calendar gets it from the feed)."""
    from .tasks import send_meeting_emails

    actor_id = getattr(actor, "pk", None)
    if actor_id is not None:
        mine = set(
            Attendee.objects.filter(meeting=meeting, user_id=actor_id).values_list("pk", flat=True)
        )
        attendee_ids = [pk for pk in attendee_ids if pk not in mine]
    ids = sorted(set(attendee_ids))
    if not ids:
        return
    transaction.on_commit(
        lambda: send_meeting_emails.enqueue(meeting.pk, method, ids, actor_id), robust=True
    )


def _new_uid() -> str:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "collabhub"
    return f"{uuid.uuid4().hex}@{host}"


# --- Creating -----------------------------------------------------------------------------------


def create_meeting(
    collab: Collab,
    user,
    *,
    title,
    start: datetime,
    end: datetime,
    all_day: bool = False,
    zone: str = "UTC",
    description="",
    location="",
    link="",
    attendee_ids: Sequence = (),
    emails: Sequence[str] = (),
    source_message_id=None,
    client_id: str = "",
    organizer=None,
    notify_chat: bool = True,
) -> Meeting:
    """A new meeting organized by `organizer` (the person planning it by default). A repeated
    client_id (a double submit) returns the meeting already made."""
    require(user, CREATE, collab)
    client_id = str(client_id or "")[:64]
    if client_id:
        existing = Meeting.objects.filter(
            collab=collab, created_by=user, client_id=client_id
        ).first()
        if existing is not None:
            return existing
    title = clean_title(title)
    description = clean_description(description)
    location = clean_location(location)
    link = clean_link(link)
    zone = clean_zone(zone)
    clean_times(start, end, all_day=all_day)
    people = invitable(collab)
    organizer = organizer or user
    invited = _people(collab, attendee_ids, people)
    outside = clean_emails(emails)
    known = {p.email.lower() for p in invited} | {organizer.email.lower()}
    outside = [address for address in outside if address not in known]
    if len(invited) + len(outside) > MAX_ATTENDEES:
        raise ValidationError(
            _("A meeting invites at most %(limit)d people.") % {"limit": MAX_ATTENDEES}
        )
    source = source_message(user, collab, source_message_id)
    try:
        return make_meeting(
            collab,
            user,
            organizer=organizer,
            fields={
                "title": title,
                "description": description,
                "start": start,
                "end": end,
                "all_day": all_day,
                "timezone": zone,
                "location": location,
                "link": link,
                "source_message": source,
                "client_id": client_id,
            },
            invited=invited,
            outside=[(address, "") for address in outside],
            chat=("meeting_created", {}) if notify_chat else None,
        )
    except IntegrityError:
        existing = Meeting.objects.filter(
            collab=collab, created_by=user, client_id=client_id
        ).first()
        if existing is None or not client_id:
            raise
        return existing


def make_meeting(
    collab: Collab,
    actor,
    *,
    organizer,
    fields: dict,
    invited: Sequence,
    outside: Sequence[tuple[str, str]],
    chat: tuple[str, dict] | None,
) -> Meeting:
    """Write a meeting whose input is checked: its attendees (the organizer accepted), the
    chat's note with the card (`chat`: the kind and its data), the card under the source
    message, the live event, the invitees' notifications and the iCalendar emails to all but
    `actor`. `actor` is None for a booking by someone without an account."""
    description = fields.get("description", "")
    rendered = render_for(collab, description)
    now = timezone.now()
    with transaction.atomic():
        meeting = Meeting.objects.create(
            collab=collab,
            html=rendered.html if rendered else "",
            organizer=organizer,
            uid=_new_uid(),
            created=now,
            created_by=actor,
            updated=now,
            **fields,
        )
        rows = [
            Attendee(
                meeting=meeting,
                user=organizer,
                is_organizer=True,
                answer=Attendee.Answer.ACCEPTED,
                answered=now,
            )
        ]
        rows += [Attendee(meeting=meeting, user=p) for p in invited if p.pk != organizer.pk]
        rows += [Attendee(meeting=meeting, email=address, name=name) for address, name in outside]
        Attendee.objects.bulk_create(rows)
        if chat is not None:
            kind, data = chat
            _system(meeting, kind, actor, with_card=True, **data)
        source = fields.get("source_message")
        if source is not None:
            attach(source, card(meeting))
        _publish(meeting, "created")
        _notify(meeting, "meeting_invited", actor, [p.pk for p in invited])
        others = meeting.attendees.all()
        if actor is not None:
            others = others.exclude(user=actor)
        _send(meeting, "REQUEST", list(others.values_list("pk", flat=True)), actor=actor)
    return meeting


# --- Changing -----------------------------------------------------------------------------------


def _locked(user, collab: Collab, meeting_id) -> Meeting:
    meeting = (
        visible_meetings(user, collab)
        .select_for_update()
        .filter(pk=meeting_id)
        .select_related("collab")
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def update_meeting(
    collab: Collab,
    user,
    meeting_id,
    *,
    title,
    start: datetime,
    end: datetime,
    all_day: bool = False,
    zone: str = "UTC",
    description="",
    location="",
    link="",
    attendee_ids: Sequence = (),
    emails: Sequence[str] = (),
    base_version: str = "",
) -> Meeting:
    """Save the edit form. A change of time moves the meeting: the chat hears of it, the
    answers start over and everyone gets the update; any change raises SEQUENCE and sends
    the update; people taken off get the cancellation."""
    title = clean_title(title)
    description = clean_description(description)
    location = clean_location(location)
    link = clean_link(link)
    zone = clean_zone(zone)
    clean_times(start, end, all_day=all_day)
    people = invitable(collab)
    outside = clean_emails(emails)
    with transaction.atomic():
        meeting = _locked(user, collab, meeting_id)
        rules.require_edit(user, collab, meeting)
        if meeting.is_cancelled:
            raise ValidationError(_("This meeting was cancelled; it can no longer be changed."))
        if base_version and base_version != version_of(meeting):
            raise StaleEdit(
                _(
                    "Someone changed this meeting while you were editing it. Review their "
                    "change and try again."
                )
            )
        current = list(meeting.attendees.select_related("user"))
        kept_people = {a.user_id for a in current if a.user_id and a.is_organizer}
        # Only people who may still see the collab's meetings: one who left drops off.
        invited = _people(collab, attendee_ids, people)
        wanted_users = {p.pk for p in invited} | kept_people
        known = {p.email.lower() for p in invited} | {meeting.organizer.email.lower()}
        wanted_emails = {address for address in outside if address not in known}
        if len(wanted_users) + len(wanted_emails) > MAX_ATTENDEES + 1:
            raise ValidationError(
                _("A meeting invites at most %(limit)d people.") % {"limit": MAX_ATTENDEES}
            )
        moved = (meeting.start, meeting.end, meeting.all_day) != (start, end, all_day)
        changed = moved or (
            meeting.title,
            meeting.description,
            meeting.location,
            meeting.link,
            meeting.timezone,
        ) != (title, description, location, link, zone)
        removed = [
            a
            for a in current
            if not a.is_organizer
            and (
                (a.user_id and a.user_id not in wanted_users)
                or (a.email and not a.user_id and a.email not in wanted_emails)
            )
        ]
        have_users = {a.user_id for a in current if a.user_id}
        have_emails = {a.email for a in current if not a.user_id}
        added = [Attendee(meeting=meeting, user=p) for p in invited if p.pk not in have_users]
        added += [
            Attendee(meeting=meeting, email=address)
            for address in sorted(wanted_emails - have_emails)
        ]
        if not (changed or removed or added):
            return meeting
        now = timezone.now()
        if description != meeting.description:
            rendered = render_for(collab, description)
            meeting.html = rendered.html if rendered else ""
        meeting.title, meeting.description = title, description
        meeting.location, meeting.link, meeting.timezone = location, link, zone
        meeting.start, meeting.end, meeting.all_day = start, end, all_day
        meeting.sequence += 1
        meeting.updated = now
        if moved:
            meeting.reminded = None
        meeting.save()
        if removed:
            Attendee.objects.filter(pk__in=[a.pk for a in removed]).delete()
        Attendee.objects.bulk_create(added)
        if moved:
            # A new time is a new question: the answers start over (the organizer's stays).
            meeting.attendees.filter(is_organizer=False).update(
                answer=Attendee.Answer.PENDING, answered=None
            )
            _system(meeting, "meeting_moved", user, with_card=True)
            _move_holds(meeting)
        _refresh_cards(meeting)
        _publish(meeting, "changed")
        stay = [a for a in current if a not in removed]
        if moved:
            _notify(meeting, "meeting_moved", user, [a.user_id for a in stay if a.user_id])
        _notify(meeting, "meeting_invited", user, [a.user_id for a in added if a.user_id])
        everyone = [a.pk for a in stay] + [a.pk for a in added]
        _send(meeting, "REQUEST", everyone, actor=user)
        # Those taken off while still in the collab are told; one who left hears nothing more.
        current = {p.pk for p in people}
        told = [a for a in removed if a.user_id is None or a.user_id in current]
        if told:
            _send_cancel_to(meeting, told, user)
    return meeting


def _send_cancel_to(meeting: Meeting, removed: list[Attendee], actor) -> None:
    """People taken off a meeting: their rows are gone, so their addresses travel with the
    task (emails.send_cancellation_to)."""
    from .tasks import send_cancellation_to

    people = [
        {"email": address_of(a), "name": display_name(a), "language": _language(a)}
        for a in removed
        if a.user_id != getattr(actor, "pk", None)
    ]
    if people:
        transaction.on_commit(lambda: send_cancellation_to.enqueue(meeting.pk, people), robust=True)


def _language(attendee: Attendee) -> str:
    return (attendee.user.language if attendee.user else "") or settings.LANGUAGE_CODE


def _move_holds(meeting: Meeting) -> None:
    """A booked meeting that moves keeps its people's time taken at the new time (booking.py
    owns the holds; on PostgreSQL the exclusion constraint refuses a move onto another
    booking)."""
    from .booking import rehold

    rehold(meeting)


def cancel_meeting(collab: Collab, user, meeting_id, *, notify_chat: bool = True) -> Meeting:
    """Cancel: the meeting stays (struck through), everyone invited gets the cancellation,
    the chat hears of it. Cancelling twice changes nothing."""
    with transaction.atomic():
        meeting = _locked(user, collab, meeting_id)
        rules.require_cancel(user, collab, meeting)
        if meeting.is_cancelled:
            return meeting
        _cancel(meeting, user, notify_chat=notify_chat)
    return meeting


def _cancel(meeting: Meeting, actor, *, notify_chat: bool = True) -> None:
    """Cancel a locked meeting (the organizer's or moderator's action, or a booker's)."""
    now = timezone.now()
    meeting.state = Meeting.State.CANCELLED
    meeting.cancelled_at = now
    meeting.sequence += 1
    meeting.updated = now
    meeting.save(update_fields=["state", "cancelled_at", "sequence", "updated"])
    meeting.holds.all().delete()
    if notify_chat:
        _system(meeting, "meeting_cancelled", actor)
    _refresh_cards(meeting)
    _publish(meeting, "cancelled")
    attendees = list(meeting.attendees.all())
    _notify(
        meeting,
        "meeting_cancelled",
        actor,
        [a.user_id for a in attendees if a.user_id and not a.is_organizer]
        + ([meeting.organizer_id] if actor is None or actor.pk != meeting.organizer_id else []),
    )
    _send(meeting, "CANCEL", [a.pk for a in attendees], actor=actor)


def booking_moved(meeting: Meeting, booker: str, outside: bool) -> None:
    """The booker moved their booked meeting (booking.reschedule has saved it)."""
    _system(meeting, "booking_moved", None, with_card=True, user_name=booker, user_guest=outside)
    meeting.attendees.filter(is_organizer=False).update(
        answer=Attendee.Answer.PENDING, answered=None
    )
    _refresh_cards(meeting)
    _publish(meeting, "changed")
    attendees = list(meeting.attendees.all())
    _notify(meeting, "meeting_moved", None, [a.user_id for a in attendees if a.user_id])
    _send(meeting, "REQUEST", [a.pk for a in attendees])


def booking_cancelled(meeting: Meeting, booker: str, outside: bool) -> None:
    """The booker cancelled their booked meeting."""
    _cancel(meeting, None, notify_chat=False)
    _system(meeting, "booking_cancelled", None, user_name=booker, user_guest=outside)


# --- Answers ------------------------------------------------------------------------------------


def _answer(value) -> str:
    if value not in {
        Attendee.Answer.ACCEPTED,
        Attendee.Answer.TENTATIVE,
        Attendee.Answer.DECLINED,
    }:
        raise ValidationError(_("Answer going, maybe or not going."))
    return value


def respond(collab: Collab, user, meeting_id, answer) -> Attendee:
    """A member's answer to their invitation, from the meeting page."""
    answer = _answer(answer)
    with transaction.atomic():
        meeting = _locked(user, collab, meeting_id)
        attendee = meeting.attendees.select_related("user").filter(user=user).first()
        if attendee is None:
            raise ValidationError(_("You are not invited to this meeting."))
        return _record(meeting, attendee, answer)


def respond_by_token(token: str, answer) -> Attendee:
    """An answer from the invitation email's link: the attendee's token is the whole
    authentication (no sign-in). An unknown token, or the meeting cancelled, is a 404."""
    answer = _answer(answer)
    with transaction.atomic():
        attendee = (
            Attendee.objects.select_for_update(of=("self",))
            .select_related("meeting", "meeting__collab", "user")
            .filter(token=str(token)[:64])
            .first()
        )
        if attendee is None or attendee.meeting.is_cancelled:
            raise Http404
        if attendee.user is not None and not attendee.user.is_active:
            raise Http404
        if attendee.user is not None and not still_invited(attendee.meeting.collab, attendee.user):
            raise Http404
        return _record(attendee.meeting, attendee, answer)


def attendee_by_token(token: str) -> Attendee:
    """The attendee behind an invitation's link; 404 for an unknown token, a deactivated
    person, or a member who is no longer in the collab (or may no longer see its meetings):
    the link shows them nothing of it now."""
    attendee = (
        Attendee.objects.select_related("meeting", "meeting__collab", "meeting__organizer", "user")
        .filter(token=str(token)[:64])
        .first()
    )
    if attendee is None or (attendee.user is not None and not attendee.user.is_active):
        raise Http404
    if attendee.user is not None and not still_invited(attendee.meeting.collab, attendee.user):
        raise Http404
    return attendee


def still_invited(collab: Collab, user) -> bool:
    """Whether a person on a meeting still belongs to its collab and may see its meetings."""
    membership = Membership.objects.current().filter(collab=collab, user=user).first()
    return membership is not None and level_allows(rules.level(collab, "view"), membership, user)


def _record(meeting: Meeting, attendee: Attendee, answer: str) -> Attendee:
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled."))
    if attendee.answer == answer:
        return attendee
    attendee.answer = answer
    attendee.answered = timezone.now()
    attendee.save(update_fields=["answer", "answered"])
    _publish(meeting, "answered")
    if not attendee.is_organizer:
        notify(
            [meeting.organizer_id],
            "meeting_answered",
            collab=meeting.collab,
            actor=attendee.user,
            data={
                "actor": display_name(attendee),
                "title": meeting.title,
                "answer": answer,
                "collab": meeting.collab.name,
            },
            url=meeting_url(meeting),
        )
    return attendee


# --- Jobs ---------------------------------------------------------------------------------------

# "Starts soon": this long before a meeting, its people are reminded (notification + email).
REMIND_BEFORE = timedelta(minutes=30)


def remind_upcoming(now: datetime | None = None) -> int:
    """Remind the people of meetings starting within REMIND_BEFORE, once each: the meeting
    is claimed by a conditional UPDATE, so two runs remind once. All-day meetings and
    declined invitations get no reminder. Returns the meetings reminded."""
    now = now or timezone.now()
    due = list(
        Meeting.objects.filter(
            state=Meeting.State.CONFIRMED,
            reminded__isnull=True,
            all_day=False,
            start__gt=now,
            start__lte=now + REMIND_BEFORE,
        ).values_list("pk", flat=True)[:500]
    )
    done = 0
    for meeting_id in due:
        with transaction.atomic():
            claimed = Meeting.objects.filter(pk=meeting_id, reminded__isnull=True).update(
                reminded=now
            )
            if not claimed:
                continue
            meeting = Meeting.objects.select_related("collab").get(pk=meeting_id)
            people = meeting.attendees.filter(user__isnull=False).exclude(
                answer=Attendee.Answer.DECLINED
            )
            _notify(meeting, "meeting_soon", None, people.values_list("user_id", flat=True))
            done += 1
    return done
