"""Template filters for meetings' cards and pages: a card's snapshot times in the reader's
zone (all-day dates in the meeting's own zone)."""

from datetime import timedelta

from babel.dates import format_time
from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core.templatetags.dates import babel_date, babel_datetime, current_locale
from apps.core.zones import zone_named

register = template.Library()

DASH = "\u2013"  # an en dash between times and dates


@register.filter
def meeting_when(data: dict) -> str:
    """The card's time in the reader's zone ("Dec. 12, 2026, 10:00" to "11:00", an en dash
    between), or the dates of an all-day event in its own zone."""
    start = parse_datetime(data.get("start") or "")
    end = parse_datetime(data.get("end") or "")
    if start is None or end is None:
        return ""
    return when(start, end, data.get("all_day", False), data.get("timezone", "UTC"))


def when(start, end, all_day: bool, zone_name: str) -> str:
    """CLDR's date and time in the active language and zone (as the chat's notes write it);
    an all-day event's dates in its own zone."""
    if all_day:
        zone = zone_named(zone_name)
        first = start.astimezone(zone).date()
        last = (end.astimezone(zone) - timedelta(days=1)).date()
        if last <= first:
            return babel_date(first, "medium")
        return f"{babel_date(first, 'medium')} {DASH} {babel_date(last, 'medium')}"
    local_end = timezone.localtime(end)
    if local_end.date() != timezone.localtime(start).date():
        return f"{babel_datetime(start)} {DASH} {babel_datetime(end)}"
    clock = format_time(local_end.time(), format="short", locale=current_locale())
    return f"{babel_datetime(start)}{DASH}{clock}"


@register.simple_tag
def meeting_time(meeting) -> str:
    return when(meeting.start, meeting.end, meeting.all_day, meeting.timezone)
