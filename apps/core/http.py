"""Small helpers every app's views share: an error's text for a message, the safe `next`
address a form came from, the address of a collab's chat (at a message)."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def error_text(exc: ValidationError) -> str:
    """A ValidationError's messages as one line, for a flash message or an htmx answer."""
    return " ".join(exc.messages)


def next_url(request: HttpRequest, default: str) -> str:
    """The `next` the form or link carries when it is an address of this site, else
    `default` (never an open redirect)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def chat_url(collab_id: int, message_id: int | None = None) -> str:
    """The collab's chat, opened at `message_id` when given."""
    url = reverse("collabs:detail", kwargs={"collab_id": collab_id})
    return f"{url}?message={message_id}#m{message_id}" if message_id else url
