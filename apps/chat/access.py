"""Which messages a member sees. Every message query of a view or consumer starts here
(never Message.objects filtered by hand): the collab comes from the access layer, and the
collab's "new members see earlier history" setting bounds what a newcomer sees."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.collabs.models import Collab
from apps.collabs.permissions import history_start, membership_of

from .models import Message

__all__ = [
    "history_start",
    "last_message_of",
    "list_heads",
    "source_message",
    "visible_messages",
    "within_view",
]


def visible_messages(user, collab: Collab):
    """The messages of `collab` that `user` may read; none for a non-member."""
    return within_view(Message.objects.all(), user, collab)


def within_view(rows, user, collab: Collab):
    """`rows` (a queryset of messages, or of what is copied from them with the message's
    `collab` and `created`, such as their links) cut to what `user` may read of `collab`:
    none for a non-member, nothing older than a newcomer's start of the history."""
    if membership_of(user, collab) is None:
        return rows.none()
    rows = rows.filter(collab=collab)
    start = history_start(user, collab)
    if start is not None:
        rows = rows.filter(created__gte=start)
    return rows


def unread_messages(user, collab, after_id):
    """What counts as unread for `user` in `collab` past their read marker `after_id`: the
    live messages of others, and the system messages about what others did. Your own messages
    and the notes of your own actions (creating a link, adding someone, leaving) are never
    news to you. The one definition behind every count: the unread counter of "my collabs"
    (and the title's total), the chat's "new messages" divider and where the page opens.

    `collab` and `after_id` may be expressions (OuterRef, Subquery), for the counters of "my
    collabs". The history before a newcomer came needs no bound here: joining sets their
    marker at their arrival (receivers.write_system_message)."""
    return (
        Message.objects.filter(collab=collab, pk__gt=after_id, deleted_at__isnull=True)
        .exclude(author=user)
        .exclude(actor=user)
    )


def last_message_of(collab):
    """The id of the collab's last message, as a subquery for the list of a member's collabs
    (`collab` an OuterRef to their membership's collab; index message_collab_id). A newcomer
    kept from the earlier history still sees it: the note of their own arrival comes after
    their start."""
    return Message.objects.filter(collab=collab).order_by("-pk").values("pk")[:1]


def list_heads(ids):
    """The last messages found by `last_message_of` for the rows of a member's list of
    collabs, with their authors: what the previews show."""
    return (
        Message.objects.filter(pk__in=ids)
        .select_related("author")
        .only(
            "collab_id",
            "author__full_name",
            "author__email",
            "actor_id",
            "kind",
            "html",
            "system_type",
            "system_data",
            "created",
            "deleted_at",
            "attached",
        )
    )


def source_message(user, collab: Collab, message_id) -> Message | None:
    """The chat message a feature's item (a task, a meeting) is made from: one the person may
    read, written by a person, not deleted; None when no id is given, a ValidationError for
    any other id."""
    if message_id in (None, ""):
        return None
    try:
        message_id = int(message_id)
    except (TypeError, ValueError):
        raise ValidationError(_("The message is not in this chat.")) from None
    message = (
        visible_messages(user, collab)
        .filter(pk=message_id, kind="user", deleted_at__isnull=True)
        .select_related("author")
        .first()
    )
    if message is None:
        raise ValidationError(_("The message is not in this chat."))
    return message
