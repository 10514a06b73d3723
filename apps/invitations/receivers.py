"""How invitations hook into the layers beside and below: their sentences in the chat history
and their part of the members page."""

from django.utils.translation import gettext as _

from apps.accounts.models import SitePolicy
from apps.chat import system
from apps.collabs import registry
from apps.collabs.permissions import can

from . import qr, services
from .forms import EmailInviteForm, LinkForm
from .services import active_link, pending_for

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
system.register(
    "link_created",
    lambda d: _("%(actor)s made an invitation link") % {"actor": system.person(d, "actor")},
)
system.register(
    "link_replaced",
    lambda d: (
        _("%(actor)s made a new invitation link; the old one no longer works")
        % {"actor": system.person(d, "actor")}
    ),
)
system.register(
    "link_revoked",
    lambda d: _("%(actor)s revoked the invitation link") % {"actor": system.person(d, "actor")},
)


def members_context(request, collab) -> dict:
    """The invite forms and the pending invitations, for those who may invite: all of them for
    the moderators and the owner, their own for the others; the collab's link for the
    employees who may invite (invitations.access, permissions.RULES)."""
    user = request.user
    if not can(user, "collabs.invite", collab) or not SitePolicy.current().guests_allowed:
        return {"invitations": None}
    keeps_link = can(user, "invitations.manage_link", collab)
    link = active_link(collab) if keeps_link else None
    url = services.link_url(link) if link else ""
    return {
        "invitations": {
            "form": EmailInviteForm(),
            "pending": list(pending_for(user, collab)),
            "sees_all": can(user, "invitations.manage_all", collab),
            "keeps_link": keeps_link,
            "link": link,
            "link_url": url,
            "link_qr": qr.svg(url) if link else "",
            "link_form": LinkForm(),
        },
    }


registry.register_page_section(
    "invitations", "invitations/_members.html", members_context, page="members"
)
