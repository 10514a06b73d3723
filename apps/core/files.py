import mimetypes

from django.http import FileResponse, Http404


def serve_image(field_file) -> FileResponse:
    """Stream a stored picture (local disk or S3) after the caller has checked access.

    Private by default: the browser may cache it, shared caches may not.
    """
    if not field_file:
        raise Http404
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    if not content_type.startswith("image/") or content_type == "image/svg+xml":
        # Only raster pictures are served inline; SVG could carry script.
        content_type = "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
