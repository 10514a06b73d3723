"""The access layer: the one place that says who may see and do what in a collab.

Every view, consumer and download goes through it:

- `get_collab_for(user, collab_id)` returns the collab with the user's membership attached,
  or raises Http404, the same for a collab that does not exist and one that is not yours
  (guests of other collabs, removed members and deactivated users all get 404).
- `user.has_perm("collabs.change_settings", collab)` answers through `CollabPermissionBackend`,
  registered in AUTHENTICATION_BACKENDS; `require(user, perm, collab)` raises PermissionDenied
  (403) when the role lacks the right.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.http import Http404

from .models import SETTINGS_FIELDS, Collab, Level, Membership, Role

_CACHE_ATTR = "_membership_cache"


def membership_of(user, collab: Collab) -> Membership | None:
    """The user's current membership of the collab, or None. Cached on the collab object,
    so a page asking several permissions makes one query."""
    if not user.is_authenticated or not user.is_active:
        return None
    cache = collab.__dict__.setdefault(_CACHE_ATTR, {})
    if user.pk not in cache:
        cache[user.pk] = Membership.objects.active().filter(collab=collab, user=user).first()
    return cache[user.pk]


def forget(collab: Collab, user=None) -> None:
    """Drop the cached membership of one user (or of all) after a service changed it."""
    cache = collab.__dict__.get(_CACHE_ATTR)
    if cache is not None:
        if user is None:
            cache.clear()
        else:
            cache.pop(user.pk, None)


def _remember(collab: Collab, user, membership: Membership | None) -> None:
    collab.__dict__.setdefault(_CACHE_ATTR, {})[user.pk] = membership


def history_start(user, collab: Collab):
    """When the user's view of the collab's history begins: None for all of it. With "new
    members see earlier history" off, a member sees from when they joined (the owner sees
    everything)."""
    membership = membership_of(user, collab)
    if membership is None or collab.new_members_see_history or membership.role == Role.OWNER:
        return None
    return membership.joined_at


def get_collab_for(user, collab_id) -> Collab:
    """The collab if the user is a current member of it; Http404 otherwise (one query)."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    try:
        membership = (
            Membership.objects.active()
            # The feature levels come with the collab (a LEFT JOIN): rights need them.
            .select_related("collab", "collab__feature_settings")
            .get(collab_id=int(collab_id), user=user)
        )
    except (Membership.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    collab = membership.collab
    _remember(collab, user, membership)
    return collab


# The membership's role and the collab's settings as committed now, in one indexed row. The
# column names come from the models, never from input; the id goes as a parameter.
_RIGHTS_NOW = (  # lint: allow fstring-sql -- table and column names from model metadata
    "SELECT m.role, "  # noqa: S608
    + ", ".join(f"c.{Collab._meta.get_field(name).column}" for name in SETTINGS_FIELDS)
    + f" FROM {Membership._meta.db_table} m JOIN {Collab._meta.db_table} c ON c.id = m.collab_id"
    " WHERE m.id = %s AND m.left_at IS NULL"
)


def rights_unchanged(collab: Collab, membership: Membership) -> bool:
    """Whether the membership is still current with the same role, and the collab's settings
    are those in hand: the check an open socket makes before acting on what it holds (see
    CollabConsumer.current_collab). One row, without the ORM's model building: it runs for
    every frame that acts."""
    with connection.cursor() as cursor:
        cursor.execute(_RIGHTS_NOW, [membership.pk])
        row = cursor.fetchone()
    held = (membership.role, *(getattr(collab, name) for name in SETTINGS_FIELDS))
    return row is not None and tuple(row) == held


def level_allows(level: str, membership: Membership | None, user) -> bool:
    if membership is None:
        return False
    if level == Level.OWNER:
        return membership.role == Role.OWNER
    if level == Level.MODERATORS:
        return membership.role in (Role.OWNER, Role.MODERATOR)
    if level == Level.EMPLOYEES:
        return user.is_employee
    return level == Level.MEMBERS


Rule = Callable[[object, Collab, Membership | None], bool]


def _level(field: str) -> Rule:
    return lambda user, collab, m: level_allows(getattr(collab, field), m, user)


def _member(user, collab, m) -> bool:
    return m is not None


def _owner(user, collab, m) -> bool:
    return m is not None and m.role == Role.OWNER


def _moderator(user, collab, m) -> bool:
    return m is not None and m.role in (Role.OWNER, Role.MODERATOR)


def _employee_inviter(user, collab, m) -> bool:
    # Adding employees needs the employee directory, which guests never see.
    return user.is_employee and level_allows(collab.invite_level, m, user)


def _invitation_moderator(user, collab, m) -> bool:
    # The pending invitations name outside people by address. Only those who answer for the
    # collab's membership (moderators and the owner), when they may invite, see all of them
    # and resend or revoke any; every other inviter sees and manages the ones they sent
    # (invitations.access).
    return _moderator(user, collab, m) and level_allows(collab.invite_level, m, user)


def _link_keeper(user, collab, m) -> bool:
    # The collab's link belongs to the collab, not to whoever made it: it lets anyone in who
    # holds it, for as long as it lives, and making a new one breaks the link others shared.
    # So it is for the employees who may invite; a guest, even one allowed to invite, asks
    # one person at a time (email, phone), each invitation theirs.
    return m is not None and m.role != Role.GUEST and _employee_inviter(user, collab, m)


def _leaver(user, collab, m) -> bool:
    # The owner hands the collab over before leaving it.
    return m is not None and m.role != Role.OWNER


# The permission table: the core's rules here; each installed feature adds one rule per right
# it registers (features.register_feature), read from the collab's feature levels.
RULES: dict[str, Rule] = {
    "collabs.view_collab": _member,
    "collabs.change_settings": _level("settings_level"),
    "collabs.invite": _level("invite_level"),
    "collabs.add_employees": _employee_inviter,
    "invitations.manage_all": _invitation_moderator,
    "invitations.manage_link": _link_keeper,
    "collabs.change_role": _owner,
    "collabs.remove_member": _moderator,
    "collabs.transfer_ownership": _owner,
    "collabs.delete_collab": _owner,
    "collabs.leave": _leaver,
    "chat.post_message": _level("post_level"),
}


class CollabPermissionBackend:
    """Answers object permissions on a Collab from the user's membership and its settings.
    It authenticates nobody; it only answers has_perm."""

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if not isinstance(obj, Collab) or perm not in RULES:
            return False
        if not user_obj.is_active:
            return False
        return RULES[perm](user_obj, obj, membership_of(user_obj, obj))


def can(user, perm: str, collab: Collab) -> bool:
    if perm not in RULES:
        raise ValueError(f"Unknown collab permission: {perm}")
    return user.has_perm(perm, collab)


def rights_of(user, collab: Collab) -> frozenset[str]:
    """Every collab right the user holds (names from RULES). No query beyond the membership
    cached on the collab."""
    return frozenset(name for name in RULES if can(user, name, collab))


def require(user, perm: str, collab: Collab) -> None:
    """403 when the user's role lacks the right (they can see the collab, so 404 would lie)."""
    if not can(user, perm, collab):
        raise PermissionDenied


def member_actions(user, collab: Collab, target: Membership) -> dict[str, bool]:
    """What `user` may do to the member `target` (the buttons of the members page). The
    services refuse the same (collabs.services.change_role, set_guest_expiry, remove_member)."""
    is_owner = can(user, "collabs.change_role", collab)
    is_moderator = can(user, "collabs.remove_member", collab)
    return {
        # Moderator or member: the owner's role moves by a transfer, a guest stays a guest.
        "change_role": is_owner and target.role in (Role.MODERATOR, Role.MEMBER),
        "set_expiry": is_moderator and target.role == Role.GUEST,
        # Never the owner, nor yourself (that is leaving); a moderator only by the owner.
        "remove": is_moderator
        and target.role != Role.OWNER
        and target.user_id != user.pk
        and (target.role != Role.MODERATOR or is_owner),
    }


def can_create_collab(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_employee


def visible_users(viewer):
    """The users the viewer may see: employees see the company (employees) and the people of
    their collabs; guests see only people they share a current collab with."""
    from apps.accounts.models import User

    shared = Q(
        memberships__left_at__isnull=True,
        memberships__collab__memberships__user=viewer,
        memberships__collab__memberships__left_at__isnull=True,
    )
    if not viewer.is_authenticated or not viewer.is_active:
        return User.objects.none()
    if viewer.is_employee:
        return User.objects.filter(Q(kind=User.Kind.EMPLOYEE) | shared | Q(pk=viewer.pk)).distinct()
    return User.objects.filter(shared | Q(pk=viewer.pk)).distinct()
