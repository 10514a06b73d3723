"""Dates and times as the reader's language writes them, from CLDR (Babel).

Django's ``date`` filter knows a handful of formats per language; CLDR knows how each
language writes a date (Russian puts the day first and the month in the genitive, English
"November 30, 2026") and how it joins a date and a time ("Nov 30, 2026, 9:15 PM", a
24-hour clock in Russian). The language is the active
one (the user's, apps.accounts.middleware), the time zone the active one (the user's too).

    {% load dates %}
    {{ membership.expires_at|babel_date }}            long date (the default)
    {{ link.expires_at|babel_date:"medium" }}         "short", "medium", "long", "full"
    {{ invitation.sent_at|babel_datetime }}           medium date, short time
    {{ invitation.sent_at|babel_datetime:"long" }}    long date, short time
"""

from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format
from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, to_locale

register = template.Library()

STYLES = ("short", "medium", "long", "full")


@lru_cache(maxsize=32)
def _locale(language: str) -> Locale:
    for name in (to_locale(language), language.split("-")[0], settings.LANGUAGE_CODE, "en"):
        try:
            return Locale.parse(name.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            continue
    return Locale("en")


def current_locale() -> Locale:
    return _locale(get_language() or settings.LANGUAGE_CODE)


def _local(value: datetime) -> datetime:
    """An aware time in the active time zone; a naive one as it is."""
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _style(style: str, default: str) -> str:
    return style if style in STYLES else default


@register.filter
def babel_date(value, style: str = "long") -> str:
    """The date of a date or a time (in the active time zone), in the active language."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    elif not isinstance(value, date):
        return str(value)
    return format_date(value, format=_style(style, "long"), locale=current_locale())


@register.filter
def babel_datetime(value, style: str = "medium") -> str:
    """A time in the active time zone: its date in the given style and the hour and minute,
    joined as the active language joins them."""
    if not value:
        return ""
    if not isinstance(value, datetime):
        return babel_date(value, style)
    locale = current_locale()
    style = _style(style, "medium")
    local = _local(value)
    day = format_date(local.date(), format=style, locale=locale)
    clock = format_time(local.time(), format="short", locale=locale)
    return get_datetime_format(style, locale=locale).replace("{1}", day).replace("{0}", clock)
