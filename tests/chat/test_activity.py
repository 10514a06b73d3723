"""The list of my collabs, live on every page: what a person's socket hears of the collabs its
page does not show ("activity" summaries: a new message's preview, whether it counts for them,
their own reading elsewhere), and that it hears nothing of collabs they are not in — from
their first moment outside (removed) to their first moment inside (added).

Sockets through the full ASGI application with real session cookies, on the in-memory layer
and (CI) on Redis."""

import pytest
from channels.db import database_sync_to_async

from apps.accounts.services import deactivate_user
from apps.chat import services as chat
from tests.chat.acts import add_member, post, remove_member
from tests.chat.ws import (  # noqa: F401  (fixtures)
    CLOSE_REVOKED,
    channel_layer_of_its_own,
    sockets_fixture,
)

pytestmark = pytest.mark.django_db(transaction=True)

ME = "/ws/me/"


def with_rail(collab) -> str:
    return f"/ws/collabs/{collab.pk}/?rail=1"


mark_read = database_sync_to_async(chat.mark_read)
deactivate = database_sync_to_async(deactivate_user)


async def test_a_page_without_a_collab_hears_a_new_message_as_a_summary(
    sockets, collab, owner, member
):
    page = await sockets.open(member, None, path=ME)

    message = await post(collab, owner, "The mock-up is **ready**")

    frame = await page.frame()
    assert frame["type"] == "activity"
    assert frame["collab_id"] == collab.pk
    assert frame["id"] == message.pk
    assert frame["unread"] is True
    assert frame["mention"] is False
    # The preview: who and what, as text (no markup of the message), and when.
    assert "Olga:" in frame["preview"]
    assert "The mock-up is ready" in frame["preview"]
    assert "<strong>" not in frame["preview"]
    assert 'class="rail-when"' in frame["preview"]


async def test_a_mention_is_counted_and_my_own_message_is_not_unread(
    sockets, collab, owner, member
):
    page = await sockets.open(member, None, path=ME)

    await post(collab, owner, f"@{member.full_name} could you look?")
    mention = await page.frame()
    await post(collab, member, "Sure")
    own = await page.frame()

    assert (mention["unread"], mention["mention"]) == (True, True)
    assert (own["unread"], own["mention"]) == (False, False)
    assert "You" in own["preview"]


async def test_reading_on_another_tab_reaches_my_other_pages_and_nobody_elses(
    sockets, collab, owner, member, moderator
):
    mine = await sockets.open(member, None, path=ME)
    theirs = await sockets.open(moderator, None, path=ME)
    message = await post(collab, owner, "Read me")
    await mine.frame()
    await theirs.frame()

    await mark_read(collab, member, message.pk)

    assert await mine.frame() == {"type": "activity", "collab_id": collab.pk, "read": message.pk}
    # Someone else's reading is nothing to the moderator's list.
    later = await post(collab, owner, "Later")
    assert (await theirs.frame())["id"] == later.pk


async def test_an_outsider_hears_nothing_of_our_collab(
    sockets, collab, other_collab, owner, other_owner, outsider
):
    page = await sockets.open(outsider, None, path=ME)

    await post(collab, owner, "Budget: 40k")
    theirs = await post(other_collab, other_owner, "Zeta news")

    # First in, first out: had anything of ours reached them, it would come first.
    frame = await page.frame()
    assert (frame["collab_id"], frame["id"]) == (other_collab.pk, theirs.pk)
    assert await page.is_silent()


async def test_a_removed_member_stops_hearing_the_collab_at_once(
    sockets, collab, other_collab, owner, other_owner, member
):
    await add_member(other_collab, other_owner, member)
    page = await sockets.open(member, None, path=ME)

    await remove_member(collab, owner, member)

    await page.frames_until("collabs")  # the list changed: the page loads it again
    await post(collab, owner, "After she left")
    theirs = await post(other_collab, other_owner, "Still hers")
    frame = await page.frame()
    assert (frame["collab_id"], frame["id"]) == (other_collab.pk, theirs.pk)
    assert await page.is_silent()


async def test_someone_added_to_a_collab_hears_it_from_then_on(
    sockets, other_collab, other_owner, member
):
    page = await sockets.open(member, None, path=ME)

    await add_member(other_collab, other_owner, member)

    await page.frames_until("collabs")
    message = await post(other_collab, other_owner, "Welcome, Marina")
    frame = await page.frame()
    if frame["id"] != message.pk:
        # The note of her own addition, published as her socket was joining the collab's
        # group: heard or not, as the two happen to fall (the sockets' database threads run
        # beside the one that added her).
        assert (frame["type"], frame["collab_id"]) == ("activity", other_collab.pk)
        assert frame["id"] < message.pk
        frame = await page.frame()
    assert (frame["type"], frame["collab_id"], frame["id"]) == (
        "activity",
        other_collab.pk,
        message.pk,
    )


async def test_a_collab_page_with_the_list_hears_its_own_collab_in_full_and_in_summary(
    sockets, collab, other_collab, owner, other_owner, member
):
    await add_member(other_collab, other_owner, member)
    page = await sockets.open(member, collab, path=with_rail(collab))

    ours = await post(collab, owner, "Here")
    full, summary = await page.frames(2)
    elsewhere = await post(other_collab, other_owner, "There")
    other = await page.frame()

    assert (full["type"], full["id"]) == ("message", ours.pk)
    assert (summary["type"], summary["id"], summary["collab_id"]) == (
        "activity",
        ours.pk,
        collab.pk,
    )
    # Of the other collab only the summary: no message partial of a chat the page does not show.
    assert (other["type"], other["id"], other["collab_id"]) == (
        "activity",
        elsewhere.pk,
        other_collab.pk,
    )
    assert "html" not in other


async def test_a_collab_page_without_the_list_hears_its_collab_as_before(
    sockets, collab, owner, member
):
    # What the chat's delivery figures measure (bench/chat): one frame per message.
    page = await sockets.open(member, collab)

    message = await post(collab, owner, "Just the message")

    assert (await page.frame())["id"] == message.pk
    assert await page.is_silent()


async def test_the_own_socket_refuses_the_signed_out_and_closes_for_the_deactivated(
    sockets, collab, member
):
    refused = await sockets.attempt(None, None, path=ME)
    assert not refused.connected
    assert refused.code == CLOSE_REVOKED

    page = await sockets.open(member, None, path=ME)
    await deactivate(member)

    assert await page.closed_with() == CLOSE_REVOKED


async def test_the_pinned_count_is_live_and_counts_what_the_reader_may_read(
    sockets, collab, owner, member
):
    message = await post(collab, owner, "The brief")
    page = await sockets.open(member, collab)

    await database_sync_to_async(chat.set_pinned)(collab, owner, message.pk, True)

    frames = await page.frames_until("pins")
    assert frames[-1]["count"] == 1
    assert frames[-1]["swap"]["id"] == "chat-pinned"
    assert "1 pinned" in frames[-1]["swap"]["html"]

    await database_sync_to_async(chat.delete_message)(collab, owner, message.pk)

    frames = await page.frames_until("pins")
    assert frames[-1]["count"] == 0
