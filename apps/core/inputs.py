"""Reading ids and text that come from outside (URLs, query strings, form fields, socket
frames) into values the databases accept, so bad input is refused or ignored, never a 500.

- Ids: the tables' keys are 64-bit. An id past that range matches nothing: SQLite raises
  OverflowError and PostgreSQL a DataError for it, so such ids are rejected before any query
  (a 404 in a URL, "no such message" in a parameter). Only ASCII digits count: Python's
  str.isdigit() accepts "²" (and other scripts' digits), which int() then refuses.
- Text: PostgreSQL cannot store the NUL character (SQLite can), and neither can store a lone
  surrogate (which a JSON frame can carry), so such text is refused with a clear error where
  the person typed it (a message) and the characters are dropped where the text is only a
  query or a key (a search box, a client id: nothing stored contains them).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ID = 2**63 - 1

_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value, *, minimum: int = 1) -> int | None:
    """A positive 64-bit id (or 0 where `minimum` allows, as "from the start") from a string
    or an int; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if minimum <= number <= MAX_ID else None


class IdConverter:
    """The `<id:...>` path converter: a positive id within the 64-bit range; anything else
    does not match, so the URL answers 404 (registered in collabhub/urls.py)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # no match: 404
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def storable(text: str) -> bool:
    """Whether both databases can store the text: no NUL, and no lone surrogate (a JSON frame
    may carry "\\ud800", which is no character and cannot be written as UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def without_unstorable(text: str) -> str:
    """The text less NULs and lone surrogates."""
    return text.replace("\x00", "").encode("utf-8", "ignore").decode("utf-8")


def query_text(value, limit: int = 200) -> str:
    """A search query as typed, bounded, without NULs (which nothing stored contains)."""
    if not isinstance(value, str):
        return ""
    return without_unstorable(value)[:limit].strip()


def clean_text(
    value, *, limit: int, what: str, required: bool = False, one_line: bool = False
) -> str:
    """Text a person typed into a form field, trimmed (and on one line where asked), or a
    ValidationError naming the field (`what`: "The title") that says what is wrong with it."""
    from .text import single_line

    if value is not None and not isinstance(value, str):
        raise ValidationError(_("%(what)s must be text.") % {"what": what})
    value = (value or "").strip()
    if one_line:
        value = single_line(value)
    if required and not value:
        raise ValidationError(_("%(what)s is required.") % {"what": what})
    if not storable(value):
        raise ValidationError(_("%(what)s contains an invalid character.") % {"what": what})
    if len(value) > limit:
        raise ValidationError(
            _("%(what)s is too long: %(length)d characters; the limit is %(limit)d.")
            % {"what": what, "length": len(value), "limit": limit}
        )
    return value
