"""Account signals.

`user_deactivated` lets the layers above accounts (collabs, live connections) react to a
deactivation without accounts importing them. It is sent after the transaction commits.

`sessions_changed` says that some of a user's sessions may no longer sign them in: one was
signed out of (`ended` is its key), or the password changed or was reset (every session made
with the old password is void, Django's session hash check). Open live connections check
theirs and close. Sent after the transaction commits.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

user_deactivated = Signal()  # sender=User, user=<User>
sessions_changed = Signal()  # sender=User, user_id=<int>, ended=<session key or None>


@receiver(user_logged_in)
def remember_session(sender, request, user, **kwargs) -> None:
    from .services import remember_session as _remember

    if request is not None and hasattr(request, "session"):
        _remember(user, request.session)


@receiver(user_logged_out)
def signed_out(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    key = session.session_key if session is not None else None
    if user is None or not key:
        return
    user_id = user.pk
    # End the session in the store now (logout would a moment later): a page whose socket
    # closes reloads at once, and must find the session gone, not race the flush and load
    # signed in. The key is what the sockets compare.
    session.delete()
    transaction.on_commit(
        lambda: sessions_changed.send(sender=type(user), user_id=user_id, ended=key)
    )


@receiver(post_save, sender="accounts.User")
def password_changed(sender, instance, created: bool, **kwargs) -> None:
    # set_password() leaves the new password in _password until the save that stores it
    # (AbstractBaseUser.save clears it right after this signal): any path that changes a
    # password (the password change and reset pages, the admin, the shell) passes here.
    if created or getattr(instance, "_password", None) is None:
        return
    user_id = instance.pk
    transaction.on_commit(lambda: sessions_changed.send(sender=sender, user_id=user_id, ended=None))
