"""What a file is, from its first bytes (never from its name or the browser's word).

libmagic is not installed here (no python-magic), so this recognises the common types by their
signatures and says "application/octet-stream" for anything else. Enough to decide what may be
shown inline: only what is recognised here as a raster image, PDF, audio or video."""

import codecs

# How many bytes the sniffer looks at.
HEAD = 8192

OCTET = "application/octet-stream"

_OOXML = (
    (b"word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (b"xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (b"ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
)


def content_type(head: bytes) -> str:
    if not head:
        return OCTET
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        # An OOXML document is a ZIP whose parts' names show near the start.
        for marker, kind in _OOXML:
            if marker in head:
                return kind
        return "application/zip"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in (b"M4A ", b"M4B ") else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    return _text_type(head)


def _text_type(head: bytes) -> str:
    if b"\x00" in head:
        return OCTET
    try:
        # Not final: the head may end inside a character.
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return OCTET
    start = text.lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<!doctype html", "<html")):
        return "text/html"
    if start.startswith("<svg") or (start.startswith("<?xml") and "<svg" in start):
        return "image/svg+xml"
    return "text/plain"


# What a browser may show in our origin: raster images, PDF, audio and video. Never HTML or
# SVG (script), whatever the sandbox says.
_INLINE_PREFIXES = ("audio/", "video/")
_INLINE = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


def is_inline(kind: str) -> bool:
    return kind in _INLINE or kind.startswith(_INLINE_PREFIXES)
