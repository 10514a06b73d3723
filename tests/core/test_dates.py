"""apps/core/templatetags/dates.py: dates in the reader's language (CLDR, through Babel) and
time zone."""

import zoneinfo
from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from apps.core.templatetags.dates import babel_date, babel_datetime

MOMENT = datetime(2026, 11, 30, 22, 15, tzinfo=UTC)  # 01:15 on Dec 1 in Moscow


@pytest.fixture
def moscow():
    timezone.activate(zoneinfo.ZoneInfo("Europe/Moscow"))
    yield
    timezone.deactivate()


def test_a_date_in_english_and_in_russian(moscow):
    with translation.override("en"):
        assert babel_date(MOMENT) == "December 1, 2026"  # the date where the reader is
        assert babel_datetime(MOMENT) == "Dec 1, 2026, 1:15\u202fAM"
    # The abbreviation of the year ("g.") is Cyrillic on purpose (RUF001).
    with translation.override("ru"):
        assert babel_date(MOMENT) == "1 декабря 2026\u202fг."  # noqa: RUF001
        assert babel_datetime(MOMENT) == "1 дек. 2026\u202fг., 01:15"  # noqa: RUF001


def test_styles_plain_dates_and_nothing():
    with translation.override("ru"):
        assert babel_date(date(2027, 3, 15), "medium") == "15 мар. 2027\u202fг."  # noqa: RUF001
        assert babel_date(date(2027, 3, 15), "nonsense") == "15 марта 2027\u202fг."  # noqa: RUF001
    assert babel_date(None) == "" and babel_datetime("") == ""


def test_the_filters_in_a_template(moscow):
    template = Template("{% load dates %}{{ when|babel_date }} · {{ when|babel_datetime:'long' }}")
    with translation.override("en"):
        assert template.render(Context({"when": MOMENT})) == (
            "December 1, 2026 · December 1, 2026, 1:15\u202fAM"
        )
