"""Account signals.

`user_deactivated` lets the layers above accounts (collabs, live connections) react to a
deactivation without accounts importing them. It is sent after the transaction commits.
"""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal, receiver

user_deactivated = Signal()  # sender=User, user=<User>


@receiver(user_logged_in)
def remember_session(sender, request, user, **kwargs) -> None:
    from .services import remember_session as _remember

    if request is not None and hasattr(request, "session"):
        _remember(user, request.session)
