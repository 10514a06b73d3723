"""WOPI access tokens: what the host page gives the office server so it may read (and, for an
editor, save) one file on behalf of one person.

A token is signed with SECRET_KEY under its own salt (django.core.signing, HMAC-SHA256) and
carries the user, the file, the collab, the right ("view" or "edit") and when it runs out. It
proves only that *we* issued it: every WOPI request also asks the access layer again (the user
still active and a member with the right, the file still out of the trash), so a removed
member's or deactivated user's token is dead at the next request, however long it had left.

Lifetime (settings.WOPI_TOKEN_SECONDS, 4 hours by default): Microsoft suggests 10 hours. The
office server cannot renew a token without the host page being loaded again, so a token that
runs out in the middle of an editing session makes its saves fail; and since revocation does not
wait for expiry, the lifetime only bounds how long a token copied out of a log or a URL stays
usable by someone else. Four hours covers a long editing session and keeps that window short;
reopening the page issues a new token.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "apps.files.wopi.token"
VIEW, EDIT = "view", "edit"


@dataclass(frozen=True)
class Token:
    user_id: int
    file_id: int
    collab_id: int
    right: str  # VIEW or EDIT
    expires: int  # seconds since the epoch

    @property
    def can_write(self) -> bool:
        return self.right == EDIT

    @property
    def ttl_ms(self) -> int:
        """The token's expiry as WOPI's access_token_ttl: milliseconds since the epoch."""
        return int(self.expires * 1000)


def issue(user, file, right: str, *, now: float | None = None) -> tuple[str, Token]:
    """A signed token for `user` on `file` with `right`; (the string, what it says)."""
    if right not in (VIEW, EDIT):
        raise ValueError(right)
    expires = int((now if now is not None else time.time()) + settings.WOPI_TOKEN_SECONDS)
    token = Token(user.pk, file.pk, file.collab_id, right, expires)
    payload = {"u": user.pk, "f": file.pk, "c": file.collab_id, "r": right, "e": expires}
    return signing.dumps(payload, salt=SALT, compress=False), token


def read(raw: str | None, *, now: float | None = None) -> Token | None:
    """What a token says, or None when it is missing, malformed, forged or expired."""
    if not raw or len(raw) > 1000:
        return None
    try:
        payload = signing.loads(raw, salt=SALT)
        token = Token(
            int(payload["u"]), int(payload["f"]), int(payload["c"]), payload["r"], payload["e"]
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if token.right not in (VIEW, EDIT) or not isinstance(token.expires, int):
        return None
    if token.expires <= (now if now is not None else time.time()):
        return None
    return token
