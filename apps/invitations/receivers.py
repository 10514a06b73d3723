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

# The sentences follow the rules in apps/chat/system.py (past tense in English; in Russian no
# verb that would agree with a person's gender, names only in the nominative):
#
#     invited, email          Анна: приглашение отправлено на почту — Ольга (гость)
#                             Anna invited Olga (guest) by email
#     invited, phone          Анна: приглашение отправлено на телефон — Ольга (гость)
#                             Anna invited Olga (guest) by phone
#     invitation_revoked      Анна: приглашение отозвано — Ольга (гость)
#                             Anna revoked the invitation of Olga (guest)
#     link_created            Анна: ссылка-приглашение создана
#                             Anna made an invitation link
#     link_replaced           Анна: ссылка-приглашение заменена, старая отключена
#                             Anna replaced the invitation link; the old one stopped working
#     link_revoked            Анна: ссылка-приглашение отозвана
#                             Anna revoked the invitation link


def _names(d: dict) -> dict:
    """The inviter, and the invitee (a name or an address) with the guest mark: whoever is
    invited comes as a guest."""
    return {
        "actor": system.person(d, "actor"),
        "invitee": system.guest(d.get("invitee") or _("someone")),
    }


def _invited(d: dict) -> str:
    channel = d.get("channel", "")
    if channel == "email":
        return _("%(actor)s invited %(invitee)s by email") % _names(d)
    if channel == "phone":
        return _("%(actor)s invited %(invitee)s by phone") % _names(d)
    return _("%(actor)s invited %(invitee)s") % _names(d)


def _revoked(d: dict) -> str:
    return _("%(actor)s revoked the invitation of %(invitee)s") % _names(d)


system.register("invited", _invited)
system.register("invitation_revoked", _revoked)
system.register(
    "link_created",
    lambda d: _("%(actor)s made an invitation link") % {"actor": system.person(d, "actor")},
)
system.register(
    "link_replaced",
    lambda d: (
        _("%(actor)s replaced the invitation link; the old one stopped working")
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
