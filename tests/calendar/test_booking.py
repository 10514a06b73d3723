"""Free-slot links and booking through them: what a link offers (only free time, in working
hours, never busy details), booking, moving and cancelling by the booker, turning a link off,
the chat's notes and cards, the emails, and the race: many people booking one slot at once
get exactly one meeting, the others a clear "this slot was just taken"."""

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.calendar import availability, booking, services
from apps.calendar.models import Attendee, Booking, FreeSlotLink, Meeting, SlotHold
from apps.chat.models import Message, MessageAttachment
from apps.collabs import services as collab_services
from apps.collabs.models import Collab
from apps.notifications.models import Notification
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ALL_WEEK = [[["00:00", "23:59"]]] * 7


def fresh(collab: Collab) -> Collab:
    return Collab.objects.get(pk=collab.pk)


def make_link(collab, owner, **extra):
    extra.setdefault("title", "Intro call")
    extra.setdefault("min_notice", 0)
    return booking.create_link(fresh(collab), owner, **extra)


@pytest.fixture
def always_working(owner):
    """The owner works around the clock in UTC (slots every day, whatever the test's hour)."""
    availability.set_weekly(owner, "UTC", ALL_WEEK)
    return owner


def first_slot(slot_link, skip=0):
    return booking.offered(FreeSlotLink.objects.get(pk=slot_link.pk))[skip].start


def test_a_link_goes_to_the_chat_as_a_card(collab, owner):
    slot_link = make_link(collab, owner)
    note = Message.objects.get(collab=collab, system_type="slot_link_created")
    card = MessageAttachment.objects.get(message=note)
    assert card.kind == "slot_link" and card.data["token"] == slot_link.token


def test_bad_link_settings_are_refused(collab, owner):
    from django.core.exceptions import ValidationError

    for bad in ({"duration": 0}, {"duration": "abc"}, {"horizon_days": 1000}, {"title": ""}):
        with pytest.raises(ValidationError):
            make_link(collab, owner, **bad)
    assert not FreeSlotLink.objects.exists()


def test_offered_slots_skip_busy_time_with_buffers(collab, owner, always_working):
    slot_link = make_link(collab, owner, duration=30, increment=30, buffer_after=30)
    # A start with the test's two hours around it inside one UTC day (the week's hours end at
    # 23:59, so a slot at 23:30 with its buffer is never offered): run between 19:30 and 20:00
    # UTC, the fifth slot was 22:00 and the one asserted below 23:30.
    slots = FreeSlotLink.objects.get(pk=slot_link.pk)
    start = [s.start for s in booking.offered(slots) if 2 <= s.start.hour < 20][4]
    services.create_meeting(
        fresh(collab), owner, title="Busy", start=start, end=start + timedelta(hours=1)
    )
    offered = [s.start for s in booking.offered(slot_link)]
    assert start not in offered
    assert start + timedelta(minutes=30) not in offered
    # Ends when the busy meeting starts, but its buffer after would overlap it.
    assert start - timedelta(minutes=30) not in offered
    assert start + timedelta(hours=1, minutes=30) in offered


def test_a_declined_meeting_is_not_busy(collab, owner, member, always_working):
    slot_link = make_link(collab, owner)
    start = first_slot(slot_link, skip=2)
    meeting = services.create_meeting(
        fresh(collab),
        member,
        title="Optional",
        start=start,
        end=start + timedelta(minutes=30),
        attendee_ids=[owner.pk],
    )
    assert start not in [s.start for s in booking.offered(slot_link)]
    services.respond(fresh(collab), owner, meeting.pk, "declined")
    assert start in [s.start for s in booking.offered(slot_link)]


def test_an_extra_participants_busy_time_counts(collab, owner, member, always_working):
    slot_link = make_link(collab, owner, participant_ids=[member.pk])
    start = first_slot(slot_link, skip=3)
    services.create_meeting(
        fresh(collab),
        member,
        title="Member's own",
        start=start,
        end=start + timedelta(minutes=30),
    )
    assert start not in [s.start for s in booking.offered(slot_link)]


def test_booking_makes_the_meeting_tells_the_chat_and_emails_the_ics(
    collab, owner, member, always_working, smtp, committed
):
    slot_link = make_link(collab, owner, participant_ids=[member.pk])
    start = first_slot(slot_link)
    with committed():
        made = booking.book(
            slot_link.token,
            start,
            name="Olga Client",
            email="Olga@Client.example",
            zone="Asia/Kolkata",
        )

    meeting = made.meeting
    assert meeting.organizer == owner and meeting.start == start
    assert meeting.end == start + timedelta(minutes=30)
    people = {(a.user_id, a.email) for a in meeting.attendees.all()}
    assert people == {(owner.pk, ""), (member.pk, ""), (None, "olga@client.example")}
    assert SlotHold.objects.filter(meeting=meeting).count() == 2
    assert Message.objects.filter(collab=collab, system_type="meeting_booked").count() == 1
    assert Notification.objects.filter(user=owner, kind="meeting_booked").exists()
    mail = smtp.wait_for("olga@client.example")
    body = smtp.text(mail)
    assert reverse("my_calendar:booking", args=[made.token]) in body
    part = next(p for p in mail.walk() if p.get_content_type() == "text/calendar")
    cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    assert str(cal["METHOD"]) == "REQUEST"
    smtp.wait_for("owner@example.com")
    smtp.wait_for("member@example.com")
    # The slot is gone from the link.
    assert start not in [s.start for s in booking.offered(slot_link)]


def test_a_taken_slot_gets_the_clear_message_and_nothing_more(collab, owner, always_working):
    slot_link = make_link(collab, owner)
    start = first_slot(slot_link)
    booking.book(slot_link.token, start, name="A", email="a@x.example", zone="UTC")
    with pytest.raises(booking.SlotTaken) as caught:
        booking.book(slot_link.token, start, name="B", email="b@x.example", zone="UTC")
    assert "just taken" in caught.value.messages[0]
    assert Meeting.objects.count() == 1


def test_a_time_not_offered_is_refused(collab, owner, always_working):
    slot_link = make_link(collab, owner, increment=30)
    start = first_slot(slot_link) + timedelta(minutes=7)
    with pytest.raises(booking.SlotTaken):
        booking.book(slot_link.token, start, name="A", email="a@x.example", zone="UTC")


def test_the_daily_limit_closes_the_day(collab, owner, always_working):
    slot_link = make_link(collab, owner, daily_limit=1, horizon_days=3)
    start = first_slot(slot_link)
    booking.book(slot_link.token, start, name="A", email="a@x.example", zone="UTC")
    day = start.date()
    assert all(s.start.date() != day for s in booking.offered(slot_link))


def test_the_booker_moves_and_cancels(collab, owner, always_working, smtp, committed):
    slot_link = make_link(collab, owner)
    start = first_slot(slot_link)
    made = booking.book(slot_link.token, start, name="A", email="a@x.example", zone="UTC")
    later = first_slot(slot_link, skip=3)
    with committed():
        booking.reschedule(made.token, later)
    meeting = Meeting.objects.get(pk=made.meeting_id)
    assert meeting.start == later and meeting.sequence == 1
    assert SlotHold.objects.get(meeting=meeting).start == later
    assert start in [s.start for s in booking.offered(slot_link)]
    with committed():
        booking.cancel_booking(made.token)
    meeting.refresh_from_db()
    assert meeting.is_cancelled and not SlotHold.objects.filter(meeting=meeting).exists()
    assert Message.objects.filter(collab=collab, system_type="booking_cancelled").count() == 1
    assert later in [s.start for s in booking.offered(slot_link)]


def test_a_turned_off_link_is_dead(client, collab, owner, always_working):
    slot_link = make_link(collab, owner)
    booking.turn_off(fresh(collab), owner, slot_link.pk)
    response = client.get(reverse("my_calendar:book", args=[slot_link.token]))
    assert response.status_code == 404
    assert "no longer available" in response.content.decode()
    with pytest.raises(Exception):  # noqa: B017 (Http404)
        booking.book(slot_link.token, timezone.now(), name="A", email="a@x.example", zone="UTC")
    card = MessageAttachment.objects.get(kind="slot_link", ref_id=slot_link.pk)
    assert card.data["active"] is False


def test_a_link_dies_with_its_owners_membership(client, collab, owner, member, always_working):
    availability.set_weekly(member, "UTC", ALL_WEEK)
    slot_link = make_link(collab, member)
    collab_services.remove_member(fresh(collab), owner, member)
    assert client.get(reverse("my_calendar:book", args=[slot_link.token])).status_code == 404


def test_forged_tokens_are_404(client):
    assert client.get(reverse("my_calendar:book", args=["nope"])).status_code == 404
    assert client.get(reverse("my_calendar:booking", args=["nope"])).status_code == 404


def test_only_the_owner_or_the_delete_right_turns_a_link_off(collab, owner, member, guest):
    from django.core.exceptions import PermissionDenied

    slot_link = make_link(collab, member)
    with pytest.raises(PermissionDenied):
        booking.turn_off(fresh(collab), guest, slot_link.pk)
    booking.turn_off(fresh(collab), owner, slot_link.pk)  # the owner of the collab moderates


# --- The pages ----------------------------------------------------------------------------------


def test_the_booking_page_shows_free_times_in_the_visitors_zone(
    client, collab, owner, member, always_working
):
    slot_link = make_link(collab, owner)
    start = first_slot(slot_link)
    url = reverse("my_calendar:book", args=[slot_link.token])
    kolkata = start.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%H:%M")
    moscow = start.astimezone(ZoneInfo("Europe/Moscow")).strftime("%H:%M")
    # A signed-in person of another zone asking for Kolkata sees Kolkata's clock.
    member.timezone = "Europe/Moscow"
    member.save()
    html = client_for(client, member).get(url, {"tz": "Asia/Kolkata"}).content.decode()
    first = html.index('class="btn btn-small slot-time"')
    assert f">{kolkata}</a>" in html[first : first + 600]
    assert f">{moscow}</a>" not in html[first : first + 600]
    # Nothing about anyone's busy time, ever.
    services.create_meeting(
        fresh(collab),
        owner,
        title="Secret board meeting",
        start=start,
        end=start + timedelta(minutes=30),
    )
    html = client.get(url, {"tz": "Asia/Kolkata"}).content.decode()
    assert "Secret board meeting" not in html


def test_booking_through_the_page(client, collab, owner, always_working):
    slot_link = make_link(collab, owner)
    start = first_slot(slot_link)
    url = reverse("my_calendar:book", args=[slot_link.token])
    chosen = client.get(url, {"slot": start.isoformat(), "tz": "Europe/Berlin"})
    assert chosen.status_code == 200 and "Your email" in chosen.content.decode()
    response = client.post(
        url,
        {"slot": start.isoformat(), "tz": "Europe/Berlin", "name": "Olga", "email": "o@x.example"},
    )
    made = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("my_calendar:booking", args=[made.token]))
    assert made.timezone == "Europe/Berlin"
    # The same slot again: the clear message with the remaining slots, no error page.
    again = client.post(
        url,
        {"slot": start.isoformat(), "tz": "Europe/Berlin", "name": "Ivan", "email": "i@x.example"},
    )
    assert again.status_code == 400
    text = again.content.decode()
    assert "just taken" in text and "Choose a time" in text
    assert Booking.objects.count() == 1


def test_bad_booker_input_keeps_what_was_typed(client, collab, owner, always_working):
    slot_link = make_link(collab, owner)
    start = first_slot(slot_link)
    url = reverse("my_calendar:book", args=[slot_link.token])
    response = client.post(url, {"slot": start.isoformat(), "name": "Olga", "email": "nope"})
    assert response.status_code == 400
    assert (
        "valid email" in response.content.decode() and 'value="Olga"' in response.content.decode()
    )
    assert (
        client.post(url, {"slot": "garbage", "name": "O", "email": "o@x.example"}).status_code
        == 400
    )
    assert not Booking.objects.exists()


def test_a_signed_in_member_is_recognized(client, collab, owner, member, always_working):
    slot_link = make_link(collab, owner)
    start = first_slot(slot_link)
    url = reverse("my_calendar:book", args=[slot_link.token])
    c = client_for(client, member)
    assert 'value="member@example.com"' in c.get(url, {"slot": start.isoformat()}).content.decode()
    c.post(url, {"slot": start.isoformat(), "name": "Member", "email": "member@example.com"})
    made = Booking.objects.get()
    assert made.user == member
    assert Attendee.objects.filter(meeting=made.meeting, user=member).exists()


def test_booking_is_rate_limited(client, collab, owner, always_working, settings):
    settings.BOOKINGS_PER_HOUR = 2
    slot_link = make_link(collab, owner)
    url = reverse("my_calendar:book", args=[slot_link.token])
    for i in range(2):
        start = first_slot(slot_link, skip=i * 2)
        client.post(url, {"slot": start.isoformat(), "name": "A", "email": f"a{i}@x.example"})
    start = first_slot(slot_link, skip=8)
    response = client.post(url, {"slot": start.isoformat(), "name": "A", "email": "z@x.example"})
    assert response.status_code == 429
    assert Booking.objects.count() == 2


def test_the_booking_page_query_count_is_fixed(
    client, collab, owner, always_working, django_assert_num_queries
):
    slot_link = make_link(collab, owner)
    url = reverse("my_calendar:book", args=[slot_link.token])
    client.get(url)  # warm caches (sessions, site settings)

    def meetings(n):
        now = timezone.now()
        rows = [
            Meeting(
                collab=collab,
                title=f"M{i}",
                start=now + timedelta(hours=i),
                organizer=owner,
                end=now + timedelta(hours=i, minutes=20),
                uid=f"bulk-{n}-{i}",
                created=now,
                updated=now,
            )
            for i in range(n)
        ]
        made = Meeting.objects.bulk_create(rows)
        Attendee.objects.bulk_create(
            Attendee(meeting=m, user=owner, is_organizer=True, answer="accepted") for m in made
        )

    meetings(5)
    with django_assert_num_queries(9) as few:
        client.get(url)
    meetings(500)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


# --- The race -----------------------------------------------------------------------------------


@pytest.mark.parametrize("links", [1, 2])
@pytest.mark.django_db(transaction=True)
def test_twenty_people_booking_one_slot_at_once_make_one_meeting(owner, links):
    """20 threads, each on its own database connection, book the same slot at the same moment:
    one meeting exists afterwards, and the 19 others got SlotTaken (no other error). With two
    links of the same person, the link's lock does not serialize them: on PostgreSQL the
    exclusion constraint on the person's holds decides."""
    from apps.collabs.services import create_collab

    collab = create_collab(owner, name="Race")
    availability.set_weekly(owner, "UTC", ALL_WEEK)
    slot_links = [
        booking.create_link(collab, owner, title=f"Race {n}", min_notice=0) for n in range(links)
    ]
    start = first_slot(slot_links[0], skip=5)
    barrier = threading.Barrier(20)
    results: list = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        try:
            barrier.wait()
            token = slot_links[i % links].token
            booking.book(token, start, name=f"P{i}", email=f"p{i}@x.example", zone="UTC")
            outcome = "booked"
        except booking.SlotTaken:
            outcome = "taken"
        except Exception as exc:
            outcome = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(results) == ["booked"] + ["taken"] * 19, results
    assert Meeting.objects.filter(collab=collab, start=start).count() == 1
    assert Booking.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_overlapping_holds_on_postgresql(owner):
    """The last line of defence: even past every check, two holds of one person's time cannot
    overlap on PostgreSQL (the exclusion constraint)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from django.db import IntegrityError, transaction

    from apps.collabs.services import create_collab

    collab = create_collab(owner, name="Holds")
    now = timezone.now()
    m = services.create_meeting(
        collab,
        owner,
        title="A",
        start=now + timedelta(days=1),
        end=now + timedelta(days=1, hours=1),
    )
    SlotHold.objects.create(user=owner, meeting=m, start=m.start, end=m.end)
    with pytest.raises(IntegrityError), transaction.atomic():
        SlotHold.objects.create(
            user=owner,
            meeting=m,
            start=m.start + timedelta(minutes=30),
            end=m.end + timedelta(minutes=30),
        )
    # Touching ends do not overlap ([start, end)).
    SlotHold.objects.create(user=owner, meeting=m, start=m.end, end=m.end + timedelta(hours=1))


def test_someone_elses_no_does_not_free_the_owners_time(collab, owner, member, always_working):
    """Busy is judged per person: the owner's meeting stays busy when another attendee
    declines it."""
    slot_link = make_link(collab, owner)
    start = first_slot(slot_link, skip=2)
    meeting = services.create_meeting(
        fresh(collab), owner, title="Ours", start=start, end=start + timedelta(minutes=30),
        attendee_ids=[member.pk],
    )  # fmt: skip
    services.respond(fresh(collab), member, meeting.pk, "declined")
    assert start not in [s.start for s in booking.offered(slot_link)]


@pytest.mark.parametrize(
    "slot", ["2024-02-30T10:00:00+00:00", "9999-12-31T23:59:00+00:00", "x" * 500, "2030-01-01"]
)
def test_an_impossible_slot_is_a_clear_message_not_an_error(client, collab, owner, slot):
    slot_link = make_link(collab, owner)
    url = reverse("my_calendar:book", args=[slot_link.token])
    assert client.get(url, {"slot": slot}).status_code == 200
    response = client.post(url, {"slot": slot, "name": "A", "email": "a@x.example"})
    assert response.status_code == 400 and "Choose a time" in response.content.decode()


def test_a_removed_participant_is_not_invited_to_new_bookings(
    collab, owner, member, always_working
):
    slot_link = make_link(collab, owner, participant_ids=[member.pk])
    collab_services.remove_member(fresh(collab), owner, member)
    made = booking.book(
        slot_link.token, first_slot(slot_link), name="A", email="a@x.example", zone="UTC"
    )
    assert not made.meeting.attendees.filter(user=member).exists()


def test_a_cancelled_booking_frees_its_day(collab, owner, always_working):
    slot_link = make_link(collab, owner, daily_limit=1, horizon_days=3)
    start = first_slot(slot_link)
    made = booking.book(slot_link.token, start, name="A", email="a@x.example", zone="UTC")
    services.cancel_meeting(fresh(collab), owner, made.meeting_id)
    assert any(s.start.date() == start.date() for s in booking.offered(slot_link))


def test_a_booking_of_a_departed_owner_cannot_be_moved(collab, owner, member, always_working):
    availability.set_weekly(member, "UTC", ALL_WEEK)
    slot_link = make_link(collab, member)
    made = booking.book(
        slot_link.token, first_slot(slot_link), name="A", email="a@x.example", zone="UTC"
    )
    later = first_slot(slot_link, skip=3)
    collab_services.remove_member(fresh(collab), owner, member)
    from django.http import Http404

    with pytest.raises(Http404):
        booking.reschedule(made.token, later)
