"""Previews of file versions, made by a background task (tasks.make_preview) after each upload
and new version, and found again by a periodic job when an enqueue was lost.

- A raster image (JPEG, PNG, GIF, WebP, as sniffed from its first bytes) gets a thumbnail: the
  picture turned upright by its EXIF orientation and fitted within THUMBNAIL_BOX, saved as a
  small WebP blob beside the original (`files/<collab_id>/<uuid4 hex>` in the default storage)
  in FileVersion.thumbnail; width and height are the upright original's.
- An image Pillow refuses (a decompression bomb: more than Image.MAX_IMAGE_PIXELS pixels; a
  corrupt or truncated picture) gets preview_state FAILED and the reason in preview_error (in
  English, for the admin); the file stays downloadable.
- Anything else gets NONE: PDF, audio and video are shown by the browser from the download,
  other types by an icon.

Claims. There is no column for "being made", so the claim lives in preview_error while the
state is PENDING: a conditional UPDATE writes "working since <UTC time>" into an empty
preview_error (or over a claim older than CLAIM_STALE, left by a worker that died), and the
outcome is recorded only by the run holding that exact claim. So a task run twice (or by two
workers at once) makes the preview once, and a failure gives the claim back. The admin sees
since when a preview is being made.

Pillow reads from the storage's file object (local file, or the S3 object through its
spooled download), never from a copy held whole in memory; a JPEG is decoded at reduced scale
(Image.draft through thumbnail()).
"""

import logging
import uuid
import warnings
from datetime import UTC, datetime, timedelta
from io import BytesIO

from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from .models import FileVersion, PreviewState

logger = logging.getLogger(__name__)

# The sniffed types that get a thumbnail, and the only decoder Pillow may use for each.
RASTER = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}
# Thumbnails fit within this box (twice the largest size pages show them, for sharp screens).
THUMBNAIL_BOX = (480, 480)
THUMBNAIL_TYPE = "image/webp"
# A claim older than this was left by a worker that died: another run may take it over.
CLAIM = "working since "
CLAIM_STALE = timedelta(minutes=10)
# The periodic job enqueues again a preview still pending this long after the upload.
PENDING_TOO_LONG = timedelta(minutes=5)
# Orientations (EXIF 274) that turn the picture a quarter: its width and height swap.
_QUARTER_TURNS = {5, 6, 7, 8}


class Refused(Exception):
    """An image that gets no thumbnail; the message says why, for the admin."""


def is_raster(content_type: str) -> bool:
    return content_type in RASTER


def _mark(moment: datetime) -> str:
    # Fixed width in UTC, so that marks compare as strings in the order of their times.
    return CLAIM + moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _claimable(now: datetime) -> Q:
    return Q(preview_state=PreviewState.PENDING) & (
        Q(preview_error="")
        | Q(preview_error__startswith=CLAIM, preview_error__lt=_mark(now - CLAIM_STALE))
    )


def make_preview(version_id: int) -> str:
    """The task's work: claim the version's preview, make it, record the outcome, tell the
    pages (services.preview_finished). Returns the state recorded, or "skipped" when there was
    nothing to do (made already, being made by another run, the version gone)."""
    from . import services

    mark = _mark(timezone.now())
    claimed = FileVersion.objects.filter(_claimable(timezone.now()), pk=version_id).update(
        preview_error=mark
    )
    if not claimed:
        return "skipped"
    version = FileVersion.objects.select_related("file").filter(pk=version_id).first()
    if version is None:
        return "skipped"
    outcome: dict = {"preview_state": PreviewState.NONE, "preview_error": ""}
    if is_raster(version.content_type):
        try:
            name, width, height = _thumbnail(version)
        except Refused as exc:
            logger.info("no preview for file version %s: %s", version_id, exc)
            outcome = {"preview_state": PreviewState.FAILED, "preview_error": str(exc)[:200]}
        except BaseException:
            # Not the image's fault (the storage away, a bug): give the claim back, so the
            # periodic job tries again; the error goes to the task's result.
            FileVersion.objects.filter(pk=version_id, preview_error=mark).update(preview_error="")
            raise
        else:
            outcome = {
                "preview_state": PreviewState.READY,
                "preview_error": "",
                "thumbnail": name,
                "width": width,
                "height": height,
            }
    recorded = FileVersion.objects.filter(
        pk=version_id, preview_state=PreviewState.PENDING, preview_error=mark
    ).update(**outcome)
    if not recorded:  # purged meanwhile, or the claim taken over as stale
        if outcome.get("thumbnail"):
            _delete(version, outcome["thumbnail"])
        return "skipped"
    for field, value in outcome.items():
        setattr(version, field, value)
    if is_raster(version.content_type):
        # Pages show a placeholder only for images (files/_thumb.html): others need no news.
        services.preview_finished(version)
    return outcome["preview_state"]


def _delete(version: FileVersion, name: str) -> None:
    try:
        version.blob.storage.delete(name)
    except Exception:
        logger.exception("could not delete the thumbnail %s", name)


def _thumbnail(version: FileVersion) -> tuple[str, int, int]:
    """Make and store the version's thumbnail: (its storage name, the upright original's
    width and height). Raises Refused for a picture Pillow will not (or must not) decode."""
    storage = version.blob.storage
    try:
        handle = storage.open(version.blob.name, "rb")
    except FileNotFoundError as exc:
        raise Refused("the file's content is missing from the storage") from exc
    with handle:
        data, width, height = _render(handle, RASTER[version.content_type])
    target = f"files/{version.file.collab_id}/{uuid.uuid4().hex}"
    return storage.save(target, ContentFile(data, name=target)), width, height


def _render(handle, image_format: str) -> tuple[bytes, int, int]:
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(handle, formats=[image_format]) as image:
                width, height = image.size
                if width * height > (Image.MAX_IMAGE_PIXELS or float("inf")):
                    raise Image.DecompressionBombError(f"{width}x{height} pixels")
                orientation = image.getexif().get(ExifTags.Base.Orientation)
                image.thumbnail(THUMBNAIL_BOX)  # decodes a JPEG at reduced scale
                upright = ImageOps.exif_transpose(image)
                if upright.mode not in ("RGB", "RGBA"):
                    alpha = upright.has_transparency_data
                    upright = upright.convert("RGBA" if alpha else "RGB")
                out = BytesIO()
                upright.save(out, "WEBP", quality=80, method=4)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Refused(f"too many pixels to decode safely (a decompression bomb?): {exc}") from exc
    except (UnidentifiedImageError, SyntaxError, ValueError, EOFError, OSError) as exc:
        raise Refused(f"not a readable {image_format} image: {exc}") from exc
    if orientation in _QUARTER_TURNS:
        width, height = height, width
    return out.getvalue(), width, height


def enqueue_pending(now: datetime | None = None, limit: int = 1000) -> int:
    """The periodic job (`manage.py make_previews`): enqueue again the previews still pending
    PENDING_TOO_LONG after their upload (an enqueue lost between the commit and the queue, a
    worker that died, rows from before previews existed). Returns how many were enqueued.
    Safe to run twice: enqueue_once, and the task's claim."""
    from apps.core.background import enqueue_once

    from . import tasks

    now = now or timezone.now()
    due = FileVersion.objects.filter(_claimable(now), created__lte=now - PENDING_TOO_LONG).order_by(
        "pk"
    )
    return sum(
        enqueue_once(tasks.make_preview, pk, key=str(pk))
        for pk in due.values_list("pk", flat=True)[:limit]
    )
