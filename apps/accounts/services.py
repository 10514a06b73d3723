"""Every change to an account goes through here: each function is one user action."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from apps.core.text import single_line

from .models import AuditEvent, User, UserSession
from .signals import user_deactivated


def audit(action: str, *, actor=None, target_user=None, collab_id=None, **data) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action, actor=actor, target_user=target_user, collab_id=collab_id, data=data
    )


TRACKED_KEY = "_tracked_session"


def remember_session(user: User, session) -> None:
    """Record a signed-in session so that deactivation can end it.

    Called on sign-in and, by UserPreferencesMiddleware, whenever the session key changed
    since it was recorded (a password change renews the key)."""
    if not session.session_key:
        session.save()
    UserSession.objects.get_or_create(session_key=session.session_key, defaults={"user": user})
    session[TRACKED_KEY] = session.session_key


def session_signs_in(session_key: str | None, user_id: int) -> bool:
    """Whether the session still signs the user in, as Django's auth would decide on the next
    request: it exists and has not expired, names this user, who is active, and carries the
    hash of their current password (a password change or reset voids older sessions)."""
    if not session_key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    data = store.load()
    if str(data.get(SESSION_KEY)) != str(user_id):
        return False
    user = User.objects.filter(pk=user_id, is_active=True).first()
    held = data.get(HASH_SESSION_KEY)
    if user is None or not held:
        return False
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(held, valid) for valid in hashes)


def end_sessions(user: User) -> int:
    """End every session of the user, whatever the session engine."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


@transaction.atomic
def deactivate_user(user: User, *, actor: User | None = None) -> None:
    """Deactivate a user: they lose access to everything at once.

    Flips is_active, ends all their sessions, writes an audit record and, once committed,
    tells the layers above (collabs, live connections) through `user_deactivated`.
    Their content stays, with their name.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return
    user.is_active = False
    user.deactivated_at = timezone.now()
    user.save(update_fields=["is_active", "deactivated_at"])
    ended = end_sessions(user)
    audit(AuditEvent.Action.USER_DEACTIVATED, actor=actor, target_user=user, sessions_ended=ended)
    transaction.on_commit(lambda: user_deactivated.send(sender=User, user=user))


@transaction.atomic
def reactivate_user(user: User, *, actor: User | None = None) -> None:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return
    user.is_active = True
    user.deactivated_at = None
    user.save(update_fields=["is_active", "deactivated_at"])
    audit(AuditEvent.Action.USER_REACTIVATED, actor=actor, target_user=user)


def update_profile(
    user: User,
    *,
    full_name: str,
    timezone_name: str,
    language: str,
    avatar=None,
    email_mentions: bool | None = None,
):
    user.full_name = single_line(full_name)
    user.timezone = timezone_name
    user.language = language
    fields = ["full_name", "timezone", "language"]
    if email_mentions is not None:
        user.email_mentions = email_mentions
        fields.append("email_mentions")
    if avatar is not None:
        user.avatar = avatar or None
        fields.append("avatar")
    user.save(update_fields=fields)
    return user


def set_language(user: User, language: str) -> None:
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


@transaction.atomic
def create_guest(
    *, email: str, full_name: str, password: str, language: str = "", verified: bool
) -> User:
    """A guest account, made by someone following an invitation. An invitation sent to
    `email` verifies the address (the link reached it); one who came by a shared link
    confirms theirs through allauth when they next sign in."""
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(
        email, password, full_name=single_line(full_name), kind=User.Kind.GUEST, language=language
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=verified, primary=True)
    return user
