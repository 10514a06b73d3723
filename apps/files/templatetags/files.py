"""Template helpers for files: what a version's preview looks like on a page.

{% load files %}
{% include "files/_thumb.html" with file=file %}   (file.current_version loaded)
"""

from django import template

from .. import icons, previews, sniff
from ..models import PreviewState

register = template.Library()

# The short label a type icon shows, by sniffed type (the name's extension otherwise).
_LABELS = {
    "application/pdf": "PDF",
    "application/zip": "ZIP",
    "text/html": "HTML",
    "image/svg+xml": "SVG",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PPTX",
}


@register.filter
def file_kind(version) -> str:
    """How a page shows a version: image, pdf, audio, video or other."""
    content_type = getattr(version, "content_type", "") or ""
    if previews.is_raster(content_type):
        return "image"
    if content_type == "application/pdf":
        return "pdf"
    if content_type.startswith(("audio/", "video/")) and sniff.is_inline(content_type):
        return content_type.split("/", 1)[0]
    return "other"


@register.filter
def preview_pending(version) -> bool:
    """Whether pages show a placeholder: an image whose thumbnail is being made."""
    return (
        version is not None
        and previews.is_raster(version.content_type)
        and version.preview_state == PreviewState.PENDING
    )


@register.filter
def has_thumbnail(version) -> bool:
    return (
        version is not None
        and version.preview_state == PreviewState.READY
        and bool(version.thumbnail)
    )


@register.filter
def type_label(file) -> str:
    """A few letters for a type icon: PDF, DOCX, MP3..., from the sniffed type where it says
    more than the name (not for text: .md, .csv and .txt are all text/plain), else the name's
    extension."""
    version = getattr(file, "current_version", None)
    content_type = getattr(version, "content_type", "")
    if content_type in _LABELS:
        return _LABELS[content_type]
    stem, dot, extension = file.name.rpartition(".")
    if dot and stem and 0 < len(extension) <= 5:
        return extension.upper()
    if content_type.startswith(("image/", "audio/", "video/")):
        return content_type.split("/", 1)[1].upper()[:5]
    return "TXT" if content_type == "text/plain" else ""


@register.simple_tag
def thumbnail_size(version) -> tuple[int, int]:
    """The thumbnail's width and height (the upright picture fitted within THUMBNAIL_BOX, as
    Pillow fits it), for the <img>'s attributes."""
    width, height = version.width or 0, version.height or 0
    box_w, box_h = previews.THUMBNAIL_BOX
    if not width or not height:
        return box_w, box_h
    scale = min(1, box_w / width, box_h / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


@register.filter
def icon_of(file) -> str:
    """The icon kind of a File (its current_version loaded): files/_icon.html's `kind`."""
    version = getattr(file, "current_version", None)
    return icons.icon_kind(file.name, getattr(version, "content_type", ""))


@register.filter
def icon_for(name: str, content_type: str) -> str:
    """The icon kind of a name and a type (a chat attachment's snapshot)."""
    return icons.icon_kind(name, content_type)


@register.filter
def type_kind(content_type: str) -> str:
    """How a chat attachment shows a type: image, video, audio or file (its snapshot has the
    type, not a version)."""
    content_type = content_type or ""
    if previews.is_raster(content_type):
        return "image"
    if content_type.startswith(("audio/", "video/")) and sniff.is_inline(content_type):
        return content_type.split("/", 1)[0]
    return "file"


@register.simple_tag
def fit(width, height, box: int = 320) -> dict:
    """A picture's size scaled down (never up) to fit a square of `box` pixels: {"w", "h"};
    a 4:3 box when the size is unknown."""
    try:
        width, height = int(width), int(height)
    except (TypeError, ValueError):
        return {"w": box, "h": box * 3 // 4}
    if width <= 0 or height <= 0:
        return {"w": box, "h": box * 3 // 4}
    scale = min(1.0, box / max(width, height))
    return {"w": max(1, round(width * scale)), "h": max(1, round(height * scale))}


@register.simple_tag
def file_link(url_name: str, file) -> str:
    """{% url url_name collab_id file_id %} for a File, reversed once per listing
    (actions.file_url)."""
    from ..actions import file_url

    return file_url(url_name, file.collab_id, file.pk)
