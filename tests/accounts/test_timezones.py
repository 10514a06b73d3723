"""The profile's time zones (apps.accounts.timezones): canonical zones only, labelled with the
CLDR city in the user's language and the GMT offset, sorted by offset; the stored value stays
the IANA name, and a name saved before as an alias still validates."""

import zoneinfo
from datetime import UTC, datetime
from pathlib import Path

import pytest
import tzdata
from django.urls import reverse
from django.utils import translation

from apps.accounts import timezones
from apps.accounts.forms import ProfileForm
from tests.conftest import make_user

WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, tzinfo=UTC)


def names() -> set[str]:
    return {name for name, _ in timezones.choices("en")}


def test_only_canonical_zones_are_offered():
    offered = names()
    assert len(offered) < 450 < len(zoneinfo.available_timezones())
    for alias in ("US/Eastern", "Europe/Kiev", "Asia/Calcutta", "America/Buenos_Aires", "GMT"):
        assert alias not in offered
    for zone in ("UTC", "Europe/Kyiv", "Europe/Moscow", "America/New_York", "Asia/Kolkata"):
        assert zone in offered
    assert all(name in zoneinfo.available_timezones() for name in offered)


def test_every_zone_offered_is_a_tzdata_zone_of_a_country():
    tables = Path(tzdata.__file__).parent / "zoneinfo"
    listed = {"UTC"}
    for table in ("zone.tab", "zone1970.tab"):
        for line in (tables / table).read_text().splitlines():
            if line and not line.startswith("#"):
                listed.add(line.split("\t")[2])
    assert names() <= listed


def test_aliases_map_to_their_canonical_zone():
    assert timezones.canonical("Europe/Kiev") == "Europe/Kyiv"
    assert timezones.canonical("US/Eastern") == "America/New_York"
    assert timezones.canonical("Etc/UTC") == "UTC"
    assert timezones.canonical("Europe/Moscow") == "Europe/Moscow"
    assert timezones.canonical("Etc/GMT-3") is None


def test_labels_in_russian_and_english_with_the_offset():
    assert timezones.label("Europe/Moscow", "ru", WINTER) == "Москва (GMT+3)"
    assert timezones.label("Europe/Moscow", "en", WINTER) == "Moscow (GMT+3)"
    assert timezones.label("Asia/Kolkata", "en", WINTER) == "Kolkata (GMT+5:30)"
    assert timezones.label("America/New_York", "en", WINTER) == "New York (GMT-5)"
    assert timezones.label("America/New_York", "en", SUMMER) == "New York (GMT-4)"
    assert timezones.label("UTC", "ru", WINTER) == "UTC (GMT)"
    ru = dict(timezones.choices("ru"))
    assert ru["Europe/Moscow"].startswith("Москва (GMT+")
    assert dict(timezones.choices("en"))["Europe/Moscow"].startswith("Moscow (GMT+")


def test_sorted_by_offset_then_name():
    now = datetime.now(UTC)
    offsets = [
        now.astimezone(zoneinfo.ZoneInfo(name)).utcoffset() for name, _ in timezones.choices("en")
    ]
    assert offsets == sorted(offsets)
    labels = [label for name, label in timezones.choices("en")]
    assert len(labels) == len(set(labels))


@pytest.mark.django_db
def test_the_profile_form_offers_the_labels_in_the_users_language():
    user = make_user("tz@example.com", "Tanya Zone", timezone="Europe/Moscow")
    with translation.override("ru"):
        form = ProfileForm(instance=user)
        assert dict(form.fields["timezone"].choices)["Europe/Moscow"].startswith("Москва")
    with translation.override("en"):
        form = ProfileForm(instance=user)
        assert dict(form.fields["timezone"].choices)["Europe/Moscow"].startswith("Moscow")


def profile_data(user, zone: str) -> dict:
    return {"full_name": user.full_name, "timezone": zone, "language": "", "email_mentions": "on"}


@pytest.mark.django_db
def test_a_stored_alias_shows_and_is_accepted_as_its_canonical_zone():
    user = make_user("kiev@example.com", "Kira Kiev", timezone="Europe/Kiev")

    shown = ProfileForm(instance=user)
    assert shown["timezone"].value() == "Europe/Kyiv"

    posted = ProfileForm(profile_data(user, "Europe/Kiev"), instance=user)
    assert posted.is_valid(), posted.errors
    assert posted.cleaned_data["timezone"] == "Europe/Kyiv"
    assert ProfileForm(profile_data(user, "US/Eastern"), instance=user).is_valid()


@pytest.mark.django_db
def test_a_stored_zone_without_a_canonical_one_is_kept_for_its_owner():
    user = make_user("etc@example.com", "Eve Etc", timezone="Etc/GMT-3")
    other = make_user("other@example.com", "Otto Other")

    form = ProfileForm(profile_data(user, "Etc/GMT-3"), instance=user)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["timezone"] == "Etc/GMT-3"
    assert not ProfileForm(profile_data(other, "Etc/GMT-3"), instance=other).is_valid()
    assert not ProfileForm(profile_data(other, "Mars/Olympus"), instance=other).is_valid()


@pytest.mark.django_db
def test_the_profile_page_has_the_picker_and_its_script(client):
    user = make_user("page@example.com", "Paula Page", timezone="Europe/Moscow")
    client.force_login(user)

    page = client.get(reverse("accounts:profile")).content.decode()

    assert "js/tzpicker.js" in page
    assert "data-tz-picker" in page
    assert '<option value="Europe/Moscow" selected>Moscow (GMT+3)</option>' in page

    response = client.post(reverse("accounts:profile"), profile_data(user, "Europe/Kiev"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.timezone == "Europe/Kyiv"
