"""Per-user sending limits, shared by the WebSocket and the form: a burst and a sustained
rate, in fixed windows kept in the cache (Redis in production, so across processes)."""

import time

from django.conf import settings
from django.core.cache import cache


def limits() -> list[tuple[int, int]]:
    """(messages, seconds) pairs."""
    return [
        (settings.CHAT_BURST_MESSAGES, settings.CHAT_BURST_SECONDS),
        (settings.CHAT_SUSTAINED_MESSAGES, settings.CHAT_SUSTAINED_SECONDS),
    ]


def hit(user_id: int, action: str = "send") -> int:
    """Count one action; return 0 when allowed, or the seconds to wait when over a limit
    (the refused attempt is not counted, so waiting is enough)."""
    now = int(time.time())
    keys = []
    for count, seconds in limits():
        window = now // seconds
        key = f"rl:{action}:{user_id}:{seconds}:{window}"
        cache.add(key, 0, timeout=seconds + 1)
        current = cache.get(key, 0)
        if current >= count:
            return (window + 1) * seconds - now or 1
        keys.append((key, seconds))
    for key, seconds in keys:
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=seconds + 1)
    return 0
