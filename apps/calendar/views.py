"""A meeting's own pages and actions: planning (from a message, the header, the paperclip,
the calendar), the meeting page (when, where, who, answers), editing, cancelling, answering.

Thin: parse, ask the access layer, call services.py, render. Every page works without
JavaScript; on the chat page the form opens in the core's dialog (feature-dialog.js) and
posts the same way (204 closes it)."""

import uuid
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import timezones
from apps.chat.access import visible_messages
from apps.collabs.frame import render_frame
from apps.collabs.permissions import get_collab_for, require, rights_of
from apps.core.http import chat_url as _chat_url
from apps.core.http import error_text as _error_text
from apps.core.http import next_url as _next
from apps.core.zones import zone_named, zone_of

from . import rules, services
from .forms import MeetingForm, initial_times, zone_choices
from .links import page_limit
from .models import Attendee


def _prefill(request: HttpRequest, zone) -> dict:
    """`?start=YYYY-MM-DDTHH:MM` (a calendar's cell) or `?day=YYYY-MM-DD`: the form starts
    there; anything unreadable is ignored."""
    initial = initial_times(timezone.now(), zone)
    raw = request.GET.get("start") or request.GET.get("day") or ""
    try:
        if "T" in raw:
            at = datetime.strptime(raw[:16], "%Y-%m-%dT%H:%M")
            initial = {
                **initial,
                "day": at.date(),
                "start_time": at.time(),
                "end_time": (at + timedelta(hours=1)).time(),
            }
        elif raw:
            initial["day"] = date.fromisoformat(raw[:10])
    except ValueError:
        pass
    return initial


# --- Planning -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def create(request: HttpRequest, collab_id: int) -> HttpResponse:
    """The new-meeting form. `?message=<id>`: planned from that message (its text the
    description, a title proposed from it, the card under it)."""
    collab = get_collab_for(request.user, collab_id)
    require(request.user, services.CREATE, collab)
    # The one planning it organizes it: everyone else may be invited.
    people = [p for p in services.invitable(collab) if p.pk != request.user.pk]
    zone = zone_of(request.user)
    raw_message = request.POST.get("message") if request.method == "POST" else None
    raw_message = raw_message or request.GET.get("message")
    source = None
    try:
        source = services.source_message(request.user, collab, raw_message)
    except ValidationError as exc:
        if request.method == "GET":
            messages.error(request, _error_text(exc))
            return redirect(_chat_url(collab.pk))
    zones = zone_choices(str(zone))
    if request.method == "POST":
        form = MeetingForm(request.POST, people=people, zones=zones)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.create_meeting(
                    collab,
                    request.user,
                    title=data["title"],
                    start=data["start"],
                    end=data["end"],
                    all_day=data["all_day"],
                    zone=data["zone"],
                    description=data["description"],
                    location=data["location"],
                    link=data["link"],
                    attendee_ids=data["attendees"],
                    emails=data["email_list"],
                    source_message_id=source.pk if source else None,
                    client_id=data["client_id"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("Meeting “%(title)s” planned.") % {"title": meeting.title}
                )
                if request.htmx:
                    return HttpResponse(status=204, headers={"HX-Trigger": "dialog-done"})
                return redirect(_next(request, services.meeting_url(meeting)))
    else:
        initial = {**_prefill(request, zone), "zone": str(zone), "client_id": uuid.uuid4().hex}
        if source is not None:
            initial = {
                **initial,
                "title": services.title_from(source.body),
                "description": source.body,
                "message": str(source.pk),
            }
        form = MeetingForm(initial=initial, people=people, zones=zones)
    ctx = {
        "form": form,
        "source": source,
        "next": _next(request, ""),
        "action": reverse("calendar:create", kwargs={"collab_id": collab.pk}),
    }
    status = 400 if form.errors else 200
    if request.htmx and not request.htmx.boosted:
        return render(
            request, "calendar/_form_dialog.html", {"collab": collab, **ctx}, status=status
        )
    return render_frame(
        request, "calendar/create.html", collab, ctx, current="calendar", status=status
    )


# --- The meeting page ---------------------------------------------------------------------------


@login_required
def detail(request: HttpRequest, collab_id: int, meeting_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    meeting = services.get_meeting(request.user, collab, meeting_id)
    attendees = services.attendees_of(meeting)
    mine = next((a for a in attendees if a.user_id == request.user.pk), None)
    source = None
    if meeting.source_message_id:
        source = (
            visible_messages(request.user, collab)
            .filter(pk=meeting.source_message_id)
            .select_related("author")
            .first()
        )
    zone = zone_of(request.user)
    ctx = {
        "meeting": meeting,
        "can": rules.actions(rights_of(request.user, collab), request.user, meeting),
        "attendees": attendees,
        "counts": {
            answer: sum(1 for a in attendees if a.answer == answer)
            for answer in Attendee.Answer.values
        },
        "mine": mine,
        "answers": [
            (Attendee.Answer.ACCEPTED, Attendee.Answer.ACCEPTED.label),
            (Attendee.Answer.TENTATIVE, Attendee.Answer.TENTATIVE.label),
            (Attendee.Answer.DECLINED, Attendee.Answer.DECLINED.label),
        ],
        "start": meeting.start.astimezone(zone),
        "end": meeting.end.astimezone(zone),
        "zone": timezones.label(str(zone)),
        "source": source,
        "source_url": _chat_url(collab.pk, meeting.source_message_id) if source else "",
    }
    return render_frame(request, "calendar/detail.html", collab, ctx, current="calendar")


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest, collab_id: int, meeting_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    meeting = services.get_meeting(request.user, collab, meeting_id)
    rules.require_edit(request.user, collab, meeting)
    url = services.meeting_url(meeting)
    if meeting.is_cancelled:
        messages.error(request, _("This meeting was cancelled; it can no longer be changed."))
        return redirect(url)
    attendees = services.attendees_of(meeting)
    people = [p for p in services.invitable(collab) if p.pk != meeting.organizer_id]
    zones = zone_choices(meeting.timezone)
    if request.method == "POST":
        form = MeetingForm(request.POST, people=people, zones=zones, editing=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_meeting(
                    collab,
                    request.user,
                    meeting.pk,
                    title=data["title"],
                    start=data["start"],
                    end=data["end"],
                    all_day=data["all_day"],
                    zone=data["zone"],
                    description=data["description"],
                    location=data["location"],
                    link=data["link"],
                    attendee_ids=data["attendees"],
                    emails=data["email_list"],
                    base_version=data["base_version"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Meeting saved."))
                return redirect(url)
    else:
        zone = zone_named(meeting.timezone)
        start = meeting.start.astimezone(zone)
        end = meeting.end.astimezone(zone)
        initial = {
            "title": meeting.title,
            "day": start.date(),
            "start_time": None if meeting.all_day else start.time(),
            "end_time": None if meeting.all_day else end.time(),
            "all_day": meeting.all_day,
            "end_day": (end.date() if not meeting.all_day else (end.date() - timedelta(days=1))),
            "zone": meeting.timezone,
            "location": meeting.location,
            "link": meeting.link,
            "attendees": [str(a.user_id) for a in attendees if a.user_id and not a.is_organizer],
            "emails": "\n".join(a.email for a in attendees if not a.user_id),
            "description": meeting.description,
            "base_version": services.version_of(meeting),
        }
        form = MeetingForm(initial=initial, people=people, zones=zones, editing=True)
    ctx = {
        "form": form,
        "meeting": meeting,
        "action": reverse(
            "calendar:edit", kwargs={"collab_id": collab.pk, "meeting_id": meeting.pk}
        ),
    }
    status = 400 if form.errors else 200
    return render_frame(
        request, "calendar/edit.html", collab, ctx, current="calendar", status=status
    )


@require_POST
@login_required
def cancel(request: HttpRequest, collab_id: int, meeting_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    meeting = services.cancel_meeting(collab, request.user, meeting_id)
    messages.success(request, _("Meeting “%(title)s” cancelled.") % {"title": meeting.title})
    return redirect(services.meeting_url(meeting))


@require_POST
@login_required
def respond(request: HttpRequest, collab_id: int, meeting_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    try:
        services.respond(collab, request.user, meeting_id, request.POST.get("answer"))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    default = reverse("calendar:detail", kwargs={"collab_id": collab.pk, "meeting_id": meeting_id})
    return redirect(_next(request, default))


# --- Answering from the email -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def rsvp(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation email's link: the meeting and three buttons. GET changes nothing (mail
    scanners follow links); the buttons POST. No sign-in: the token is the attendee's."""
    limited = page_limit(request)
    if limited is not None:
        return limited
    attendee = services.attendee_by_token(token)
    meeting = attendee.meeting
    if request.method == "POST":
        try:
            attendee = services.respond_by_token(token, request.POST.get("answer"))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Thank you, your answer is saved."))
        return redirect(reverse("my_calendar:rsvp", kwargs={"token": token}))
    zone = zone_of(attendee.user) if attendee.user else zone_named(meeting.timezone)
    ctx = {
        "meeting": meeting,
        "attendee": attendee,
        "start": meeting.start.astimezone(zone),
        "end": meeting.end.astimezone(zone),
        "zone": timezones.label(str(zone)),
        "answers": [
            (Attendee.Answer.ACCEPTED, Attendee.Answer.ACCEPTED.label),
            (Attendee.Answer.TENTATIVE, Attendee.Answer.TENTATIVE.label),
            (Attendee.Answer.DECLINED, Attendee.Answer.DECLINED.label),
        ],
    }
    # Times in the attendee's zone (the page needs no sign-in, so none is active).
    with timezone.override(zone):
        return render(request, "calendar/rsvp.html", ctx)
