"""Logging: an expected refusal is one line, a server error keeps its traceback.

Django logs every response of 400 and above through `django.request` (and refusals for
security reasons through `django.security.*`), with the exception's traceback attached for a
403 (PermissionDenied), a 404 (Http404) and a 400 (SuspiciousOperation). Those are the
portal doing its job (a guest trying another collab's URL, a rate limit, a forged host), and a
traceback each would bury the real errors; a 5xx keeps its traceback.
"""

import logging


class RefusalsInOneLine(logging.Filter):
    """Drops the traceback of a record about a response below 500 (Django's records carry
    the response's `status_code`); lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
