"""Working hours (my_calendar:hours, at /calendar/hours/): the person's weekly hours in their
time zone, and the dates with hours of their own (a day off, a Saturday worked). Any signed-in
active person has them, guests too: a free-slot link offers only slots inside them.

Everything works without JavaScript: "Add hours" and "Copy Monday to weekdays" are submit
buttons that show the week again with what was typed, changed and unsaved (hours_forms.py);
"Save" stores it through apps/calendar/availability.py. Errors show the page again with the
input as typed and each error beside its field.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.templatetags.dates import babel_date

from . import availability
from .hours_forms import (
    MAX_INTERVALS,
    OverrideForm,
    WeeklyForm,
    initial_for,
    initial_from_post,
    rows_for_weekly,
    rows_in,
)


def _hours_text(intervals) -> str:
    return ", ".join(availability.span(start, end) for start, end in intervals)


def _page(
    request: HttpRequest,
    *,
    week: WeeklyForm | None = None,
    date_form: OverrideForm | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    zone, weekly, is_default = availability.weekly_of(user)
    today = availability.today_for(zone)
    if week is None:
        week = WeeklyForm(
            initial=initial_for(zone, weekly), rows=rows_for_weekly(weekly), current_zone=zone
        )
    if date_form is None:
        date_form = OverrideForm(today=today)
    overrides = [
        {"day": o.day, "off": not o.intervals, "hours": _hours_text(o.intervals)}
        for o in availability.upcoming_overrides(user, today)
    ]
    ctx = {
        "week": week,
        "days": week.days(),
        "date_form": date_form,
        "overrides": overrides,
        "is_default": is_default,
        "notice": notice,
        "zone": zone,
        "max_intervals": MAX_INTERVALS,
    }
    return render(request, "calendar/hours.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def hours(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    data = request.POST
    zone = availability.zone_of(request.user)
    rows = rows_in(data)
    add = data.get("add", "")
    if add in {"0", "1", "2", "3", "4", "5", "6"}:
        # One more empty row for that day, focused; nothing saved.
        day = int(add)
        initial = initial_from_post(data, rows)
        if rows[day] < MAX_INTERVALS:
            rows[day] += 1
        week = WeeklyForm(initial=initial, rows=rows, current_zone=zone, focus=(day, rows[day] - 1))
        return _page(request, week=week)
    if "copy" in data:
        initial = initial_from_post(data, rows, copy_monday=True)
        week = WeeklyForm(initial=initial, rows=rows, current_zone=zone)
        notice = _("Monday's hours are copied to Tuesday to Friday. Save to keep them.")
        return _page(request, week=week, notice=notice)
    week = WeeklyForm(data, rows=rows, current_zone=zone)
    if week.is_valid():
        try:
            availability.set_weekly(
                request.user, week.cleaned_data["timezone"], week.cleaned_data["weekly"]
            )
        except ValidationError as error:
            week.add_service_errors(error)
        else:
            messages.success(request, _("Your working hours are saved."))
            return redirect("my_calendar:hours")
    return _page(request, week=week)


@login_required
@require_POST
def add_date(request: HttpRequest) -> HttpResponse:
    """A date with its own hours (replacing that date's earlier ones)."""
    today = availability.today_for(availability.zone_of(request.user))
    form = OverrideForm(request.POST, today=today)
    if form.is_valid():
        day = form.cleaned_data["day"]
        try:
            override = availability.set_override(request.user, day, form.cleaned_data["intervals"])
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            when = babel_date(day)
            if override.intervals:
                text = _("%(day)s: %(hours)s.") % {
                    "day": when,
                    "hours": _hours_text(override.intervals),
                }
            else:
                text = _("%(day)s: a day off.") % {"day": when}
            messages.success(request, text)
            return redirect(reverse("my_calendar:hours") + "#dates")
    return _page(request, date_form=form)


@login_required
@require_POST
def remove_date(request: HttpRequest) -> HttpResponse:
    """The date follows the weekly hours again."""
    try:
        day = date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        day = None
    if day and availability.remove_override(request.user, day):
        messages.success(
            request,
            _("%(day)s follows your weekly hours again.") % {"day": babel_date(day)},
        )
    return redirect(reverse("my_calendar:hours") + "#dates")
