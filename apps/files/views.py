"""Downloads: every one passes the access layer, then streams from the local disk (with
single-range requests, for audio and video) or redirects to a short-lived signed URL of the
object storage. Nothing an uploader sent ever runs in our origin: only recognised raster
images, PDF, audio and video are shown inline; everything else is an attachment served as
application/octet-stream; and every response carries nosniff and a sandboxing CSP."""

import re

from django.contrib.auth.decorators import login_required
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from apps.collabs.permissions import get_collab_for
from apps.core.inputs import parse_id

from . import services, sniff

# A signed URL of the object storage lives this long: enough to start the download.
SIGNED_URL_SECONDS = 60
# For the uploaded content itself: no script, no plugins, no forms, a unique origin; only its
# own pictures and media may load (a PDF viewer's styles inline).
SANDBOX = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"
CHUNK = 64 * 1024

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def _headers(response, version, inline: bool) -> None:
    response["Content-Disposition"] = content_disposition_header(not inline, version.file.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    # Personal: never kept by a shared cache.
    response["Cache-Control"] = "private, no-cache"
    response["ETag"] = f'"{version.sha256}"'


def _byte_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(first, last) for a single "bytes=a-b" range; None to serve the whole file (no range,
    or one we do not serve: several ranges, another unit); False when unsatisfiable."""
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return False
    return start, end


def _stream(handle, start: int, length: int):
    try:
        handle.seek(start)
        while length > 0:
            data = handle.read(min(CHUNK, length))
            if not data:
                break
            length -= len(data)
            yield data
    finally:
        handle.close()


@require_safe
@login_required
def download(request, collab_id: int, file_id: int):
    collab = get_collab_for(request.user, collab_id)
    raw = request.GET.get("version")
    # No "version": the current one; a malformed one matches none (404).
    number = None if raw is None else (parse_id(raw) or 0)
    version = services.version_for_download(request.user, collab, file_id, number)
    inline = sniff.is_inline(version.content_type)
    content_type = version.content_type if inline else sniff.OCTET
    storage = version.blob.storage

    if not isinstance(storage, FileSystemStorage):
        # Object storage: a signed URL, made only now that access is checked, short-lived,
        # with the same disposition and type.
        url = storage.url(
            version.blob.name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(
                    not inline, version.file.name
                ),
                "ResponseContentType": content_type,
            },
            expire=SIGNED_URL_SECONDS,
        )
        response = redirect(url)
        response["Cache-Control"] = "no-store"
        return response

    try:
        handle = storage.open(version.blob.name, "rb")
    except OSError:
        return HttpResponse(status=404)
    size = version.size
    wanted = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if wanted and (if_range is None or if_range == f'"{version.sha256}"'):
        span = _byte_range(wanted, size)
        if span is False:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            _headers(response, version, inline)
            return response
        if span is not None:
            start, end = span
            response = StreamingHttpResponse(
                _stream(handle, start, end - start + 1), status=206, content_type=content_type
            )
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
            response["Content-Length"] = str(end - start + 1)
            response["Accept-Ranges"] = "bytes"
            _headers(response, version, inline)
            return response
    response = FileResponse(handle, content_type=content_type)
    response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    _headers(response, version, inline)
    return response
