"""WOPI locks (FileLock): the office server locks a file while people edit it, so that two
editing sessions, or an editor and a new version uploaded meanwhile, do not overwrite each other.

A lock is an opaque string (at most 1024 ASCII characters) and lasts LOCK_SECONDS after it was
taken or refreshed; an expired row is no lock. Each operation is one conditional statement on
the row (or an insert that the one-to-one constraint lets only one of two racers make), so two
requests at once never both win, on SQLite as on PostgreSQL.

Each returns (done, the current lock): on a conflict the current lock ("" when there is none)
is what the office server gets back in X-WOPI-Lock with 409.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.collabs.models import Collab
from apps.collabs.permissions import require

from ..models import File, FileLock
from ..services import EDIT

LOCK_SECONDS = 30 * 60
MAX_LENGTH = 1024


def valid(value: str | None) -> bool:
    return bool(value) and len(value) <= MAX_LENGTH and value.isascii()


def current(file: File, now=None) -> str:
    """The file's lock now, or ""."""
    now = now or timezone.now()
    found = FileLock.objects.filter(file=file, expires__gt=now).values_list("value", flat=True)
    return found.first() or ""


def _live(file: File, now):
    return FileLock.objects.filter(file=file, expires__gt=now)


def lock(collab: Collab, user, file: File, value: str) -> tuple[bool, str]:
    """Lock the file with `value`: taken when unlocked (or the lock expired), refreshed when
    it is already `value`; a conflict when another lock holds it."""
    require(user, EDIT, collab)
    for _attempt in range(3):
        now = timezone.now()
        until = now + timedelta(seconds=LOCK_SECONDS)
        if _live(file, now).filter(value=value).update(expires=until, locked_by=user):
            return True, value
        taken = FileLock.objects.filter(file=file, expires__lte=now).update(
            value=value, locked_by=user, expires=until
        )
        if taken:
            return True, value
        try:
            with transaction.atomic():
                FileLock.objects.create(file=file, value=value, locked_by=user, expires=until)
        except IntegrityError:  # a row exists: someone else's lock, or one just taken
            held = current(file, now)
            if held:
                return held == value, held
            continue  # it expired in between: try again
        return True, value
    return False, current(file)


def refresh(collab: Collab, user, file: File, value: str) -> tuple[bool, str]:
    """Extend the lock `value` by LOCK_SECONDS; a conflict when the file is not locked with it."""
    require(user, EDIT, collab)
    now = timezone.now()
    until = now + timedelta(seconds=LOCK_SECONDS)
    if _live(file, now).filter(value=value).update(expires=until):
        return True, value
    return False, current(file, now)


def unlock(collab: Collab, user, file: File, value: str) -> tuple[bool, str]:
    """Remove the lock `value`; a conflict when the file is not locked with it."""
    require(user, EDIT, collab)
    now = timezone.now()
    if _live(file, now).filter(value=value).delete()[0]:
        return True, ""
    return False, current(file, now)


def relock(collab: Collab, user, file: File, old: str, value: str) -> tuple[bool, str]:
    """UnlockAndRelock: replace the lock `old` by `value` in one step; a conflict when the file
    is not locked with `old`."""
    require(user, EDIT, collab)
    now = timezone.now()
    until = now + timedelta(seconds=LOCK_SECONDS)
    if _live(file, now).filter(value=old).update(value=value, expires=until, locked_by=user):
        return True, value
    return False, current(file, now)
