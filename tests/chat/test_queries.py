"""The chat's hot paths make a fixed number of queries, however long the history and however
many members or collabs there are.

The numbers are pinned exactly (as in tests/collabs/test_queries.py): a new query must be a
decision, and an N+1 fails at once. django_assert_num_queries prints every query on failure.
Each request starts with two queries of its own: the session and the signed-in user.
"""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.chat import search, services
from apps.chat.models import Mention, Message, Reaction, ReadState
from apps.collabs import services as collab_services
from apps.collabs.models import Collab, Role
from apps.collabs.permissions import membership_of
from tests.conftest import make_user

# Every full page: + the top bar's bell, the person's unread notifications (1 query), and
# "My tasks" with the count of their open tasks (1 query, apps/tasks/mine.open_count).
# session, user, membership with its collab (access); the chat: the read marker with the first
# unread message (one query, history._reading), the unread messages and their reactions, the
# page before them and its reactions, the pinned count, the others' read markers ("seen by").
# The sidebar's members are not read: its tabs load on demand.
# ... and the list of my collabs beside the page (frame.py): its rows (with the member count
# the header shows, frame._member_count) and their previews.
PAGE_WITH_UNREAD_QUERIES = 14
# ... when everything is read: the marker's query finds no unread message, so no query for
# them; then the newest page and its reactions
PAGE_ALL_READ_QUERIES = 12
# ?message=<id>: no read marker, but two half pages around the message, each with reactions
PAGE_AROUND_QUERIES = 13
# session, user, membership with collab, the page of messages, its reactions
HISTORY_QUERIES = 5
# session, user, membership with collab; send_message: the members (for mentions, since the
# message has an @), savepoint, insert, on SQLite the search index's row (its FTS5 table;
# PostgreSQL indexes the column itself), mentions insert (one for all), bringing the collab
# back for those mentioned who hid it, read marker (one update), release savepoint. A resent
# client id is caught by the unique constraint, so no lookup first. The live event is built
# from the message in hand, without a query.
SEND_QUERIES = 10 if connection.vendor == "postgresql" else 11
# A plain message (no mention, link or attachment): session, user, membership with collab;
# send_message: on PostgreSQL one statement writes the row and moves the read marker
# (services._insert_reading); on SQLite savepoint, insert, the search index's row, read
# marker, release savepoint.
PLAIN_SEND_QUERIES = 4 if connection.vendor == "postgresql" else 8
# session, user, membership with collab, the hits with their authors (on PostgreSQL with their
# headlines; on SQLite the full-text match is a subquery of the same query, and the snippets
# are marked in Python). The cards show no reactions, so none are read. The header's member
# count comes from the list of my collabs beside the results.
SEARCH_QUERIES = 8  # with the list of my collabs beside the results
# session, user, hidden-collab count, memberships with collab, member count and the unread
# and mention counters (subqueries of the one query), the last messages (the previews)
LIST_QUERIES = 7


@pytest.fixture(autouse=True)
def roomy_limits(settings):
    settings.CHAT_BURST_MESSAGES = 10_000
    settings.CHAT_SUSTAINED_MESSAGES = 10_000
    settings.CHAT_PAGE_SIZE = 50


def bulk_messages(collab: Collab, authors: list[User], n: int, text: str = "Line") -> None:
    """n messages by the authors in turn, some replying to an earlier one."""
    now = timezone.now()
    Message.objects.bulk_create(
        [
            Message(
                collab=collab,
                author=authors[i % len(authors)],
                body=f"{text} {i} word{i % 7}",
                html=f"<p>{text} {i} word{i % 7}</p>\n",
                created=now,
                updated=now,
            )
            for i in range(n)
        ]
    )
    messages = list(Message.objects.filter(collab=collab, kind="user").order_by("pk"))
    # bulk_create passes by the services, which keep SQLite's search index in step.
    search.index_rows((m.pk, m.body) for m in messages)
    for reply, original in zip(messages[5::10], messages[::10], strict=False):
        reply.reply_to = original
    Message.objects.bulk_update(messages[5::10], ["reply_to"])
    # Reactions from everyone on the newest messages.
    Reaction.objects.bulk_create(
        [
            Reaction(message=message, user=author, emoji="👍")
            for message in messages[-20:]
            for author in authors
        ]
    )


def add_people(collab: Collab, owner: User, total: int) -> list[User]:
    """Fill the collab up to `total` current members: employees, some moderators, some guests."""
    have = collab.memberships.current().count()
    people = []
    for i in range(total - have):
        kind = User.Kind.GUEST if i % 4 == 3 else User.Kind.EMPLOYEE
        user = make_user(f"person{i}@example.com", f"Person {i:02d}", kind=kind)
        collab_services.add_member(collab, owner, user)
        if i % 6 == 0 and kind == User.Kind.EMPLOYEE:
            collab_services.change_role(collab, owner, user, Role.MODERATOR)
        people.append(user)
    assert collab.memberships.current().count() == total
    return people


def detail(collab: Collab) -> str:
    return reverse("collabs:detail", args=[collab.pk])


def history(collab: Collab, query: str = "") -> str:
    return reverse("chat:history", kwargs={"collab_id": collab.pk}) + query


# --- The collab page ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [10, 1000])
def test_the_collab_page_with_unread_messages_takes_the_same_queries_for_10_and_1000_messages(
    client, django_assert_num_queries, collab, owner, moderator, member, n
):
    bulk_messages(collab, [owner, moderator, member], n)
    newest = Message.objects.filter(collab=collab).order_by("-pk")
    services.mark_read(collab, member, newest[5].pk)
    client.force_login(member)

    with django_assert_num_queries(PAGE_WITH_UNREAD_QUERIES):
        response = client.get(detail(collab))

    assert response.status_code == 200
    assert 'id="unread-divider"' in response.content.decode()


@pytest.mark.parametrize("n", [10, 1000])
def test_the_collab_page_all_read_takes_the_same_queries_for_10_and_1000_messages(
    client, django_assert_num_queries, collab, owner, moderator, member, n
):
    bulk_messages(collab, [owner, moderator, member], n)
    services.mark_read(collab, member, Message.objects.filter(collab=collab).latest("pk").pk)
    client.force_login(member)

    with django_assert_num_queries(PAGE_ALL_READ_QUERIES):
        response = client.get(detail(collab))

    assert response.status_code == 200
    assert 'id="unread-divider"' not in response.content.decode()


@pytest.mark.parametrize("size", [3, 50])
def test_the_collab_page_takes_the_same_queries_for_3_and_50_members(
    client, django_assert_num_queries, owner, size
):
    collab = collab_services.create_collab(owner, name="Big room")
    people = add_people(collab, owner, size)
    bulk_messages(collab, [owner, *people], 100)
    # Everyone has read something: "seen by" has a marker per member.
    last = Message.objects.filter(collab=collab).latest("pk")
    for person in people:
        services.mark_read(collab, person, last.pk)
    reader = people[0]
    services.send_message(collab, owner, "One more for the reader")
    client.force_login(reader)

    with django_assert_num_queries(PAGE_WITH_UNREAD_QUERIES):
        response = client.get(detail(collab))

    assert response.status_code == 200
    assert response.context["member_count"] == size


@pytest.mark.parametrize("n", [10, 1000])
def test_a_page_of_a_message_takes_the_same_queries_for_10_and_1000_messages(
    client, django_assert_num_queries, collab, owner, moderator, member, n
):
    bulk_messages(collab, [owner, moderator, member], n)
    target = Message.objects.filter(collab=collab).order_by("pk")[n // 2]
    client.force_login(member)

    with django_assert_num_queries(PAGE_AROUND_QUERIES):
        response = client.get(detail(collab) + f"?message={target.pk}")

    assert response.status_code == 200


# --- History pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [10, 1000])
def test_a_history_page_takes_the_same_queries_for_10_and_1000_messages(
    client, django_assert_num_queries, collab, owner, moderator, member, n
):
    bulk_messages(collab, [owner, moderator, member], n)
    before = Message.objects.filter(collab=collab).latest("pk").pk
    client.force_login(member)

    with django_assert_num_queries(HISTORY_QUERIES):
        response = client.get(history(collab, f"?before={before}"), headers={"HX-Request": "true"})

    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 50])
def test_a_history_page_takes_the_same_queries_for_3_and_50_members(
    client, django_assert_num_queries, owner, size
):
    collab = collab_services.create_collab(owner, name="Big room")
    people = add_people(collab, owner, size)
    bulk_messages(collab, [owner, *people], 200)
    before = Message.objects.filter(collab=collab).latest("pk").pk
    client.force_login(people[0])

    with django_assert_num_queries(HISTORY_QUERIES):
        response = client.get(history(collab, f"?before={before}"), headers={"HX-Request": "true"})

    assert response.status_code == 200


@pytest.mark.parametrize("query", ["after", "around"])
def test_pages_after_and_around_take_the_history_queries(
    client, django_assert_num_queries, collab, owner, member, query
):
    bulk_messages(collab, [owner, member], 300)
    middle = Message.objects.filter(collab=collab).order_by("pk")[150].pk
    client.force_login(member)

    # around: the older half and the newer half, each with its reactions
    expected = HISTORY_QUERIES if query == "after" else HISTORY_QUERIES + 2
    with django_assert_num_queries(expected):
        response = client.get(history(collab, f"?{query}={middle}"), headers={"HX-Request": "true"})

    assert response.status_code == 200


# --- Sending --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 50])
def test_sending_takes_the_same_queries_for_3_and_50_members(
    client, django_assert_num_queries, owner, size
):
    collab = collab_services.create_collab(owner, name="Big room")
    people = add_people(collab, owner, size)
    mentioned = people[-1]
    client.force_login(people[0])

    with django_assert_num_queries(SEND_QUERIES):
        response = client.post(
            reverse("chat:send", kwargs={"collab_id": collab.pk}),
            {"body": f"Look @{mentioned.full_name} and @Olga Owner", "client_id": "q-1"},
        )

    assert response.status_code == 302
    message = Message.objects.get(client_id="q-1")
    assert set(message.mentions.values_list("user", flat=True)) == {mentioned.pk, owner.pk}


# As in production: the view runs outside any transaction (the test's own would turn the one
# statement into savepoint, insert, update and release).
@pytest.mark.django_db(transaction=True)
def test_a_plain_message_is_written_in_one_statement_on_postgresql(
    client, django_assert_num_queries, owner
):
    collab = collab_services.create_collab(owner, name="Quiet room")
    reader = add_people(collab, owner, 3)[0]
    client.force_login(reader)
    before = Message.objects.filter(collab=collab).count()

    with django_assert_num_queries(PLAIN_SEND_QUERIES):
        response = client.post(
            reverse("chat:send", kwargs={"collab_id": collab.pk}),
            {"body": "Plain words only", "client_id": "plain-1"},
        )

    assert response.status_code == 302
    message = Message.objects.get(client_id="plain-1")
    assert (message.author, message.body) == (reader, "Plain words only")
    assert Message.objects.filter(collab=collab).count() == before + 1
    # The sender has read their own message: it is not unread for them.
    assert ReadState.objects.get(collab=collab, user=reader).last_read_id == message.pk


@pytest.mark.parametrize("hidden", [1, 5])
def test_mentioning_people_who_hid_the_collab_takes_the_same_queries_for_1_and_5(
    client, django_assert_num_queries, owner, hidden
):
    collab = collab_services.create_collab(owner, name="Big room")
    people = add_people(collab, owner, 12)
    mentioned = people[-hidden:]
    for person in mentioned:
        collab_services.set_hidden(collab, person, True)
    client.force_login(people[0])

    with django_assert_num_queries(SEND_QUERIES):
        response = client.post(
            reverse("chat:send", kwargs={"collab_id": collab.pk}),
            {"body": " ".join(f"@{p.full_name}" for p in mentioned), "client_id": "q-2"},
        )

    assert response.status_code == 302
    assert not collab.memberships.active().filter(hidden=True).exists()


# --- Search ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [10, 1000])
def test_search_takes_the_same_queries_for_10_and_1000_messages(
    client, django_assert_num_queries, collab, owner, moderator, member, n
):
    bulk_messages(collab, [owner, moderator, member], n)
    client.force_login(member)

    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get(reverse("chat:search", kwargs={"collab_id": collab.pk}) + "?q=word3")

    assert response.status_code == 200
    assert len(response.context["results"]) == min(50, len(range(3, n, 7)))


# --- My collabs with unread counters ---------------------------------------------------------


@pytest.mark.parametrize("n", [2, 50])
def test_my_collabs_with_unread_counters_take_the_same_queries_for_2_and_50_collabs(
    client, django_assert_num_queries, owner, member, n
):
    for i in range(n):
        collab = collab_services.create_collab(owner, name=f"Project {i:02d}")
        collab_services.add_member(collab, owner, member)
        services.send_message(collab, owner, "Morning!")
        services.send_message(collab, owner, "@Marina Member the draft, please")
        services.send_message(collab, member, "Coming")
        services.send_message(collab, owner, "Thanks")
    client.force_login(member)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("collabs:list"))

    assert response.status_code == 200
    memberships = list(response.context["memberships"])
    assert len(memberships) == n
    # Sending "Coming" read everything before it: one unread left, no mention left.
    assert {(m.unread_count, m.mention_count) for m in memberships} == {(1, 0)}
    html = response.content.decode()
    assert html.count("1 unread message<") == n


@pytest.mark.parametrize("n", [2, 50])
def test_my_collabs_count_unread_mentions(client, django_assert_num_queries, owner, member, n):
    for i in range(n):
        collab = collab_services.create_collab(owner, name=f"Project {i:02d}")
        collab_services.add_member(collab, owner, member)
        services.send_message(collab, owner, "Morning!")
        services.send_message(collab, owner, "@Marina Member the draft, please")
        services.send_message(collab, owner, "@Marina Member and the logo")
    client.force_login(member)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("collabs:list"))

    memberships = list(response.context["memberships"])
    assert {(m.unread_count, m.mention_count) for m in memberships} == {(3, 2)}
    html = response.content.decode()
    assert html.count("3 unread messages<") == n
    assert html.count("2 mentions<") == n


# --- Read markers ---------------------------------------------------------------------------

# Every open page marks every message it shows: on PostgreSQL one statement (the newest
# message, the marker and the mentions), outside the test's transaction as in production.
MARK_READ_QUERIES = 1 if connection.vendor == "postgresql" else 5


@pytest.mark.django_db(transaction=True)
def test_marking_read_takes_one_statement_on_postgresql(django_assert_num_queries, owner):
    collab = collab_services.create_collab(owner, name="Quiet room")
    reader = add_people(collab, owner, 3)[0]
    sent = [services.send_message(collab, owner, f"@{reader.full_name} line {i}") for i in range(3)]
    membership_of(reader, collab)  # the page's socket knows it (CollabConsumer.current_collab)

    with django_assert_num_queries(MARK_READ_QUERIES):
        services.mark_read(collab, reader, sent[1].pk)

    assert ReadState.objects.get(collab=collab, user=reader).last_read_id == sent[1].pk
    notified = dict(Mention.objects.filter(user=reader).values_list("message", "notified_at"))
    assert [notified[m.pk] is not None for m in sent] == [True, True, False]


@pytest.mark.django_db(transaction=True)
def test_marking_read_in_one_statement_keeps_every_rule(owner):
    """What mark_read promises, on whichever path the database takes: forward only, never
    past the newest message, only within the reader's view of the history, and a first
    marker for a member who has none."""
    collab = collab_services.create_collab(owner, name="Quiet room")
    reader = add_people(collab, owner, 2)[0]
    first, second = (services.send_message(collab, owner, f"News {i}") for i in range(2))

    def marker(user=reader, room=collab):
        return ReadState.objects.get(collab=room, user=user).last_read_id

    services.mark_read(collab, reader, second.pk + 1000)  # an id from the page: not trusted
    assert marker() == second.pk
    services.mark_read(collab, reader, first.pk)  # never back
    assert marker() == second.pk

    ReadState.objects.filter(collab=collab, user=reader).delete()
    services.mark_read(collab, reader, first.pk)  # no marker yet: one is made
    assert marker() == first.pk

    # A newcomer kept from the earlier history: what is older than their view is no marker.
    collab_services.change_settings(collab, owner, new_members_see_history=False)
    newcomer = make_user("late@example.com", "Lena Late")
    collab_services.add_member(collab, owner, newcomer)
    ReadState.objects.filter(collab=collab, user=newcomer).update(last_read_id=0)
    room = Collab.objects.get(pk=collab.pk)
    services.mark_read(room, newcomer, second.pk)
    assert marker(newcomer, room) == 0
    after = services.send_message(collab, owner, "Welcome")
    services.mark_read(room, newcomer, after.pk)
    assert marker(newcomer, room) == after.pk
