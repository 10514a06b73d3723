"""Free-slot links: a member makes one (sent into the chat as a card), anyone who opens it
books a free slot, and the booker moves or cancels their booking from their own link.

The booking page needs no account: name and email are asked (a signed-in member of the
collab is recognized and filled in). Slots are shown in the visitor's zone: `?tz=` (the
page's script sets it from the browser's zone once; a select changes it), else the
signed-in person's profile zone, else the owner's. Only free slots are ever shown, never what
the busy time is. Every page answers a fixed number of queries, whatever the calendars hold.

Limits: opening these pages counts per client address (BOOKING_PAGE_PER_MINUTE), and so does
booking, moving and cancelling (BOOKINGS_PER_HOUR, BOOKINGS_PER_DAY): tokens carry 192
random bits, so the limits only keep a prober's or a script's noise off the portal."""

from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import timezones
from apps.collabs.frame import render_frame
from apps.collabs.permissions import get_collab_for, require, rights_of
from apps.core import ratelimit
from apps.core.http import error_text as _error_text
from apps.core.zones import is_zone, zone_named

from . import booking, rules, services, slots
from .forms import person_label, zone_choices
from .models import FreeSlotLink


class LinkForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    duration = forms.IntegerField(label=gettext_lazy("Meeting length, minutes"), initial=30)
    increment = forms.IntegerField(label=gettext_lazy("Start times every, minutes"), initial=30)
    buffer_before = forms.IntegerField(label=gettext_lazy("Buffer before, minutes"), initial=0)
    buffer_after = forms.IntegerField(label=gettext_lazy("Buffer after, minutes"), initial=0)
    min_notice = forms.IntegerField(label=gettext_lazy("Minimum notice, hours"), initial=4)
    horizon_days = forms.IntegerField(label=gettext_lazy("Days ahead"), initial=14)
    daily_limit = forms.IntegerField(
        label=gettext_lazy("Bookings per day at most"),
        required=False,
        help_text=gettext_lazy("Empty: no limit."),
    )
    location = forms.CharField(label=gettext_lazy("Place"), required=False, max_length=300)
    link = forms.CharField(
        label=gettext_lazy("Call link"),
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    participants = forms.MultipleChoiceField(
        label=gettext_lazy("Also invite (their busy time counts too)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].choices = [(str(p.pk), person_label(p)) for p in people]


def _too_often(request: HttpRequest, action: str, limits) -> HttpResponse | None:
    wait = ratelimit.hit(ratelimit.client_address(request), action, limits)
    if not wait:
        return None
    response = render(request, "429.html", {"minutes": max(1, -(-wait // 60))}, status=429)
    response["Retry-After"] = str(wait)
    return response


def page_limit(request: HttpRequest) -> HttpResponse | None:
    """A 429 page when this client address opened token pages (booking, a booking, an
    invitation's answer) too often, else None."""
    return _too_often(request, "booking_page", [(settings.BOOKING_PAGE_PER_MINUTE, 60)])


def _booking_limit(request: HttpRequest) -> HttpResponse | None:
    limits = [(settings.BOOKINGS_PER_HOUR, 3600), (settings.BOOKINGS_PER_DAY, 86400)]
    return _too_often(request, "booking", limits)


# --- The collab's links -------------------------------------------------------------------------


@login_required
def link_list(request: HttpRequest, collab_id: int) -> HttpResponse:
    """The collab's free-slot links (for those who may plan meetings): live ones first, with
    their address to copy and "turn off"."""
    collab = get_collab_for(request.user, collab_id)
    require(request.user, rules.CREATE, collab)
    rows = list(
        FreeSlotLink.objects.filter(collab=collab)
        .select_related("owner")
        .order_by("-active", "-created")[:100]
    )
    may_delete = rules.DELETE in rights_of(request.user, collab)
    for row in rows:
        row.url = request.build_absolute_uri(reverse("my_calendar:book", args=[row.token]))
        row.may_turn_off = row.active and (row.owner_id == request.user.pk or may_delete)
    return render_frame(request, "calendar/links.html", collab, {"links": rows}, current="calendar")


@require_http_methods(["GET", "POST"])
@login_required
def create(request: HttpRequest, collab_id: int) -> HttpResponse:
    """A new free-slot link, sent into the chat as a card."""
    collab = get_collab_for(request.user, collab_id)
    require(request.user, rules.CREATE, collab)
    people = [p for p in services.invitable(collab) if p.pk != request.user.pk]
    if request.method == "POST":
        form = LinkForm(request.POST, people=people)
        if form.is_valid():
            data = form.cleaned_data
            try:
                booking.create_link(
                    collab,
                    request.user,
                    title=data["title"],
                    duration=data["duration"],
                    increment=data["increment"],
                    buffer_before=data["buffer_before"],
                    buffer_after=data["buffer_after"],
                    min_notice=data["min_notice"],
                    horizon_days=data["horizon_days"],
                    daily_limit=data["daily_limit"],
                    location=data["location"],
                    link=data["link"],
                    participant_ids=data["participants"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The free-slot link is in the chat."))
                if request.htmx:
                    return HttpResponse(status=204, headers={"HX-Trigger": "dialog-done"})
                return redirect(reverse("collabs:detail", args=[collab.pk]))
    else:
        name = request.user.full_name or request.user.email
        form = LinkForm(
            initial={"title": _("Meeting with %(name)s") % {"name": name}}, people=people
        )
    ctx = {
        "form": form,
        "action": reverse("calendar:link_create", kwargs={"collab_id": collab.pk}),
        "hours_url": reverse("my_calendar:hours"),
    }
    status = 400 if form.errors else 200
    if request.htmx and not request.htmx.boosted:
        return render(
            request, "calendar/_link_dialog.html", {"collab": collab, **ctx}, status=status
        )
    return render_frame(
        request, "calendar/link_new.html", collab, ctx, current="calendar", status=status
    )


@require_POST
@login_required
def turn_off(request: HttpRequest, collab_id: int, link_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, rules.CREATE, collab)
    booking.turn_off(collab, request.user, link_id)
    messages.success(request, _("The link is turned off; nobody can book through it now."))
    return redirect(reverse("calendar:links", kwargs={"collab_id": collab.pk}))


# --- Booking (no account needed) ----------------------------------------------------------------


def _visitor_zone(request: HttpRequest, default: str) -> str:
    asked = request.POST.get("tz") or request.GET.get("tz") or ""
    if is_zone(asked):
        # Browsers may name a zone by an old alias (Chromium: "Asia/Calcutta").
        return timezones.canonical(asked) or asked
    user = request.user
    if user.is_authenticated and is_zone(user.timezone) and user.timezone != "UTC":
        return user.timezone
    return default


def _slot(value) -> datetime | None:
    """An ISO instant from the page; None for anything else (an impossible date, a year far
    off, no zone): the page says "choose a time", never a server error."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = parse_datetime(value)
    except (ValueError, OverflowError):
        return None
    if moment is None or moment.tzinfo is None or not 2000 <= moment.year <= 2999:
        return None
    return moment


def _days(offered: list, zone: str) -> list:
    return [
        (day, [(s, s.start.astimezone(zone_named(zone))) for s in day_slots])
        for day, day_slots in slots.group_by_day(offered, zone)
    ]


def _booker_initial(request: HttpRequest) -> dict:
    user = request.user
    if user.is_authenticated:
        return {"name": user.full_name, "email": user.email}
    return {"name": "", "email": ""}


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, token: str) -> HttpResponse:
    """A free-slot link's page: the free slots by day in the visitor's zone; `?slot=` (an
    ISO instant) asks for name and email; POST books it."""
    limited = page_limit(request)
    if limited is not None:
        return limited
    try:
        slot_link = booking.link_by_token(token)
    except Http404:
        return render(request, "calendar/link_gone.html", status=404)
    zone = _visitor_zone(request, booking.zone_of_owner(slot_link))
    chosen = _slot(
        request.POST.get("slot") if request.method == "POST" else request.GET.get("slot")
    )
    error = ""
    form_values = _booker_initial(request)
    if request.method == "POST":
        limited = _booking_limit(request)
        if limited is not None:
            return limited
        form_values = {"name": request.POST.get("name", ""), "email": request.POST.get("email", "")}
        if chosen is None:
            error = _("Choose a time.")
        else:
            try:
                made = booking.book(
                    token,
                    chosen,
                    name=form_values["name"],
                    email=form_values["email"],
                    zone=zone,
                    user=request.user,
                )
            except booking.SlotTaken as exc:
                error = _error_text(exc)
                chosen = None
            except ValidationError as exc:
                error = _error_text(exc)
            else:
                return redirect(reverse("my_calendar:booking", args=[made.token]) + "?booked=1")
    offered = booking.offered(slot_link)
    if chosen is not None and all(s.start != chosen for s in offered):
        error = error or _("This slot was just taken. Please choose another one.")
        chosen = None
    ctx = {
        "slot_link": slot_link,
        "owner": slot_link.owner.full_name or slot_link.owner.email,
        "days": _days(offered, zone),
        "zone": zone,
        "zones": zone_choices(zone),
        "zone_given": bool(request.GET.get("tz") or request.POST.get("tz")),
        "chosen": chosen.astimezone(zone_named(zone)) if chosen else None,
        "chosen_iso": chosen.isoformat() if chosen else "",
        "chosen_end": (chosen + timedelta(minutes=slot_link.duration)).astimezone(zone_named(zone))
        if chosen
        else None,
        "error": error,
        "values": form_values,
        "action": reverse("my_calendar:book", args=[token]),
    }
    # Times show in the visitor's zone, not the signed-in person's (the date filters convert
    # to the active zone).
    with timezone.override(zone_named(zone)):
        return render(request, "calendar/book.html", ctx, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """The booker's page for their booking (the link in their email): the meeting, "cancel",
    and other free slots of the same link to move it to."""
    limited = page_limit(request)
    if limited is not None:
        return limited
    made = booking.booking_by_token(token)
    meeting = made.meeting
    zone = _visitor_zone(request, made.timezone)
    error = ""
    if request.method == "POST":
        limited = _booking_limit(request)
        if limited is not None:
            return limited
        try:
            if request.POST.get("action") == "cancel":
                booking.cancel_booking(token)
                messages.success(request, _("Your meeting is cancelled. Everyone was told."))
            else:
                chosen = _slot(request.POST.get("slot"))
                if chosen is None:
                    raise ValidationError(_("Choose a time."))
                booking.reschedule(token, chosen)
                messages.success(request, _("Your meeting is moved. Everyone got the new time."))
        except ValidationError as exc:
            error = _error_text(exc)
        except Http404:
            error = _("This link is turned off; the meeting can only be cancelled.")
        if not error:
            return redirect(reverse("my_calendar:booking", args=[token]))
        made.refresh_from_db()
        meeting.refresh_from_db()
    live = made.cancelled is None and not meeting.is_cancelled
    offered = booking.offered(made.link, booking=made) if live and made.link.active else []
    local = zone_named(zone)
    ctx = {
        "booking": made,
        "meeting": meeting,
        "owner": made.link.owner.full_name or made.link.owner.email,
        "start": meeting.start.astimezone(local),
        "end": meeting.end.astimezone(local),
        "zone": zone,
        "zones": zone_choices(zone),
        "live": live,
        "booked": request.GET.get("booked") == "1",
        "days": _days([s for s in offered if s.start != meeting.start], zone),
        "error": error,
        "now": timezone.now(),
    }
    with timezone.override(local):
        return render(request, "calendar/booking.html", ctx, status=400 if error else 200)
