"""Template filters for meetings' cards and pages: a card's snapshot times in the reader's
zone (all-day dates in the meeting's own zone)."""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format

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
    if all_day:
        zone = zone_named(zone_name)
        first = start.astimezone(zone).date()
        last = (end.astimezone(zone) - timedelta(days=1)).date()
        if last <= first:
            return date_format(first, "DATE_FORMAT")
        return f"{date_format(first, 'DATE_FORMAT')} {DASH} {date_format(last, 'DATE_FORMAT')}"
    local_start = timezone.localtime(start)
    local_end = timezone.localtime(end)
    text = f"{date_format(local_start, 'DATE_FORMAT')}, {date_format(local_start, 'H:i')}{DASH}"
    if local_end.date() != local_start.date():
        text += f"{date_format(local_end, 'DATE_FORMAT')}, "
    return text + date_format(local_end, "H:i")


@register.simple_tag
def meeting_time(meeting) -> str:
    return when(meeting.start, meeting.end, meeting.all_day, meeting.timezone)
