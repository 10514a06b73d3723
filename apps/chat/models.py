from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.collabs.models import Collab

from .markup import MAX_LINK_LENGTH

MAX_BODY_LENGTH = 10_000
ALLOWED_REACTIONS = ["👍", "❤️", "😂", "🎉", "😮", "😢", "👀", "✅"]


class Message(models.Model):
    """One message of a collab's chat: a person's (Markdown, rendered once to sanitized HTML)
    or a system message (structured data, rendered in the reader's language when read).

    Messages are never deleted: deleting erases the body and leaves a placeholder."""

    class Kind(models.TextChoices):
        USER = "user", _("Message")
        SYSTEM = "system", _("System message")

    collab = models.ForeignKey(Collab, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
    )
    # Whose doing a system message is (the person who created the link, added the member,
    # left): a copy of its data's actor_id, as a column so that "what is unread for me" can
    # leave out what I did myself (access.unread_messages). None for a person's message (its
    # author is whose it is) and for what nobody did (a guest's access ending).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.USER)
    body = models.TextField(blank=True, max_length=MAX_BODY_LENGTH)
    html = models.TextField(blank=True)
    system_type = models.CharField(max_length=48, blank=True)
    system_data = models.JSONField(default=dict, blank=True)
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    created = models.DateTimeField(default=timezone.now)
    # Anything a reader must re-fetch after being offline (edit, delete, reaction, pin)
    # moves `updated`; catch-up after a reconnect sends what changed since.
    updated = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    pinned_at = models.DateTimeField(null=True, blank=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # A client-chosen id for the message being sent, so a double submit or a resend after a
    # reconnect never makes two messages.
    client_id = models.CharField(max_length=64, blank=True)
    # Whether features attached something (MessageAttachment): pages look the attachments up
    # only for the messages that have some, so a page of plain messages costs no query more.
    attached = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            # Keyset pagination of a collab's history and "after id N" (catch-up, unread):
            # WHERE collab_id = ? AND id < ? ORDER BY id DESC LIMIT n.
            models.Index(fields=["collab", "id"], name="message_collab_id"),
            # Catch-up of changes: WHERE collab_id = ? AND updated > ?.
            models.Index(fields=["collab", "updated"], name="message_collab_updated"),
            # The pinned list of a collab.
            models.Index(
                fields=["collab", "-pinned_at"],
                condition=Q(pinned_at__isnull=False),
                name="message_collab_pinned",
            ),
        ]
        constraints = [
            # Idempotent sending: one message per collab, author and client id.
            models.UniqueConstraint(
                fields=["collab", "author", "client_id"],
                condition=~Q(client_id=""),
                name="message_unique_client_id",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} in {self.collab_id}"

    @property
    def is_system(self) -> bool:
        return self.kind == self.Kind.SYSTEM

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageRevision(models.Model):
    """The body a message had before an edit (edit history is kept)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("message revision")
        verbose_name_plural = _("message revisions")

    def __str__(self) -> str:
        return f"revision of #{self.message_id}"


class MessageLink(models.Model):
    """An http(s) link of a person's message, for the collab's Links tab (apps/chat/links.py).

    The services keep these in step with the message, in its transaction: stored on send from
    what the renderer found (`Rendered.links`), replaced on edit, removed on delete. System
    and deleted messages have none. `collab` and `created` are copies of the message's (neither
    ever changes), so the tab's page and a newcomer's history bound need no join."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="links")
    collab = models.ForeignKey(Collab, on_delete=models.CASCADE, related_name="+")
    # As the renderer gives it: percent-encoded ASCII, of at most MAX_LINK_LENGTH.
    url = models.CharField(max_length=MAX_LINK_LENGTH)
    # Its place among the message's links (0 first).
    position = models.PositiveSmallIntegerField()
    # The message's creation time.
    created = models.DateTimeField()

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")
        indexes = [
            # The Links tab, newest first, keyset pages on id: WHERE collab_id = ?
            # [AND created >= ?] [AND id < ?] ORDER BY id DESC LIMIT n.
            models.Index(fields=["collab", "-id"], name="messagelink_collab_id"),
        ]
        constraints = [
            # The renderer gives each URL once per message; an edit keeps the rows of the URLs
            # it kept (their place in the tab) and only moves their position. Also the index
            # for "the links of this message".
            models.UniqueConstraint(fields=["message", "url"], name="one_link_each"),
        ]

    def __str__(self) -> str:
        return f"{self.url} in #{self.message_id}"


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=16)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="one_reaction_each")
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on #{self.message_id}"


class Mention(models.Model):
    """A person mentioned in a message: counts as a mention until read; feeds the digest."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )
    collab = models.ForeignKey(Collab, on_delete=models.CASCADE, related_name="+")
    # Set when the mention went out in an email digest (or did not need to).
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="one_mention_each")]
        indexes = [
            # Unread mentions of a user in a collab: WHERE user_id=? AND collab_id=? AND
            # message_id > last_read.
            models.Index(fields=["user", "collab", "message"], name="mention_user_collab"),
            # The digest job: WHERE notified_at IS NULL.
            models.Index(
                fields=["user"], condition=Q(notified_at__isnull=True), name="mention_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in #{self.message_id}"


class ReadState(models.Model):
    """How far a member has read a collab's chat."""

    collab = models.ForeignKey(Collab, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.BigIntegerField(default=0)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("read state")
        verbose_name_plural = _("read states")
        constraints = [
            # Also the index for "my read state in this collab" and the list's unread counters.
            models.UniqueConstraint(fields=["user", "collab"], name="one_read_state"),
        ]
        indexes = [
            # "Seen by": the members whose marker passed a message: WHERE collab_id=? AND
            # last_read_id >= ?.
            models.Index(fields=["collab", "last_read_id"], name="readstate_collab_last"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.collab_id} to #{self.last_read_id}"


class MessageAttachment(models.Model):
    """Something a feature attached to a person's message: a file (apps.files), later a task
    or a meeting card. The chat knows only the kind's name, the id of the thing in its app and
    a snapshot of what the message shows of it (`data`: name, size, type, thumbnail state...),
    so rendering a page or a pushed message reads no feature's tables. The feature keeps the
    snapshot current (services.update_attachments: a rename, a new thumbnail, the trash) and
    registers how it looks (attachments.register_kind)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=32)
    ref_id = models.BigIntegerField()
    position = models.PositiveSmallIntegerField(default=0)
    # One line of plain text for previews and notifications ("report.pdf").
    label = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [
            # The messages showing a thing, to refresh their snapshot: WHERE kind=? AND
            # ref_id=? (update_attachments).
            models.Index(fields=["kind", "ref_id"], name="attachment_kind_ref"),
            # A page's messages' attachments in order (the prefetch): WHERE message_id IN (...)
            # ORDER BY position.
            models.Index(fields=["message", "position"], name="attachment_message_position"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref_id} on #{self.message_id}"
