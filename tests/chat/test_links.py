"""The collab's links (apps/chat/links.py, the Links tab): every http(s) link posted in the chat
is stored with its message as the services write it (sent, edited, deleted), the existing
history is backfilled by migration 0003, a person sees the links of the messages they may read,
pages are keyset pages with a fixed number of queries, and the live event "links" tells the
open pages when a collab's links change. Sentences about the collab of tests/conftest.py."""

from datetime import timedelta

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from apps.chat import services
from apps.chat.links import display, links_page, visible_links
from apps.chat.markup import MAX_LINK_LENGTH, extract_links, render_message
from apps.chat.models import Message, MessageLink
from apps.collabs import live
from apps.collabs import services as collab_services
from apps.collabs.models import Collab
from tests.chat.acts import add_member, change_settings, edit, new_user, post
from tests.chat.helpers import bulk_messages
from tests.chat.ws import channel_layer_of_its_own, sockets_fixture  # noqa: F401  (fixtures)
from tests.conftest import make_user

BACKFILL_MIGRATION = ("chat", "0003_messagelink")


@pytest.fixture(autouse=True)
def roomy_limits(settings):
    settings.CHAT_BURST_MESSAGES = 10_000
    settings.CHAT_SUSTAINED_MESSAGES = 10_000


def fresh(collab: Collab) -> Collab:
    """The collab as a new request would load it (no cached memberships)."""
    return Collab.objects.get(pk=collab.pk)


def stored(message: Message) -> list[str]:
    return list(
        MessageLink.objects.filter(message=message)
        .order_by("position")
        .values_list("url", flat=True)
    )


def urls_seen(user, collab: Collab) -> list[str]:
    return [link.url for link in links_page(user, fresh(collab), limit=100).links]


# --- Stored with the message ---------------------------------------------------------------


def test_the_links_of_a_sent_message_are_stored_in_order_once_each(collab, member):
    message = services.send_message(
        collab,
        member,
        "Mockups: https://figma.example/file/1 and [the brief](https://docs.example/brief), "
        "again https://figma.example/file/1, the site www.studio.com, not main.py",
    )

    assert stored(message) == [
        "https://figma.example/file/1",
        "https://docs.example/brief",
        "http://www.studio.com",
    ]
    assert stored(message) == list(render_message(message.body).links)
    for link in MessageLink.objects.filter(message=message):
        assert (link.collab_id, link.created) == (collab.pk, message.created)


def test_a_message_without_links_and_a_system_message_have_none(collab, owner, member):
    services.send_message(collab, member, "See `https://in.code.example` and ftp://files.example")
    services.post_system_message(collab, "link_created", actor=owner, url="https://x.example/")

    assert not MessageLink.objects.exists()


def test_a_link_too_long_to_list_stays_a_link_in_the_message_but_is_not_stored(collab, member):
    too_long = "https://long.example/" + "a" * MAX_LINK_LENGTH

    message = services.send_message(collab, member, f"{too_long} and https://short.example/")

    assert stored(message) == ["https://short.example/"]
    assert too_long in message.html


def test_a_resent_message_stores_its_links_once(collab, member):
    first = services.send_message(collab, member, "https://once.example/", client_id="c1")
    again = services.send_message(collab, member, "https://once.example/", client_id="c1")

    assert again.pk == first.pk
    assert MessageLink.objects.count() == 1


def test_an_edit_replaces_the_links_keeping_the_rows_of_those_it_kept(collab, member):
    message = services.send_message(
        collab, member, "https://a.example/ https://b.example/ https://c.example/"
    )
    kept = MessageLink.objects.get(message=message, url="https://c.example/")

    services.edit_message(collab, member, message.pk, "https://c.example/ and https://d.example/")

    assert stored(message) == ["https://c.example/", "https://d.example/"]
    moved = MessageLink.objects.get(message=message, url="https://c.example/")
    assert (moved.pk, moved.position) == (kept.pk, 0)


def test_an_edit_that_removes_every_link_leaves_none(collab, member):
    message = services.send_message(collab, member, "https://a.example/")

    services.edit_message(collab, member, message.pk, "no link any more")

    assert stored(message) == []


def test_deleting_a_message_deletes_its_links(collab, member, moderator):
    mine = services.send_message(collab, member, "https://a.example/ https://b.example/")
    removed = services.send_message(collab, member, "https://c.example/")

    services.delete_message(collab, member, mine.pk)
    services.delete_message(collab, moderator, removed.pk)  # a moderator's removal too

    assert not MessageLink.objects.exists()


# --- The backfill of migration 0003 --------------------------------------------------------


def historical_apps():
    """The models as migration 0003 sees them."""
    return MigrationExecutor(connection).loader.project_state(BACKFILL_MIGRATION).apps


def backfill_module():
    import importlib

    return importlib.import_module("apps.chat.migrations.0003_messagelink")


@pytest.mark.parametrize(
    "body",
    [
        "plain text",
        "https://a.example/ [b](https://b.example/) https://a.example/",
        "@Marina Member look at https://x.example/@Marina and www.y.com",
        "![shot](https://img.example/s.png) <https://auto.example/> `https://code.example`",
        "[ref][1]\n\n[1]: https://ref.example/",
    ],
)
def test_the_backfill_finds_the_links_the_renderer_finds(body):
    members = [(1, "Marina Member")]

    assert backfill_module().links_of(body) == render_message(body, members).links
    assert extract_links(body) == render_message(body, members).links


# Pieces that make links and near-links when put together in any order.
LINKISH = st.sampled_from(
    [
        "example.com", "/", "[a](", ")", "<", ">", "www", ".", "ftp://", "//", ":", "main.py",
        "mailto:", "a@b.example", " ", "\n", "h", "t", "p", "s", "w", "ttp", "HT", "TP", "WW",
        "![i](", "[1]: ", "[x][1]", "`", "рф", "xn--p1ai",
    ]
)  # fmt: skip


@given(st.lists(LINKISH, max_size=12).map("".join))
@example("example.com/ftp://")  # a scheme inside a bare host's path made it a link
def test_a_body_without_http_or_www_has_no_links_so_the_backfill_may_skip_it(body):
    lowered = body.lower()
    if "http" not in lowered and "www." not in lowered:
        assert extract_links(body) == ()


def test_the_backfill_stores_the_links_of_existing_messages_of_people(collab, owner, member):
    # Written as before the migration: straight into the table, with no links stored.
    old = bulk_messages(collab, member, 3, text="See https://old.example/ and www.older.org")
    gone = bulk_messages(collab, member, 1, text="Erased https://gone.example/")[0]
    Message.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    services.post_system_message(collab, "link_created", actor=owner, url="https://x.example/")
    MessageLink.objects.all().delete()

    backfill_module().backfill(historical_apps(), None)
    backfill_module().backfill(historical_apps(), None)  # run twice: no harm

    for message in old:
        assert stored(message) == ["https://old.example/", "http://www.older.org"]
        link = MessageLink.objects.filter(message=message).first()
        assert (link.collab_id, link.created) == (collab.pk, message.created)
    assert MessageLink.objects.count() == 6


def test_the_backfill_goes_through_a_long_history_in_batches(collab, member, monkeypatch):
    monkeypatch.setattr(backfill_module(), "BATCH", 4)
    messages = bulk_messages(collab, member, 10, text="https://many.example/")

    backfill_module().backfill(current_apps, None)

    assert MessageLink.objects.count() == 10
    assert {link.message_id for link in MessageLink.objects.all()} == {m.pk for m in messages}


# --- Who sees which links -------------------------------------------------------------------


def test_every_member_sees_the_collabs_links_newest_first(collab, owner, member, guest):
    services.send_message(collab, owner, "https://first.example/")
    services.send_message(collab, member, "https://second.example/ https://third.example/")

    # The newest message first; a message's own links in the order of its text.
    expected = ["https://second.example/", "https://third.example/", "https://first.example/"]
    for user in (owner, member, guest):
        assert urls_seen(user, collab) == expected


def test_a_newcomer_kept_from_the_earlier_history_sees_only_the_later_links(collab, owner):
    collab_services.change_settings(collab, owner, new_members_see_history=False)
    services.send_message(collab, owner, "Before you came: https://before.example/")
    newcomer = make_user("nina@example.com", "Nina Newcomer")
    collab_services.add_member(collab, owner, newcomer)
    services.send_message(collab, owner, "Welcome: https://after.example/")

    assert urls_seen(newcomer, collab) == ["https://after.example/"]
    assert visible_links(newcomer, fresh(collab)).count() == 1
    assert urls_seen(owner, collab) == ["https://after.example/", "https://before.example/"]


def test_with_the_earlier_history_open_a_newcomer_sees_every_link(collab, owner):
    services.send_message(collab, owner, "https://before.example/")
    newcomer = make_user("nina@example.com", "Nina Newcomer")
    collab_services.add_member(collab, owner, newcomer)

    assert urls_seen(newcomer, collab) == ["https://before.example/"]


def test_outsiders_removed_and_deactivated_people_see_no_links(
    collab, other_collab, owner, member, outsider, deactivated, other_owner
):
    services.send_message(collab, owner, "https://ours.example/")
    services.send_message(other_collab, other_owner, "https://theirs.example/")
    collab_services.remove_member(collab, owner, member)

    deactivated.refresh_from_db()  # as a request would load them
    for user in (outsider, member, deactivated):
        assert urls_seen(user, collab) == []
        assert not visible_links(user, fresh(collab)).exists()
    assert urls_seen(owner, collab) == ["https://ours.example/"]  # nothing of theirs
    assert urls_seen(outsider, other_collab) == ["https://theirs.example/"]


# --- Pages ----------------------------------------------------------------------------------


def links_in(collab: Collab, authors, n: int) -> list[MessageLink]:
    """n messages by the authors in turn, each with one link; returns the links, oldest first."""
    messages = []
    for i, author in enumerate(authors * (n // len(authors) + 1)):
        if i == n:
            break
        messages += bulk_messages(collab, author, 1, text=f"Link {i} https://l{i}.example/")
    MessageLink.objects.bulk_create(
        [
            MessageLink(
                message=m,
                collab=collab,
                url=f"https://l{i}.example/",
                position=0,
                created=m.created,
            )
            for i, m in enumerate(messages)
        ]
    )
    return list(MessageLink.objects.filter(collab=collab).order_by("pk"))


def test_pages_go_back_by_id_and_say_whether_there_is_more(collab, owner, member):
    links = links_in(collab, [owner, member], 7)
    newest_first = [link.pk for link in reversed(links)]

    first = links_page(member, fresh(collab), limit=3)
    second = links_page(member, fresh(collab), before_id=first.next_before_id, limit=3)
    last = links_page(member, fresh(collab), before_id=second.next_before_id, limit=3)

    assert [row.id for row in first.links] == newest_first[:3]
    assert [row.id for row in second.links] == newest_first[3:6]
    assert [row.id for row in last.links] == newest_first[6:]
    assert (first.has_more, second.has_more, last.has_more) == (True, True, False)
    assert last.next_before_id is None
    exact = links_page(member, fresh(collab), before_id=newest_first[2], limit=4)
    assert [row.id for row in exact.links] == newest_first[3:7]
    assert not exact.has_more


def test_a_row_has_what_the_tab_shows(collab, member):
    message = services.send_message(collab, member, "[Brief](https://www.docs.example/brief?v=2#p)")

    (row,) = links_page(member, fresh(collab)).links

    assert row.url == "https://www.docs.example/brief?v=2#p"
    assert row.label == "docs.example/brief?v=2"
    assert row.message_id == message.pk
    assert row.created == message.created
    assert (row.author.id, row.author.name) == (member.pk, "Marina Member")
    assert row.jump_url == f"/collabs/{collab.pk}/?message={message.pk}#m{message.pk}"


@pytest.mark.parametrize("count", [5, 50])
def test_a_page_costs_two_queries_however_many_links_and_authors(
    collab, owner, moderator, member, guest, django_assert_num_queries, count
):
    links_in(collab, [owner, moderator, member, guest], count)
    collab = fresh(collab)

    # The membership (the access rules; a view has it cached already), the page with the
    # messages' authors.
    with django_assert_num_queries(2):
        page = links_page(member, collab, limit=30)
        authors = {row.author.name for row in page.links}

    assert len(page.links) == min(count, 30)
    assert len(authors) == 4


# --- Labels ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("https://example.com/", "example.com"),
        ("http://www.Example.com/docs/a", "example.com/docs/a"),
        ("https://xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C", "пример.рф/путь"),
        ("https://bank.example@evil.example/login", "evil.example/login"),
        ("https://user:secret@host.example/", "host.example"),
        ("http://[::1]:8080/a", "[::1]:8080/a"),
        ("https://example.com/%E2%80%AEgnp.exe", "example.com/gnp.exe"),  # no direction override
        ("http:no-host", "no-host"),
    ],
)
def test_a_label_is_the_host_and_path_as_people_read_them(url, label):
    assert display(url) == label


def test_a_long_label_is_cut():
    label = display("https://example.com/" + "a" * 200, length=30)

    assert len(label) == 30
    assert label.startswith("example.com/aaa")
    assert label.endswith("…")


# --- The live event "links" -----------------------------------------------------------------


@pytest.fixture
def published(monkeypatch):
    """The live events the services publish, as they go out on commit."""
    sent = []
    monkeypatch.setattr(live, "group_send", lambda group, message: sent.append(message))
    return sent


def kinds(sent) -> list[str]:
    return [message["event"]["kind"] for message in sent]


def test_sending_with_links_publishes_links_with_the_message_time(
    committed, published, collab, member
):
    with committed():
        message = services.send_message(collab, member, "https://a.example/ https://b.example/")

    assert kinds(published) == ["message", "links"]
    event = published[1]["event"]
    assert event["created"] == message.created.isoformat()
    assert event["data"] == {}


def test_sending_without_links_publishes_no_links(committed, published, collab, member, owner):
    with committed():
        services.send_message(collab, member, "No link here")
        services.post_system_message(collab, "link_created", actor=owner)

    assert "links" not in kinds(published)


def test_an_edit_publishes_links_only_when_the_links_change(committed, published, collab, member):
    message = services.send_message(collab, member, "https://a.example/ https://b.example/")
    plain = services.send_message(collab, member, "No link")

    edits = [
        (message, "Now https://b.example/ then https://a.example/"),  # the same set, moved
        (plain, "Still no link"),
        (message, "Only https://b.example/"),  # one removed
        (plain, "Now https://new.example/"),  # one added
    ]
    events = []
    for edited, body in edits:
        published.clear()
        with committed():
            services.edit_message(collab, member, edited.pk, body)
        events.append(kinds(published))

    assert events == [["changed"], ["changed"], ["changed", "links"], ["changed", "links"]]


def test_deleting_publishes_links_only_for_a_message_that_had_some(
    committed, published, collab, member
):
    linked = services.send_message(collab, member, "https://a.example/")
    plain = services.send_message(collab, member, "No link")

    with committed():
        services.delete_message(collab, member, plain.pk)
    assert kinds(published) == ["changed"]
    published.clear()
    with committed():
        services.delete_message(collab, member, linked.pk)
    assert kinds(published) == ["changed", "links"]


@pytest.mark.django_db(transaction=True)
async def test_a_members_open_page_hears_that_the_links_changed(sockets, collab, owner, member):
    socket = await sockets.open(member, collab)

    message = await post(collab, owner, "The brief: https://docs.example/brief")
    plain = await post(collab, owner, "Thanks")

    first, second, third = await socket.frames(3)
    assert (first["type"], first["id"]) == ("message", message.pk)
    assert second == {"type": "links"}
    assert (third["type"], third["id"]) == ("message", plain.pk)  # no links frame for it


@pytest.mark.django_db(transaction=True)
async def test_a_newcomer_does_not_hear_of_the_links_of_a_message_before_their_time(
    sockets, collab, owner
):
    await change_settings(collab, owner, new_members_see_history=False)
    old = await post(collab, owner, "Old: https://old.example/")
    newcomer = await new_user("nina@example.com", "Nina Newcomer")
    await add_member(collab, owner, newcomer)
    boss = await sockets.open(owner, collab)
    nina = await sockets.open(newcomer, collab)

    await edit(collab, owner, old.pk, "Old: https://old.example/ https://older.example/")
    news = await post(collab, owner, "New: https://new.example/")

    boss_frames = await boss.frames(4)
    assert [frame["type"] for frame in boss_frames] == ["changed", "links", "message", "links"]
    # Queues are first in, first out: had the old message's events reached her, they would
    # come first.
    first, second = await nina.frames(2)
    assert (first["type"], first["id"]) == ("message", news.pk)
    assert second == {"type": "links"}
    assert await nina.is_silent()


def test_the_newcomer_bound_holds_for_links_by_the_events_date(collab, owner):
    """The event is dated by its message: the same check every kind gets
    (tests/collabs/test_live_events.py), here with the links kind."""
    from apps.collabs.readers import reader_for

    collab_services.change_settings(collab, owner, new_members_see_history=False)
    newcomer = make_user("nina@example.com", "Nina Newcomer")
    collab_services.add_member(collab, owner, newcomer)
    reader = reader_for(newcomer, fresh(collab), "en")
    before = (reader.sees_from - timedelta(seconds=1)).isoformat()
    after = (reader.sees_from + timedelta(seconds=1)).isoformat()

    def event(created):
        return {"kind": "links", "ts": after, "right": None, "created": created, "data": {}}

    assert live.frame_for(event(before), reader, collab) is None
    assert live.frame_for(event(after), reader, collab) == '{"type": "links"}'
