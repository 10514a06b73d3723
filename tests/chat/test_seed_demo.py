"""The demo data (manage.py seed_demo, issue 10 item 9): each demo collab opens on a living
conversation, written through the chat's services and dated in the past, and a second run
changes nothing. tests/chat/test_counts.py checks everyone's counters on it."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.chat import ratelimit
from apps.chat.management.commands.seed_demo import (
    PASSWORD,
    USERS,
    last_working_days,
    working_days_after,
)
from apps.chat.models import Mention, Message, MessageLink, Reaction, ReadState
from apps.collabs import services
from apps.collabs.models import Collab, Membership

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def demo_collabs() -> list[Collab]:
    return list(Collab.objects.filter(owner__email="anna@example.com").order_by("name"))


def said(collab: Collab):
    return Message.objects.filter(collab=collab, kind=Message.Kind.USER).order_by("pk")


def everything() -> dict[str, list]:
    """What the demo data consists of, to compare two runs."""
    return {
        "users": list(User.objects.order_by("pk").values_list("pk", "email", "password")),
        "collabs": list(Collab.objects.order_by("pk").values_list("pk", "name", "created")),
        "memberships": list(Membership.objects.order_by("pk").values_list("pk", "joined_at")),
        "messages": list(
            Message.objects.order_by("pk").values_list("pk", "body", "created", "updated")
        ),
        "reactions": list(Reaction.objects.order_by("pk").values_list("pk", "emoji")),
        "links": list(MessageLink.objects.order_by("pk").values_list("pk", "url")),
        "mentions": list(Mention.objects.order_by("pk").values_list("pk", "notified_at")),
        "read": list(ReadState.objects.order_by("pk").values_list("pk", "last_read_id")),
    }


def unread(client, user: User) -> dict[str, int]:
    """The unread counters of "my collabs" as `user` sees them, by collab name."""
    client.force_login(user)
    listing = client.get(reverse("collabs:list"))
    assert listing.status_code == 200
    return {m.collab.name: m.unread_count for m in listing.context["memberships"]}


def test_each_demo_collab_holds_a_conversation_with_what_a_chat_has():
    seed()
    collabs = demo_collabs()
    assert [c.name for c in collabs] == ["Quarterly report", "Website redesign"]
    names = {u.full_name: u for u in User.objects.all()}
    for collab in collabs:
        messages = list(said(collab).select_related("author"))
        assert 8 <= len(messages) <= 15, collab.name
        member_ids = set(
            Membership.objects.current().filter(collab=collab).values_list("user", flat=True)
        )
        assert {m.author_id for m in messages} <= member_ids
        assert len({m.author_id for m in messages}) >= 2
        # A reply to an earlier line of the same chat.
        replies = [m for m in messages if m.reply_to_id]
        assert replies
        assert all(m.reply_to.collab_id == collab.pk and m.reply_to_id < m.pk for m in replies)
        # A pinned line.
        assert [m for m in messages if m.pinned_at is not None and m.pinned_by_id]
        # A line with the reactions of two people.
        reacted = Reaction.objects.filter(message__collab=collab)
        by_message: dict[int, set[int]] = {}
        for message_id, user_id in reacted.values_list("message", "user"):
            by_message.setdefault(message_id, set()).add(user_id)
        assert max(len(people) for people in by_message.values()) >= 2
        # A mention, written as the member's full name, and stored.
        mentions = Mention.objects.filter(collab=collab).select_related("user", "message")
        assert mentions
        for mention in mentions:
            assert f"@{mention.user.full_name}" in mention.message.body
            assert mention.user_id in member_ids
        for name in re.findall(r"@(\w+ \w+)", " ".join(m.body for m in messages)):
            assert name in names, name
        # Links, stored for the Links tab, to documents on the example domains only.
        urls = list(MessageLink.objects.filter(collab=collab).values_list("url", flat=True))
        assert urls
        assert all(re.match(r"https://example\.(com|org)/\S+$", url) for url in urls), urls
        # Rendered as the chat renders: the mention and the link are in the HTML.
        assert any('class="mention' in m.html for m in messages)
        assert any('href="https://example.' in m.html for m in messages)


def test_the_conversations_are_in_russian_and_in_english():
    seed()
    cyrillic = re.compile("[\u0400-\u04ff]")
    report, website = demo_collabs()
    assert all(cyrillic.search(m.body) for m in said(report))
    assert not any(cyrillic.search(m.body) for m in said(website))


def test_the_history_lies_in_the_past_in_the_order_of_its_ids():
    before = timezone.now()
    seed()
    for collab in demo_collabs():
        rows = list(Message.objects.filter(collab=collab).order_by("pk"))
        times = [m.created for m in rows]
        assert times == sorted(times)
        assert len(set(times)) == len(times)  # strictly increasing
        assert times[-1] < before
        # The notes of the setup (created, people added) come before the first line.
        first_line = next(i for i, m in enumerate(rows) if not m.is_system)
        assert all(m.is_system for m in rows[:first_line])
        assert collab.created <= times[0]
        for membership in Membership.objects.filter(collab=collab):
            assert membership.joined_at <= times[first_line]
        # What a reader sees dated is dated with its message, never now.
        for message in rows:
            assert message.updated >= message.created
            assert message.updated < before
            if message.pinned_at:
                assert message.created < message.pinned_at < before
        for link in MessageLink.objects.filter(collab=collab).select_related("message"):
            assert link.created == link.message.created
        for reaction in Reaction.objects.filter(message__collab=collab).select_related("message"):
            assert reaction.message.created < reaction.created < before
        # On two working days, at office hours in Moscow (where the team sits).
        moscow = [t.astimezone(dt.timezone(dt.timedelta(hours=3))) for t in times]
        assert len({t.date() for t in moscow}) <= 2
        assert all(t.weekday() < 5 and 9 <= t.hour < 19 for t in moscow)


def test_the_owner_has_nothing_unread_and_the_others_a_little(client):
    seed()
    anna, boris, ivan = (
        User.objects.get(email=f"{name}@example.com") for name in ("anna", "boris", "ivan")
    )
    assert unread(client, anna) == {"Quarterly report": 0, "Website redesign": 0}
    for user in (boris, ivan):
        for name, count in unread(client, user).items():
            collab = Collab.objects.get(name=name)
            assert 0 < count < said(collab).count() // 2, (user, name, count)


def test_a_second_run_changes_nothing():
    assert "created" in seed()
    first = everything()
    assert seed().strip() == "Demo data: already there."
    assert everything() == first


def old_seed() -> dict[str, User]:
    """The demo people as the earlier seed_demo made them (it wrote no chat)."""
    users = {}
    for email, name, kind, admin, tz, lang in USERS:
        users[email] = User.objects.create_user(
            email, PASSWORD, full_name=name, kind=kind, timezone=tz, language=lang,
            is_staff=admin, is_superuser=admin,
        )  # fmt: skip
    return users


def test_a_demo_collab_seeded_before_the_conversations_gets_one_after_its_history(client):
    """A database seeded by the earlier seed_demo (people and collabs, no chat) gains the
    conversations on the next run; the collab's notes, stamped at that earlier run, move
    before the conversation so that the history still reads in the order of its ids."""
    users = old_seed()
    anna = users["anna@example.com"]
    report = services.create_collab(anna, name="Quarterly report")
    services.add_member(report, anna, users["boris@example.com"])
    notes = list(Message.objects.filter(collab=report).order_by("pk").values_list("pk", flat=True))

    seed()

    assert Collab.objects.filter(name="Quarterly report").count() == 1
    rows = list(Message.objects.filter(collab=report).order_by("pk"))
    assert [m.pk for m in rows[: len(notes)]] == notes
    assert said(report).count() >= 8
    times = [m.created for m in rows]
    assert times == sorted(times)
    assert unread(client, anna)["Quarterly report"] == 0


def test_a_demo_collab_without_all_its_speakers_is_left_as_it_is():
    """Someone removed Ivan from the demo's Website redesign by hand: no conversation is forced
    on it (he speaks in it), and the rest of the demo data is made as usual."""
    users = old_seed()
    anna = users["anna@example.com"]
    website = services.create_collab(anna, name="Website redesign")
    services.add_member(website, anna, users["boris@example.com"])

    seed()

    assert not said(website).exists()
    assert not Membership.objects.filter(collab=website, user=users["ivan@example.com"]).exists()
    assert said(Collab.objects.get(name="Quarterly report")).count() >= 8


def test_the_seed_leaves_the_chat_limiter_as_it_found_it(settings):
    """The seed writes two days of chat in a blink, more than a burst of Anna's lines where the
    limit is set low, and trips nothing: each line's count is given back at once. So right after
    `make run` Anna may still send a whole burst."""
    settings.CHAT_BURST_MESSAGES = 3
    seed()
    anna = User.objects.get(email="anna@example.com")
    assert Message.objects.filter(author=anna).count() > settings.CHAT_BURST_MESSAGES
    for _ in range(settings.CHAT_BURST_MESSAGES):
        assert ratelimit.hit(anna.pk) == 0
    assert ratelimit.hit(anna.pk) > 0


def test_the_deadline_is_a_working_day_ahead_of_the_conversation():
    monday = dt.date(2026, 11, 30)
    assert last_working_days(monday) == [dt.date(2026, 11, 26), dt.date(2026, 11, 27)]
    assert last_working_days(dt.date(2026, 12, 2)) == [dt.date(2026, 11, 30), dt.date(2026, 12, 1)]
    assert working_days_after(dt.date(2026, 11, 27), 2) == dt.date(2026, 12, 1)
    # Always after the day the seed runs: the conversation talks of a deadline to come.
    for offset in range(7):
        today = monday + dt.timedelta(days=offset)
        assert working_days_after(last_working_days(today)[-1], 2) > today
