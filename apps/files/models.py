"""Files of a collab: folders, files and their versions.

A File is what people see (a name in a folder); its content lives in FileVersion rows, one per
upload of that file, each with its own blob in the default storage (local disk or S3) under a
random name (`files/<collab_id>/<uuid4 hex>`), so a storage path tells nothing and cannot be
guessed. A deleted file goes to the collab's trash (deleted_at) and is purged after 30 days
(services.purge_trash)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.collabs.models import Collab


class Folder(models.Model):
    class Purpose(models.TextChoices):
        NONE = "", _("A folder people made")
        CHAT_UPLOADS = "chat_uploads", _("Chat uploads")

    collab = models.ForeignKey(Collab, on_delete=models.CASCADE, related_name="folders")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    name = models.CharField(_("name"), max_length=255)
    # A folder the portal makes itself ("Chat uploads"), found by this, not by its name (which
    # is written in the language of whoever made it first and may be renamed).
    purpose = models.CharField(max_length=20, choices=Purpose.choices, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One "Chat uploads" folder per collab, however many uploads race to make it.
            models.UniqueConstraint(
                fields=["collab", "purpose"],
                condition=~models.Q(purpose=""),
                name="folder_one_per_purpose",
            ),
        ]
        indexes = [
            # A folder's listing: the subfolders of one parent in a collab, by name.
            models.Index(fields=["collab", "parent", "name"], name="folder_collab_parent_name"),
        ]

    def __str__(self) -> str:
        return self.name


class File(models.Model):
    collab = models.ForeignKey(Collab, on_delete=models.CASCADE, related_name="files")
    folder = models.ForeignKey(
        Folder, on_delete=models.SET_NULL, null=True, blank=True, related_name="files"
    )
    name = models.CharField(_("name"), max_length=255)
    # The version people get; set right after the first version is made.
    current_version = models.ForeignKey(
        "FileVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        indexes = [
            # The collab's live files, newest first: services.list_files() ordered by
            # (-created, -pk), the Files tab and the Files section's default sort (LIMIT 31
            # and 51: an index scan, not a sort of all the collab's files), and the content
            # counter. Partial, so the order is the index's: PostgreSQL does not take
            # "deleted_at IS NULL" as fixing a column of the index, and (collab, deleted_at,
            # -created) sorted every file of the collab for each page (16 ms at 10,000).
            models.Index(
                fields=["collab", "-created", "-id"],
                condition=models.Q(deleted_at__isnull=True),
                name="file_collab_live",
            ),
            # The collab's trash, last deleted first (section.trash: -deleted_at, -pk).
            models.Index(
                fields=["collab", "-deleted_at", "-id"],
                condition=models.Q(deleted_at__isnull=False),
                name="file_collab_trash",
            ),
            # The purge job: files in the trash for over 30 days, across all collabs.
            models.Index(
                fields=["deleted_at"],
                condition=models.Q(deleted_at__isnull=False),
                name="file_trashed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def in_trash(self) -> bool:
        return self.deleted_at is not None


class PreviewState(models.TextChoices):
    PENDING = "pending", _("Preview being made")
    READY = "ready", _("Preview ready")
    NONE = "none", _("No preview for this type")
    FAILED = "failed", _("Preview could not be made")


class FileVersion(models.Model):
    file = models.ForeignKey(File, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # Saved by services._store under files/<collab_id>/<uuid4 hex>; never named by the upload.
    blob = models.FileField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # Sniffed from the first bytes (sniff.content_type), never taken from the browser.
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField()
    # The preview a background task makes after the upload (apps/files/previews.py): a
    # thumbnail for images (a small WebP or JPEG blob beside the original), the picture's size
    # after EXIF rotation. Pages show a placeholder while the state is PENDING.
    preview_state = models.CharField(
        max_length=8, choices=PreviewState.choices, default=PreviewState.PENDING
    )
    # Why there is no preview (a decompression bomb, a corrupt image), in English for the
    # admin; pages say it in the reader's language from the state.
    preview_error = models.CharField(max_length=200, blank=True)
    thumbnail = models.FileField(max_length=255, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            # Also the index of a download's "?version=N" lookup and of the version list.
            models.UniqueConstraint(fields=["file", "number"], name="fileversion_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.file_id} v{self.number}"


class FileLock(models.Model):
    """A lock an online editor (a WOPI client: Collabora Online, OnlyOffice, Microsoft 365 for
    the web) holds on a file while people edit it: its opaque lock id, who took it and when it
    runs out (30 minutes after it was taken or refreshed). An expired row is no lock."""

    file = models.OneToOneField(File, on_delete=models.CASCADE, related_name="lock")
    # WOPI lock ids are opaque strings of up to 1024 ASCII characters.
    value = models.CharField(max_length=1024)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.file_id} until {self.expires:%Y-%m-%d %H:%M}"
