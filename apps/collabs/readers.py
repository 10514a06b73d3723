"""Who reads a collab's page: one factory for the page and for its socket.

A reader decides what a rendered partial looks like (language, time zone), which actions it
offers (the rights the person holds in the collab) and which live events reach them (an event
names the right it needs; an event about something older than the reader's view of the history
does not reach a newcomer kept from it). The page builds its reader from the request, the socket
from its scope; both through `reader_for`, so the two never disagree (they once did: with
LANGUAGE_CODE=ru, a person without a chosen language got the page in Russian and pushed
messages in English).
"""

from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest
from django.utils import translation

from .models import Collab
from .permissions import history_start, rights_of


@dataclass(frozen=True)
class Reader:
    user_id: int
    language: str
    tz: str
    # The collab rights the reader holds (names from permissions.RULES), taken when the page
    # or the socket opened and again whenever the membership or the settings change.
    rights: frozenset[str]
    # When the reader's view of the history starts (a newcomer in a collab whose earlier
    # history is closed to them); None for all of it.
    sees_from: datetime | None = None

    def can(self, right: str) -> bool:
        return right in self.rights

    @property
    def can_post(self) -> bool:
        return "chat.post_message" in self.rights

    @property
    def can_moderate(self) -> bool:
        return "collabs.remove_member" in self.rights

    def may_read(self, created: datetime | str | None) -> bool:
        """Whether something made at `created` is within the reader's view of the history."""
        if self.sees_from is None or created is None:
            return True
        if isinstance(created, str):
            created = datetime.fromisoformat(created)
        return created >= self.sees_from


def reader_for(user, collab: Collab, language: str) -> Reader:
    """The reader for `user` in `collab` (a current member), in `language`. No query beyond the
    membership the access layer has already cached on the collab."""
    return Reader(
        user_id=user.pk,
        language=language,
        tz=user.timezone or "UTC",
        rights=rights_of(user, collab),
        sees_from=history_start(user, collab),
    )


def language_of_request(request: HttpRequest) -> str:
    """The page's language, as the middleware chose it (the account's, else the browser's)."""
    return request.LANGUAGE_CODE


def language_of_scope(scope, user) -> str:
    """The socket's language, chosen as the page's is: the account's language, else Django's
    choice from the language cookie, the browser's Accept-Language and LANGUAGE_CODE."""
    if getattr(user, "language", ""):
        return user.language
    request = HttpRequest()
    request.COOKIES = dict(scope.get("cookies") or {})
    for name, value in scope.get("headers", []):
        if name.lower() == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin1")
    return translation.get_language_from_request(request)
