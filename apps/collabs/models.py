from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.text import single_line


class Level(models.TextChoices):
    """Who may do a thing in a collab (Bitrix24's model). Each level includes the ones above."""

    OWNER = "owner", _("Owner only")
    MODERATORS = "moderators", _("Owner and moderators")
    EMPLOYEES = "employees", _("Employees only")
    MEMBERS = "members", _("All members")


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MODERATOR = "moderator", _("Moderator")
    MEMBER = "member", _("Member")
    GUEST = "guest", _("Guest")


class Collab(models.Model):
    """A shared space for one piece of joint work; its chat is the centre."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/collabs/", blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_collabs",
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    # Settings. Who may change the settings themselves:
    settings_level = models.CharField(
        _("who may change settings"),
        max_length=16,
        choices=[(Level.OWNER, Level.OWNER.label), (Level.MODERATORS, Level.MODERATORS.label)],
        default=Level.MODERATORS,
    )
    # Guests invite only where the owner (or whoever may change the settings) chose so
    # explicitly: "All members" once let guests invite by default, and so see the pending
    # invitees and hand out the collab's link. The default is now "Employees only" (everyone
    # but guests), and the choice that lets guests in says so; migration 0004 moved the
    # collabs on the old default to it. What a guest inviter then sees and manages is only
    # what they sent (invitations.access).
    invite_level = models.CharField(
        _("who may invite"),
        max_length=16,
        choices=[
            (Level.OWNER, Level.OWNER.label),
            (Level.MODERATORS, Level.MODERATORS.label),
            (Level.EMPLOYEES, Level.EMPLOYEES.label),
            (Level.MEMBERS, _("All members, guests included")),
        ],
        default=Level.EMPLOYEES,
    )
    post_level = models.CharField(
        _("who may post"),
        max_length=16,
        choices=[
            (Level.MEMBERS, _("Everyone")),
            (Level.MODERATORS, _("Owner and moderators (announcements)")),
        ],
        default=Level.MEMBERS,
    )
    new_members_see_history = models.BooleanField(
        _("new members see earlier history"), default=True
    )
    # What installed features let whom do (tasks, files, ...) is kept beside the collab, in
    # CollabFeatureSettings: the core has no column for any feature (features.py).

    class Meta:
        verbose_name = _("collab")
        verbose_name_plural = _("collabs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        # A name is one line (it goes into email subjects); the admin's forms come here.
        self.name = single_line(self.name)

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.name.split()[:2]).upper() or "?"


class MembershipQuerySet(models.QuerySet):
    def active(self):
        """Current stints (not left or removed). Deactivated users keep theirs, so that
        reactivating them restores access, but the access layer refuses inactive users."""
        return self.filter(left_at__isnull=True)

    def current(self):
        """Who is in the collab now, as the member list and count show it."""
        return self.active().filter(user__is_active=True)


class Membership(models.Model):
    """One stint of a user in a collab. Leaving sets left_at; the row stays, so the history of
    who was in the collab (and when) is kept. Rejoining starts a new row."""

    class LeftReason(models.TextChoices):
        LEFT = "left", _("Left")
        REMOVED = "removed", _("Removed")
        EXPIRED = "expired", _("Access expired")

    collab = models.ForeignKey(Collab, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    left_reason = models.CharField(
        _("why they left"), max_length=16, choices=LeftReason.choices, blank=True
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)
    # A guest's access may end on a date (collabs.services.set_guest_expiry); the periodic job
    # expire_guests removes them then, and warns whoever invited them five days before.
    expires_at = models.DateTimeField(_("access until"), null=True, blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # One current stint per person and collab; past stints are kept beside it.
            models.UniqueConstraint(
                fields=["collab", "user"],
                condition=Q(left_at__isnull=True),
                name="one_active_membership",
            ),
        ]
        indexes = [
            # "My collabs": the user's current memberships (left_at IS NULL), pinned first.
            models.Index(
                fields=["user", "-pinned"],
                condition=Q(left_at__isnull=True),
                name="membership_my_collabs",
            ),
            # expire_guests: current stints with an end date, by that date.
            models.Index(
                fields=["expires_at"],
                condition=Q(left_at__isnull=True, expires_at__isnull=False),
                name="membership_expiring",
            ),
            # Member count and member list of a collab: its current memberships.
            models.Index(
                fields=["collab", "role"],
                condition=Q(left_at__isnull=True),
                name="membership_collab_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.collab} ({self.role})"

    @property
    def is_active(self) -> bool:
        return self.left_at is None

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def is_moderator(self) -> bool:
        return self.role == Role.MODERATOR


# The core settings that decide who may do what (the settings page edits these, and each
# installed feature's levels, kept in CollabFeatureSettings).
SETTINGS_FIELDS = [
    "settings_level",
    "invite_level",
    "post_level",
    "new_members_see_history",
]


class CollabFeatureSettings(models.Model):
    """Who may do what with each installed feature in one collab: {feature: {verb: level}},
    e.g. {"tasks": {"view": "members", "delete": "moderators"}}, checked against the rights the
    feature registered (features.validate). A verb not stored has the feature's default; what
    is stored for a feature not installed now is kept for when it comes back."""

    collab = models.OneToOneField(
        Collab, on_delete=models.CASCADE, primary_key=True, related_name="feature_settings"
    )
    levels = models.JSONField(_("levels"), default=dict, blank=True)

    class Meta:
        verbose_name = _("feature settings")
        verbose_name_plural = _("feature settings")

    def __str__(self) -> str:
        return f"{self.collab_id}: {self.levels}"


class Presence(models.Model):
    """One open collab page: its live socket, held by some server process. Someone is online
    while they have a row seen lately (apps.collabs.presence): a socket writes its row when it
    opens, refreshes seen_at on the page's heartbeat (at most once a minute) and deletes it
    when it closes. A process that dies leaves its rows behind; they go stale, stop counting,
    and the periodic job prune_presence deletes them."""

    # The socket's channel-layer name (channels requires names shorter than 100 characters).
    channel_name = models.CharField(max_length=100, unique=True)
    # No index of its own: (user, seen_at) below leads with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    collab = models.ForeignKey(Collab, on_delete=models.CASCADE, related_name="+")
    connected_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Not shown anywhere (not in the admin), so no translated names.
        indexes = [
            # "Who among these users is online": user_id IN (...) AND seen_at >= now - 2 min
            # (presence.online_user_ids); and a user's fresh sockets (presence's transitions).
            models.Index(fields=["user", "seen_at"], name="presence_user_seen"),
            # prune_presence: the rows not seen for ten minutes, seen_at < now - 10 min.
            models.Index(fields=["seen_at"], name="presence_seen"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.collab_id} ({self.channel_name})"
