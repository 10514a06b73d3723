"""Per-user sending limits, shared by the WebSocket and the form: a burst and a sustained
rate (apps.core.ratelimit keeps the counts)."""

from django.conf import settings

from apps.core import ratelimit


def limits() -> ratelimit.Limits:
    """(messages, seconds) pairs."""
    return [
        (settings.CHAT_BURST_MESSAGES, settings.CHAT_BURST_SECONDS),
        (settings.CHAT_SUSTAINED_MESSAGES, settings.CHAT_SUSTAINED_SECONDS),
    ]


def hit(user_id: int, action: str = "send") -> int:
    """0 when allowed (and counted), or the seconds to wait."""
    return ratelimit.hit(user_id, action, limits())


def refund(user_id: int, action: str = "send") -> None:
    ratelimit.refund(user_id, action, limits())
