"""Notifications: one row per person told about something, and the kinds they get no email of."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import kinds


class Notification(models.Model):
    """Something a person is told about. What it says is rendered when read, in the reader's
    language, from `kind` and `data` (names stored as they were). `collab`, when set, is what
    it is about: a person who is no longer in that collab (or no longer active) does not see
    it (services.visible)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    collab = models.ForeignKey(
        "collabs.Collab", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(default=dict, blank=True)
    # Where the notification leads: a path of the portal ("/collabs/3/tasks/7/").
    url = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Claimed by the email task before it sends (tasks.py): sent at most once.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The list and the bell's panel: a person's notifications newest first, in keyset
            # pages on (created, id).
            models.Index(fields=["user", "-created", "-id"], name="notif_user_newest"),
            # The bell's badge: a person's unread count (read_at IS NULL), on every page.
            models.Index(
                fields=["user", "collab"],
                condition=Q(read_at__isnull=True),
                name="notif_user_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"

    @property
    def text(self) -> str:
        """What it says, in the active language."""
        return kinds.render(self.kind, self.data)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class EmailOptOut(models.Model):
    """A person wants no email of one kind of notification (by default every kind that may be
    emailed is). One row per person and kind; its absence means "email me"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notif_optout_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} opted out of {self.kind}"
