"""Downloads: every one passes the access layer, then streams from the local disk (with
single-range requests, for audio and video) or redirects to a short-lived signed URL of the
object storage. Nothing an uploader sent ever runs in our origin: only recognised raster
images, PDF, audio and video are shown inline; everything else is an attachment served as
application/octet-stream; and every response carries nosniff and a sandboxing CSP."""

import re
from dataclasses import dataclass

from csp.constants import SELF
from django.contrib.auth.decorators import login_required
from django.core.files.storage import FileSystemStorage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from apps.collabs.frame import render_frame
from apps.collabs.permissions import get_collab_for, rights_of
from apps.core.inputs import parse_id

from . import previews, services, sniff
from .actions import actions_for
from .models import FileVersion, PreviewState
from .streaming import FileStream

# A signed URL of the object storage lives this long: enough to start the download.
SIGNED_URL_SECONDS = 60
# For the uploaded content itself: no script, no plugins, no forms, a unique origin; only its
# own pictures and media may load (a PDF viewer's styles inline).
SANDBOX = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True)
class Blob:
    """What a response serves from the storage: a version's content or its thumbnail."""

    name: str  # in the storage
    filename: str  # for Content-Disposition
    content_type: str
    inline: bool
    etag: str  # quoted
    size: int | None = None  # known for versions; the storage's word otherwise


def _headers(response, blob: Blob) -> None:
    response["Content-Disposition"] = content_disposition_header(not blob.inline, blob.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    # Personal: never kept by a shared cache.
    response["Cache-Control"] = "private, no-cache"
    response["ETag"] = blob.etag


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


def _version(request, collab_id: int, file_id: int) -> FileVersion:
    """The version the request names (`?version=N`, else the current one) if the person may
    download it (services.version_for_download); Http404 otherwise."""
    collab = get_collab_for(request.user, collab_id)
    raw = request.GET.get("version")
    # No "version": the current one; a malformed one matches none (404).
    number = None if raw is None else (parse_id(raw) or 0)
    return services.version_for_download(request.user, collab, file_id, number)


def serve(request, blob: Blob, storage):
    """Serve a blob whose access has been checked: a short-lived signed URL of the object
    storage, or a stream from the local disk (single byte ranges, If-None-Match)."""
    if not isinstance(storage, FileSystemStorage):
        # Object storage: a signed URL, made only now that access is checked, short-lived,
        # with the same disposition and type.
        url = storage.url(
            blob.name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(
                    not blob.inline, blob.filename
                ),
                "ResponseContentType": blob.content_type,
            },
            expire=SIGNED_URL_SECONDS,
        )
        response = redirect(url)
        response["Cache-Control"] = "no-store"
        return response

    if request.headers.get("If-None-Match") == blob.etag and "Range" not in request.headers:
        response = HttpResponse(status=304)
        _headers(response, blob)
        return response
    try:
        handle = storage.open(blob.name, "rb")
        size = blob.size if blob.size is not None else storage.size(blob.name)
    except OSError:
        return HttpResponse(status=404)
    wanted = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if wanted and (if_range is None or if_range == blob.etag):
        span = _byte_range(wanted, size)
        if span is False:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            _headers(response, blob)
            return response
        if span is not None:
            start, end = span
            response = FileStream(
                handle, start, end - start + 1, status=206, content_type=blob.content_type
            )
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
            response["Content-Length"] = str(end - start + 1)
            response["Accept-Ranges"] = "bytes"
            _headers(response, blob)
            return response
    # Streamed a chunk at a time, synchronously or not (apps/files/streaming.py): never
    # read whole into memory, as Django's ASGI handler does with a FileResponse.
    response = FileStream(handle, 0, size, content_type=blob.content_type)
    response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    _headers(response, blob)
    return response


@require_safe
@login_required
def download(request, collab_id: int, file_id: int):
    version = _version(request, collab_id, file_id)
    inline = sniff.is_inline(version.content_type)
    blob = Blob(
        name=version.blob.name,
        filename=version.file.name,
        content_type=version.content_type if inline else sniff.OCTET,
        inline=inline,
        etag=f'"{version.sha256}"',
        size=version.size,
    )
    return serve(request, blob, version.blob.storage)


@require_safe
@login_required
def thumbnail(request, collab_id: int, file_id: int):
    """The thumbnail of the current version (or `?version=N`), by the download's rules; 404
    while there is none (being made, not an image, refused)."""
    version = _version(request, collab_id, file_id)
    if version.preview_state != PreviewState.READY or not version.thumbnail:
        raise Http404
    stem = version.file.name.rsplit(".", 1)[0] or "thumbnail"
    blob = Blob(
        name=version.thumbnail.name,
        filename=f"{stem}.webp",
        content_type=previews.THUMBNAIL_TYPE,
        inline=True,
        # The version's content names its thumbnail (one per version, never remade).
        etag=f'"t-{version.sha256}"',
    )
    return serve(request, blob, version.thumbnail.storage)


# --- The file's page ----------------------------------------------------------------------------

# The viewer's fragment of the page, which the page's script loads again when the preview is
# made (static/js/file-page.js, on the "files" live event with action "preview").
VIEWER_ID = "file-viewer"
# Folders deeper than this show as "…" in the breadcrumbs (each level is one query).
MAX_CRUMBS = 12


def _reverse_or_none(name: str, **kwargs) -> str | None:
    """A URL of the Files section when that part of the app is installed; None otherwise."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def _crumbs(collab, file) -> list[tuple[str, str | None]]:
    """The folders above the file, outermost first, each with its page's URL (if any)."""
    folders = []
    folder = file.folder
    while folder is not None and len(folders) < MAX_CRUMBS:
        folders.append(folder)
        folder = folder.parent
    crumbs = [(str(_("Files")), _reverse_or_none("files:section", collab_id=collab.pk))]
    if folder is not None:
        crumbs.append(("…", None))
    for f in reversed(folders):
        url = _reverse_or_none("files:folder", collab_id=collab.pk, folder_id=f.pk)
        crumbs.append((f.name, url))
    return crumbs


@require_safe
@login_required
def file_page(request, collab_id: int, file_id: int):
    """The file: its viewer (image, PDF, audio, video; an icon for the rest), its versions and
    the actions the person may use. Same access as the download (a file in the trash only for
    those who may delete files)."""
    collab = get_collab_for(request.user, collab_id)
    version = services.version_for_download(request.user, collab, file_id, None)
    file = version.file
    file.current_version = version
    context = {"file": file, "version": version, "viewer_id": VIEWER_ID}
    if request.htmx and request.htmx.target == VIEWER_ID:
        return render(request, "files/file.html#viewer", {"collab": collab, **context})
    versions = list(
        FileVersion.objects.filter(file=file).select_related("uploaded_by").order_by("-number")
    )
    current = next((v for v in versions if v.pk == version.pk), version)
    context = {
        **context,
        # The current version with its uploader (from the list: no query of its own).
        "version": current,
        "versions": versions,
        "actions": actions_for(file, rights_of(request.user, collab)),
        "crumbs": _crumbs(collab, file),
    }
    response = render_frame(request, "files/file.html", collab, context, current="files")
    # pdf.js runs its parser in a worker from our static files ('self', as script-src says;
    # named so the page keeps working should the default policy ever drop it). On object
    # storage the viewer's content comes from the bucket's origin, after the redirect: every
    # page allows it (collabhub/csp.py).
    response._csp_update = {"worker-src": [SELF]}
    return response
