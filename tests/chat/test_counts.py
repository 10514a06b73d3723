"""Right counts (issue 10): your own messages and the notes of your own actions are never
unread for you, while what others write and do is. The "my collabs" counters (and the list's
title), the chat page's "new messages" divider and where it opens, the mention counters and
"seen by" all follow the one definition (apps.chat.access.unread_messages).

Sentences about the collab of tests/conftest.py: Olga Owner, Maxim Moderator, Marina Member,
Gleb Guest; each test starts with everything read by everyone."""

import importlib
import re
from dataclasses import dataclass

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.models import User
from apps.chat import services
from apps.chat.models import Message, ReadState
from apps.chat.partials import frame
from apps.chat.presenters import MessageView, present
from apps.chat.views import _seen_by
from apps.collabs import services as collab_services
from apps.collabs.models import Collab, Level
from apps.collabs.readers import reader_for
from apps.invitations import services as invitations
from tests.conftest import make_user

from .helpers import ids_on

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def roomy_limits(settings):
    settings.CHAT_BURST_MESSAGES = 1000
    settings.CHAT_SUSTAINED_MESSAGES = 1000


@pytest.fixture
def all_read(collab, owner, moderator, member, guest) -> Collab:
    """The collab of conftest with everything read by its current members."""
    latest = Message.objects.filter(collab=collab).latest("pk")
    for user in (owner, moderator, member, guest):
        services.mark_read(collab, user, latest.pk)
    return fresh(collab)


@pytest.fixture
def actors(owner, member, guest) -> dict[str, User]:
    return {"owner": owner, "member": member, "guest": guest}


def fresh(collab: Collab) -> Collab:
    """The collab as a new request would load it (no cached memberships)."""
    return Collab.objects.get(pk=collab.pk)


@dataclass
class Counts:
    unread: int
    mentions: int
    # The message the chat page's "new messages" divider stands before (None: no divider).
    divider_before: int | None


def counts(client, user: User, collab: Collab) -> Counts | None:
    """What `user` sees: the collab's counters in "my collabs" and the divider on its chat page.
    None when the collab is not in their list. Checks on the way that the list's title counts
    the same and that the page has a divider exactly when something is unread."""
    client.force_login(user)
    listing = client.get(reverse("collabs:list"))
    assert listing.status_code == 200
    rows = {m.collab_id: m for m in listing.context["memberships"]}
    total = listing.context["unread_total"]
    assert total == sum(m.unread_count for m in rows.values())
    row = rows.get(collab.pk)
    if row is None:
        return None
    title = re.search(r"<title>(.*?)</title>", listing.content.decode(), re.S)[1]
    shown = "999+" if total > 999 else total  # counted up to 1,000 (receivers.UNREAD_SHOWN)
    assert title.strip().startswith(f"({shown}) ") == bool(total)
    page = client.get(reverse("collabs:detail", args=[collab.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    divider = re.search(r'id="unread-divider".*?id="m(\d+)"', html, re.S)
    divider_before = int(divider[1]) if divider else None
    assert (divider_before is not None) == bool(row.unread_count), (row.unread_count, divider)
    return Counts(row.unread_count, row.mention_count, divider_before)


def latest(collab: Collab) -> Message:
    return Message.objects.filter(collab=collab).latest("pk")


def read_all(collab: Collab, user: User) -> None:
    services.mark_read(fresh(collab), user, latest(collab).pk)


def an_invitation(collab: Collab, actor: User) -> Message:
    """The person invites someone as their role allows (the collab's link takes an employee
    who may invite; a guest invites one person by email where guests may invite), and the chat
    notes it. Returns that note."""
    if actor.is_guest:
        # Set quietly: the owner's note of changing the settings would be news of its own.
        Collab.objects.filter(pk=collab.pk).update(invite_level=Level.MEMBERS)
        invitations.invite_by_email(fresh(collab), actor, "friend@example.com", name="Fred")
    else:
        invitations.create_link(fresh(collab), actor)
    note = latest(collab)
    assert note.is_system and note.actor_id == actor.pk
    return note


# --- Your own actions -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "member", "guest"])
def test_an_invitation_is_news_to_the_others_and_not_to_whoever_made_it(
    client, all_read, actors, moderator, role
):
    actor = actors[role]

    note = an_invitation(all_read, actor)

    assert counts(client, actor, all_read) == Counts(0, 0, None)
    assert counts(client, moderator, all_read) == Counts(1, 0, note.pk)


@pytest.mark.parametrize("role", ["owner", "member"])
def test_adding_a_member_is_news_to_the_others_not_to_the_one_who_added_nor_to_the_newcomer(
    client, all_read, actors, moderator, role
):
    actor = actors[role]
    newcomer = make_user("new@example.com", "Nina Newcomer")

    collab_services.add_member(fresh(all_read), actor, newcomer)

    note = latest(all_read)
    assert counts(client, actor, all_read) == Counts(0, 0, None)
    assert counts(client, newcomer, all_read) == Counts(0, 0, None)
    assert counts(client, moderator, all_read) == Counts(1, 0, note.pk)


@pytest.mark.parametrize("role", ["owner", "member", "guest"])
def test_your_own_messages_are_never_unread_for_you_and_are_for_the_others(
    client, all_read, actors, moderator, role
):
    author = actors[role]

    sent = [services.send_message(all_read, author, f"Line {i}") for i in range(3)]

    assert counts(client, author, all_read) == Counts(0, 0, None)
    assert counts(client, moderator, all_read) == Counts(3, 0, sent[0].pk)


def test_sending_reads_everything_before_your_message(client, all_read, owner, member):
    first = services.send_message(all_read, member, "@Olga Owner one")
    services.send_message(all_read, member, "two")
    assert counts(client, owner, all_read) == Counts(2, 1, first.pk)

    mine = services.send_message(all_read, owner, "Answering both")

    assert ReadState.objects.get(collab=all_read, user=owner).last_read_id == mine.pk
    assert counts(client, owner, all_read) == Counts(0, 0, None)


@pytest.mark.parametrize("role", ["owner", "member", "guest"])
def test_a_mention_counts_until_read(client, all_read, actors, moderator, role):
    reader = actors[role]
    name = reader.full_name

    mention = services.send_message(all_read, moderator, f"@{name} have a look")

    assert counts(client, reader, all_read) == Counts(1, 1, mention.pk)
    read_all(all_read, reader)
    assert counts(client, reader, all_read) == Counts(0, 0, None)
    # The one who mentioned has nothing unread either way.
    assert counts(client, moderator, all_read) == Counts(0, 0, None)


def test_what_you_did_between_the_others_messages_is_left_out_of_the_count_and_the_divider(
    client, all_read, owner, member
):
    first = services.send_message(all_read, member, "@Olga Owner a question")
    an_invitation(all_read, owner)
    collab_services.add_member(fresh(all_read), owner, make_user("n@example.com", "Nina New"))
    services.send_message(all_read, member, "and another")

    # Her own two notes sit between the two messages: two unread, the divider before the first.
    assert counts(client, owner, all_read) == Counts(2, 1, first.pk)


def test_with_only_your_own_after_the_marker_the_page_opens_at_the_end_without_a_divider(
    client, all_read, owner, member, settings
):
    """Even more of one's own than a page holds, and then someone else's line."""
    settings.CHAT_PAGE_SIZE = 5
    for i in range(7):
        services.send_message(all_read, member, f"Mine {i}")
    note = an_invitation(all_read, member)
    assert counts(client, member, all_read) == Counts(0, 0, None)

    theirs = services.send_message(all_read, owner, "Then someone else")
    # Sending moved the owner's marker; the member's stayed before her own lines.
    found = counts(client, member, all_read)
    assert found == Counts(1, 0, theirs.pk)
    client.force_login(member)
    html = client.get(reverse("collabs:detail", args=[all_read.pk])).content.decode()
    # Her own lines above the divider, as context.
    assert ids_on(html)[-2:] == [note.pk, theirs.pk]


def test_a_deleted_message_of_someone_else_is_neither_counted_nor_marked_by_a_divider(
    client, all_read, owner, member
):
    gone = services.send_message(all_read, member, "Oops")
    services.delete_message(fresh(all_read), member, gone.pk)

    assert counts(client, owner, all_read) == Counts(0, 0, None)


# --- Others' actions ------------------------------------------------------------------------


def test_someone_leaving_is_news_to_the_others(client, all_read, owner, member):
    collab_services.leave_collab(fresh(all_read), member)

    note = latest(all_read)
    assert note.system_type == "member_left" and note.actor_id == member.pk
    assert counts(client, owner, all_read) == Counts(1, 0, note.pk)
    assert counts(client, member, all_read) is None  # no longer hers


def test_someone_joining_by_link_is_news_to_the_others_and_not_to_them(
    client, all_read, owner, moderator
):
    link = invitations.create_link(fresh(all_read), owner)
    made = latest(all_read)
    newcomer = make_user("joiner@example.com", "Jana Joiner", kind=User.Kind.GUEST)

    invitations.accept(invitations.link_token(link), newcomer)

    joined = latest(all_read)
    assert joined.system_type == "member_joined"
    assert counts(client, newcomer, all_read) == Counts(0, 0, None)
    # The owner made the link (not news to her), the guest's arrival is.
    assert counts(client, owner, all_read) == Counts(1, 0, joined.pk)
    assert counts(client, moderator, all_read) == Counts(2, 0, made.pk)


def test_what_nobody_did_is_news_to_everyone(client, all_read, owner, guest):
    collab_services.set_guest_expiry(fresh(all_read), owner, guest, None)
    all_read.memberships.filter(user=guest).update(expires_at="2000-01-01T00:00:00Z")

    collab_services.expire_guests()

    note = latest(all_read)
    assert note.system_type == "member_expired" and note.actor_id is None
    assert counts(client, owner, all_read) == Counts(1, 0, note.pk)


# --- "Seen by" and the live page -----------------------------------------------------------


def test_your_own_action_moves_no_read_marker_so_seen_by_stays_as_it_was(all_read, owner, member):
    before = _seen_by(all_read, member)

    an_invitation(all_read, owner)

    assert _seen_by(all_read, member) == before
    mine = services.send_message(all_read, owner, "Sent")
    assert {"id": owner.pk, "name": owner.full_name, "last": mine.pk} in _seen_by(all_read, member)


def test_the_pushed_frame_names_who_did_it_so_the_page_title_counts_only_the_others(
    all_read, owner, member
):
    note = an_invitation(all_read, owner)
    view = present(Message.objects.select_related("author").get(pk=note.pk))

    # The live event carries the actor through the channel layer, unchanged.
    pushed = MessageView.from_event(view.to_event())
    assert pushed.actor_id == owner.pk
    for reader in (owner, member):
        assert frame("message", pushed, reader_for(reader, all_read, "en"))["author_id"] == (
            owner.pk
        )
    message = services.send_message(all_read, member, "Hi")
    view = present(Message.objects.select_related("author").get(pk=message.pk))
    assert frame("message", view, reader_for(owner, all_read, "en"))["author_id"] == member.pk


# --- The demo data and the stored history -----------------------------------------------------


def test_the_demo_data_leaves_the_owner_nothing_unread_of_her_own_and_runs_twice(client):
    call_command("seed_demo")
    call_command("seed_demo")

    anna = User.objects.get(email="anna@example.com")
    boris = User.objects.get(email="boris@example.com")
    ivan = User.objects.get(email="ivan@example.com")
    collabs = Collab.objects.filter(owner=anna).order_by("name")
    assert [c.name for c in collabs] == ["Quarterly report", "Website redesign"]
    report, website = collabs
    for collab in collabs:
        assert counts(client, anna, collab) == Counts(0, 0, None)
    # The others read each chat up to their last word in it: what came after is news, Anna's
    # closing answer to Ivan (which names him) among it.
    for user, collab, mentions in ((boris, website, 0), (boris, report, 0), (ivan, website, 1)):
        mine = Message.objects.filter(collab=collab, author=user).latest("pk")
        # (Not their own notes either: the demo's tasks they made.)
        news = (
            Message.objects.filter(collab=collab, pk__gt=mine.pk)
            .exclude(author=user)
            .exclude(actor=user)
        )
        first = news.order_by("pk").first()
        assert first is not None
        assert counts(client, user, collab) == Counts(news.count(), mentions, first.pk)


def test_the_migration_takes_the_actor_of_the_stored_history_from_its_data(all_read, owner, member):
    an_invitation(all_read, owner)
    collab_services.leave_collab(fresh(all_read), member)
    expected = dict(Message.objects.filter(kind="system").values_list("pk", "actor_id"))
    assert set(expected.values()) >= {owner.pk, member.pk}
    # As before the column: nobody stored, and one note names a user who is not there.
    Message.objects.update(actor=None)
    odd = Message.objects.filter(kind="system").first()
    Message.objects.filter(pk=odd.pk).update(system_data={**odd.system_data, "actor_id": 10**9})
    expected[odd.pk] = None

    migration = importlib.import_module("apps.chat.migrations.0004_message_actor")
    migration.backfill(django_apps, None)

    assert dict(Message.objects.filter(kind="system").values_list("pk", "actor_id")) == expected
    assert not Message.objects.filter(kind="user", actor__isnull=False).exists()


def test_a_backlog_past_999_shows_as_999_plus_and_is_not_counted_whole(
    client, all_read, owner, member
):
    # A member back from a long absence: the list counts a bounded number of rows per collab
    # (receivers.UNREAD_SHOWN + 1), not the whole backlog, on every page that lists it.
    def backlog(n: int) -> None:
        first = latest(all_read)
        Message.objects.bulk_create(
            Message(collab=all_read, author=owner, kind="user", body=f"m{i}", html=f"<p>m{i}</p>")
            for i in range(n)
        )
        assert Message.objects.filter(collab=all_read, pk__gt=first.pk).count() == n

    backlog(999)
    assert counts(client, member, all_read).unread == 999
    html = client.get(reverse("collabs:list")).content.decode()
    assert ">999<" in html and "999+" not in html
    backlog(5)
    assert counts(client, member, all_read).unread == 1000  # counted to 1,000, no further
    html = client.get(reverse("collabs:list")).content.decode()
    assert '<span aria-hidden="true">999+</span>' in html
    assert "More than 999 unread messages" in html
    # The top bar's total and the title say no more than they know either.
    assert html.count('<span aria-hidden="true">999+</span>') == 2
    assert "Unread: 999+" in html and "<title>(999+) " in html
    read_all(all_read, member)
    assert counts(client, member, all_read).unread == 0
