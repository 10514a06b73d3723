"""Template helpers of the files app: `{% load files %}`."""

from django import template

register = template.Library()

_KINDS = (
    ("image/", "image"),
    ("video/", "video"),
    ("audio/", "audio"),
    ("application/pdf", "pdf"),
    ("text/", "text"),
)


@register.filter
def file_kind(content_type: str) -> str:
    """image, video, audio, pdf, text or other: how a file is shown."""
    for prefix, kind in _KINDS:
        if (content_type or "").startswith(prefix):
            return kind
    return "other"


@register.filter
def file_ext(name: str) -> str:
    """The extension a file icon shows ("PDF", "DOCX"); empty when none fits."""
    stem, dot, extension = (name or "").rpartition(".")
    if not dot or not stem or not extension.isalnum() or len(extension) > 5:
        return ""
    return extension.upper()


@register.simple_tag
def fit(width, height, box: int = 320) -> dict:
    """A picture's size scaled down (never up) to fit a square of `box` pixels: {"w", "h"}; the box
    itself when the size is unknown."""
    try:
        width, height = int(width), int(height)
    except (TypeError, ValueError):
        return {"w": box, "h": box * 3 // 4}
    if width <= 0 or height <= 0:
        return {"w": box, "h": box * 3 // 4}
    scale = min(1.0, box / max(width, height))
    return {"w": max(1, round(width * scale)), "h": max(1, round(height * scale))}
