"""The notifications' pages: the list (/notifications/), the bell's panel (its partial), opening
one (marks it read and follows its link), marking read, and the email preferences. Every page
shows only the person's own notifications (services.visible); another person's id is not
found."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.inputs import parse_id

from . import kinds, services


def _back(request, fallback: str = "notifications:list"):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_GET
def notification_list(request):
    items, earlier = services.page(request.user, request.GET.get("before"))
    return render(
        request,
        "notifications/list.html",
        {
            "items": items,
            "earlier": earlier,
            "first_page": not request.GET.get("before"),
            "any_unread": any(n.is_unread for n in items),
        },
    )


@login_required
@require_GET
def panel(request):
    """The bell's dropdown (loaded by htmx when it opens): the newest few."""
    return _panel(request)


def _panel(request):
    items, more = services.page(request.user, size=services.PANEL_SIZE)
    return render(
        request,
        "notifications/_panel.html",
        {"items": items, "more": more, "unread": services.unread_count(request.user)},
    )


@login_required
@require_GET
def open_notification(request, notification_id: int):
    """Following a notification's link: marks it read, then goes where it leads. (A GET that
    writes only the person's own read marker, so that a plain link works without JavaScript;
    it never changes anything anybody else sees.)"""
    notification = services.open_notification(request.user, notification_id)
    if notification is None:
        raise Http404
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return redirect(url)
    return redirect("notifications:list")


@login_required
@require_POST
def read(request):
    ids = [i for i in (parse_id(v) for v in request.POST.getlist("id")) if i]
    services.mark_read(request.user, ids)
    return _back(request)


@login_required
@require_POST
def read_all(request):
    services.mark_all_read(request.user)
    if request.htmx:  # the bell's panel, from its "Mark all as read"
        return _panel(request)
    return _back(request)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    email_kinds = kinds.email_kinds()
    if request.method == "POST":
        services.set_email_preferences(request.user, request.POST.getlist("email"))
        return redirect("notifications:settings")
    emailed = services.emailed_kinds(request.user)
    return render(
        request,
        "notifications/settings.html",
        {"rows": [{"kind": kind, "on": kind.key in emailed} for kind in email_kinds]},
    )
