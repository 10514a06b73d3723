"""Daphne's HTTP requests leave their body to Django: Twisted does not parse it first.

Twisted's Request parses a POSTed multipart/form-data or urlencoded body into `request.args`
as soon as the whole body is in (Request.requestReceived, _getMultiPartArgs) with the standard
library's email parser: the body read whole into memory, copied behind MIME headers, decoded
into a str (surrogate escapes: two bytes a byte) and split into parts. Daphne never reads
`request.args` (it hands the raw body to the ASGI application; Django parses it, streaming
file parts to disk), so all of that is waste, paid by any POST before any middleware,
authentication or size check runs: bench/files.py measured one 64 MiB upload growing Daphne's
memory by 838 MiB (13 times the body) and costing seconds of CPU. Twisted lets a request skip
it (parsePOSTFormSubmission=False); Daphne does not ask, so its requests are built that way
here.

`install()` runs when collabhub.asgi is imported, before Daphne's HTTP factory builds any
connection (it reads daphne.http_protocol.WebRequest for each). It fails the start-up loudly
on a Twisted or Daphne it was not written for, as collabhub/wsguard.py does.
"""

import inspect

from daphne import http_protocol
from django.core.exceptions import ImproperlyConfigured
from twisted.web import http

_DAPHNE_REQUEST = http_protocol.WebRequest


class UnparsedBodyRequest(_DAPHNE_REQUEST):
    """Daphne's request, without Twisted's parse of the form body into `args`."""

    def __init__(self, *args, **kwargs):
        kwargs["parsePOSTFormSubmission"] = False
        super().__init__(*args, **kwargs)


def check() -> None:
    """ImproperlyConfigured unless Twisted's Request takes parsePOSTFormSubmission and
    Daphne's factory builds its own WebRequest (or ours)."""
    if "parsePOSTFormSubmission" not in inspect.signature(http.Request.__init__).parameters:
        raise ImproperlyConfigured(
            "collabhub.httpbody: this Twisted's Request has no parsePOSTFormSubmission; "
            "every POSTed form body would be parsed whole in memory before Django sees it."
        )
    current = http_protocol.WebRequest
    if current is not _DAPHNE_REQUEST and current is not UnparsedBodyRequest:
        raise ImproperlyConfigured(
            f"collabhub.httpbody: daphne.http_protocol.WebRequest is {current!r}, another "
            "replacement; Twisted's parse of form bodies cannot be turned off over it."
        )


def install() -> None:
    check()
    http_protocol.WebRequest = UnparsedBodyRequest


def installed() -> bool:
    return http_protocol.WebRequest is UnparsedBodyRequest
