"""The personal iCalendar feed (my_calendar:feed, /calendar/feed/<token>.ics): a person's
meetings across their collabs, for Google Calendar, Outlook or Apple Calendar to subscribe to.

Those apps fetch the address from their own servers, without a session, so the secret token in
the URL is the whole authentication: whoever holds a live FeedToken is the person. A new token
(`issue_token`, the "Get a new address" button) revokes the old at once; an unknown or revoked
token and a deactivated person's token get 404, the same answer, so a guess learns nothing.

What the feed shows is what the person may see now, through the access layer's own judgement:
meetings they attend (the organizer is an attendee too), in collabs they are still a current
member of and where the collab's "view meetings" level lets them in; removed from a collab,
its meetings leave the feed at the next fetch. From 60 days back to 400 days ahead; cancelled
meetings stay, as STATUS:CANCELLED, so subscribed calendars drop them.

Four queries whatever the number of meetings: the token with its (active) person, their
current memberships with the collabs' feature levels (features.viewable_collabs, judged in
Python by the access layer's level_allows, as "My tasks" does), the meetings, and their
attendees with their users."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.collabs import features

from . import ics
from .models import Attendee, FeedToken, Meeting, new_token

PAST = timedelta(days=60)
AHEAD = timedelta(days=400)
# Where "Get a new address" returns to without a safe `next`: "My calendar".
HOME = "/calendar/"


# --- The token (the feed's one write) ---------------------------------------------------------


def issue_token(user, *, replace: bool = True) -> FeedToken:
    """The person's feed token. By default a new secret, so the old address stops working at
    once (made if they had none); with replace=False, the one they have, made if missing."""
    now = timezone.now()
    if not replace:
        token, _created = FeedToken.objects.get_or_create(user=user, defaults={"created": now})
        return token
    token, _created = FeedToken.objects.update_or_create(
        user=user, defaults={"token": new_token(), "created": now}
    )
    return token


def feed_url(request: HttpRequest | None, user) -> str:
    """The absolute address of the person's feed (their token made if missing). Built on
    SITE_URL, never on the request's Host: the calendar apps' servers fetch it from outside,
    so it must be the portal's public address whatever proxy the page came through."""
    token = issue_token(user, replace=False)
    return settings.SITE_URL + reverse("my_calendar:feed", kwargs={"token": token.token})


def existing_url(user) -> str:
    """The address of the person's feed if they have one, else "" (one query; a GET makes
    no token: "Get my feed address" does, by POST)."""
    token = FeedToken.objects.filter(user=user).values_list("token", flat=True).first()
    if token is None:
        return ""
    return settings.SITE_URL + reverse("my_calendar:feed", kwargs={"token": token})


# --- What the feed holds ------------------------------------------------------------------------


def meetings_of(user, now=None):
    """The person's meetings of the feed's window in the collabs they may see them in, with
    their attendees (and the attendees' users) prefetched as `attendee_list`."""
    now = now or timezone.now()
    return (
        Meeting.objects.filter(
            collab_id__in=list(features.viewable_collabs(user, "calendar")),
            attendees__user=user,
            start__lt=now + AHEAD,
            end__gt=now - PAST,
        )
        .prefetch_related(
            Prefetch(
                "attendees",
                queryset=Attendee.objects.select_related("user").order_by("pk"),
                to_attr="attendee_list",
            )
        )
        .order_by("start", "pk")
    )


# --- Views ------------------------------------------------------------------------------------


@require_safe
@never_cache
def feed(request: HttpRequest, token: str) -> HttpResponse:
    held = (
        FeedToken.objects.select_related("user").filter(token=token, user__is_active=True).first()
    )
    if held is None:
        raise Http404
    user = held.user
    # The calendar app sends no session: the person's own language names the calendar.
    with translation.override(user.language or settings.LANGUAGE_CODE):
        name = _("Meetings in %(site)s") % {"site": settings.SITE_NAME}
        body = ics.feed(meetings_of(user), name)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="meetings.ics"'
    # The address is a secret: no search engine, no shared cache keeps what it returns.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_POST
@login_required
def reset(request: HttpRequest) -> HttpResponse:
    """ "Get a new address": the old feed address stops working."""
    issue_token(request.user)
    messages.success(
        request, _("Your calendar feed has a new address. The old one no longer works.")
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = HOME
    return HttpResponseRedirect(target)
