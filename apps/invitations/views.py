from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.collabs.permissions import get_collab_for, require
from apps.core import ratelimit

from . import qr, services
from .access import get_invitation_for
from .forms import EmailInviteForm, GuestSignupForm, LinkForm, PhoneInviteForm
from .models import Invitation
from .services import InvitationRefused

LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _members(collab_id: int) -> HttpResponse:
    return redirect("collabs:members", collab_id=collab_id)


def _invite(request: HttpRequest, collab_id: int, form_class, send, address: str):
    """The two invite forms: check, send through the service, say what happened."""
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "collabs.invite", collab)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _members(collab.pk)
    try:
        invitation = send(
            collab, request.user, form.cleaned_data[address], name=form.cleaned_data["name"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        _say_how_it_went(request, invitation, again=False)
    return _members(collab.pk)


def _say_how_it_went(request: HttpRequest, invitation: Invitation, *, again: bool) -> None:
    """What became of the sending, as far as it is known now: with the immediate task backend
    it is done (sent, or refused); with a worker it is on its way, and the members page shows
    the outcome."""
    invitation.refresh_from_db(fields=["delivery", "delivery_error"])
    address = invitation.email or invitation.phone
    if invitation.delivery == Invitation.Delivery.FAILED:
        error = invitation.delivery_error or _("the sending broke off")
        messages.error(
            request,
            _(
                "The invitation to %(address)s was not delivered: %(error)s. It is kept in the "
                "list below; resend it when the address is right or the problem is solved."
            )
            % {"address": address, "error": error},
        )
    elif invitation.delivery == Invitation.Delivery.SENT:
        if again:
            messages.success(
                request, _("The invitation is sent again to %(address)s.") % {"address": address}
            )
        else:
            messages.success(
                request, _("The invitation is sent to %(address)s.") % {"address": address}
            )
    else:
        messages.success(
            request,
            _(
                "The invitation to %(address)s is being sent; reload the page to see whether "
                "it went out."
            )
            % {"address": address},
        )


@login_required
@require_POST
def invite_email(request: HttpRequest, collab_id: int) -> HttpResponse:
    return _invite(request, collab_id, EmailInviteForm, services.invite_by_email, "email")


@login_required
@require_POST
def invite_phone(request: HttpRequest, collab_id: int) -> HttpResponse:
    return _invite(request, collab_id, PhoneInviteForm, services.invite_by_phone, "phone")


@login_required
@require_POST
def resend(request: HttpRequest, collab_id: int, invitation_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "collabs.invite", collab)
    # Someone else's invitation is not found, as one that does not exist (invitations.access).
    get_invitation_for(request.user, collab, invitation_id)
    try:
        invitation = services.resend(collab, request.user, invitation_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        _say_how_it_went(request, invitation, again=True)
    return _members(collab.pk)


@login_required
@require_POST
def revoke(request: HttpRequest, collab_id: int, invitation_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "collabs.invite", collab)
    get_invitation_for(request.user, collab, invitation_id)
    try:
        invitation = services.revoke(collab, request.user, invitation_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The invitation of %(name)s is revoked.") % {"name": invitation.label}
        )
    return _members(collab.pk)


@login_required
@require_POST
def link_create(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "invitations.manage_link", collab)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _members(collab.pk)
    try:
        services.create_link(
            collab,
            request.user,
            days=form.cleaned_data["days"],
            max_uses=form.cleaned_data["max_uses"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The new invitation link is ready; the old one is off."))
    return _members(collab.pk)


@login_required
@require_POST
def link_revoke(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "invitations.manage_link", collab)
    try:
        services.revoke_link(collab, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The invitation link is revoked."))
    return _members(collab.pk)


@login_required
def link_qr(request: HttpRequest, collab_id: int) -> HttpResponse:
    """The QR code of the collab's link, as a PNG to download and print."""
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "invitations.manage_link", collab)
    link = services.active_link(collab)
    if link is None:
        raise Http404
    response = HttpResponse(qr.png(services.link_url(link)), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="invitation-{collab.pk}.png"'
    response["Cache-Control"] = "private, no-store"
    return response


def _refused(request: HttpRequest, exc: InvitationRefused) -> HttpResponse:
    status = 404 if exc.reason == InvitationRefused.INVALID else 410
    if exc.reason in (InvitationRefused.OTHER_EMAIL, InvitationRefused.GUESTS_OFF):
        status = 403
    return render(
        request,
        "invitations/refused.html",
        {"reason": exc.reason, "invitation": exc.invitation},
        status=status,
    )


def _throttled(request: HttpRequest) -> HttpResponse | None:
    """A 429 page when this client address opened invitation pages too often, else None.

    Tokens carry 256 random bits, so nobody finds one by trying; the limit keeps a prober's
    noise (a request a millisecond, each a database lookup) off the portal, as allauth's
    "30/m/ip" does for sign-in. Every request counts, GET and POST, whatever the token: counting
    only the refused ones would tell a prober which tokens work."""
    limits = [(settings.INVITE_PAGE_PER_MINUTE, 60), (settings.INVITE_PAGE_PER_HOUR, 3600)]
    wait = ratelimit.hit(ratelimit.client_address(request), "invite_page", limits)
    if not wait:
        return None
    minutes = max(1, -(-wait // 60))
    response = render(request, "429.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(wait)
    return response


def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation: who invites to which collab; then join (signed in), sign in
    (the invited address has an account), or create a guest account here."""
    throttled = _throttled(request)
    if throttled is not None:
        return throttled
    try:
        invitation = services.find(token)
    except InvitationRefused as exc:
        return _refused(request, exc)
    here = reverse("invitations:accept", args=[token])
    user = request.user
    # Only an email invitation names the account; whoever holds a link (or the link of a
    # text message) signs in or makes an account with their own address.
    asks_email = invitation.channel != Invitation.Channel.EMAIL
    has_account = (
        not user.is_authenticated
        and not asks_email
        and User.objects.filter(email__iexact=invitation.email, is_active=True).exists()
    )
    form = None
    if request.method == "POST":
        if user.is_authenticated:
            return _join(request, token, user)
        if has_account:
            return redirect(f"{reverse('account_login')}?next={here}")
        form = GuestSignupForm(request.POST, ask_email=asks_email)
        if form.is_valid():
            return _sign_up_and_join(request, token, form)
    elif not user.is_authenticated and not has_account:
        form = GuestSignupForm(ask_email=asks_email)
    if user.is_authenticated and not services.matches(invitation, user):
        return _refused(request, InvitationRefused(InvitationRefused.OTHER_EMAIL, invitation))
    return render(
        request,
        "invitations/accept.html",
        {
            "invitation": invitation,
            "collab": invitation.collab,
            "form": form,
            "has_account": has_account,
            "login_url": f"{reverse('account_login')}?next={here}",
            "asks_email": asks_email,
        },
    )


def _join(request: HttpRequest, token: str, user) -> HttpResponse:
    try:
        collab = services.accept(token, user)
    except InvitationRefused as exc:
        return _refused(request, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("collabs:list")
    return redirect("collabs:detail", collab_id=collab.pk)


def _sign_up_and_join(request: HttpRequest, token: str, form) -> HttpResponse:
    try:
        user, collab = services.sign_up_and_accept(
            token,
            email=form.cleaned_data.get("email") or "",
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["password1"],
            language=translation.get_language() or "",
        )
    except InvitationRefused as exc:  # used up by a double submit or a second tab
        return _refused(request, exc)
    except services.AccountExists:  # the account was made a moment ago (another tab): sign in
        return redirect(f"{reverse('account_login')}?next={request.path}")
    login(request, user, backend=LOGIN_BACKEND)
    return redirect("collabs:detail", collab_id=collab.pk)
