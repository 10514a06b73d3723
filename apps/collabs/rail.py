"""The list of a person's collabs: the "My collabs" page, the column beside a collab's pages
and the top bar's unread count. One list for all three, built in a constant number of queries
whatever the number of collabs (the features' annotations, then what they attach in one query
each), pinned collabs first, then the most recently active."""

from django.db.models import Count, IntegerField, OuterRef, Subquery

from . import registry
from .models import Membership
from .permissions import can_create_collab


def _member_count():
    return Subquery(
        Membership.objects.current()
        .filter(collab=OuterRef("collab_id"))
        .order_by()
        .values("collab_id")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def _order(row) -> tuple:
    active = getattr(row, "activity_at", None) or row.collab.created
    return (not row.pinned, -active.timestamp(), row.collab.name.casefold(), row.collab_id)


def collab_rows(user, *, hidden: bool = False) -> list[Membership]:
    """The person's memberships (the hidden ones, or the others) with their collabs, member
    counts and whatever the features annotate and attach, in the list's order."""
    rows = (
        Membership.objects.active()
        .filter(user=user, hidden=hidden)
        .select_related("collab")
        .annotate(member_count=_member_count())
    )
    rows = registry.attach_list(list(registry.annotate_list(rows, user)), user)
    rows.sort(key=_order)
    return rows


def unread_total(rows) -> int:
    """What the title and the top bar count: the unread messages of the listed collabs."""
    return sum(getattr(row, "unread_count", 0) or 0 for row in rows)


def rail_context(user, current_id: int | None = None) -> dict:
    rows = collab_rows(user)
    return {
        "rail_rows": rows,
        "rail_current": current_id,
        "rail_total": unread_total(rows),
        "rail_can_create": can_create_collab(user),
        "nav_total": unread_total(rows),
        "list_templates": registry.list_templates(),
        "preview_templates": registry.preview_templates(),
    }


def unread_total_of(user) -> int:
    """The unread total alone (one query), for pages that do not list the collabs."""
    rows = Membership.objects.active().filter(user=user, hidden=False)
    return unread_total(registry.annotate_list(rows, user))
