"""The working-hours page's forms: the week (time zone; per weekday "working" and rows of
from / to times) and one date's exception (a day off or its own hours).

They collect what was typed; apps/calendar/availability.py checks it (one set of rules for the
page and for any other caller), and its errors land beside the field they are about: the zone's
under the zone, a weekday's under that day's "Working" box, a date's under the date or its hours.
The times stay text fields (type=time in the browser) so that whatever was typed comes back as
typed when the page shows an error.

The week's rows: each weekday shows its intervals and one empty row (two rows at least), so a
second interval needs no script; "Add hours" (a submit button, name=add, value=the day) shows
the page again with one more row, unsaved. How many rows a day has is read back from the
fields that came in.
"""

from collections.abc import Mapping, Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.accounts import timezones
from apps.accounts.forms import TimeZoneField

from .availability import MAX_INTERVALS, clean_weekly

DAYS = range(7)
MIN_ROWS = 2
# A day never shows more rows than it may have intervals, plus one for the error to be seen;
# more posted than that are not read.
MAX_ROWS = MAX_INTERVALS + 1
# Tuesday to Friday: what "Copy Monday to weekdays" fills.
WEEKDAYS_AFTER_MONDAY = (1, 2, 3, 4)


def _time_input(label: str, autofocus: bool = False) -> forms.TimeInput:
    attrs = {"type": "time", "aria-label": label, "class": "hours-time"}
    if autofocus:
        attrs["autofocus"] = ""
    return forms.TimeInput(attrs=attrs, format="%H:%M")


def on_key(day: int) -> str:
    return f"d{day}_on"


def from_key(day: int, row: int) -> str:
    return f"d{day}_from_{row}"


def to_key(day: int, row: int) -> str:
    return f"d{day}_to_{row}"


def rows_for_weekly(weekly: Sequence) -> list[int]:
    """Rows to show for a stored week: its intervals and an empty one, two at least."""
    return [max(MIN_ROWS, min(MAX_INTERVALS, len(weekly[day]) + 1)) for day in DAYS]


def rows_in(data: Mapping) -> list[int]:
    """How many rows of each day came in with the form."""
    rows = []
    for day in DAYS:
        count = 0
        while count < MAX_ROWS and from_key(day, count) in data:
            count += 1
        rows.append(max(MIN_ROWS, count))
    return rows


def initial_for(zone: str, weekly: Sequence) -> dict:
    """The week's form filled from the stored week."""
    initial: dict = {"timezone": zone}
    for day in DAYS:
        initial[on_key(day)] = bool(weekly[day])
        for row, (start, end) in enumerate(weekly[day][:MAX_ROWS]):
            initial[from_key(day, row)] = start
            initial[to_key(day, row)] = end
    return initial


def initial_from_post(data: Mapping, rows: list[int], *, copy_monday: bool = False) -> dict:
    """What was typed, as the initial values of a form shown again unsaved ("Add hours",
    "Copy Monday to weekdays"). Copying gives Tuesday to Friday Monday's box and rows."""
    initial: dict = {"timezone": data.get("timezone", "")}
    for day in DAYS:
        source = 0 if copy_monday and day in WEEKDAYS_AFTER_MONDAY else day
        initial[on_key(day)] = bool(data.get(on_key(source)))
        for row in range(rows[source]):
            initial[from_key(day, row)] = data.get(from_key(source, row), "")
            initial[to_key(day, row)] = data.get(to_key(source, row), "")
    if copy_monday:
        for day in WEEKDAYS_AFTER_MONDAY:
            rows[day] = rows[0]
    return initial


class WeeklyForm(forms.Form):
    timezone = TimeZoneField(label=_("Time zone"))

    def __init__(self, *args, rows: Sequence[int], current_zone: str = "", focus=None, **kwargs):
        """rows: how many from/to rows each day shows; current_zone: the stored zone (offered
        even when it is not one of the canonical zones); focus: (day, row) to focus."""
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        field = self.fields["timezone"]
        # static/js/tzpicker.js adds a search box above the select with these words.
        field.widget.attrs.update(
            {
                "data-tz-picker": "",
                "data-tz-search-label": _("Find a time zone"),
                "data-tz-placeholder": _("City or GMT offset"),
            }
        )
        if current_zone and current_zone not in timezones.canonical_zones():
            canonical = timezones.canonical(current_zone)
            if canonical:
                if self.initial.get("timezone") == current_zone:
                    self.initial["timezone"] = canonical
            else:
                field.choices = [(current_zone, timezones.label(current_zone)), *field.choices]
        for day in DAYS:
            name = WEEKDAYS[day]
            self.fields[on_key(day)] = forms.BooleanField(
                label=pgettext_lazy("a weekday", "Working"), required=False
            )
            for row in range(self.rows[day]):
                if row == 0:
                    start = _("%(day)s from") % {"day": name}
                    end = _("%(day)s to") % {"day": name}
                else:
                    start = _("%(day)s from, interval %(n)d") % {"day": name, "n": row + 1}
                    end = _("%(day)s to, interval %(n)d") % {"day": name, "n": row + 1}
                self.fields[from_key(day, row)] = forms.CharField(
                    label=start,
                    required=False,
                    widget=_time_input(start, autofocus=focus == (day, row)),
                )
                self.fields[to_key(day, row)] = forms.CharField(
                    label=end, required=False, widget=_time_input(end)
                )

    def days(self) -> list[dict]:
        """Per weekday, for the template: its name, the "Working" box (whose errors are the
        day's) and its rows of (from, to). A day in error has its time inputs marked invalid
        and described by the error, as Django does for the box itself."""
        for day in DAYS:
            box = self[on_key(day)]
            if box.errors:
                for row in range(self.rows[day]):
                    for key in (from_key(day, row), to_key(day, row)):
                        self.fields[key].widget.attrs.update(
                            {"aria-invalid": "true", "aria-describedby": f"{box.auto_id}_error"}
                        )
        return [
            {
                "index": day,
                "name": WEEKDAYS[day],
                "on": self[on_key(day)],
                "rows": [
                    (self[from_key(day, row)], self[to_key(day, row)])
                    for row in range(self.rows[day])
                ],
                "can_add": self.rows[day] < MAX_INTERVALS,
            }
            for day in DAYS
        ]

    def clean(self):
        data = super().clean()
        weekly: list[list[list[str]]] = []
        for day in DAYS:
            intervals: list[list[str]] = []
            if data.get(on_key(day)):
                for row in range(self.rows[day]):
                    start = (data.get(from_key(day, row)) or "").strip()
                    end = (data.get(to_key(day, row)) or "").strip()
                    if start or end:
                        intervals.append([start, end])
                if not intervals:
                    self.add_error(
                        on_key(day),
                        _("%(day)s: you marked it a working day; give its hours.")
                        % {"day": WEEKDAYS[day]},
                    )
                elif any(not start or not end for start, end in intervals):
                    self.add_error(
                        on_key(day),
                        _("%(day)s: give both the start and the end of each interval.")
                        % {"day": WEEKDAYS[day]},
                    )
            weekly.append(intervals)
        data["weekly"] = weekly
        # The service's rules, for every day not already found wanting (a zone the select does
        # not offer has its error already; the days are still checked, against UTC).
        try:
            zone, weekly = clean_weekly(data.get("timezone") or timezones.UTC, weekly)
        except ValidationError as error:
            self.add_service_errors(error)
        else:
            if not self.errors:
                data["timezone"], data["weekly"] = zone, weekly
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        """The availability service's errors, each beside its field ("day_N" is the day's
        "Working" box); a field with an error already keeps that one."""
        for key, messages in error.message_dict.items():
            if key.startswith("day_"):
                field = on_key(int(key.removeprefix("day_")))
            elif key in self.fields:
                field = key
            else:
                field = None
            if field not in self.errors:
                for message in messages:
                    self.add_error(field, message)


class OverrideForm(forms.Form):
    """One date with its own hours: a day off, or one or two intervals."""

    KINDS = (("off", _("Day off")), ("hours", _("Other hours")))
    ROWS = 2

    day = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )
    kind = forms.ChoiceField(
        label=_("That day"), choices=KINDS, initial="off", widget=forms.RadioSelect
    )

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        if today:
            self.fields["day"].widget.attrs["min"] = today.isoformat()
        for row in range(self.ROWS):
            if row == 0:
                start, end = _("From"), _("To")
            else:
                start = _("From, interval %(n)d") % {"n": row + 1}
                end = _("To, interval %(n)d") % {"n": row + 1}
            self.fields[f"from_{row}"] = forms.CharField(
                label=start, required=False, widget=_time_input(start)
            )
            self.fields[f"to_{row}"] = forms.CharField(
                label=end, required=False, widget=_time_input(end)
            )

    def intervals_rows(self):
        return [(self[f"from_{row}"], self[f"to_{row}"]) for row in range(self.ROWS)]

    def clean(self):
        data = super().clean()
        intervals: list[list[str]] = []
        if data.get("kind") == "hours":
            for row in range(self.ROWS):
                start = (data.get(f"from_{row}") or "").strip()
                end = (data.get(f"to_{row}") or "").strip()
                if start or end:
                    intervals.append([start, end])
            if not intervals:
                self.add_error("from_0", _("Give the hours of that day, or make it a day off."))
            elif any(not start or not end for start, end in intervals):
                self.add_error("from_0", _("Give both the start and the end of each interval."))
        data["intervals"] = intervals
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        for key, messages in error.message_dict.items():
            field = "from_0" if key == "intervals" else key if key in self.fields else None
            for message in messages:
                self.add_error(field, message)
