"""What a collab holds, registered by the apps that own it.

The core never imports a feature. A feature app (files, tasks, calendar) registers a counter
here in its AppConfig.ready(); deleting a collab is refused while any counter is above zero,
and the refusal names exactly what is left ("3 files, 1 task").
"""

from collections.abc import Callable
from dataclasses import dataclass

from .models import Collab


@dataclass(frozen=True)
class ContentCounter:
    key: str
    count: Callable[[Collab], int]
    # Takes the count, returns the phrase in the active language, e.g. "3 files".
    describe: Callable[[int], str]


_counters: dict[str, ContentCounter] = {}


def register_content_counter(
    key: str, count: Callable[[Collab], int], describe: Callable[[int], str]
) -> None:
    _counters[key] = ContentCounter(key, count, describe)


def unregister_content_counter(key: str) -> None:
    _counters.pop(key, None)


def remaining_content(collab: Collab) -> list[str]:
    """Phrases for what the collab still holds, in registration order; empty when nothing."""
    left = []
    for counter in _counters.values():
        n = counter.count(collab)
        if n:
            left.append(counter.describe(n))
    return left
