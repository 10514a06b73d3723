"""Inviting people into a collab and letting them in. Tokens are random (256 bits), sent
only in the invitation itself and stored as a SHA-256 digest: a leaked database holds no
working link, and a forged token finds nothing.

The email or text message leaves through a background task (tasks.deliver_invitation),
enqueued when the invitation is committed; the task makes the token as it sends, so no token
ever waits in the task queue either. What became of the sending is the invitation's
`delivery`: a refusal is kept for the inviter, who resends."""

import hashlib
import hmac
import logging
import secrets
import smtplib
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.models import SitePolicy, User
from apps.accounts.services import create_guest
from apps.chat.services import post_system_message
from apps.collabs import services as collabs
from apps.collabs.models import Collab, Membership
from apps.collabs.permissions import require
from apps.core import ratelimit
from apps.core.background import after_commit, enqueue_once
from apps.core.text import render_subject, single_line

from . import tasks
from .access import may_manage, visible_invitations
from .models import Invitation
from .sms import SmsError, send_sms

logger = logging.getLogger(__name__)


class InvitationRefused(Exception):
    """The token cannot be used; `reason` says why (for the page the visitor sees)."""

    INVALID = "invalid"
    USED = "used"
    REVOKED = "revoked"
    EXPIRED = "expired"
    OTHER_EMAIL = "other_email"
    GUESTS_OFF = "guests_off"

    def __init__(self, reason: str, invitation: Invitation | None = None):
        self.reason = reason
        self.invitation = invitation
        super().__init__(reason)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, _digest(token)


def link(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("invitations:accept", args=[token])


def _only_pending(invitations):
    return (
        invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .exclude(expires_at__lte=timezone.now())
        .exclude(channel=Invitation.Channel.LINK)
        .select_related("invited_by")
        .order_by("-created")
    )


def pending(collab: Collab):
    """Invitations not accepted, revoked or expired, newest first: all of the collab's, for the
    checks of the services (never shown as such; see pending_for)."""
    return _only_pending(Invitation.objects.filter(collab=collab))


def pending_for(user: User, collab: Collab):
    """The pending invitations the user may see (the members page): all of them for the
    moderators and the owner, the user's own for other inviters, none for the rest."""
    return _only_pending(visible_invitations(user, collab))


def _invited_already(collab: Collab, actor: User, existing: Invitation, address: str) -> None:
    """Refuse a second invitation to one address; only someone who may manage the first is
    told to resend it (the others cannot, and learn nothing more of it)."""
    if not may_manage(actor, collab, existing):
        raise ValidationError(_("%(address)s is invited already.") % {"address": address})
    if existing.channel == Invitation.Channel.PHONE:
        raise ValidationError(
            _("%(phone)s is invited already: resend that invitation instead.") % {"phone": address}
        )
    raise ValidationError(
        _("%(email)s is invited already: resend that invitation instead.") % {"email": address}
    )


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError(_("“%(email)s” is not an email address.") % {"email": email}) from exc
    return User.objects.normalize_email(email)


@transaction.atomic
def invite_by_email(collab: Collab, actor: User, email: str, *, name: str = "") -> Invitation:
    """Invite someone by email: they get a single-use link that expires, in the inviter's
    language. Written into the chat history."""
    require(actor, "collabs.invite", collab)
    _require_guests_allowed()
    email = _clean_email(email)
    name = single_line(name)[:150]
    if Membership.objects.active().filter(collab=collab, user__email__iexact=email).exists():
        raise ValidationError(_("%(email)s is already a member.") % {"email": email})
    existing = pending(collab).filter(email__iexact=email).first()
    if existing is not None:
        _invited_already(collab, actor, existing, email)
    _count_sending(actor)
    now = timezone.now()
    invitation = Invitation.objects.create(
        collab=collab,
        channel=Invitation.Channel.EMAIL,
        email=email,
        name=name,
        token_hash=_unsent_token_hash(),
        invited_by=actor,
        created=now,
        sent_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_DAYS),
        delivery=Invitation.Delivery.QUEUED,
        delivery_changed=now,
    )
    after_commit(tasks.deliver_invitation, invitation.pk)
    post_system_message(
        collab, "invited", actor=actor, invitee=invitation.invitee, channel=invitation.channel
    )
    return invitation


def clean_phone(phone: str) -> str:
    """The number in E.164 (+79991234567), or a ValidationError saying what is wrong.
    Numbers without a country code are read as numbers of settings.PHONE_REGION."""
    raw = (phone or "").strip()
    try:
        number = phonenumbers.parse(raw, settings.PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(phone)s” is not a phone number.") % {"phone": raw[:40]}
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(phone)s” is not a valid phone number: check the country code and the digits.")
            % {"phone": raw[:40]}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@transaction.atomic
def invite_by_phone(collab: Collab, actor: User, phone: str, *, name: str = "") -> Invitation:
    """Invite someone by a text message: a single-use link that expires. Written into the
    chat history."""
    require(actor, "collabs.invite", collab)
    _require_guests_allowed()
    phone = clean_phone(phone)
    name = single_line(name)[:150]
    existing = pending(collab).filter(phone=phone).first()
    if existing is not None:
        _invited_already(collab, actor, existing, phone)
    _count_sending(actor)
    now = timezone.now()
    invitation = Invitation.objects.create(
        collab=collab,
        channel=Invitation.Channel.PHONE,
        phone=phone,
        name=name,
        token_hash=_unsent_token_hash(),
        invited_by=actor,
        created=now,
        sent_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_DAYS),
        delivery=Invitation.Delivery.QUEUED,
        delivery_changed=now,
    )
    after_commit(tasks.deliver_invitation, invitation.pk)
    post_system_message(
        collab, "invited", actor=actor, invitee=invitation.invitee, channel=invitation.channel
    )
    return invitation


def _unsent_token_hash() -> str:
    """The digest of a token nobody holds: what an invitation carries until its task sends it
    (and what a resend puts back at once, so that the old link stops working)."""
    return _new_token()[1]


class DeliveryFailed(Exception):
    """The mail server or the SMS gateway did not take the message; the text says why."""


def _describe(exc: Exception) -> str:
    """The refusal in the server's words, on one line, short enough to show."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code, message = next(iter(exc.recipients.values()))
    elif isinstance(exc, smtplib.SMTPResponseException):
        code, message = exc.smtp_code, exc.smtp_error
    else:
        return single_line(str(exc) or type(exc).__name__)[:500]
    if isinstance(message, bytes):
        message = message.decode(errors="replace")
    return single_line(f"{code} {message}")[:500]


def _send_sms(invitation: Invitation, token: str) -> None:
    inviter = invitation.invited_by
    with translation.override(inviter.language or settings.LANGUAGE_CODE):
        text = _("%(inviter)s invites you to “%(collab)s” on %(site)s: %(link)s") % {
            "inviter": inviter.full_name or inviter.email,
            "collab": invitation.collab.name,
            "site": settings.SITE_NAME,
            "link": link(token),
        }
    try:
        send_sms(invitation.phone, text)
    except SmsError as exc:
        logger.warning("invitation SMS to %s failed: %s", invitation.phone, exc)
        raise DeliveryFailed(_describe(exc)) from exc


def _send_email(invitation: Invitation, token: str) -> None:
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "collab": invitation.collab,
        "inviter": inviter,
        "link": link(token),
        "days": settings.INVITATION_DAYS,
        "site_name": settings.SITE_NAME,
    }
    with translation.override(inviter.language or settings.LANGUAGE_CODE):
        subject = render_subject("invitations/email_subject.txt", context)
        body = render_to_string("invitations/email_body.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except OSError as exc:  # SMTP errors are OSErrors too
        logger.warning("invitation email to %s failed: %s", invitation.email, exc)
        raise DeliveryFailed(_describe(exc)) from exc


def _deliverable(now=None):
    """Invitations whose message may still go out: by email or phone, not accepted, revoked
    or expired."""
    now = now or timezone.now()
    return (
        Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .exclude(expires_at__lte=now)
        .exclude(channel=Invitation.Channel.LINK)
    )


def deliver(invitation_id: int) -> str:
    """The background task's work: send the invitation's email or text message with a new
    token, and record what became of it. Returns the delivery state it left (or "skipped").

    The invitation is claimed first (queued -> sending, in a transaction of its own, with the
    new token's digest), so a task run twice, or by two workers, sends once; one revoked or
    accepted meanwhile is not sent. The message goes out after that commit, outside any
    transaction. A refusal makes it "not delivered", with the server's words, until the
    inviter resends; nothing of the invitation is lost."""
    token, digest = _new_token()
    now = timezone.now()
    claimed = (
        _deliverable(now)
        .filter(pk=invitation_id, delivery=Invitation.Delivery.QUEUED)
        .update(
            delivery=Invitation.Delivery.SENDING,
            token_hash=digest,
            delivery_error="",
            delivery_changed=now,
        )
    )
    if not claimed:
        return "skipped"
    invitation = Invitation.objects.select_related("collab", "invited_by").get(pk=invitation_id)
    try:
        if invitation.channel == Invitation.Channel.PHONE:
            _send_sms(invitation, token)
        else:
            _send_email(invitation, token)
    except Exception as exc:
        error = exc.args[0] if isinstance(exc, DeliveryFailed) else _describe(exc)
        # Only the claim of this task: a resend meanwhile has queued the invitation anew.
        Invitation.objects.filter(pk=invitation_id, delivery=Invitation.Delivery.SENDING).update(
            delivery=Invitation.Delivery.FAILED,
            delivery_error=error,
            delivery_changed=timezone.now(),
        )
        if not isinstance(exc, DeliveryFailed):
            raise  # a bug, not a refusal: recorded on the invitation and in the task's result
        return Invitation.Delivery.FAILED
    Invitation.objects.filter(pk=invitation_id, delivery=Invitation.Delivery.SENDING).update(
        delivery=Invitation.Delivery.SENT, delivery_changed=timezone.now()
    )
    return Invitation.Delivery.SENT


# A delivery waiting this long was lost on its way to the queue (a crash between the commit
# and the enqueue) or waits for a worker: it is enqueued again.
QUEUED_TOO_LONG = timedelta(minutes=5)
# A delivery "being sent" this long was cut off (the worker killed mid-send; a send times out
# in seconds): it may or may not have arrived, so it is shown "not delivered" for a resend
# rather than sent again behind the inviter's back.
SENDING_TOO_LONG = timedelta(minutes=15)


def deliver_stalled(now=None) -> tuple[int, int]:
    """The periodic job (`manage.py deliver_invitations`): enqueue again the deliveries that
    wait too long, and mark "not delivered" those cut off while being sent. Returns (enqueued,
    cut off)."""
    now = now or timezone.now()
    cut_off = (
        _deliverable(now)
        .filter(delivery=Invitation.Delivery.SENDING, delivery_changed__lte=now - SENDING_TOO_LONG)
        .update(delivery=Invitation.Delivery.FAILED, delivery_error="", delivery_changed=now)
    )
    waiting = _deliverable(now).filter(
        delivery=Invitation.Delivery.QUEUED, delivery_changed__lte=now - QUEUED_TOO_LONG
    )
    enqueued = sum(
        enqueue_once(tasks.deliver_invitation, pk, key=str(pk))
        for pk in waiting.values_list("pk", flat=True)[:1000]
    )
    return enqueued, cut_off


def _require_guests_allowed() -> None:
    if not SitePolicy.current().guests_allowed:
        raise ValidationError(_("Guests are switched off on this portal: nobody can be invited."))


def _count_sending(actor: User) -> None:
    """Invitations send mail (and SMS): a limit per person and hour keeps the portal from
    being used to spam addresses."""
    wait = ratelimit.hit(actor.pk, "invite", [(settings.INVITATIONS_PER_HOUR, 3600)])
    if wait:
        minutes = max(1, round(wait / 60))
        raise ValidationError(
            ngettext(
                "You have sent many invitations. Try again in %(n)d minute.",
                "You have sent many invitations. Try again in %(n)d minutes.",
                minutes,
            )
            % {"n": minutes}
        )


def _pending_in(collab: Collab, actor: User, invitation_id: int) -> Invitation:
    """The pending invitation, locked, if the actor may manage it (their own, or any for the
    moderators and the owner: invitations.access)."""
    invitation = pending(collab).select_for_update(of=("self",)).filter(pk=invitation_id).first()
    if invitation is None:
        raise ValidationError(_("This invitation is no longer pending."))
    if not may_manage(actor, collab, invitation):
        raise PermissionDenied
    return invitation


@transaction.atomic
def resend(collab: Collab, actor: User, invitation_id: int) -> Invitation:
    """A new link, valid for the full period again, sent by the background task; the old link
    stops working at once. Also how an invitation that was not delivered is sent again."""
    require(actor, "collabs.invite", collab)
    _require_guests_allowed()
    invitation = _pending_in(collab, actor, invitation_id)
    _count_sending(actor)
    invitation.token_hash = _unsent_token_hash()
    invitation.sent_at = invitation.delivery_changed = timezone.now()
    invitation.expires_at = invitation.sent_at + timedelta(days=settings.INVITATION_DAYS)
    invitation.delivery = Invitation.Delivery.QUEUED
    invitation.delivery_error = ""
    invitation.save(
        update_fields=[
            "token_hash",
            "sent_at",
            "expires_at",
            "delivery",
            "delivery_error",
            "delivery_changed",
        ]
    )
    after_commit(tasks.deliver_invitation, invitation.pk)
    return invitation


@transaction.atomic
def revoke(collab: Collab, actor: User, invitation_id: int) -> Invitation:
    require(actor, "collabs.invite", collab)
    invitation = _pending_in(collab, actor, invitation_id)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    post_system_message(
        collab,
        "invitation_revoked",
        actor=actor,
        invitee=invitation.invitee,
        channel=invitation.channel,
    )
    return invitation


def link_token(invitation: Invitation) -> str:
    """The token of a link invitation, derived again whenever an inviter looks at it."""
    return salted_hmac("invitations.link", invitation.link_key, algorithm="sha256").hexdigest()


def link_url(invitation: Invitation) -> str:
    """The full address of a link invitation, as shared and as its QR code holds it."""
    return link(link_token(invitation))


def active_link(collab: Collab) -> Invitation | None:
    """The collab's link, if there is one and it still works."""
    link_invitation = Invitation.objects.filter(
        collab=collab, channel=Invitation.Channel.LINK, revoked_at__isnull=True
    ).first()
    if link_invitation is None or link_invitation.is_expired or link_invitation.is_used_up:
        return None
    return link_invitation


@transaction.atomic
def create_link(
    collab: Collab, actor: User, *, days: int | None = None, max_uses: int | None = None
) -> Invitation:
    """A new shareable link (and QR code) for the collab; the old link stops working."""
    require(actor, "invitations.manage_link", collab)
    _require_guests_allowed()
    if days is not None and not 1 <= days <= 365:
        raise ValidationError(_("A link works for 1 to 365 days."))
    if max_uses is not None and not 1 <= max_uses <= 10_000:
        raise ValidationError(_("A link may be used 1 to 10,000 times."))
    old = _revoke_link(collab)
    now = timezone.now()
    invitation = Invitation(
        collab=collab,
        channel=Invitation.Channel.LINK,
        invited_by=actor,
        created=now,
        sent_at=now,
        expires_at=now + timedelta(days=days) if days else None,
        max_uses=max_uses,
        link_key=secrets.token_hex(32),
        delivery=Invitation.Delivery.SENT,  # shown to the inviters, never sent
    )
    invitation.token_hash = _digest(link_token(invitation))
    invitation.save()
    post_system_message(collab, "link_created" if old is None else "link_replaced", actor=actor)
    return invitation


@transaction.atomic
def revoke_link(collab: Collab, actor: User) -> None:
    require(actor, "invitations.manage_link", collab)
    if _revoke_link(collab) is None:
        raise ValidationError(_("There is no link to revoke."))
    post_system_message(collab, "link_revoked", actor=actor)


def _revoke_link(collab: Collab) -> Invitation | None:
    current = (
        Invitation.objects.select_for_update()
        .filter(collab=collab, channel=Invitation.Channel.LINK, revoked_at__isnull=True)
        .first()
    )
    if current is not None:
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
    return current


def find(token: str, *, for_update: bool = False) -> Invitation:
    """The usable invitation behind the token, or InvitationRefused saying why not."""
    digest = _digest(token or "")
    invitations = Invitation.objects.select_related("collab", "invited_by")
    if for_update:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=digest).first()
    # The lookup is by digest, so it reveals nothing of the token; the comparison is
    # constant-time all the same.
    if invitation is None or not hmac.compare_digest(invitation.token_hash, digest):
        raise InvitationRefused(InvitationRefused.INVALID)
    if invitation.revoked_at is not None:
        raise InvitationRefused(InvitationRefused.REVOKED, invitation)
    if invitation.is_used_up:
        raise InvitationRefused(InvitationRefused.USED, invitation)
    if invitation.is_expired:
        raise InvitationRefused(InvitationRefused.EXPIRED, invitation)
    if not SitePolicy.current().guests_allowed:
        raise InvitationRefused(InvitationRefused.GUESTS_OFF, invitation)
    return invitation


def matches(invitation: Invitation, user: User) -> bool:
    """An email invitation is for the account with that address only; a link, or a text
    message's single-use link, is for whoever holds it."""
    if invitation.channel != Invitation.Channel.EMAIL:
        return True
    return invitation.email.lower() == user.email.lower()


@transaction.atomic
def accept(token: str, user: User) -> Collab:
    """The signed-in user takes the invitation: they become a member (a guest if their account
    is a guest's), the invitation is used up, and the chat says they joined."""
    invitation = find(token, for_update=True)
    if not matches(invitation, user):
        raise InvitationRefused(InvitationRefused.OTHER_EMAIL, invitation)
    collab = invitation.collab
    if Membership.objects.active().filter(collab=collab, user=user).exists():
        if invitation.channel == Invitation.Channel.LINK:
            return collab  # a member opening the collab's link uses nothing up
    else:
        collabs.join_by_invitation(
            collab, user, invited_by=invitation.invited_by, via=invitation.channel
        )
    invitation.use_count += 1
    if invitation.channel != Invitation.Channel.LINK:
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
    invitation.save(update_fields=["use_count", "accepted_at", "accepted_by"])
    return collab


class AccountExists(Exception):
    """The address has an account already (made a moment ago, in another tab): sign in."""


def sign_up_and_accept(
    token: str, *, email: str, full_name: str, password: str, language: str = ""
) -> tuple[User, Collab]:
    """Someone without an account takes the invitation: a guest account is made and joins, in
    one transaction (nothing is kept if either fails). An email invitation names the address
    (and its link reaching them verifies it); a link or a text message's link is for whoever
    holds it, with the address they give, which they confirm later.

    Raises InvitationRefused (used up by a double submit or a second tab, revoked, ...) or
    AccountExists."""
    try:
        with transaction.atomic():
            invitation = find(token, for_update=True)
            by_email = invitation.channel == Invitation.Channel.EMAIL
            user = create_guest(
                email=invitation.email if by_email else email,
                verified=by_email,
                full_name=full_name,
                password=password,
                language=language,
            )
            collab = accept(token, user)
    except IntegrityError as exc:
        raise AccountExists from exc
    return user, collab
