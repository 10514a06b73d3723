"""The invitation's event as a real CalDAV server keeps it: a local Radicale started by the
test, the `caldav` client storing the VEVENT of ics.invitation, finding it by date range, and
replacing it with the update (same UID, higher SEQUENCE) rather than adding a second event.

CalDAV stores plain calendars: the iTIP METHOD of the email attachment is dropped first, as a
calendar app does when it files an invitation."""

import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from icalendar import Calendar

from apps.calendar import ics
from apps.calendar.models import Meeting

from .test_ics import BERLIN, attendees_of, make_meeting

pytest.importorskip("radicale")
caldav = pytest.importorskip("caldav")

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    """The URL of a Radicale server of the test's own (no configuration file read, anyone
    accepted, the collections in a temporary folder), stopped at the end."""
    port = free_port()
    folder = tmp_path_factory.mktemp("radicale")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--config",
            "",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(folder / "collections"),
            "--auth-type",
            "none",
            "--logging-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # Wait until it listens (or has died, which the assertion reports with its output).
        for _ in range(300):
            if answers(port) or server.poll() is not None:
                break
            time.sleep(0.05)
        if not answers(port):
            server.kill()
            pytest.fail(f"Radicale did not start: {server.communicate()[1].decode()[-2000:]}")
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def calendar(radicale, monkeypatch):
    # A proxy configured on the machine must not take the request to 127.0.0.1 elsewhere.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    client = caldav.DAVClient(url=radicale, username="olga", password="unused")
    return client.principal().make_calendar(name="Work", cal_id=f"work-{time.monotonic_ns()}")


def for_storage(raw: bytes) -> str:
    """The attachment as a calendar app files it: the same VCALENDAR without METHOD."""
    parsed = Calendar.from_ical(raw)
    del parsed["METHOD"]
    return parsed.to_ical().decode()


def store(calendar, raw: bytes) -> None:
    """PUT as sent, at the resource named after the UID, as the client's save_event does, but
    without its raising SEQUENCE on every save (caldav 2.2 does, even with
    increase_seqno=False): the server must keep the SEQUENCE we wrote."""
    data = for_storage(raw)
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    url = calendar.url.join(quote(str(event["UID"]), safe="") + ".ics")
    response = calendar.client.put(str(url), data, {"Content-Type": "text/calendar; charset=utf-8"})
    assert response.status in (201, 204), response.status


def found(calendar, start: datetime, end: datetime) -> list:
    return [
        item.icalendar_component
        for item in calendar.search(start=start, end=end, event=True, expand=False)
    ]


def test_the_invitation_is_stored_found_by_date_and_replaced_by_its_update(
    calendar, collab, owner, member
):
    meeting = make_meeting(
        collab,
        owner,
        [member, "client@studio.example"],
        title="Планёрка, обсуждение; макет",
        start=datetime(2026, 7, 1, 10, 0, tzinfo=BERLIN),
    )
    store(calendar, ics.invitation(meeting, attendees_of(meeting)))

    # 10:00 in Berlin is 08:00 UTC: the server read the TZID and its VTIMEZONE so.
    (event,) = found(calendar, datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 2, tzinfo=UTC))
    assert event["UID"] == meeting.uid
    assert event["SUMMARY"] == "Планёрка, обсуждение; макет"
    assert event["SEQUENCE"] == 0
    assert event["DTSTART"].dt == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    # Found by instants, so the server placed it at 08:00-09:00 UTC (ends exclusive).
    day_end = datetime(2026, 7, 2, tzinfo=UTC)
    assert found(calendar, datetime(2026, 7, 1, 8, 59, tzinfo=UTC), day_end)
    assert not found(calendar, datetime(2026, 7, 1, 9, 0, tzinfo=UTC), day_end)
    assert found(calendar, datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, 8, 1, tzinfo=UTC))
    assert not found(
        calendar, datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, 8, tzinfo=UTC)
    )

    # The update: same UID, a higher SEQUENCE, a new title and a day later.
    meeting.title = "Планёрка (перенесена)"
    meeting.start += timedelta(days=1)
    meeting.end += timedelta(days=1)
    meeting.sequence += 1
    meeting.save()
    store(calendar, ics.invitation(meeting, attendees_of(meeting)))
    events = found(calendar, datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 8, 1, tzinfo=UTC))
    assert len(events) == 1
    (event,) = events
    assert event["UID"] == meeting.uid
    assert event["SUMMARY"] == "Планёрка (перенесена)"
    assert event["SEQUENCE"] == 1
    assert event["DTSTART"].dt == datetime(2026, 7, 2, 8, 0, tzinfo=UTC)
    assert len(calendar.events()) == 1


def test_the_cancellation_replaces_the_event_as_cancelled(calendar, collab, owner, member):
    meeting = make_meeting(collab, owner, [member], start=datetime(2026, 9, 3, 15, tzinfo=BERLIN))
    store(calendar, ics.invitation(meeting, attendees_of(meeting)))
    meeting.state = Meeting.State.CANCELLED
    meeting.sequence += 1
    meeting.save()
    store(calendar, ics.cancellation(meeting, attendees_of(meeting)))
    (event,) = found(calendar, datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 30, tzinfo=UTC))
    assert event["UID"] == meeting.uid
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
