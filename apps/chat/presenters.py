"""What a message looks like to a template: built once from the database (the page) or from
the event (the live push), so the page and the WebSocket render the very same partial without
the consumer touching the database for every reader."""

from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.db.models import Prefetch

from .markup import excerpt
from .models import Message, MessageAttachment, Reaction


@dataclass(frozen=True)
class PersonView:
    id: int
    name: str
    initials: str
    has_avatar: bool
    is_guest: bool
    is_active: bool

    @classmethod
    def of(cls, user) -> "PersonView":
        return cls(
            id=user.pk,
            name=user.full_name or user.email,
            initials=user.initials,
            has_avatar=bool(user.avatar),
            is_guest=user.is_guest,
            is_active=user.is_active,
        )


@dataclass
class ReplyView:
    id: int
    author_name: str
    excerpt: str
    deleted: bool
    created: datetime


@dataclass
class ReactionView:
    emoji: str
    count: int
    user_ids: list[int]
    names: list[str]


@dataclass
class AttachmentView:
    kind: str
    ref_id: int
    label: str
    data: dict


@dataclass
class MessageView:
    id: int
    collab_id: int
    kind: str
    author: PersonView | None
    html: str
    system_type: str
    system_data: dict
    created: datetime
    updated: datetime
    edited: bool
    deleted: bool
    pinned: bool
    reply: ReplyView | None
    reactions: list[ReactionView] = field(default_factory=list)
    # Who did what a system message tells (Message.actor); None for a person's message.
    actor_id: int | None = None
    # What features attached (files...), in order (attachments.py).
    attachments: list[AttachmentView] = field(default_factory=list)

    @property
    def is_system(self) -> bool:
        return self.kind == Message.Kind.SYSTEM

    @property
    def by_id(self) -> int | None:
        """Whose doing the message is: its author's, or the actor's of a system message."""
        return self.author.id if self.author else self.actor_id

    @property
    def version(self) -> str:
        return self.updated.isoformat()

    def to_event(self) -> dict:
        data = asdict(self)
        data["created"] = self.created.isoformat()
        data["updated"] = self.updated.isoformat()
        if self.reply:
            data["reply"]["created"] = self.reply.created.isoformat()
        return data

    @classmethod
    def from_event(cls, data: dict) -> "MessageView":
        data = dict(data)
        data["created"] = datetime.fromisoformat(data["created"])
        data["updated"] = datetime.fromisoformat(data["updated"])
        data["author"] = PersonView(**data["author"]) if data["author"] else None
        if data["reply"]:
            reply = dict(data["reply"])
            reply["created"] = datetime.fromisoformat(reply["created"])
            data["reply"] = ReplyView(**reply)
        data["reactions"] = [ReactionView(**r) for r in data["reactions"]]
        data["attachments"] = [AttachmentView(**a) for a in data.get("attachments", ())]
        return cls(**data)


def with_related(queryset):
    """What `present` needs, in a constant number of queries whatever the page size."""
    return queryset.select_related("author", "reply_to__author").prefetch_related(
        Prefetch(
            "reactions",
            # Only what a reaction shows (who, with what): not each reacting user's whole row.
            queryset=Reaction.objects.select_related("user")
            .only("message_id", "user_id", "emoji", "user__full_name")
            .order_by("id"),
            to_attr="reaction_list",
        )
    )


def load_attachments(messages) -> None:
    """Set `attachment_list` on the messages: one query for those that have attachments, none
    when none has (a page of plain messages)."""
    attached = {m.pk: m for m in messages if m.attached}
    for message in messages:
        message.attachment_list = []
    if not attached:
        return
    for row in MessageAttachment.objects.filter(message_id__in=attached).order_by(
        "message_id", "position", "id"
    ):
        attached[row.message_id].attachment_list.append(row)


def present(message: Message) -> MessageView:
    reply = None
    if message.reply_to_id and message.reply_to is not None:
        original = message.reply_to
        reply = ReplyView(
            id=original.pk,
            author_name=original.author.full_name if original.author else "",
            excerpt="" if original.is_deleted else excerpt(original.body, 120),
            deleted=original.is_deleted,
            created=original.created,
        )
    grouped: OrderedDict[str, ReactionView] = OrderedDict()
    prefetched = getattr(message, "reaction_list", None)
    for reaction in prefetched if prefetched is not None else message.reactions.all():
        view = grouped.setdefault(reaction.emoji, ReactionView(reaction.emoji, 0, [], []))
        view.count += 1
        view.user_ids.append(reaction.user_id)
        view.names.append(reaction.user.full_name)
    attached = getattr(message, "attachment_list", None)
    if attached is None:
        attached = message.attachments.order_by("position", "id") if message.attached else ()
    return MessageView(
        id=message.pk,
        collab_id=message.collab_id,
        kind=message.kind,
        author=PersonView.of(message.author) if message.author_id else None,
        html="" if message.is_deleted else message.html,
        system_type=message.system_type,
        system_data=message.system_data,
        created=message.created,
        updated=message.updated,
        edited=message.edited_at is not None,
        deleted=message.is_deleted,
        pinned=message.pinned_at is not None,
        reply=reply,
        reactions=list(grouped.values()),
        actor_id=message.actor_id,
        attachments=[]
        if message.is_deleted
        else [AttachmentView(a.kind, a.ref_id, a.label, a.data) for a in attached],
    )
