"""What the office server changes, through the files app's own services: a save (PutFile) is a
new version by the token's user (services.new_version), a "Save as" (PutRelativeFile) a new
file in the same folder (services.upload) or, when asked to overwrite, a new version of the
file of that name. Both check the WOPI lock first.

The body is the request's stream, read in chunks by the files app's storing code: never held
whole in memory (request.body would)."""

import io

from django.db.models import Q

from apps.collabs.models import Collab
from apps.collabs.permissions import require

from .. import services
from ..models import File, FileVersion
from . import locks

# Tries at a free name ("Report (2).docx") before giving up.
MAX_NUMBERED = 100


class LockConflict(Exception):
    """The file is locked with another lock (`current`; "" when it is not locked at all)."""

    def __init__(self, current: str, reason: str) -> None:
        super().__init__(reason)
        self.current = current
        self.reason = reason


class NameTaken(Exception):
    """A file of that name is in the folder and overwriting was not asked for; `suggestion`
    is a free name."""

    def __init__(self, suggestion: str) -> None:
        super().__init__(suggestion)
        self.suggestion = suggestion


class InvalidName(NameTaken):
    """The name cannot be used as given (a path, control characters); `suggestion` can."""


class RequestBody(io.RawIOBase):
    """A request's body as the file the storing code reads: in chunks, with the declared
    length (Content-Length) as its size so an oversized body is refused before a byte is read.
    It can only "rewind" before anything was read (the storages do that first)."""

    def __init__(self, request, name: str = "") -> None:
        self.request = request
        self.name = name
        length = request.META.get("CONTENT_LENGTH") or ""
        self.size = int(length) if length.isascii() and length.isdigit() else None
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if offset == 0 and whence == io.SEEK_SET and self.consumed == 0:
            return 0
        raise io.UnsupportedOperation("a request's body is read once")

    def read(self, size: int = -1) -> bytes:
        data = self.request.read() if size is None or size < 0 else self.request.read(size)
        self.consumed += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def editable_file(collab: Collab, file_id: int) -> File | None:
    """The collab's file, out of the trash, with its current version; None otherwise."""
    return (
        File.objects.select_related("current_version")
        .filter(collab=collab, pk=file_id, deleted_at__isnull=True)
        .first()
    )


def _check_lock(file: File, sent: str) -> None:
    """PutFile's rule: a locked file takes only its lock's holder; an unlocked one only while
    it is empty (ours never are), so an editor that lost its lock cannot overwrite others."""
    held = locks.current(file)
    if held and held != sent:
        raise LockConflict(held, "The file is locked by another session.")
    if not held:
        size = file.current_version.size if file.current_version else 0
        if size:
            raise LockConflict("", "The file is not locked.")


def save(collab: Collab, user, file: File, body, lock: str) -> FileVersion:
    """PutFile: the body becomes the file's new version, by `user`. Raises LockConflict, or
    ValidationError (empty, too large) from the files app."""
    require(user, services.EDIT, collab)
    _check_lock(file, lock)
    return services.new_version(collab, user, file.pk, body)


def _split(name: str) -> tuple[str, str]:
    stem, dot, extension = name.rpartition(".")
    if dot and stem:
        return stem, "." + extension
    return name, ""


def _taken(collab: Collab, file: File, names: list[str]) -> set[str]:
    folder = Q(folder=file.folder) if file.folder_id else Q(folder__isnull=True)
    return {
        name.casefold()
        for name in File.objects.filter(folder, collab=collab, deleted_at__isnull=True)
        .filter(name__in=names)
        .values_list("name", flat=True)
    }


def free_name(collab: Collab, file: File, wanted: str) -> str:
    """`wanted`, or "stem (n).ext" with the smallest n free in the file's folder."""
    stem, extension = _split(wanted)
    candidates = [wanted] + [f"{stem} ({n}){extension}" for n in range(2, MAX_NUMBERED)]
    candidates = [services.clean_name(c) for c in candidates]
    taken = _taken(collab, file, candidates)
    for candidate in candidates:
        if candidate.casefold() not in taken:
            return candidate
    return services.clean_name(f"{stem} ({len(candidates) + 1}){extension}")


def suggested_name(file: File, suggested: str) -> str:
    """X-WOPI-SuggestedTarget: an extension alone (".pdf") keeps the file's name."""
    if suggested.startswith(".") and "/" not in suggested and len(suggested) > 1:
        return services.clean_name(_split(file.name)[0] + suggested)
    return services.clean_name(suggested)


def _same_name(collab: Collab, file: File, name: str) -> File | None:
    folder = Q(folder=file.folder) if file.folder_id else Q(folder__isnull=True)
    return (
        File.objects.select_related("current_version")
        .filter(folder, collab=collab, deleted_at__isnull=True, name=name)
        .first()
    )


def save_as(
    collab: Collab,
    user,
    file: File,
    body,
    *,
    suggested: str | None = None,
    relative: str | None = None,
    overwrite: bool = False,
) -> File:
    """PutRelativeFile: a new file in `file`'s folder from the body. With `suggested` the name
    is made free ("Report (2).docx"); with `relative` it is used as given: when a file of that
    name exists it gets a new version if `overwrite` (and it is not locked), else NameTaken.
    Raises InvalidName for a name that cannot be used as given."""
    require(user, services.UPLOAD, collab)
    if relative is not None:
        name = services.clean_name(relative)
        if not name or name != relative:
            raise InvalidName(free_name(collab, file, name or file.name))
        existing = _same_name(collab, file, name)
        if existing is not None:
            if not overwrite:
                raise NameTaken(free_name(collab, file, name))
            held = locks.current(existing)
            if held:
                raise LockConflict(held, "The file is locked by another session.")
            services.new_version(collab, user, existing.pk, body)
            return existing
    else:
        name = free_name(collab, file, suggested_name(file, suggested or file.name) or file.name)
    return services.upload(collab, user, body, folder=file.folder, name=name)
