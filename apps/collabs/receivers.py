"""How collabs react to account events (accounts never imports collabs) and tell open sockets
that access changed."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import translation

from apps.accounts.signals import sessions_changed, user_deactivated

from . import live
from .models import Collab, Membership
from .signals import collab_activity

# What changes who is in the collab (collab_activity kinds).
MEMBERSHIP_KINDS = {
    "member_added",
    "member_joined",
    "member_removed",
    "member_left",
    "member_expired",
}


@receiver(user_deactivated)
def close_live_connections(sender, user, **kwargs) -> None:
    # Sent on commit by accounts.services.deactivate_user.
    live.revoke(user.pk)


@receiver(sessions_changed)
def check_live_sessions(sender, user_id: int, ended: str | None, **kwargs) -> None:
    # Sent on commit: a sign-out or a password change; each socket checks its own session.
    live.check_sessions(user_id, ended)


@receiver(post_save, sender=Membership)
def membership_changed(sender, instance: Membership, **kwargs) -> None:
    """Open sockets keep the member's rights in hand instead of asking the database on every
    frame; any saved change to a membership (a role, leaving, an edit in the admin) tells the
    member's sockets to check again, once it commits. Removal also revokes (services._end)."""
    user_id, collab_id = instance.user_id, instance.collab_id
    transaction.on_commit(lambda: live.access_changed(live.user_group(user_id), collab_id))


@receiver(post_delete, sender=Membership)
def membership_deleted(sender, instance: Membership, **kwargs) -> None:
    """Memberships are ended, not deleted (the admin cannot delete them); a row that goes all
    the same (a collab or a user deleted with everything, a shell) takes the access with it:
    the member's sockets to that collab close once it commits."""
    user_id, collab_id = instance.user_id, instance.collab_id
    transaction.on_commit(lambda: live.revoke(user_id, collab_id))


@receiver(post_save, sender=Collab)
def collab_changed(sender, instance: Collab, created: bool, **kwargs) -> None:
    """Settings decide rights too (who may post): every open socket of the collab checks again."""
    if created:
        return
    collab_id = instance.pk
    transaction.on_commit(lambda: live.access_changed(live.collab_group(collab_id), collab_id))


@receiver(collab_activity)
def publish_member_count(sender, collab, kind, **details) -> None:
    """Someone came or went: the open pages update the member count in the header and load
    their Members tab again."""
    if kind in MEMBERSHIP_KINDS:
        count = Membership.objects.current().filter(collab=collab).count()
        live.publish(collab.pk, "members", {"count": count})


def _members_frame(event: dict, reader, collab) -> dict:
    count = event["data"]["count"]
    with translation.override(reader.language):
        html = render_to_string(
            "collabs/_member_count.html", {"collab": collab, "member_count": count}
        )
    return {"type": "members", "count": count, "html": html}


live.register_event("members", _members_frame)
