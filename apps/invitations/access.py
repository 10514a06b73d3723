"""Which invitations a person may see and manage. Every view and service that reads or acts on
one invitation starts here; the rules themselves are the access layer's
(apps.collabs.permissions.RULES):

- nothing without the collab's invite right ("collabs.invite");
- moderators and the owner who may invite see every pending invitation by email or phone and
  resend or revoke any ("invitations.manage_all");
- everyone else who may invite — employees, and guests where the collab lets guests invite —
  sees and manages only the invitations they sent: the others name outside people by their
  address, which is not theirs to see.

The collab's shared link is another rule ("invitations.manage_link"): see services.
"""

from django.db.models import QuerySet
from django.http import Http404

from apps.collabs.models import Collab
from apps.collabs.permissions import can

from .models import Invitation


def visible_invitations(user, collab: Collab) -> QuerySet:
    """The collab's invitations by email and phone, in any state, that the user may see."""
    if not can(user, "collabs.invite", collab):
        return Invitation.objects.none()
    invitations = Invitation.objects.filter(collab=collab).exclude(channel=Invitation.Channel.LINK)
    if not can(user, "invitations.manage_all", collab):
        invitations = invitations.filter(invited_by=user)
    return invitations


def may_manage(user, collab: Collab, invitation: Invitation) -> bool:
    """Whether the user may resend or revoke this invitation of the collab."""
    return can(user, "collabs.invite", collab) and (
        invitation.invited_by_id == user.pk or can(user, "invitations.manage_all", collab)
    )


def get_invitation_for(user, collab: Collab, invitation_id) -> Invitation:
    """The invitation if the user may see it; Http404 otherwise, the same for one that does not
    exist and one that is someone else's."""
    try:
        return visible_invitations(user, collab).get(pk=int(invitation_id))
    except (Invitation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
