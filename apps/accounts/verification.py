"""Whether a person's address is proven, and so whether the portal may email them.

Someone who joins by a collab's link (or a text message's link) types an address and is signed
in under it at once, without proving it is theirs (create_guest(verified=False)). Until they
confirm it — allauth's email page sends the confirmation link, and with mandatory verification
their next sign-in asks for it — the address is only a claim. So it is marked "unverified"
wherever it is shown, and nothing is sent to it: otherwise the portal would mail whatever
address was typed in (a stranger's, a colleague's) on that person's behalf.

The proof is allauth's EmailAddress.verified. An account's address with no EmailAddress row at
all was set by an administrator (employees are made in the Django admin) or before allauth
tracked it: vouched for by whoever set it, so it is not "unverified"; allauth asks its owner to
confirm it at the first sign-in all the same. Password resets and allauth's own emails are
allauth's business and do not ask here.
"""

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef


def unverified(user_id: str = "pk", email: str = "email") -> Exists:
    """A query expression, true when the user's current address is known and not proven: for
    annotate(), filter() and exclude(). `user_id` and `email` name the fields of the outer
    query that hold the user's id and address (e.g. "user_id", "user__email")."""
    return Exists(
        EmailAddress.objects.filter(
            user_id=OuterRef(user_id), email__iexact=OuterRef(email), verified=False
        )
    )


def is_unverified(user) -> bool:
    """Whether the user's address is unverified. Uses the `email_unverified` annotation when
    the user was loaded with it (no query), else asks the database."""
    known = getattr(user, "email_unverified", None)
    if known is not None:
        return bool(known)
    return EmailAddress.objects.filter(
        user_id=user.pk, email__iexact=user.email, verified=False
    ).exists()


def may_email(user) -> bool:
    """Whether the portal may send this person email: an active account whose address is not
    unverified. Every sender of mail to a user asks this first (mention digests, guest-expiry
    warnings); one who may not be emailed yet is asked about again on the next run."""
    return user is not None and user.is_active and not is_unverified(user)
