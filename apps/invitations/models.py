"""Invitations into a collab: by email now; phone and link share the model (issue 4)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.collabs.models import Collab


class Invitation(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        PHONE = "phone", _("phone")
        LINK = "link", _("link")

    class Delivery(models.TextChoices):
        """The email or text message, sent by a background task (invitations.tasks)."""

        QUEUED = "queued", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("not delivered")

    collab = models.ForeignKey(Collab, on_delete=models.CASCADE, related_name="invitations")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)  # E.164
    name = models.CharField(_("name"), max_length=150, blank=True)
    # Only a digest of the token is kept: the link itself exists only in what was sent.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # A link is shown to the inviters again and again, so its token is derived from this
    # random key with the server's secret (services.link_token); the database alone holds
    # no working link.
    link_key = models.CharField(max_length=64, blank=True)
    max_uses = models.PositiveIntegerField(_("maximum uses"), null=True, blank=True)
    use_count = models.PositiveIntegerField(_("times used"), default=0)
    # Whether the invitation's email or text message left: a refusal is kept, with the
    # server's words, for the inviter to see and resend (a link is never sent: "sent").
    delivery = models.CharField(
        _("delivery"), max_length=8, choices=Delivery.choices, default=Delivery.QUEUED
    )
    delivery_error = models.TextField(_("delivery error"), blank=True)
    delivery_changed = models.DateTimeField(_("delivery changed"), default=timezone.now)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [
            # The pending invitations on the members page: one collab's, newest first.
            models.Index(fields=["collab", "-created"], name="invitation_collab_created"),
            # The periodic job's look for deliveries a crash left behind.
            models.Index(
                fields=["delivery_changed"],
                condition=models.Q(delivery__in=["queued", "sending"]),
                name="invitation_delivery_open",
            ),
        ]
        constraints = [
            # One active link per collab: making a new one revokes the old.
            models.UniqueConstraint(
                fields=["collab"],
                condition=models.Q(channel="link", revoked_at__isnull=True),
                name="invitation_one_active_link",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How the invitee is named before they have an account."""
        address = self.email or self.phone
        if self.name and address:
            return f"{self.name} <{address}>"
        return self.name or address

    @property
    def invitee(self) -> str:
        """The invitee as the chat history names them: the name given, else the address."""
        return self.name or self.email or self.phone

    @property
    def is_used_up(self) -> bool:
        if self.channel == self.Channel.LINK:
            return self.max_uses is not None and self.use_count >= self.max_uses
        return self.accepted_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
