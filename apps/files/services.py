"""Every change to files, one function per user action (views never touch the models).

Uploads are streamed to the storage in chunks while they are hashed, counted and sniffed, so a
file is never held whole in memory; one over FILES_MAX_BYTES or empty is refused, and a failed
upload leaves nothing behind: the blob written so far is deleted, no row is made.

Limit: a blob is deleted when the service's own transaction fails. A caller that wraps an
upload in a transaction of its own and rolls that back later leaves the blob in storage with
no row; callers do not (views run in autocommit)."""

import hashlib
import io
import logging
import unicodedata
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File as DjangoFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.chat.services import post_system_message
from apps.collabs import live
from apps.collabs.models import Collab
from apps.collabs.permissions import can, require
from apps.core.background import after_commit

from . import sniff, tasks
from .models import File, FileVersion, Folder

logger = logging.getLogger(__name__)

VIEW = "files.view_file"
UPLOAD = "files.upload_file"
EDIT = "files.change_file"
DELETE = "files.delete_file"

# Versions a person saves within this time of their own last one are one editing session:
# the chat hears of the first only.
SAVING_SESSION = timedelta(minutes=30)
# How long a deleted file stays in the trash before the periodic job purges it.
TRASH_DAYS = 30
CHUNK = 64 * 1024
MAX_NAME = 200
MAX_EXTENSION = 20


# --- Names --------------------------------------------------------------------------------------


def clean_name(raw: str) -> str:
    """A file or folder name safe to store and show: the last part of any path, without
    control or format characters (NUL, new lines, right-to-left overrides), without leading
    dots or spaces, at most MAX_NAME characters with the extension kept. Empty when nothing is
    left."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split()).lstrip(". ").rstrip()
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= MAX_EXTENSION:
            name = stem[: MAX_NAME - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_NAME].rstrip()
    return name


def _required_name(raw: str) -> str:
    name = clean_name(raw)
    if not name:
        raise ValidationError(_("Give it a name."))
    return name


# --- Storing a blob -----------------------------------------------------------------------------


class _Counted(io.RawIOBase):
    """Reads the upload in chunks, hashing and counting what passes and keeping the head for
    the sniffer; refuses to go past the limit. Only rewinds to the start (the storages do that
    before writing), which starts the count again."""

    def __init__(self, source, limit: int) -> None:
        self.source = source
        self.limit = limit
        self._reset()

    def _reset(self) -> None:
        self.sha = hashlib.sha256()
        self.size = 0
        self.head = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if offset != 0 or whence != io.SEEK_SET:
            raise io.UnsupportedOperation("only a rewind to the start")
        self.source.seek(0)
        self._reset()
        return 0

    def tell(self) -> int:
        return self.size

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (fewer only at the end, as the S3 client expects of a file), read
        from the upload CHUNK by CHUNK; without a size, the rest. The local storage asks for
        64 KB at a time; the S3 client for its part size (8 MB), and for "the rest" only after
        a short read told it the end was reached. So the memory held stays bounded whatever
        the file's size."""
        parts = []
        wanted = float("inf") if size is None or size < 0 else size
        while wanted > 0:
            data = self.source.read(min(wanted, CHUNK))
            if not data:
                break
            self.size += len(data)
            if self.size > self.limit:
                raise TooLarge
            self.sha.update(data)
            if len(self.head) < sniff.HEAD:
                self.head += data[: sniff.HEAD - len(self.head)]
            parts.append(data)
            wanted -= len(data)
        return b"".join(parts)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class TooLarge(Exception):
    pass


def _too_large() -> ValidationError:
    return ValidationError(
        _("The file is too large: at most %(limit)s.")
        % {"limit": filesizeformat(settings.FILES_MAX_BYTES)},
        code="too_large",
    )


def _empty() -> ValidationError:
    return ValidationError(_("The file is empty."), code="empty")


def _store(collab: Collab, uploaded) -> tuple[str, _Counted]:
    """Write the upload to the storage under a random name; returns the name and what was
    counted. Raises ValidationError, leaving no blob, for an empty or too large upload."""
    limit = settings.FILES_MAX_BYTES
    declared = getattr(uploaded, "size", None)
    if declared is not None and declared > limit:
        raise _too_large()
    if declared == 0:
        raise _empty()
    uploaded.seek(0)
    counted = _Counted(uploaded, limit)
    target = f"files/{collab.pk}/{uuid.uuid4().hex}"
    name = None
    try:
        name = default_storage.save(target, DjangoFile(counted, name=target))
    except TooLarge as exc:
        _delete_blob(target)
        raise _too_large() from exc
    except BaseException:
        _delete_blob(target)
        raise
    if counted.size == 0:
        _delete_blob(name)
        raise _empty()
    return name, counted


def _delete_blob(name: str) -> None:
    try:
        default_storage.delete(name)
    except Exception:  # a blob left behind must not hide the error that got us here
        logger.exception("could not delete the blob %s", name)


def _with_blob(name: str, write):
    """Run `write` (the rows for a stored blob) in a transaction; delete the blob if it fails."""
    try:
        with transaction.atomic():
            return write()
    except BaseException:
        _delete_blob(name)
        raise


# --- Reading ------------------------------------------------------------------------------------


def _file(collab: Collab, file_id, *, trashed: bool = False) -> File:
    """The collab's file (a file of another collab is not found); a file in the trash only
    when `trashed` (for those who may delete files)."""
    qs = File.objects.filter(collab=collab, pk=file_id)
    if not trashed:
        qs = qs.filter(deleted_at__isnull=True)
    found = qs.first()
    if found is None:
        raise Http404
    return found


def version_for_download(user, collab: Collab, file_id: int, number: int | None) -> FileVersion:
    """The version a person may download: the current one, or number N. Needs the view right;
    a file in the trash only for those who may delete files (Http404 for the others, as for a
    file of another collab). One query."""
    require(user, VIEW, collab)
    qs = FileVersion.objects.select_related("file").filter(file__collab=collab, file_id=file_id)
    if not can(user, DELETE, collab):
        qs = qs.filter(file__deleted_at__isnull=True)
    wanted = {"pk": F("file__current_version")} if number is None else {"number": number}
    version = qs.filter(**wanted).first()
    if version is None:
        raise Http404
    return version


def list_files(user, collab: Collab, *, folder: Folder | None = None, query: str = "", trash=False):
    """The collab's files, newest first, with their current version (one query whatever their
    number): in one folder when given, whose names contain `query` (case-insensitive), or
    the trash (for those who may delete files)."""
    require(user, DELETE if trash else VIEW, collab)
    qs = File.objects.filter(collab=collab, deleted_at__isnull=not trash)
    if folder is not None:
        qs = qs.filter(folder=_own_folder(collab, folder))
    query = " ".join(clean_name(query).split())
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.select_related("current_version").order_by("-created", "-pk")


# --- Changes ------------------------------------------------------------------------------------


def _announce(collab: Collab, user, kind: str, file: File, action: str) -> None:
    if kind:
        post_system_message(collab, kind, user, file_id=file.pk, file_name=file.name)
    _changed(collab.pk, action, file.pk)


# What changes how a file looks in the chat messages showing it.
_SHOWN = {"version", "preview", "renamed", "deleted", "restored"}


def _changed(collab_id: int, action: str, file_id: int) -> None:
    """Tell open pages (the Files tab and section: the "files" event) and the chat messages
    showing the file (their snapshot) that it changed."""
    live.publish(collab_id, "files", {"action": action, "file": file_id})
    if action in _SHOWN:
        from . import chat

        chat.refresh(file_id)


def preview_finished(version: FileVersion) -> None:
    """A background task finished the preview of `version` (previews.py): pages showing the
    file's placeholder load the file again."""
    _changed(version.file.collab_id, "preview", version.file_id)


def chat_uploads_folder(collab: Collab) -> Folder:
    """The collab's "Chat uploads" folder, made on first use (once, however many race)."""
    folder = Folder.objects.filter(collab=collab, purpose=Folder.Purpose.CHAT_UPLOADS).first()
    if folder is not None:
        return folder
    try:
        with transaction.atomic():
            return Folder.objects.create(
                collab=collab, name=_("Chat uploads"), purpose=Folder.Purpose.CHAT_UPLOADS
            )
    except IntegrityError:
        return Folder.objects.get(collab=collab, purpose=Folder.Purpose.CHAT_UPLOADS)


def _own_folder(collab: Collab, folder: Folder | None) -> Folder | None:
    if folder is not None and folder.collab_id != collab.pk:
        raise ValidationError(_("This folder is not in the collab."))
    return folder


def create_folder(collab: Collab, user, name: str, parent: Folder | None = None) -> Folder:
    require(user, UPLOAD, collab)
    parent = _own_folder(collab, parent)
    folder = Folder.objects.create(collab=collab, parent=parent, name=_required_name(name))
    live.publish(collab.pk, "files", {"action": "folder", "folder": folder.pk})
    return folder


def upload(
    collab: Collab,
    user,
    uploaded_file,
    folder: Folder | None = None,
    name: str | None = None,
    *,
    announce: bool = True,
    then=None,
):
    """A new file from an upload. `announce`: write "uploaded «name»" into the chat (an
    upload made in the chat is its own message and passes False). `then(file)`: more to do
    in the same transaction (post the chat message showing the file); its result is
    returned instead of the file, and should it fail, nothing of the upload stays."""
    require(user, UPLOAD, collab)
    folder = _own_folder(collab, folder)
    clean = clean_name(name or getattr(uploaded_file, "name", "")) or _("untitled")
    blob, counted = _store(collab, uploaded_file)

    def write() -> File:
        now = timezone.now()
        file = File.objects.create(
            collab=collab, folder=folder, name=clean, created_by=user, created=now
        )
        version = _version(file, 1, blob, counted, user, now)
        file.current_version = version
        file.save(update_fields=["current_version"])
        _announce(collab, user, "file_uploaded" if announce else "", file, "uploaded")
        return then(file) if then is not None else file

    return _with_blob(blob, write)


def _version(file: File, number: int, blob: str, counted: _Counted, user, now) -> FileVersion:
    version = FileVersion(
        file=file,
        number=number,
        size=counted.size,
        sha256=counted.sha.hexdigest(),
        content_type=sniff.content_type(counted.head),
        uploaded_by=user,
        created=now,
    )
    version.blob.name = blob
    version.save()
    # Its preview (a thumbnail for images) is made by a background task (previews.py).
    after_commit(tasks.make_preview, version.pk)
    return version


class StaleVersion(ValidationError):
    """new_version was given the version an edit started from (`base_number`), and another
    version became the current one meanwhile. `current` is its number."""

    def __init__(self, current: int | None) -> None:
        super().__init__(_("Someone saved a new version while you were editing."), code="stale")
        self.current = current


def new_version(
    collab: Collab, user, file_id: int, uploaded_file, *, base_number: int | None = None
) -> FileVersion:
    """A new version of a file (numbered after the last), which becomes the current one.
    `base_number`: the version the new content was made from (an editor's save); when
    another is current by the time the file is locked, StaleVersion, and nothing is made."""
    require(user, EDIT, collab)
    _file(collab, file_id)
    blob, counted = _store(collab, uploaded_file)

    def write() -> FileVersion:
        # Locked, so two new versions at once get two numbers.
        file = File.objects.select_for_update().get(pk=file_id, deleted_at__isnull=True)
        previous = (
            FileVersion.objects.filter(pk=file.current_version_id)
            .values("number", "uploaded_by_id", "created")
            .first()
        ) or {}
        if base_number is not None and previous.get("number") != base_number:
            raise StaleVersion(previous.get("number"))
        last = file.versions.aggregate(n=Max("number"))["n"] or 0
        now = timezone.now()
        version = _version(file, last + 1, blob, counted, user, now)
        file.current_version = version
        file.save(update_fields=["current_version"])
        # One line in the chat per editing session: saving again (an office editor saves
        # every few minutes) within SAVING_SESSION of one's own last version says nothing new.
        again = previous.get("uploaded_by_id") == user.pk and (
            now - previous["created"] < SAVING_SESSION
        )
        _announce(collab, user, "" if again else "file_version", file, "version")
        return version

    try:
        return _with_blob(blob, write)
    except File.DoesNotExist as exc:  # trashed meanwhile
        raise Http404 from exc


@transaction.atomic
def rename(collab: Collab, user, file_id: int, name: str) -> File:
    require(user, EDIT, collab)
    file = _file(collab, file_id)
    file.name = _required_name(name)
    file.save(update_fields=["name"])
    _changed(collab.pk, "renamed", file.pk)
    return file


@transaction.atomic
def move(collab: Collab, user, file_id: int, folder: Folder | None) -> File:
    require(user, EDIT, collab)
    file = _file(collab, file_id)
    file.folder = _own_folder(collab, folder)
    file.save(update_fields=["folder"])
    live.publish(collab.pk, "files", {"action": "moved", "file": file.pk})
    return file


@transaction.atomic
def trash(collab: Collab, user, file_id: int) -> File:
    """Delete a file into the collab's trash (restorable for TRASH_DAYS days)."""
    require(user, DELETE, collab)
    file = _file(collab, file_id)
    file.deleted_at = timezone.now()
    file.deleted_by = user
    file.save(update_fields=["deleted_at", "deleted_by"])
    _announce(collab, user, "file_deleted", file, "deleted")
    return file


@transaction.atomic
def restore(collab: Collab, user, file_id: int) -> File:
    require(user, DELETE, collab)
    file = _file(collab, file_id, trashed=True)
    if file.deleted_at is None:
        return file
    file.deleted_at = None
    file.deleted_by = None
    file.save(update_fields=["deleted_at", "deleted_by"])
    _changed(collab.pk, "restored", file.pk)
    return file


def purge_trash(now: datetime | None = None) -> int:
    """The periodic job: delete the files in the trash for over TRASH_DAYS days, blobs first,
    then rows, so a run that dies half-way leaves rows the next run finds again. Idempotent.
    (A file restored in the instant between the two would come back without its blobs: it
    has been in the trash for 30 days, and the window is one storage call.)
    Returns how many files went."""
    cutoff = (now or timezone.now()) - timedelta(days=TRASH_DAYS)
    purged = 0
    doomed = File.objects.filter(deleted_at__lt=cutoff).values_list("pk", flat=True)
    for file_id in list(doomed.iterator()):
        blobs = FileVersion.objects.filter(file_id=file_id).values_list("blob", "thumbnail")
        for blob, thumbnail in blobs:
            default_storage.delete(blob)
            if thumbnail:
                default_storage.delete(thumbnail)
        with transaction.atomic():
            File.objects.filter(pk=file_id, deleted_at__lt=cutoff).update(current_version=None)
            FileVersion.objects.filter(file_id=file_id).delete()
            purged += (
                File.objects.filter(pk=file_id, deleted_at__lt=cutoff)
                .delete()[1]
                .get(File._meta.label, 0)
            )
    return purged


# --- Folders (the Files section: apps/files/section.py) -------------------------------------


def _folder(collab: Collab, folder_id) -> Folder:
    """The collab's folder (a folder of another collab is not found)."""
    found = Folder.objects.filter(collab=collab, pk=folder_id).first()
    if found is None:
        raise Http404
    return found


@transaction.atomic
def rename_folder(collab: Collab, user, folder_id: int, name: str) -> Folder:
    require(user, EDIT, collab)
    folder = _folder(collab, folder_id)
    folder.name = _required_name(name)
    folder.save(update_fields=["name"])
    live.publish(collab.pk, "files", {"action": "folder", "folder": folder.pk})
    return folder


@transaction.atomic
def delete_folder(collab: Collab, user, folder_id: int) -> None:
    """Delete an empty folder: one holding subfolders or files (not in the trash) is refused,
    so nothing is ever deleted by surprise. Files of the folder that are in the trash stay
    there and come back at the top level if restored."""
    require(user, DELETE, collab)
    folder = _folder(collab, folder_id)
    if (
        Folder.objects.filter(parent=folder).exists()
        or File.objects.filter(folder=folder, deleted_at__isnull=True).exists()
    ):
        raise ValidationError(
            _("The folder “%(name)s” is not empty: move or delete what it holds first.")
            % {"name": folder.name},
            code="not_empty",
        )
    folder.delete()
    live.publish(collab.pk, "files", {"action": "folder", "folder": folder_id})
