"""The event publisher: the one way anything reaches the open chat pages.

Services call `publish(collab_id, event)` inside their transaction; the event goes out through
the channel layer to the collab's group once the transaction commits (never for a rolled-back
change), and each connected consumer renders it for its own reader.
"""

from django.db import transaction
from django.utils import timezone

from apps.collabs.live import collab_group, group_send


def publish(collab_id: int, event: dict) -> None:
    """Send `event` (JSON-safe dict with a "kind") to everyone on the collab's page, on commit."""
    payload = {"type": "chat.event", "event": {**event, "ts": timezone.now().isoformat()}}

    transaction.on_commit(lambda: group_send(collab_group(collab_id), payload))


def publish_now(collab_id: int, event: dict) -> None:
    """For events with nothing to commit (typing): sent at once."""
    payload = {"type": "chat.event", "event": {**event, "ts": timezone.now().isoformat()}}
    group_send(collab_group(collab_id), payload)
