"""The personal iCalendar feed (apps/calendar/feed.py): what it shows to whoever holds the
token (the person's meetings where they may still see them), the 404s (unknown, revoked, the
person deactivated), "Get a new address", the panel, and a query count that does not grow
with the meetings."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from apps.accounts.services import deactivate_user
from apps.calendar import feed
from apps.calendar.models import Attendee, FeedToken, Meeting
from apps.collabs import services as collab_services

from .test_ics import make_meeting

pytestmark = pytest.mark.django_db


def soon(days: float = 1):
    return timezone.now() + timedelta(days=days)


def url_of(user) -> str:
    return reverse(
        "my_calendar:feed", kwargs={"token": feed.issue_token(user, replace=False).token}
    )


def titles(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))


@pytest.fixture
def second_collab(owner, member, guest):
    collab = collab_services.create_collab(owner, name="Second team")
    collab_services.add_member(collab, owner, member)
    collab_services.add_member(collab, owner, guest)
    return collab


def test_the_url_is_the_registrys():
    assert reverse("my_calendar:feed", kwargs={"token": "abc"}) == "/calendar/feed/abc.ics"
    assert reverse("my_calendar:feed_reset") == "/calendar/feed/reset/"


def test_it_lists_the_meetings_i_organize_and_attend_and_no_others(
    client, collab, second_collab, owner, member, guest
):
    make_meeting(collab, member, title="Mine to run", start=soon(1))
    make_meeting(collab, owner, [member], title="Invited", start=soon(2))
    make_meeting(second_collab, owner, [guest, member], title="Other team", start=soon(3))
    make_meeting(collab, owner, [guest], title="Not for me", start=soon(4))
    # No session: the calendar app's server fetches it with the token alone.
    assert titles(client.get(url_of(member))) == ["Invited", "Mine to run", "Other team"]
    assert titles(client.get(url_of(guest))) == ["Not for me", "Other team"]


def test_it_keeps_60_days_back_and_400_ahead_and_cancelled_ones_as_cancelled(client, collab, owner):
    make_meeting(collab, owner, title="Long past", start=soon(-61), hours=2)
    make_meeting(collab, owner, title="Recent past", start=soon(-59))
    make_meeting(collab, owner, title="Next year", start=soon(399))
    make_meeting(collab, owner, title="Too far", start=soon(401))
    make_meeting(collab, owner, title="Called off", start=soon(1), state=Meeting.State.CANCELLED)
    response = client.get(url_of(owner))
    assert titles(response) == ["Called off", "Next year", "Recent past"]
    calendar = Calendar.from_ical(response.content)
    status = {str(e["SUMMARY"]): str(e["STATUS"]) for e in calendar.walk("VEVENT")}
    assert status == {
        "Called off": "CANCELLED",
        "Next year": "CONFIRMED",
        "Recent past": "CONFIRMED",
    }
    assert "METHOD" not in calendar
    assert calendar["X-WR-CALNAME"] == f"Meetings in {settings.SITE_NAME}"


def test_a_collab_i_was_removed_from_leaves_my_feed(client, collab, second_collab, owner, guest):
    make_meeting(collab, owner, [guest], title="Old team", start=soon(1))
    make_meeting(second_collab, owner, [guest], title="Still here", start=soon(2))
    url = url_of(guest)
    assert titles(client.get(url)) == ["Old team", "Still here"]
    collab_services.remove_member(collab, owner, guest)
    assert titles(client.get(url)) == ["Still here"]


def test_a_view_level_that_keeps_guests_out_keeps_them_out_of_the_feed(
    client, collab, owner, member, guest
):
    make_meeting(collab, owner, [member, guest], title="Employees only", start=soon(1))
    collab_services.change_settings(collab, owner, features={"calendar": {"view": "employees"}})
    assert titles(client.get(url_of(guest))) == []
    assert titles(client.get(url_of(member))) == ["Employees only"]


def test_an_unknown_token_is_404(client, collab, owner):
    make_meeting(collab, owner, start=soon(1))
    real = feed.issue_token(owner).token
    for guess in ("guessed", real[:-1], real + "x", real.upper(), "x" * 5000):
        path = reverse("my_calendar:feed", kwargs={"token": guess})
        assert client.get(path).status_code == 404, guess
    assert client.get(reverse("my_calendar:feed", kwargs={"token": real})).status_code == 200


def test_the_old_address_is_404_after_a_new_one(client, collab, owner, member):
    make_meeting(collab, owner, [member], title="Secret plans", start=soon(1))
    old = url_of(member)
    assert titles(client.get(old)) == ["Secret plans"]
    client.force_login(member)
    response = client.post(reverse("my_calendar:feed_reset"))
    assert response.status_code == 302
    client.logout()
    assert client.get(old).status_code == 404
    new = url_of(member)
    assert new != old
    assert titles(client.get(new)) == ["Secret plans"]


def test_a_deactivated_persons_token_is_404(client, collab, owner, member):
    make_meeting(collab, owner, [member], start=soon(1))
    url = url_of(member)
    assert client.get(url).status_code == 200
    deactivate_user(member)
    assert client.get(url).status_code == 404


def test_a_new_address_needs_a_signed_in_post(client, member):
    token = feed.issue_token(member).token
    reset = reverse("my_calendar:feed_reset")
    response = client.post(reset)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(member)
    assert client.get(reset).status_code == 405
    assert FeedToken.objects.get(user=member).token == token
    client.post(reset)
    assert FeedToken.objects.get(user=member).token != token


def test_a_new_address_goes_back_only_to_a_local_page(client, member):
    client.force_login(member)
    reset = reverse("my_calendar:feed_reset")
    assert client.post(reset, {"next": "/collabs/?tab=x"})["Location"] == "/collabs/?tab=x"
    assert client.post(reset)["Location"] == "/calendar/"
    for bad in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        assert client.post(reset, {"next": bad})["Location"] == "/calendar/"


def test_a_first_new_address_makes_the_token(client, member):
    client.force_login(member)
    client.post(reverse("my_calendar:feed_reset"))
    assert FeedToken.objects.filter(user=member).count() == 1


def test_feed_url_makes_the_token_once_and_is_absolute(client, collab, owner):
    make_meeting(collab, owner, title="Planning", start=soon(1))
    assert not FeedToken.objects.filter(user=owner).exists()
    url = feed.feed_url(None, owner)
    assert url.startswith(settings.SITE_URL + "/calendar/feed/")
    assert feed.feed_url(None, owner) == url
    assert titles(client.get(url.removeprefix(settings.SITE_URL))) == ["Planning"]


def test_the_panel_shows_the_address_with_a_label_and_the_reset_form(member):
    url = feed.feed_url(None, member)
    request = RequestFactory().get("/calendar/?view=week")
    request.user = member
    html = render_to_string("calendar/_feed.html", {"feed_url": url}, request=request)
    assert "Calendar feed" in html
    assert '<label for="calendar-feed-url">' in html
    assert 'id="calendar-feed-url"' in html and f'value="{url}"' in html and "readonly" in html
    assert "Anyone with the address sees your meetings: keep it private." in html
    assert f'action="{reverse("my_calendar:feed_reset")}"' in html
    assert 'name="next" value="/calendar/?view=week"' in html
    assert "Get a new address" in html and "csrfmiddlewaretoken" in html


def bulk_meetings(n: int, collab, second_collab, organizer, people) -> None:
    """n meetings (half in each collab), each with the organizer and the people."""
    now = timezone.now()
    meetings = Meeting.objects.bulk_create(
        Meeting(
            collab=collab if i % 2 else second_collab,
            title=f"Meeting {i}",
            start=now + timedelta(days=i % 30, hours=1),
            end=now + timedelta(days=i % 30, hours=2),
            timezone=("Europe/Berlin", "America/New_York", "UTC")[i % 3],
            all_day=False,
            organizer=organizer,
            uid=f"{uuid.uuid4()}@collabhub.test",
            created=now,
            updated=now,
            created_by=organizer,
        )
        for i in range(n)
    )
    Attendee.objects.bulk_create(
        Attendee(
            meeting=m,
            user=person,
            is_organizer=person == organizer,
            answer=Attendee.Answer.ACCEPTED if person == organizer else Attendee.Answer.PENDING,
        )
        for m in meetings
        for person in [organizer, *people]
    )


@pytest.mark.parametrize("n", [5, 50])
def test_the_feed_takes_four_queries_whatever_the_number_of_meetings(
    n, client, collab, second_collab, owner, member, guest, django_assert_num_queries
):
    bulk_meetings(n, collab, second_collab, owner, [member, guest])
    url = url_of(member)
    # The token with its person, their collabs with the levels, the meetings, their people.
    with django_assert_num_queries(4):
        response = client.get(url)
    assert len(titles(response)) == n
