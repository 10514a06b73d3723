"""QR codes of invitation links (segno): an SVG for the page, a PNG to download."""

import io

import segno


def _code(url: str):
    return segno.make(url, error="m")


def svg(url: str) -> str:
    """An inline SVG element (segno's own markup of the code; the URL is ours)."""
    return _code(url).svg_inline(scale=5, border=2)


def png(url: str) -> bytes:
    buffer = io.BytesIO()
    _code(url).save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()
