"""Shared by the chat tests: quick history and reading pages."""

import re

from django.utils import timezone

from apps.chat.models import Message
from apps.collabs.models import Collab


def ids_on(html: str) -> list[int]:
    """The messages of a page or partial, in the order shown."""
    return [int(i) for i in re.findall(r'id="m(\d+)" data-id=', html)]


def bulk_messages(collab: Collab, author, n: int, text: str = "Line") -> list[Message]:
    """n messages by author, made in one query (bodies "<text> 0" ... "<text> n-1")."""
    now = timezone.now()
    Message.objects.bulk_create(
        [
            Message(
                collab=collab,
                author=author,
                body=f"{text} {i}",
                html=f"<p>{text} {i}</p>\n",
                created=now,
                updated=now,
            )
            for i in range(n)
        ]
    )
    return list(Message.objects.filter(collab=collab, body__startswith=f"{text} ").order_by("pk"))
