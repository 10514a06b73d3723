import zoneinfo

from django.conf import settings
from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
    _user_has_perm,
)
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from apps.core.text import single_line

TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        if "full_name" in extra:
            extra["full_name"] = single_line(extra["full_name"])  # names are one line
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: an employee of the company or an outside guest.

    Users are deactivated, never deleted while they have content (history is never lost).
    """

    class Kind(models.TextChoices):
        EMPLOYEE = "employee", _("Employee")
        GUEST = "guest", _("Guest")

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/users/", blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.EMPLOYEE)
    timezone = models.CharField(
        _("time zone"), max_length=64, choices=TIMEZONE_CHOICES, default="UTC"
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Whether the user can sign in to the administration site."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=dj_timezone.now)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    email_mentions = models.BooleanField(_("email me about mentions I have not read"), default=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        # One address, one account: "Anna@Example.com" and "anna@example.com" are the same.
        self.email = self.email.strip().lower()
        # A name is one line (it goes into email headers); the admin's forms come here.
        self.full_name = single_line(self.full_name)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]

    def has_perm(self, perm: str, obj=None) -> bool:
        # Superusers run the instance through the admin; inside a collab they have exactly
        # the rights their membership gives (object permissions go to the backends only).
        if obj is not None:
            return self.is_active and _user_has_perm(self, perm, obj)
        return super().has_perm(perm, obj)

    @property
    def is_guest(self) -> bool:
        return self.kind == self.Kind.GUEST

    @property
    def is_employee(self) -> bool:
        return self.kind == self.Kind.EMPLOYEE

    @property
    def initials(self) -> str:
        parts = (self.full_name or self.email).split()
        return "".join(part[0] for part in parts[:2]).upper()


class UserSession(models.Model):
    """The sessions a user has signed in with, so deactivation can end all of them at once,
    whatever the session engine."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        # "Every session of this user" (on deactivation) is served by the user_id FK index.
        verbose_name = _("user session")
        verbose_name_plural = _("user sessions")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.session_key[:8]}…"


class AuditEvent(models.Model):
    """An append-only record of security-relevant actions (deactivation, role changes, ...)."""

    class Action(models.TextChoices):
        USER_DEACTIVATED = "user.deactivated", _("User deactivated")
        USER_REACTIVATED = "user.reactivated", _("User reactivated")
        COLLAB_CREATED = "collab.created", _("Collab created")
        COLLAB_DELETED = "collab.deleted", _("Collab deleted")
        COLLAB_SETTINGS_CHANGED = "collab.settings_changed", _("Collab settings changed")
        OWNERSHIP_TRANSFERRED = "collab.ownership_transferred", _("Ownership transferred")
        MEMBER_ADDED = "membership.added", _("Member added")
        MEMBER_REMOVED = "membership.removed", _("Member removed")
        MEMBER_LEFT = "membership.left", _("Member left")
        ROLE_CHANGED = "membership.role_changed", _("Role changed")

    action = models.CharField(_("action"), max_length=64, choices=Action.choices)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_actions"
    )
    target_user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    collab_id = models.BigIntegerField(_("collab"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created = models.DateTimeField(_("time"), default=dj_timezone.now)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created", "-id"]
        indexes = [
            # Serves the admin's audit list, newest first, and "events about this user".
            models.Index(fields=["target_user", "-created"], name="audit_target_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.created:%Y-%m-%d %H:%M})"


class SitePolicy(models.Model):
    """Portal-wide switches, edited in the Django admin; one row (see `current`)."""

    guests_allowed = models.BooleanField(
        _("guests allowed"),
        default=True,
        help_text=_(
            "Off: nobody can invite guests or join as a guest; guests already in keep access."
        ),
    )

    class Meta:
        verbose_name = _("site policy")
        verbose_name_plural = _("site policy")

    def __str__(self) -> str:
        return str(_("Site policy"))

    @classmethod
    def current(cls) -> "SitePolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy
