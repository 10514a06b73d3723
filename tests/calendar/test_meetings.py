"""Meetings through their services and pages: planning (from a message too), editing, moving,
cancelling, answering (on the page and from the email), the chat's notes and cards, the
iCalendar emails through a real SMTP server, reminders, and who is kept out of what."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from apps.calendar import services
from apps.calendar.models import Attendee, Meeting
from apps.chat import services as chat
from apps.chat.models import Message, MessageAttachment
from apps.collabs import services as collab_services
from apps.collabs.models import Collab
from apps.notifications.models import Notification
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def fresh(collab: Collab) -> Collab:
    return Collab.objects.get(pk=collab.pk)


def at(days=1, hour=10):
    base = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return (base + timedelta(days=days)).replace(hour=hour)


def plan(collab, by, title="Kick-off", start=None, **extra):
    start = start or at()
    extra.setdefault("end", start + timedelta(hours=1))
    extra.setdefault("zone", "Europe/Berlin")
    return services.create_meeting(fresh(collab), by, title=title, start=start, **extra)


def system(collab, kind):
    return list(Message.objects.filter(collab=collab, kind=Message.Kind.SYSTEM, system_type=kind))


def calendar_part(message) -> icalendar.Calendar:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return icalendar.Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError("no text/calendar part")


def event_of(cal: icalendar.Calendar):
    return next(c for c in cal.walk("VEVENT"))


# --- Planning -----------------------------------------------------------------------------------


def test_planning_writes_the_meeting_its_people_the_chat_note_and_notifications(
    collab, owner, member, guest, committed
):
    with committed():
        meeting = plan(collab, owner, attendee_ids=[member.pk, guest.pk], emails=["x@out.example"])

    people = {(a.user_id, a.email, a.is_organizer, a.answer) for a in meeting.attendees.all()}
    assert (owner.pk, "", True, "accepted") in people
    assert (member.pk, "", False, "needs-action") in people
    assert (guest.pk, "", False, "needs-action") in people
    assert (None, "x@out.example", False, "needs-action") in people
    note = system(collab, "meeting_created")
    assert len(note) == 1
    card = MessageAttachment.objects.get(message=note[0])
    assert card.kind == "meeting" and card.ref_id == meeting.pk
    told = set(Notification.objects.filter(kind="meeting_invited").values_list("user", flat=True))
    assert told == {member.pk, guest.pk}
    assert meeting.uid.endswith("@testserver") or "@" in meeting.uid


def test_the_note_reads_in_each_language_in_the_readers_zone(collab, owner):
    start = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
    plan(collab, owner, title="Смета", start=start)
    note = system(collab, "meeting_created")[0]
    from apps.chat.system import render as render_system

    with timezone.override("Europe/Moscow"), translation.override("ru"):
        text = render_system(note.system_type, note.system_data)
    assert "встреча «Смета» запланирована на" in text
    assert "12:00" in text
    with timezone.override("UTC"), translation.override("en"):
        text = render_system(note.system_type, note.system_data)
    assert "planned the meeting “Смета”" in text and "9:00" in text


def test_a_meeting_from_a_message_carries_its_text_and_puts_the_card_under_it(
    collab, owner, member
):
    message = chat.send_message(fresh(collab), member, "Let us meet about the budget tomorrow")
    meeting = plan(collab, owner, description=message.body, source_message_id=message.pk)

    assert meeting.source_message_id == message.pk
    assert MessageAttachment.objects.filter(message=message, kind="meeting").exists()


def test_a_double_submit_makes_one_meeting(collab, owner):
    first = plan(collab, owner, client_id="abc")
    second = plan(collab, owner, client_id="abc")
    assert first.pk == second.pk
    assert Meeting.objects.filter(collab=collab).count() == 1


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"title": ""}, "title"),
        ({"end": at() - timedelta(minutes=5)}, "end after"),
        ({"end": at() + timedelta(days=20)}, "too long"),
        ({"zone": "Mars/Olympus"}, "time zone"),
        ({"link": "javascript:alert(1)"}, "web address"),
        ({"emails": ["not an address"]}, "not an email"),
    ],
)
def test_bad_input_gets_a_clear_error_and_makes_nothing(collab, owner, extra, error):
    with pytest.raises(ValidationError) as caught:
        plan(collab, owner, start=at(), **extra)
    assert error in " ".join(caught.value.messages)
    assert not Meeting.objects.exists()


def test_only_people_of_the_collab_can_be_invited_by_account(collab, owner, outsider):
    with pytest.raises(ValidationError):
        plan(collab, owner, attendee_ids=[outsider.pk])


def test_who_may_not_plan_is_refused(collab, owner, guest):
    collab_services.change_settings(
        fresh(collab), owner, features={"calendar": {"create": "employees"}}
    )
    with pytest.raises(PermissionDenied):
        plan(collab, guest)


# --- Emails -------------------------------------------------------------------------------------


def test_invitations_go_out_with_an_ics_request_in_each_readers_language(
    collab, owner, member, smtp, committed
):
    member.language = "ru"
    member.save()
    with committed():
        meeting = plan(collab, owner, attendee_ids=[member.pk], emails=["client@out.example"])

    to_member = smtp.wait_for("member@example.com")
    assert "Приглашение" in to_member["Subject"]
    cal = calendar_part(to_member)
    assert str(cal["METHOD"]) == "REQUEST"
    event = event_of(cal)
    assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 0
    to_client = smtp.wait_for("client@out.example")
    assert "Invitation" in to_client["Subject"]
    body = smtp.text(to_client)
    attendee = Attendee.objects.get(meeting=meeting, email="client@out.example")
    assert reverse("my_calendar:rsvp", args=[attendee.token]) in body
    # The organizer planned it: no email to them.
    assert not any("owner@example.com" in str(m["To"]) for m in smtp.messages)


def test_a_move_raises_sequence_resets_answers_and_tells_everyone(
    collab, owner, member, smtp, committed
):
    meeting = plan(collab, owner, attendee_ids=[member.pk])
    services.respond(fresh(collab), member, meeting.pk, "accepted")
    later = meeting.start + timedelta(days=1)
    with committed():
        services.update_meeting(
            fresh(collab),
            owner,
            meeting.pk,
            title=meeting.title,
            start=later,
            end=later + timedelta(hours=1),
            zone=meeting.timezone,
            attendee_ids=[member.pk],
        )

    meeting.refresh_from_db()
    assert meeting.sequence == 1 and meeting.start == later
    assert Attendee.objects.get(meeting=meeting, user=member).answer == "needs-action"
    assert len(system(collab, "meeting_moved")) == 1
    event = event_of(calendar_part(smtp.wait_for("member@example.com")))
    assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 1


def test_someone_taken_off_gets_the_cancellation(collab, owner, member, guest, smtp, committed):
    meeting = plan(collab, owner, attendee_ids=[member.pk, guest.pk])
    with committed():
        services.update_meeting(
            fresh(collab),
            owner,
            meeting.pk,
            title=meeting.title,
            start=meeting.start,
            end=meeting.end,
            zone=meeting.timezone,
            attendee_ids=[member.pk],
        )
    cal = calendar_part(smtp.wait_for("guest@example.com"))
    assert str(cal["METHOD"]) == "CANCEL"
    assert not Attendee.objects.filter(meeting=meeting, user=guest).exists()


def test_cancelling_keeps_the_meeting_and_sends_cancel_to_all(
    collab, owner, member, smtp, committed
):
    meeting = plan(collab, owner, attendee_ids=[member.pk], emails=["c@out.example"])
    with committed():
        services.cancel_meeting(fresh(collab), owner, meeting.pk)
    meeting.refresh_from_db()
    assert meeting.is_cancelled and meeting.sequence == 1
    for address in ("member@example.com", "c@out.example"):
        cal = calendar_part(smtp.wait_for(address))
        event = event_of(cal)
        assert str(cal["METHOD"]) == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED" and str(event["UID"]) == meeting.uid
    assert len(system(collab, "meeting_cancelled")) == 1
    card = MessageAttachment.objects.get(kind="meeting", ref_id=meeting.pk)
    assert card.data["cancelled"] is True
    # Twice: nothing more.
    services.cancel_meeting(fresh(collab), owner, meeting.pk)
    assert len(system(collab, "meeting_cancelled")) == 1


def test_a_stale_edit_is_refused(collab, owner):
    meeting = plan(collab, owner)
    version = services.version_of(meeting)
    services.update_meeting(
        fresh(collab),
        owner,
        meeting.pk,
        title="New",
        start=meeting.start,
        end=meeting.end,
        zone=meeting.timezone,
        base_version=version,
    )
    with pytest.raises(services.StaleEdit):
        services.update_meeting(
            fresh(collab),
            owner,
            meeting.pk,
            title="Newer",
            start=meeting.start,
            end=meeting.end,
            zone=meeting.timezone,
            base_version=version,
        )


def test_only_the_organizer_or_the_rights_edit_and_cancel(collab, owner, member, guest):
    meeting = plan(collab, member)
    with pytest.raises(PermissionDenied):
        services.cancel_meeting(fresh(collab), guest, meeting.pk)
    with pytest.raises(PermissionDenied):
        services.update_meeting(
            fresh(collab),
            guest,
            meeting.pk,
            title="x",
            start=meeting.start,
            end=meeting.end,
            zone=meeting.timezone,
        )
    services.cancel_meeting(fresh(collab), member, meeting.pk)  # the organizer


# --- Answers ------------------------------------------------------------------------------------


def test_answering_on_the_page_tells_the_organizer(client, collab, owner, member):
    meeting = plan(collab, owner, attendee_ids=[member.pk])
    url = reverse("calendar:respond", args=[collab.pk, meeting.pk])
    response = client_for(client, member).post(url, {"answer": "tentative"})
    assert response.status_code == 302
    assert Attendee.objects.get(meeting=meeting, user=member).answer == "tentative"
    assert Notification.objects.filter(user=owner, kind="meeting_answered").exists()


def test_the_email_link_shows_buttons_and_only_a_post_answers(client, collab, owner):
    meeting = plan(collab, owner, emails=["c@out.example"])
    attendee = Attendee.objects.get(meeting=meeting, email="c@out.example")
    url = reverse("my_calendar:rsvp", args=[attendee.token])

    page = client.get(url)
    assert page.status_code == 200 and "Kick-off" in page.content.decode()
    attendee.refresh_from_db()
    assert attendee.answer == "needs-action"  # a mail scanner's GET answers nothing
    client.post(url, {"answer": "declined"})
    attendee.refresh_from_db()
    assert attendee.answer == "declined"


def test_forged_and_cancelled_answers_are_refused(client, collab, owner):
    assert client.get(reverse("my_calendar:rsvp", args=["forged-token"])).status_code == 404
    meeting = plan(collab, owner, emails=["c@out.example"])
    attendee = Attendee.objects.get(meeting=meeting, email="c@out.example")
    services.cancel_meeting(fresh(collab), owner, meeting.pk)
    client.post(reverse("my_calendar:rsvp", args=[attendee.token]), {"answer": "accepted"})
    attendee.refresh_from_db()
    assert attendee.answer == "needs-action"


# --- Pages --------------------------------------------------------------------------------------


def test_the_form_plans_a_meeting_in_the_persons_zone(client, collab, owner, member):
    owner.timezone = "Europe/Moscow"
    owner.save()
    url = reverse("calendar:create", args=[collab.pk])
    response = client_for(client, owner).post(
        url,
        {
            "title": "Budget",
            "day": "2026-12-20",
            "start_time": "10:00",
            "end_time": "11:30",
            "zone": "Europe/Moscow",
            "attendees": [str(member.pk)],
            "emails": "a@out.example, b@out.example",
            "client_id": "k1",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.start == datetime(2026, 12, 20, 7, 0, tzinfo=UTC)
    assert meeting.end == datetime(2026, 12, 20, 8, 30, tzinfo=UTC)
    assert meeting.attendees.count() == 4


def test_the_form_keeps_what_was_typed_on_error(client, collab, owner):
    url = reverse("calendar:create", args=[collab.pk])
    response = client_for(client, owner).post(
        url,
        {
            "title": "Budget",
            "day": "2026-12-20",
            "start_time": "10:00",
            "end_time": "11:00",
            "zone": "Europe/Moscow",
            "emails": "oops",
        },
    )
    assert response.status_code == 400
    assert "Budget" in response.content.decode() and "oops" in response.content.decode()
    assert not Meeting.objects.exists()


def test_an_hour_the_clocks_skip_is_refused(client, collab, owner):
    response = client_for(client, owner).post(
        reverse("calendar:create", args=[collab.pk]),
        {
            "title": "Night",
            "day": "2026-03-29",
            "start_time": "02:30",
            "end_time": "03:30",
            "zone": "Europe/Berlin",
        },
    )
    assert response.status_code == 400
    assert "does not exist" in response.content.decode()


def test_the_dialog_gets_204(client, collab, owner):
    c = client_for(client, owner)
    url = reverse("calendar:create", args=[collab.pk])
    dialog = c.get(url, headers={"HX-Request": "true"})
    assert dialog.status_code == 200 and b"<html" not in dialog.content
    ok = c.post(
        url,
        {
            "title": "Sync",
            "day": "2026-12-20",
            "start_time": "10:00",
            "end_time": "11:00",
            "zone": "UTC",
        },
        headers={"HX-Request": "true"},
    )
    assert ok.status_code == 204 and ok["HX-Trigger"] == "dialog-done"


def test_the_meeting_page_shows_people_and_answers(client, collab, owner, member):
    meeting = plan(collab, owner, attendee_ids=[member.pk], location="Room 4")
    html = client_for(client, member).get(services.meeting_url(meeting)).content.decode()
    assert "Room 4" in html and "Will you come?" in html and "Member" in html


@pytest.mark.parametrize("name", ["detail", "edit", "cancel", "respond"])
def test_outsiders_and_removed_members_get_404(client, collab, owner, member, outsider, name):
    meeting = plan(collab, owner, attendee_ids=[member.pk])
    url = reverse(f"calendar:{name}", args=[collab.pk, meeting.pk])
    method = "get" if name in {"detail", "edit"} else "post"
    assert getattr(client_for(client, outsider), method)(url).status_code == 404
    collab_services.remove_member(fresh(collab), owner, member)
    assert getattr(client_for(client, member), method)(url).status_code == 404


def test_a_guest_kept_from_meetings_gets_403(client, collab, owner, guest):
    meeting = plan(collab, owner)
    collab_services.change_settings(
        fresh(collab), owner, features={"calendar": {"view": "employees"}}
    )
    url = reverse("calendar:detail", args=[collab.pk, meeting.pk])
    assert client_for(client, guest).get(url).status_code == 403


# --- Reminders ----------------------------------------------------------------------------------


def test_reminders_go_once_and_not_to_who_declined(collab, owner, member, guest):
    start = timezone.now() + timedelta(minutes=20)
    meeting = plan(collab, owner, start=start, attendee_ids=[member.pk, guest.pk])
    services.respond(fresh(collab), guest, meeting.pk, "declined")

    assert services.remind_upcoming() == 1
    assert services.remind_upcoming() == 0
    reminded = set(Notification.objects.filter(kind="meeting_soon").values_list("user", flat=True))
    assert reminded == {owner.pk, member.pk}


def test_a_meeting_counts_towards_the_delete_rule(collab, owner):
    from apps.collabs.registry import remaining_content

    plan(collab, owner)
    assert any("meeting" in text for text in remaining_content(fresh(collab)))


def test_an_all_day_event_on_a_day_that_skips_midnight(client, collab, owner):
    """Santiago's clocks go from 00:00 to 01:00 on 8 September 2024: the day starts at 01:00."""
    response = client_for(client, owner).post(
        reverse("calendar:create", args=[collab.pk]),
        {"title": "Holiday", "day": "2024-09-08", "all_day": "on", "zone": "America/Santiago"},
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.start == datetime(2024, 9, 8, 4, 0, tzinfo=UTC)  # 01:00 at -03:00


def test_whoever_changes_a_meeting_gets_no_email_of_it(collab, owner, member, smtp, committed):
    meeting = plan(collab, owner, attendee_ids=[member.pk])
    with committed():
        services.cancel_meeting(fresh(collab), owner, meeting.pk)
    smtp.wait_for("member@example.com")
    assert not any("owner@example.com" in str(m["To"]) for m in smtp.messages)


def test_a_member_who_left_hears_and_sees_nothing_more(
    client, collab, owner, member, smtp, committed
):
    meeting = plan(collab, owner, attendee_ids=[member.pk], location="Room 7")
    token = Attendee.objects.get(meeting=meeting, user=member).token
    collab_services.remove_member(fresh(collab), owner, member)
    smtp.clear()
    with committed():
        services.update_meeting(
            fresh(collab), owner, meeting.pk, title="Secret agenda", start=meeting.start,
            end=meeting.end, zone=meeting.timezone, attendee_ids=[],
        )  # fmt: skip
    assert not any("Secret agenda" in str(m["Subject"]) for m in smtp.messages)
    assert client.get(reverse("my_calendar:rsvp", args=[token])).status_code == 404
    client.post(reverse("my_calendar:rsvp", args=[token]), {"answer": "accepted"})
