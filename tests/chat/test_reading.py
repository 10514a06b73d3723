"""How the history reads: day separators ("Today", "Yesterday", else a date in the reader's
language) where a day starts in the reader's time zone, exactly one at the seam between two
pages, and an author's consecutive messages shown as one group."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.chat import history, services
from apps.chat.models import Message
from apps.chat.presenters import present
from apps.collabs.readers import Reader
from tests.chat.helpers import ids_on

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def roomy_limits(settings):
    settings.CHAT_BURST_MESSAGES = 10_000
    settings.CHAT_SUSTAINED_MESSAGES = 10_000
    settings.CHAT_PAGE_SIZE = 50


def at(message: Message, moment: datetime) -> Message:
    Message.objects.filter(pk=message.pk).update(created=moment, updated=moment)
    message.refresh_from_db()
    return message


def say(collab, user, body: str, moment: datetime, **extra) -> Message:
    return at(services.send_message(collab, user, body, **extra), moment)


def history_html(client, user, collab, query: str = "", htmx: bool = True) -> str:
    client.force_login(user)
    url = reverse("chat:history", kwargs={"collab_id": collab.pk}) + query
    response = client.get(url, headers=HTMX if htmx else {})
    assert response.status_code == 200
    return response.content.decode()


def separators(html: str) -> list[str]:
    return re.findall(r'<div class="day-sep" role="separator" aria-label="([^"]*)"', html)


def sequence(html: str) -> list:
    """The partial in order: day labels and message ids."""
    out = []
    pattern = r'class="day-sep"[^>]*aria-label="([^"]*)"|id="m(\d+)" data-id='
    for match in re.finditer(pattern, html):
        out.append(match[1] if match[1] is not None else int(match[2]))
    return out


def continued(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'<article class="msg msg-cont[^"]*" id="m(\d+)"', html)}


def without_system(collab):
    Message.objects.filter(collab=collab, kind=Message.Kind.SYSTEM).delete()


# --- Day separators -------------------------------------------------------------------------


def test_a_day_starts_in_the_readers_time_zone(client, collab, owner, member):
    """23:00 and 01:00 in Tokyo are two days there, one day (14:00, 16:00) in UTC."""
    without_system(collab)
    first = say(collab, owner, "Late in Tokyo", datetime(2025, 3, 3, 14, 0, tzinfo=UTC))
    second = say(collab, owner, "After midnight", datetime(2025, 3, 3, 16, 0, tzinfo=UTC))

    member.timezone = "Asia/Tokyo"
    member.save()
    html = history_html(client, member, collab, htmx=False)
    assert sequence(html) == ["March 3, 2025", first.pk, "March 4, 2025", second.pk]
    # Not grouped across the day, though by one author two hours ... and within the rules
    # otherwise: a new day starts a new group.
    assert continued(html) == set()

    member.timezone = "UTC"
    member.save()
    html = history_html(client, member, collab, htmx=False)
    assert sequence(html) == ["March 3, 2025", first.pk, second.pk]


def test_today_yesterday_and_dates_in_the_readers_language(client, collab, owner, member):
    without_system(collab)
    now = timezone.now()
    old = say(collab, owner, "Long ago", datetime(2025, 3, 3, 12, 0, tzinfo=UTC))
    yesterday = say(collab, owner, "Yesterday's", now - timedelta(days=1))
    today = say(collab, owner, "Today's", now)

    html = history_html(client, member, collab, htmx=False)
    assert sequence(html) == ["March 3, 2025", old.pk, "Yesterday", yesterday.pk, "Today", today.pk]

    member.language = "ru"
    member.save()
    html = history_html(client, member, collab, htmx=False)
    labels = separators(html)
    assert labels[0].replace("\u202f", " ") == "3 марта 2025 г."  # noqa: RUF001
    assert len(labels) == 3  # "Yesterday", "Today": gettext (locale/ is translated apart)


def test_day_label_within_the_year_has_the_weekday():
    today = date(2026, 11, 30)
    assert history.day_label(today, today, "en") == "Today"
    assert history.day_label(date(2026, 11, 29), today, "en") == "Yesterday"
    assert history.day_label(date(2026, 11, 27), today, "en") == "Fri, November 27"
    assert history.day_label(date(2025, 11, 27), today, "en") == "November 27, 2025"
    assert history.day_label(date(2026, 11, 27), today, "ru") == "пт, 27 ноября"


@pytest.fixture
def two_days(collab, owner, moderator):
    """60 messages on 3 March 2025 and 60 on the 4th, taking turns (no groups)."""
    without_system(collab)
    start = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    out = []
    for i in range(120):
        day = start + timedelta(days=i // 60, minutes=i)
        out.append(say(collab, owner if i % 2 else moderator, f"Line {i}", day))
    return out


def test_the_seam_between_pages_gets_exactly_one_separator(client, member, collab, two_days):
    newest = history_html(client, member, collab)  # the newest 50: all of the 4th
    assert sequence(newest)[0] == "March 4, 2025"  # a page on its own shows its day
    assert ids_on(newest) == [m.pk for m in two_days[70:]]

    # The page above it (20..69): the 3rd, then the 4th starts at message 60. The page below
    # started with the 4th: its separator belongs there once the two pages are joined, and
    # the script drops the first page's top one (the message above it is of that day too).
    above = history_html(client, member, collab, f"?before={two_days[70].pk}")
    assert sequence(above) == (
        [m.pk for m in two_days[20:60]] + ["March 4, 2025"] + [m.pk for m in two_days[60:70]]
    )
    # No separator on top: the message before the page (19) is of the same day.
    assert separators(above) == ["March 4, 2025"]

    # The top page: 0..19, the beginning of the history: its day on top.
    top = history_html(client, member, collab, f"?before={two_days[20].pk}")
    assert sequence(top) == ["March 3, 2025"] + [m.pk for m in two_days[:20]]


def test_a_page_below_continues_the_day_of_the_message_above(client, member, collab, two_days):
    same_day = history_html(client, member, collab, f"?after={two_days[10].pk}")
    assert ids_on(same_day) == [m.pk for m in two_days[11:61]]
    assert sequence(same_day)[0] == two_days[11].pk  # no separator at the seam
    assert separators(same_day) == ["March 4, 2025"]  # before message 60 only

    next_day = history_html(client, member, collab, f"?after={two_days[59].pk}")
    assert sequence(next_day)[0] == "March 4, 2025"


# --- Groups ---------------------------------------------------------------------------------


T = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def person(author_id=1, minutes=0.0, system=False, reply=False, when=T):
    return history.Neighbour(when + timedelta(minutes=minutes), author_id, system, reply)


@pytest.mark.parametrize(
    ("previous", "message", "expected"),
    [
        (person(), person(minutes=4.9), True),
        (person(), person(minutes=5), True),
        (person(), person(minutes=5.1), False),  # a gap
        (person(1), person(2, minutes=1), False),  # another author
        (person(system=True, author_id=None), person(minutes=1), False),  # after a system note
        (person(), person(minutes=1, reply=True), False),  # a reply shows its quote and author
        (person(reply=True), person(minutes=1), True),  # ... the next one continues it
        (person(), person(minutes=-1), False),  # out of order
        (None, person(), False),
    ],
)
def test_grouping_rules(previous, message, expected):
    assert history.continues(previous, message, UTC) is expected


def test_a_group_does_not_cross_midnight_in_the_readers_time_zone():
    import zoneinfo

    before = person(when=datetime(2025, 3, 3, 14, 58, tzinfo=UTC))  # 23:58 in Tokyo
    after = person(when=datetime(2025, 3, 3, 15, 1, tzinfo=UTC))  # 00:01 in Tokyo
    assert history.continues(before, after, UTC) is True
    assert history.continues(before, after, zoneinfo.ZoneInfo("Asia/Tokyo")) is False


def test_the_partial_groups_an_authors_quick_messages(client, collab, owner, moderator, member):
    without_system(collab)
    a1 = say(collab, owner, "One", T)
    a2 = say(collab, owner, "Two", T + timedelta(minutes=1))
    a3 = say(collab, owner, "Three", T + timedelta(minutes=3))
    b1 = say(collab, moderator, "Other", T + timedelta(minutes=4))
    b2 = say(collab, moderator, "A reply", T + timedelta(minutes=5), reply_to_id=a1.pk)
    b3 = say(collab, moderator, "Later", T + timedelta(minutes=20))
    b4 = say(collab, moderator, "Soon after", T + timedelta(minutes=21))

    html = history_html(client, member, collab, htmx=False)
    assert ids_on(html) == [a1.pk, a2.pk, a3.pk, b1.pk, b2.pk, b3.pk, b4.pk]
    assert continued(html) == {a2.pk, a3.pk, b4.pk}
    # A continuation keeps its author's name for screen readers (aria-labelledby).
    article = re.search(rf'<article [^>]*id="m{a2.pk}".*?</header>', html, re.S)[0]
    assert f'aria-labelledby="m{a2.pk}-who"' in article
    assert f'id="m{a2.pk}-who">Olga Owner<' in article
    # The script's data: epoch seconds and the day.
    assert f'data-ts="{int(a2.created.timestamp())}" data-day="2025-03-03"' in article


def test_a_page_above_groups_its_first_message_with_the_one_before(
    client, collab, owner, member, settings
):
    settings.CHAT_PAGE_SIZE = 5
    without_system(collab)
    msgs = [say(collab, owner, f"Quick {i}", T + timedelta(seconds=i)) for i in range(8)]

    # The newest 5 on their own: the first shows its author.
    page = history_html(client, member, collab, htmx=False)
    assert continued(page) == {m.pk for m in msgs[4:]}
    # Put above the loaded ones: its first continues the message before it.
    above = history_html(client, member, collab, f"?before={msgs[3].pk}")
    assert ids_on(above) == [m.pk for m in msgs[:3]]
    assert continued(above) == {msgs[1].pk, msgs[2].pk}  # msgs[0] starts the history
    below = history_html(client, member, collab, f"?after={msgs[2].pk}")
    assert continued(below) == {m.pk for m in msgs[3:]}


def test_the_new_messages_divider_starts_a_group(client, collab, owner, member):
    without_system(collab)
    read = say(collab, owner, "Read", T)
    services.mark_read(collab, member, read.pk)
    unread = say(collab, owner, "Unread", T + timedelta(minutes=1))

    client.force_login(member)
    html = client.get(reverse("collabs:detail", args=[collab.pk])).content.decode()
    assert 'id="unread-divider"' in html
    assert unread.pk not in continued(html)


def test_system_messages_stand_apart(client, collab, owner, member):
    html = history_html(client, member, collab, htmx=False)
    assert '<svg class="msg-system-icon" aria-hidden="true"' in html
    system = Message.objects.filter(collab=collab, kind=Message.Kind.SYSTEM).first()
    say(collab, owner, "Right after", system.created + timedelta(seconds=1))
    html = history_html(client, member, collab, htmx=False)
    assert not continued(html)


def test_entries_of_a_window(owner, collab):
    """history.entries on its own: a standalone window shows its first day even when the
    message before it is of the same day; a joined one does not."""
    without_system(collab)
    msgs = [say(collab, owner, f"E {i}", T + timedelta(minutes=i)) for i in range(3)]
    views = [present(m) for m in Message.objects.filter(pk__in=[m.pk for m in msgs[1:]])]
    window = history.Window(
        views, has_older=True, has_newer=False, previous=history.Neighbour.of(msgs[0])
    )
    reader = Reader(user_id=owner.pk, language="en", tz="UTC", rights=frozenset())
    alone = history.entries(window, reader, standalone=True, now=T)
    joined = history.entries(window, reader, standalone=False, now=T)
    assert [(e.day, e.continuation) for e in alone] == [("Today", False), ("", True)]
    assert [(e.day, e.continuation) for e in joined] == [("", True), ("", True)]
