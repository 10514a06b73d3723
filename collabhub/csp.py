"""The Content-Security-Policy middleware: django-csp's, plus the origin of the object storage
when files live there.

Downloads, thumbnails, pictures, audio and video on S3 are redirects to short-lived signed URLs
of the bucket (apps/files/views.py). A page that shows them (the chat, the Files tab and
section, the file's page) loads them from the bucket's origin after the redirect, which a
policy of 'self' alone would block. That origin is where the storage's URLs point (probed once
per process: it depends on the endpoint, the bucket's name and the addressing style), added to
img-src, media-src and connect-src (pdf.js fetches the PDF); nothing is added for the local
disk, whose files are served by our own views."""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
from django.core.files.storage import FileSystemStorage, storages

DIRECTIVES = ("img-src", "media-src", "connect-src")


# (storage, its origin): probed again only when the storage is another (settings changed).
_probed: list = [None, None]


def storage_origin() -> str | None:
    """The scheme and host of the default storage's URLs; None when it is the local disk."""
    storage = storages["default"]
    if _probed[0] is not storage:
        origin = None
        if not isinstance(storage, FileSystemStorage):
            parts = urlsplit(storage.url("probe"))
            origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
        _probed[:] = [storage, origin]
    return _probed[1]


class StorageAwareCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False):
        parts = super().get_policy_parts(request, response, report_only)
        origin = storage_origin()
        if origin and not report_only:
            update = dict(parts.update or {})
            for directive in DIRECTIVES:
                sources = list(update.get(directive, ()))
                if origin not in sources:
                    sources.append(origin)
                update[directive] = sources
            parts.update = update
        return parts
