"""Reading ids and text that come from outside (URLs, query strings, form fields, socket
frames) into values the databases accept, so bad input is refused or ignored, never a 500.

- Ids: the tables' keys are 64-bit. An id past that range matches nothing: SQLite raises
  OverflowError and PostgreSQL a DataError for it, so such ids are rejected before any query
  (a 404 in a URL, "no such message" in a parameter). Only ASCII digits count: Python's
  str.isdigit() accepts "²" (and other scripts' digits), which int() then refuses.
- Text: PostgreSQL cannot store the NUL character (SQLite can), so text with NUL is refused
  with a clear error where the person typed it (a message) and NULs are dropped where the text
  is only a query (a search box: nothing stored contains a NUL, so none can match).
"""

import re

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


def has_nul(text: str) -> bool:
    return "\x00" in text


def query_text(value, limit: int = 200) -> str:
    """A search query as typed, bounded, without NULs (which nothing stored contains)."""
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "")[:limit].strip()
