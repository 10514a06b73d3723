"""Names are one line: people's full names, collab names, the names given to invitees.

A name travels into places that cannot hold a line break: email headers (Django refuses a
subject with "\\n" in it with BadHeaderError, so the whole email fails), text messages, page
titles, "Name <address>" labels. So every name is normalized where it comes in — the forms
(SingleLineField), the services and the models' clean() (the Django admin) — and subjects are
normalized again where they are built (render_subject), for names stored before this rule.

Normalizing rather than refusing: a name pasted with a line break in it means the same name on
one line, so the person loses nothing and gets no error to puzzle over.
"""

import re

from django import forms
from django.template.loader import render_to_string

# A run of whitespace or control characters: \\s (which, for str patterns, covers \\t \\n \\r
# \\v \\f, U+0085, U+2028, U+2029 and the other Unicode spaces), every C0 control character
# (\\x00-\\x1f), DEL and the C1 controls (\\x7f-\\x9f). U+2028/U+2029 are named again for the
# reader: str.splitlines() and mail software break lines there.
_BREAKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def single_line(value: str | None) -> str:
    """The value on one line: each run of whitespace or control characters becomes one space,
    and the ends are stripped."""
    if not value:
        return ""
    return _BREAKS.sub(" ", str(value)).strip()


class SingleLineField(forms.CharField):
    """A form field for a name: whatever was typed or pasted, it comes out on one line. The
    length limit and "required" are checked on the normalized value (a name of only line
    breaks is empty, so it is asked for again)."""

    def to_python(self, value):
        return single_line(super().to_python(value))


def render_subject(template_name: str, context: dict) -> str:
    """An email subject rendered from a template, on one line whatever names it holds."""
    return single_line(render_to_string(template_name, context))
