from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..models import Priority, Status

register = template.Library()


@register.filter
def status_label(value) -> str:
    return str(Status(value).label) if value in Status.values else ""


@register.filter
def priority_label(value) -> str:
    return str(Priority(value).label) if value in Priority.values else ""


@register.filter
def moment(value):
    """An ISO date-time from a card's snapshot as a datetime (shown in the reader's zone)."""
    if not value:
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else value
    return parsed


@register.filter
def overdue(value, status="") -> bool:
    """Whether a deadline (a datetime or an ISO text) has passed on an open task."""
    when = moment(value)
    return bool(when) and status != Status.DONE and when < timezone.now()
