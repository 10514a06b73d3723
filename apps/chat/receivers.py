"""How the chat hooks into the layers below: system messages for what happens in a collab,
the chat part of the collab page, and the unread counters of "my collabs"."""

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.dispatch import receiver

from apps.collabs import registry
from apps.collabs.signals import collab_activity

from .access import last_message_of, list_heads, unread_messages
from .models import Mention, ReadState
from .presenters import load_attachments
from .preview import Preview


def _person_data(user, key: str = "user") -> dict:
    return {
        f"{key}_id": user.pk,
        f"{key}_name": user.full_name or user.email,
        f"{key}_guest": user.is_guest,
    }


@receiver(collab_activity)
def write_system_message(sender, collab, kind, actor, **details) -> None:
    """Every join, leave, removal, role change and hand-over goes into the chat history."""
    from .services import post_system_message

    user = details.get("user")
    data = _person_data(user) if user is not None else {}
    if kind == "role_changed":
        data.update(old=details["old"], new=details["new"])
    if kind == "member_joined":
        data["via"] = details["via"]
    message = post_system_message(collab, kind, actor=actor, **data)
    # The one who created the collab, or who was just added, starts with nothing unread: the
    # history before they came (and the note of their own arrival) is not news to them.
    newcomer = (
        actor if kind == "created" else user if kind in {"member_added", "member_joined"} else None
    )
    if newcomer is not None:
        ReadState.objects.update_or_create(
            collab=collab, user=newcomer, defaults={"last_read_id": message.pk}
        )


def _last_read(user):
    return Coalesce(
        Subquery(
            ReadState.objects.filter(user=user, collab=OuterRef(OuterRef("collab_id"))).values(
                "last_read_id"
            )[:1]
        ),
        Value(0),
    )


# The list counts a collab's unread messages up to this many, and shows more as "999+":
# counting a backlog whole cost every page of a member who came back to a busy collab the
# time of the count (bench/chat: 350 ms a page with a million unread; pageprof: +29 ms with
# 100,000), where a bounded count costs at most this many index entries.
UNREAD_SHOWN = 999


class _CappedCount(Subquery):
    """The number of rows of a sliced queryset, as a subquery: COUNT over its LIMIT."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS capped)"
    output_field = IntegerField()


def annotate_unread(queryset, user):
    """unread_count (up to UNREAD_SHOWN + 1) and mention_count per membership row, as
    subqueries of the one query."""
    unread = _CappedCount(
        unread_messages(user, OuterRef("collab_id"), _last_read(user))
        .order_by()
        .values("pk")[: UNREAD_SHOWN + 1]
    )
    mentions = (
        Mention.objects.filter(
            user=user, collab=OuterRef("collab_id"), message_id__gt=_last_read(user)
        )
        .order_by()
        .values("collab")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last = last_message_of(OuterRef("collab_id"))
    return queryset.annotate(
        unread_count=unread,
        mention_count=Coalesce(Subquery(mentions, output_field=IntegerField()), Value(0)),
        last_message_id=Subquery(last, output_field=IntegerField()),
    )


def attach_previews(rows: list, user) -> None:
    """Each row's last message as a preview, and when the collab was last active: one query
    for all the rows."""
    ids = [row.last_message_id for row in rows if row.last_message_id]
    found = {m.pk: m for m in list_heads(ids)}
    load_attachments(list(found.values()))
    for row in rows:
        message = found.get(row.last_message_id)
        row.chat_preview = Preview.of(message) if message is not None else None
        row.activity_at = message.created if message is not None else None


def chat_context(request, collab) -> dict:
    from .views import chat_panel_context

    return chat_panel_context(request, collab)


registry.register_list_extension(
    "chat",
    annotate_unread,
    "chat/_counters.html",
    attach=attach_previews,
    preview_template="chat/_preview_row.html",
)
registry.register_page_section("chat", "chat/_panel.html", chat_context)
