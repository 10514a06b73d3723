"""How collabs react to account events (accounts never imports collabs)."""

from django.dispatch import receiver

from apps.accounts.signals import user_deactivated

from . import live


@receiver(user_deactivated)
def close_live_connections(sender, user, **kwargs) -> None:
    # Sent on commit by accounts.services.deactivate_user.
    live.revoke(user.pk)
