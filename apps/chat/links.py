"""The collab's Links tab: every http(s) link posted in its chat, newest first.

The services store a message's links with it (apps/chat/services.py: sent, edited, deleted)
and publish the live event "links" when a collab's links change; the open tab fetches its
first page again when it hears it. What a person sees starts from the access rules
(access.within_view), exactly as for messages: nothing for a non-member, nothing older than a
newcomer's start of the history.

Pages are keyset pages on id (the (collab, -id) index of MessageLink), never OFFSET: any page
costs the same, however many links the collab has. A link added by an edit gets a new id, so
it comes first, though its time is its message's.
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.db.models import Subquery
from django.urls import reverse

from apps.collabs.models import Collab

from .access import within_view
from .markup import readable_url
from .models import MessageLink
from .presenters import PersonView

__all__ = ["PAGE_SIZE", "LinkRow", "LinksPage", "display", "links_page", "visible_links"]

PAGE_SIZE = 30
MAX_PAGE_SIZE = 100
LABEL_LENGTH = 60


@dataclass(frozen=True)
class LinkRow:
    """One link as the tab shows it."""

    id: int  # the cursor: the next page is links_page(..., before_id=<the last row's id>)
    url: str  # the href, as stored (percent-encoded)
    label: str  # display(url): host and path, for reading
    message_id: int
    collab_id: int
    author: PersonView | None
    created: datetime  # when its message was sent

    @property
    def jump_url(self) -> str:
        """The message in the chat: /collabs/<id>/?message=<message_id>#m<message_id>."""
        page = reverse("collabs:detail", args=[self.collab_id])
        return f"{page}?message={self.message_id}#m{self.message_id}"


@dataclass(frozen=True)
class LinksPage:
    links: list[LinkRow]  # newest first
    has_more: bool  # there are older links

    @property
    def next_before_id(self) -> int | None:
        """The `before_id` of the next (older) page; None when this is the last."""
        return self.links[-1].id if self.has_more and self.links else None


def visible_links(user, collab: Collab):
    """The links of `collab` that `user` may see (a queryset of MessageLink); none for a
    non-member, none of messages before a newcomer's start of the history."""
    return within_view(MessageLink.objects.all(), user, collab)


def links_page(
    user, collab: Collab, before_id: int | None = None, limit: int = PAGE_SIZE
) -> LinksPage:
    """A page of the links `user` sees in `collab`, newest first (by id): those older than
    `before_id` when given. One query for the page with the messages' authors (two when the
    membership is not already cached on `collab`, as the access layer leaves it for a view).
    """
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    links = visible_links(user, collab)
    if before_id is not None:
        links = links.filter(pk__lt=int(before_id))
    # The ids through the (collab, -id) index first, then the rows with their relations (as
    # apps/chat/history.py does: ordering the joined query directly can make PostgreSQL walk
    # the whole primary key backwards). The messages' texts are not needed: left unread.
    ids = links.order_by("-pk").values("pk")[: limit + 1]
    rows = list(
        MessageLink.objects.filter(pk__in=Subquery(ids))
        .select_related("message__author")
        .defer("message__body", "message__html", "message__system_data")
        .order_by("-pk")
    )
    return LinksPage(links=[_row(link) for link in rows[:limit]], has_more=len(rows) > limit)


def _row(link: MessageLink) -> LinkRow:
    author = link.message.author
    return LinkRow(
        id=link.pk,
        url=link.url,
        label=display(link.url),
        message_id=link.message_id,
        collab_id=link.collab_id,
        author=PersonView.of(author) if author is not None else None,
        created=link.created,
    )


def display(url: str, length: int = LABEL_LENGTH) -> str:
    """A short label for a URL: host (as people write it, without "www.") and path, with the
    query; no scheme, no fragment, and never a user name or password before the host, so the
    label names the host the link really goes to ("https://bank.com@evil.example/" reads
    "evil.example"). Cut to `length` characters with "…"."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # a malformed port or IPv6 address: the URL itself, less the scheme
        host = ""
    if not host:
        return _cut(_readable(url.split(":", 1)[-1].lstrip("/")), length)
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    if port is not None:
        host = f"{host}:{port}"
    rest = parts.path if parts.path != "/" else ""
    if parts.query:
        rest += f"?{parts.query}"
    text = _readable(f"{parts.scheme}://{host}{rest}").split("://", 1)[-1]
    text = text.removeprefix("www.")
    return _cut(text, length)


def _readable(url: str) -> str:
    """Percent-escapes and punycode decoded for reading; invisible characters (controls,
    direction overrides that could reorder what the label shows) left out."""
    try:
        text = readable_url(url)
    except ValueError:
        text = url
    return "".join(char for char in text if unicodedata.category(char) not in ("Cc", "Cf"))


def _cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[: max(length - 1, 0)] + "…"
