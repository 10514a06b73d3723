"""Meetings and free slots, in real browsers against the real server (Daphne in its own
process, emails over SMTP to the tests' server):

- a message becomes a meeting in two clicks (the message's "Plan meeting", then the dialog's
  "Plan meeting"); a colleague's open chat shows the note and the card live, and the card leads
  to the meeting page, where she answers "Going";
- the owner sends free slots from the paperclip; a visitor with no account, in India, opens the
  link, sees the times in their own zone (the page's script takes the browser's), books the
  first slot, gets the invitation (.ics) by email; the owner's chat hears of the booking and of
  the cancellation live;
- the booking page on a phone (375 by 812): slots on screen, nothing wider than it, booking
  works.

The owner works around the clock every day (availability.set_weekly in the setup), so there
are free slots whenever the tests run; the link asks an hour's notice, so the first slot never
starts while the test is booking it.

Screenshots go to $CALENDAR_SHOTS when it is set (a folder), for looking at them."""

import os
import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import Locator, Page, expect

from apps.calendar import availability, booking
from apps.calendar.models import Attendee, Booking, FreeSlotLink, Meeting
from apps.chat import services as chat

from .conftest import DESKTOP, PHONE, assert_clean, no_horizontal_overflow
from .test_chat import message, open_chat, open_menu
from .test_chat_writing import person
from .test_chat_writing import team as writing_team

pytestmark = pytest.mark.e2e

team = writing_team
TALL_PHONE = {**PHONE, "viewport": {"width": 375, "height": 812}}
SHOTS = os.environ.get("CALENDAR_SHOTS", "")
AROUND_THE_CLOCK = [[["00:00", "23:59"]]] * 7
INDIA = "Asia/Kolkata"


def shot(page: Page, name: str) -> None:
    if SHOTS:
        width = page.viewport_size["width"]
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)


@pytest.fixture
def hours(team):
    """The owner works every day, all day, in UTC."""
    availability.set_weekly(team["owner"], "UTC", AROUND_THE_CLOCK)
    return team


def notes(page: Page, text: str) -> Locator:
    """The chat's system messages containing `text`."""
    return page.locator("#chat-log .msg-system").filter(has_text=text)


def first_slot(page: Page) -> tuple[Locator, datetime]:
    """The booking page's first slot button and the instant it offers (from its link)."""
    slot = page.get_by_role("link", name=re.compile(r"^Choose ")).first
    expect(slot).to_be_visible()
    query = parse_qs(urlsplit(slot.get_attribute("href")).query)
    return slot, datetime.fromisoformat(query["slot"][0])


def book_first_slot(page: Page, zone: str, name: str, email: str) -> datetime:
    """On a booking page showing times in `zone`: choose the first slot, give a name and an
    email, book; lands on the booker's page. Returns the instant booked."""
    slot, chosen = first_slot(page)
    local = chosen.astimezone(ZoneInfo(zone))
    # Both links here are for 30 minutes (the form's and create_link's default).
    span = f"{local:%H:%M}\N{EN DASH}{local + timedelta(minutes=30):%H:%M}"
    # The button reads the time in the visitor's zone.
    expect(slot).to_have_text(local.strftime("%H:%M"))
    slot.click()
    expect(page.get_by_label("Your name")).to_be_visible()
    expect(page.locator(".booking-chosen")).to_contain_text(span)
    expect(page.locator(".booking-chosen")).to_contain_text(f"({zone})")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Your email").fill(email)
    page.get_by_role("button", name="Book").click()
    expect(page).to_have_url(re.compile(r"/calendar/booking/[^/]+/\?booked=1$"))
    expect(page.get_by_role("status").filter(has_text="Booked!")).to_be_visible()
    expect(page.locator(".booking-chosen")).to_contain_text(span)
    return chosen


def calendar_part(mail) -> Calendar:
    """The email's inline text/calendar part, parsed."""
    parts = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [p.get_content_type() for p in mail.walk()]
    return Calendar.from_ical(parts[0].get_content())


def wait_for_mail(inbox, to: str, method: str, timeout: float = 10.0):
    """The first email to `to` whose calendar part has METHOD `method`, waiting for it."""
    deadline = time.monotonic() + timeout
    while True:
        for mail in list(inbox.messages):
            if to in str(mail["To"]) and str(calendar_part(mail)["METHOD"]) == method:
                return mail
        if time.monotonic() > deadline:
            raise AssertionError(f"no {method} email to {to} arrived")
        time.sleep(0.05)


# --- A message becomes a meeting ----------------------------------------------------------------


def test_a_message_becomes_a_meeting_and_an_invited_colleague_answers(open_page, team):
    collab, olga, anna = team["collab"], team["owner"], team["anna"]
    chat.send_message(
        collab, anna, "Review the estimate with the studio\nI will bring the printouts."
    )
    anna_page = person(open_page, anna, DESKTOP)
    open_chat(anna_page, collab)
    # Anna keeps the sidebar's Calendar tab open: the meeting appears there live.
    tab = anna_page.get_by_role("navigation", name="Sidebar tabs").get_by_role(
        "link", name="Calendar"
    )
    tab.click()
    expect(tab).to_have_attribute("aria-current", "true")
    anna_calendar = anna_page.get_by_role("region", name="Calendar")
    expect(anna_calendar).not_to_contain_text("Review the estimate")
    page = person(open_page, olga, DESKTOP)
    open_chat(page, collab)

    menu = open_menu(message(page, "Review the estimate"))
    menu.get_by_role("menuitem", name="Plan meeting").click()  # one
    dialog = page.get_by_role("dialog", name="Plan a meeting")
    expect(dialog).to_be_visible()
    # The title is proposed from the message's first line, its text is the description.
    expect(dialog.get_by_label("Title")).to_have_value("Review the estimate with the studio")
    expect(dialog.get_by_label("Description")).to_have_value(
        "Review the estimate with the studio\nI will bring the printouts."
    )
    expect(dialog).to_contain_text("From a message by Anna Smirnova")
    dialog.get_by_role("group", name="People of the collab").get_by_label("Anna Smirnova").check()
    shot(page, "meeting-dialog")
    dialog.get_by_role("button", name="Plan meeting").click()  # two
    expect(dialog).to_be_hidden()

    meeting = Meeting.objects.get()
    assert meeting.title == "Review the estimate with the studio"
    assert meeting.organizer == olga and meeting.source_message.author == anna
    answers = dict(meeting.attendees.values_list("user__email", "answer"))
    assert answers == {olga.email: Attendee.Answer.ACCEPTED, anna.email: Attendee.Answer.PENDING}
    # Both chats show the note with the card, and the card under the message, live.
    for who in (page, anna_page):
        note = notes(who, "planned the meeting")
        expect(note).to_contain_text(
            "Olga Owner planned the meeting “Review the estimate with the studio” for"
        )
        expect(note.get_by_role("link", name="Review the estimate with the studio")).to_be_visible()
        expect(
            message(who, "I will bring the printouts").get_by_role(
                "link", name="Review the estimate with the studio"
            )
        ).to_be_visible()
    expect(anna_calendar).to_contain_text("Review the estimate with the studio")
    shot(anna_page, "meeting-in-chat")

    # Anna follows the card to the meeting page and answers.
    notes(anna_page, "planned the meeting").get_by_role(
        "link", name="Review the estimate with the studio"
    ).click()
    expect(
        anna_page.get_by_role("heading", name="Review the estimate with the studio")
    ).to_be_visible()
    will_you = anna_page.get_by_role("group", name="Will you come?")
    expect(will_you.get_by_role("button", name="Going", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    will_you.get_by_role("button", name="Going", exact=True).click()
    expect(
        anna_page.get_by_role("group", name="Will you come?").get_by_role(
            "button", name="Going", exact=True
        )
    ).to_have_attribute("aria-pressed", "true")
    people = anna_page.get_by_role("region", name="2 people invited")
    expect(people).to_contain_text("Going: 2 · Maybe: 0 · Not going: 0")
    expect(people.get_by_role("listitem").filter(has_text="Anna Smirnova")).to_contain_text("Going")
    assert meeting.attendees.get(user=anna).answer == Attendee.Answer.ACCEPTED
    shot(anna_page, "meeting-page")
    assert_clean(page)
    assert_clean(anna_page)


# --- Free slots -----------------------------------------------------------------------------


def test_a_visitor_in_india_books_a_free_slot_and_cancels_it(open_page, hours, smtp_server):
    collab, olga = hours["collab"], hours["owner"]
    inbox = smtp_server.inbox
    inbox.clear()  # the server is shared by the whole run
    page = person(open_page, olga, DESKTOP)
    open_chat(page, collab)

    page.get_by_label("Attach or create").click()
    page.get_by_role("menuitem", name="Send free slots").click()
    dialog = page.get_by_role("dialog", name="Send free slots")
    expect(dialog.get_by_label("Title")).to_have_value("Meeting with Olga Owner")
    dialog.get_by_label("Title").fill("Intro call")
    dialog.get_by_text("More: buffers, notice").click()
    dialog.get_by_label("Minimum notice, hours").fill("1")
    shot(page, "slots-dialog")
    dialog.get_by_role("button", name="Send to the chat").click()
    expect(dialog).to_be_hidden()
    sent = notes(page, "sent free slots")
    expect(sent).to_contain_text("Olga Owner sent free slots: “Intro call”")
    card = sent.get_by_role("link", name="Intro call")
    expect(card).to_be_visible()
    slot_link = FreeSlotLink.objects.get()
    assert slot_link.owner == olga and slot_link.min_notice == 1
    href = card.get_attribute("href")
    assert href == f"/calendar/book/{slot_link.token}/"

    # A visitor with no account, whose browser is in India.
    visitor = open_page(timezone_id=INDIA)
    visitor.goto(href)
    expect(visitor.get_by_role("heading", level=1, name="Intro call")).to_be_visible()
    # The script reloads the page in the browser's zone (the server first guessed the owner's).
    expect(visitor.get_by_label("Your time zone")).to_have_value(INDIA)
    expect(visitor).to_have_url(re.compile(r"[?&]tz=Asia%2FKolkata"))
    shot(visitor, "book-page")
    chosen = book_first_slot(visitor, INDIA, "Vera Visitor", "vera@example.com")
    shot(visitor, "booked")

    made = Booking.objects.select_related("meeting").get()
    assert made.meeting.start == chosen and made.timezone == INDIA
    assert (made.name, made.email, made.user) == ("Vera Visitor", "vera@example.com", None)
    # The owner's open chat hears of it, with the meeting's card.
    booked = notes(page, "booked the meeting")
    expect(booked).to_contain_text("Vera Visitor")
    expect(booked).to_contain_text("booked the meeting “Intro call” for")
    # In Olga's zone (UTC) and language, as CLDR writes it ("8:00 AM").
    utc = chosen.astimezone(ZoneInfo("UTC"))
    expect(booked).to_contain_text(
        f"{utc.hour % 12 or 12}:{utc:%M} {'AM' if utc.hour < 12 else 'PM'}"
    )
    expect(booked.get_by_role("link", name="Intro call")).to_be_visible()

    # The invitation reaches the visitor, with the event to add to a calendar.
    invitation = wait_for_mail(inbox, "vera@example.com", "REQUEST")
    calendar = calendar_part(invitation)
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == chosen
    assert f"/calendar/booking/{made.token}/" in inbox.text(invitation)

    # The visitor cancels from their page; the chat hears of it, the card says so.
    visitor.get_by_role("button", name="Cancel the meeting").click()
    expect(visitor.get_by_text("Your meeting is cancelled. Everyone was told.")).to_be_visible()
    expect(visitor.get_by_text("This meeting is cancelled.")).to_be_visible()
    expect(visitor.get_by_role("button", name="Cancel the meeting")).to_have_count(0)
    cancelled = notes(page, "cancelled the meeting")
    expect(cancelled).to_contain_text("Vera Visitor")
    expect(cancelled).to_contain_text("cancelled the meeting “Intro call”")
    expect(booked).to_contain_text("Cancelled")
    made.refresh_from_db()
    made.meeting.refresh_from_db()
    assert made.cancelled is not None and made.meeting.is_cancelled
    shot(page, "booking-in-chat")

    # And the visitor's calendar is told to drop the event.
    cancellation = calendar_part(wait_for_mail(inbox, "vera@example.com", "CANCEL"))
    [event] = cancellation.walk("VEVENT")
    assert str(event["UID"]) == made.meeting.uid and str(event["STATUS"]) == "CANCELLED"
    assert_clean(page)
    assert_clean(visitor)


def test_booking_a_slot_on_a_phone(open_page, hours):
    collab, olga = hours["collab"], hours["owner"]
    slot_link = booking.create_link(collab, olga, title="Intro call", min_notice=1)
    visitor = open_page(**TALL_PHONE, timezone_id="Europe/Berlin")
    visitor.goto(f"/calendar/book/{slot_link.token}/")
    expect(visitor.get_by_label("Your time zone")).to_have_value("Europe/Berlin")
    slot, _chosen = first_slot(visitor)
    box = slot.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert box["y"] < 812, "the first slot is below the fold"
    no_horizontal_overflow(visitor, 375)
    shot(visitor, "book-phone")

    chosen = book_first_slot(visitor, "Europe/Berlin", "Petr Phone", "petr@example.com")
    no_horizontal_overflow(visitor, 375)
    expect(visitor.get_by_role("button", name="Cancel the meeting")).to_be_visible()
    shot(visitor, "booked-phone")
    made = Booking.objects.select_related("meeting").get()
    assert made.meeting.start == chosen and made.email == "petr@example.com"
    assert_clean(visitor)
