"""How invitations hook into the layers beside and below: their sentences in the chat history
and their part of the members page."""

from django.utils.translation import gettext as _

from apps.chat import system
from apps.collabs import registry
from apps.collabs.permissions import can

from .forms import EmailInviteForm
from .services import pending

_CHANNELS = {
    "email": lambda: _("by email"),
    "phone": lambda: _("by phone"),
    "link": lambda: _("by link"),
}


def _invited(d: dict) -> str:
    return _("%(actor)s invited %(invitee)s (guest) %(channel)s") % {
        "actor": system.person(d, "actor"),
        "invitee": d.get("invitee") or _("someone"),
        "channel": _CHANNELS.get(d.get("channel", ""), lambda: "")(),
    }


def _revoked(d: dict) -> str:
    return _("%(actor)s revoked the invitation of %(invitee)s") % {
        "actor": system.person(d, "actor"),
        "invitee": d.get("invitee") or _("someone"),
    }


system.register("invited", _invited)
system.register("invitation_revoked", _revoked)


def members_context(request, collab) -> dict:
    """The invite form and the pending invitations, for those who may invite."""
    if not can(request.user, "collabs.invite", collab):
        return {"invitations": None}
    return {
        "invitations": {"form": EmailInviteForm(), "pending": list(pending(collab))},
    }


registry.register_page_section(
    "invitations", "invitations/_members.html", members_context, page="members"
)
