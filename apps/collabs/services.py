"""Every change to a collab or its membership: one function per user action.

Each runs in a transaction, checks the rule it enforces (views check access first, but a
service never trusts its caller with the invariants), writes the audit record, tells the
layers above through `collab_activity` (chat system messages), and closes live connections
on commit when access is lost.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import AuditEvent, User
from apps.accounts.services import audit
from apps.accounts.verification import may_email
from apps.core.background import enqueue_once
from apps.core.text import render_subject, single_line

from . import features as feature_registry
from . import live, tasks
from .models import (
    SETTINGS_FIELDS,
    Collab,
    Membership,
    Role,
)
from .permissions import can, can_create_collab, forget, require
from .registry import remaining_content
from .signals import collab_activity


class CollabNotEmpty(Exception):
    """Deleting was refused; `remaining` names what is left, e.g. ["3 files", "1 task"]."""

    def __init__(self, remaining: list[str]):
        self.remaining = remaining
        super().__init__(", ".join(remaining))


def _activity(collab: Collab, kind: str, actor: User | None, **details) -> None:
    collab_activity.send(sender=Collab, collab=collab, kind=kind, actor=actor, **details)


def _role_for(user: User) -> str:
    return Role.GUEST if user.is_guest else Role.MEMBER


def _collab_name(name: str) -> str:
    """The name on one line (it goes into email subjects), and not empty."""
    name = single_line(name)
    if not name:
        raise ValidationError(_("A collab needs a name."))
    return name


@transaction.atomic
def create_collab(owner: User, *, name: str, description: str = "", avatar=None) -> Collab:
    if not can_create_collab(owner):
        raise PermissionDenied(_("Only employees can create collabs."))
    name = _collab_name(name)
    collab = Collab.objects.create(
        name=name, description=description, avatar=avatar or "", owner=owner
    )
    Membership.objects.create(collab=collab, user=owner, role=Role.OWNER, added_by=owner)
    audit(AuditEvent.Action.COLLAB_CREATED, actor=owner, collab_id=collab.pk, name=name)
    _activity(collab, "created", owner)
    return collab


@transaction.atomic
def update_collab(collab: Collab, actor: User, *, name: str, description: str, avatar=None):
    """Name, description and avatar: part of the settings, under the same rule."""
    require(actor, "collabs.change_settings", collab)
    collab.name = _collab_name(name)
    collab.description = description
    fields = ["name", "description"]
    if avatar is not None:
        collab.avatar = avatar or ""
        fields.append("avatar")
    collab.save(update_fields=fields)
    return collab


@transaction.atomic
def change_settings(
    collab: Collab, actor: User, *, features: dict | None = None, **values
) -> list[str]:
    """Apply the given settings: the core's (keyword arguments) and the installed features'
    levels (`features`: {feature: {verb: level}}). Returns the names of those that changed
    ("post_level", "tasks.view")."""
    require(actor, "collabs.change_settings", collab)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Unknown settings: {sorted(unknown)}")
    feature_levels = feature_registry.validate(features or {})
    for name, value in values.items():
        # The same choices the form offers: a caller cannot widen a rule beyond them.
        field = Collab._meta.get_field(name)
        if field.choices and value not in {choice for choice, _label in field.choices}:
            raise ValidationError(
                _("“%(value)s” is not a valid choice for %(setting)s.")
                % {"value": value, "setting": field.verbose_name}
            )
    changed = [name for name, value in values.items() if getattr(collab, name) != value]
    if "settings_level" in changed and not Membership.objects.active().filter(
        collab=collab, user=actor, role=Role.OWNER
    ):
        # Moderators may not take the settings away from the owner or give them to others.
        raise PermissionDenied(_("Only the owner may change who can change the settings."))
    for name in changed:
        setattr(collab, name, values[name])
    if changed:
        collab.save(update_fields=changed)
    changed_levels = feature_registry.store_levels(collab, feature_levels)
    if changed_levels:
        # The feature levels decide rights too: the collab's open sockets check theirs again.
        collab_id = collab.pk
        transaction.on_commit(lambda: live.access_changed(live.collab_group(collab_id), collab_id))
    logged = {name: values[name] for name in changed}
    for name in changed_levels:
        key, verb = name.split(".")
        logged[name] = feature_levels[key][verb]
    changed = [*changed, *changed_levels]
    if changed:
        audit(
            AuditEvent.Action.COLLAB_SETTINGS_CHANGED,
            actor=actor,
            collab_id=collab.pk,
            changed=logged,
        )
        _activity(collab, "settings_changed", actor, changed=changed)
    return changed


@transaction.atomic
def update_settings(
    collab: Collab,
    actor: User,
    *,
    name: str,
    description: str,
    avatar=None,
    features: dict | None = None,
    **values,
) -> None:
    """The settings page: about and rules together, all or nothing."""
    update_collab(collab, actor, name=name, description=description, avatar=avatar)
    change_settings(collab, actor, features=features, **values)


@transaction.atomic
def add_member(collab: Collab, actor: User, user: User) -> Membership:
    """Add a person at once (employees from the directory; guests arrive by invitation)."""
    require(actor, "collabs.add_employees" if user.is_employee else "collabs.invite", collab)
    membership = _admit(collab, user, added_by=actor)
    _activity(collab, "member_added", actor, user=user, membership=membership)
    return membership


@transaction.atomic
def join_by_invitation(collab: Collab, user: User, *, invited_by: User, via: str) -> Membership:
    """The person followed an invitation (checked by the invitations app) and comes in.
    `via` is the invitation's channel: email, phone or link."""
    membership = _admit(collab, user, added_by=invited_by)
    _activity(collab, "member_joined", None, user=user, via=via, membership=membership)
    return membership


def _admit(collab: Collab, user: User, *, added_by: User) -> Membership:
    if not user.is_active:
        raise ValidationError(_("%(name)s is deactivated.") % {"name": user})
    if Membership.objects.active().filter(collab=collab, user=user).exists():
        raise ValidationError(_("%(name)s is already a member.") % {"name": user})
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                collab=collab, user=user, role=_role_for(user), added_by=added_by
            )
    except IntegrityError as exc:  # two people added the same person at the same moment
        raise ValidationError(_("%(name)s is already a member.") % {"name": user}) from exc
    forget(collab, user)
    audit(AuditEvent.Action.MEMBER_ADDED, actor=added_by, target_user=user, collab_id=collab.pk)
    return membership


def _current(collab: Collab, user: User) -> Membership:
    membership = (
        Membership.objects.active().select_for_update().filter(collab=collab, user=user).first()
    )
    if membership is None:
        raise ValidationError(_("%(name)s is not a member.") % {"name": user})
    return membership


@transaction.atomic
def change_role(collab: Collab, actor: User, user: User, role: str) -> Membership:
    require(actor, "collabs.change_role", collab)
    membership = _current(collab, user)
    if role not in (Role.MODERATOR, Role.MEMBER):
        raise ValidationError(_("Ownership is handed over with “Transfer ownership”."))
    if membership.role == Role.OWNER:
        raise ValidationError(_("The owner's role changes only by transferring ownership."))
    if user.is_guest:
        raise ValidationError(_("Guests keep the guest role."))
    if membership.role != role:
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        forget(collab, user)
        audit(
            AuditEvent.Action.ROLE_CHANGED,
            actor=actor,
            target_user=user,
            collab_id=collab.pk,
            old=old,
            new=role,
        )
        _activity(collab, "role_changed", actor, user=user, old=old, new=role)
    return membership


def _end(collab: Collab, membership: Membership, reason: str) -> None:
    membership.left_at = timezone.now()
    membership.left_reason = reason
    membership.pinned = False
    membership.save(update_fields=["left_at", "left_reason", "pinned"])
    forget(collab, membership.user)
    user_id, collab_id = membership.user_id, membership.collab_id
    transaction.on_commit(lambda: live.revoke(user_id, collab_id))


@transaction.atomic
def remove_member(collab: Collab, actor: User, user: User) -> None:
    """Remove someone: they lose access at once; what they wrote stays, with their name."""
    require(actor, "collabs.remove_member", collab)
    membership = _current(collab, user)
    if membership.role == Role.OWNER:
        raise ValidationError(_("The owner cannot be removed."))
    actor_is_owner = can(actor, "collabs.change_role", collab)
    if membership.role == Role.MODERATOR and not actor_is_owner:
        raise PermissionDenied(_("Only the owner may remove a moderator."))
    _end(collab, membership, Membership.LeftReason.REMOVED)
    audit(AuditEvent.Action.MEMBER_REMOVED, actor=actor, target_user=user, collab_id=collab.pk)
    _activity(collab, "member_removed", actor, user=user)


EXPIRY_WARNING = timedelta(days=5)
logger = logging.getLogger(__name__)


@transaction.atomic
def set_guest_expiry(collab: Collab, actor: User, user: User, until: datetime | None) -> None:
    """When a guest's access to the collab ends (None: never). Moderators and the owner."""
    require(actor, "collabs.remove_member", collab)
    membership = _current(collab, user)
    if membership.role != Role.GUEST:
        raise ValidationError(_("Only a guest's access can have an end date."))
    if until is not None and until <= timezone.now():
        raise ValidationError(_("The end date must be in the future."))
    membership.expires_at = until
    membership.expiry_warned_at = None
    membership.save(update_fields=["expires_at", "expiry_warned_at"])


def expire_guests(now: datetime | None = None) -> tuple[int, int]:
    """The periodic job: remove guests whose access ended, and warn whoever added them five
    days before, once (a background task each: tasks.warn_guest_expiry). Returns (removed,
    warnings enqueued). Each removal is a transaction of its own."""
    now = now or timezone.now()
    removed = warned = 0
    due = Membership.objects.active().filter(expires_at__lte=now).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            membership = (
                Membership.objects.active()
                .select_for_update(of=("self",))
                .select_related("collab", "user")
                .filter(pk=pk, expires_at__lte=now)
                .first()
            )
            if membership is None:
                continue
            _end(membership.collab, membership, Membership.LeftReason.EXPIRED)
            audit(
                AuditEvent.Action.MEMBER_REMOVED,
                target_user=membership.user,
                collab_id=membership.collab_id,
                reason="expired",
            )
            _activity(membership.collab, "member_expired", None, user=membership.user)
            removed += 1
    for membership in _warnings_due(now).select_related("added_by", "collab__owner"):
        if _expiry_recipient(membership) is None:
            continue  # nobody we may email yet: left unclaimed, the next run asks again
        warned += enqueue_once(
            tasks.warn_guest_expiry, membership.pk, now.isoformat(), key=str(membership.pk)
        )
    return removed, warned


def _warnings_due(now: datetime):
    return (
        Membership.objects.active()
        .filter(expires_at__gt=now, expires_at__lte=now + EXPIRY_WARNING)
        .filter(expiry_warned_at__isnull=True)
    )


def warn_expiry(membership_id: int, now: datetime) -> bool:
    """The warning task's work: claim the warning (expiry_warned_at set, so two runs never
    warn twice), email it outside any transaction, and give the claim back if that fails, so
    the next run tries again. True when a warning went out."""
    if not _warnings_due(now).filter(pk=membership_id).update(expiry_warned_at=now):
        return False
    membership = Membership.objects.select_related(
        "collab", "user", "added_by", "collab__owner"
    ).get(pk=membership_id)
    give_back = Membership.objects.filter(pk=membership_id)
    to = _expiry_recipient(membership)
    if to is None:  # unproven since the job looked: given back, to wait
        give_back.update(expiry_warned_at=None)
        return False
    try:
        _warn_expiry(membership, to)
    except Exception:
        # Whatever failed (the mail server away, a header refused), the claim is given
        # back so the next run tries again: a warning claimed and never sent is lost.
        logger.exception("expiry warning for membership %s failed", membership_id)
        give_back.update(expiry_warned_at=None)
        return False
    return True


def _expiry_recipient(membership: Membership) -> User | None:
    """Who is warned: whoever added the guest, else (gone, or their address not proven) the
    owner; None while neither may be emailed (apps.accounts.verification)."""
    for person in (membership.added_by, membership.collab.owner):
        if person is not None and may_email(person):
            return person
    return None


def _warn_expiry(membership: Membership, to: User) -> None:
    context = {
        "membership": membership,
        "collab": membership.collab,
        "guest": membership.user,
        "recipient": to,
        "link": settings.SITE_URL.rstrip("/")
        + reverse("collabs:members", args=[membership.collab_id]),
    }
    with translation.override(to.language or settings.LANGUAGE_CODE):
        subject = render_subject("collabs/email/expiry_subject.txt", context)
        body = render_to_string("collabs/email/expiry_body.txt", context)
    send_mail(subject, body, None, [to.email])


@transaction.atomic
def leave_collab(collab: Collab, user: User) -> None:
    membership = _current(collab, user)
    if membership.role == Role.OWNER:
        raise ValidationError(_("Transfer ownership to someone else before leaving."))
    _end(collab, membership, Membership.LeftReason.LEFT)
    audit(AuditEvent.Action.MEMBER_LEFT, actor=user, target_user=user, collab_id=collab.pk)
    _activity(collab, "member_left", user, user=user)


@transaction.atomic
def transfer_ownership(collab: Collab, actor: User, new_owner: User) -> None:
    """The new owner must be a current employee member; the old owner becomes a moderator."""
    require(actor, "collabs.transfer_ownership", collab)
    old = _current(collab, actor)
    if new_owner.pk == actor.pk:
        raise ValidationError(_("You already own this collab."))
    new = _current(collab, new_owner)
    if not new_owner.is_employee or not new_owner.is_active:
        raise ValidationError(_("Only an active employee can own a collab."))
    old.role = Role.MODERATOR
    old.save(update_fields=["role"])
    new.role = Role.OWNER
    new.save(update_fields=["role"])
    Collab.objects.filter(pk=collab.pk).update(owner=new_owner)
    collab.owner = new_owner
    forget(collab)
    audit(
        AuditEvent.Action.OWNERSHIP_TRANSFERRED,
        actor=actor,
        target_user=new_owner,
        collab_id=collab.pk,
    )
    _activity(collab, "ownership_transferred", actor, user=new_owner)


@transaction.atomic
def delete_collab(collab: Collab, actor: User) -> None:
    """Only the owner, and only when the collab holds no files, meetings or tasks."""
    require(actor, "collabs.delete_collab", collab)
    collab = Collab.objects.select_for_update().get(pk=collab.pk)
    remaining = remaining_content(collab)
    if remaining:
        raise CollabNotEmpty(remaining)
    member_ids = list(
        Membership.objects.active().filter(collab=collab).values_list("user_id", flat=True)
    )
    audit(AuditEvent.Action.COLLAB_DELETED, actor=actor, collab_id=collab.pk, name=collab.name)
    collab_id = collab.pk
    collab.delete()

    def _close() -> None:
        for user_id in member_ids:
            live.revoke(user_id, collab_id)

    transaction.on_commit(_close)


def set_pinned(collab: Collab, user: User, pinned: bool) -> None:
    """Personal: pin the collab to the top of my list."""
    Membership.objects.active().filter(collab=collab, user=user).update(pinned=pinned)


def unhide_for(collab: Collab, user_ids) -> None:
    """Bring the collab back into these people's lists (a mention does that), in one query."""
    Membership.objects.active().filter(collab=collab, user_id__in=user_ids, hidden=True).update(
        hidden=False
    )


def set_hidden(collab: Collab, user: User, hidden: bool) -> None:
    """Personal: hide the collab from my list (a mention brings it back, issue 3)."""
    Membership.objects.active().filter(collab=collab, user=user).update(hidden=hidden)
