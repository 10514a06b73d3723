"""The chat's services: every change a person makes in a chat, as the WebSocket and the form
views both make it (apps/chat/services.py). Sentences about the collab of tests/conftest.py:
Olga Owner, Maxim Moderator, Marina Member, Gleb Guest; Oscar Outsider belongs elsewhere."""

import re
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.accounts.services import deactivate_user
from apps.chat import ratelimit, services
from apps.chat.models import MAX_BODY_LENGTH, Mention, Message, MessageRevision, Reaction, ReadState
from apps.collabs import services as collab_services
from apps.collabs.models import Collab, Membership
from apps.core import ratelimit as core_ratelimit
from tests.conftest import make_user

# The rate limiter's clock, stopped 195 seconds before the end of a 10-minute window.
FROZEN_NOW = 1_000_000_005.0


@pytest.fixture
def roomy_limits(settings):
    """Limits that a test sending a handful of messages never meets."""
    settings.CHAT_BURST_MESSAGES = 1000
    settings.CHAT_SUSTAINED_MESSAGES = 1000


@pytest.fixture
def frozen_clock(monkeypatch):
    """The rate limiter's clock stands still, so no window boundary falls inside a test."""
    monkeypatch.setattr(core_ratelimit, "time", SimpleNamespace(time=lambda: FROZEN_NOW))


@pytest.fixture
def burst_of_three(settings, frozen_clock):
    """Three messages per 10 minutes. A long window: the counters live in the cache (Redis
    in CI) with a real expiry of the window's length, which a slow test must not outlive."""
    settings.CHAT_BURST_MESSAGES = 3
    settings.CHAT_BURST_SECONDS = 600


def fresh(collab: Collab) -> Collab:
    """The collab as a new request would load it (no cached memberships)."""
    return Collab.objects.get(pk=collab.pk)


def page_of(client, user, collab: Collab, message: Message | None = None) -> str:
    client.force_login(user)
    url = reverse("collabs:detail", args=[collab.pk])
    if message is not None:
        url += f"?message={message.pk}"
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def article(html: str, message: Message) -> str:
    """The rendered partial of one message on a page."""
    found = re.search(rf'<article [^>]*id="m{message.pk}".*?</article>', html, re.S)
    assert found, f"message {message.pk} is not on the page"
    return found[0]


# --- Sending ------------------------------------------------------------------------------


def test_a_member_sends_a_message_rendered_from_markdown(collab, member):
    message = services.send_message(collab, member, "Hello **team**")

    message.refresh_from_db()
    assert message.author == member
    assert message.body == "Hello **team**"
    assert "<strong>team</strong>" in message.html
    assert message.kind == Message.Kind.USER


def test_sending_moves_the_senders_own_read_marker(collab, member):
    message = services.send_message(collab, member, "Mine is read by definition")

    assert ReadState.objects.get(collab=collab, user=member).last_read_id == message.pk


def test_a_mention_creates_a_mention_row_for_the_person_mentioned(collab, owner, member):
    message = services.send_message(collab, owner, "@Marina Member please look, and @Olga Owner")

    # Mentioning yourself is no mention.
    assert list(Mention.objects.filter(message=message).values_list("user", flat=True)) == [
        member.pk
    ]
    assert f'<span class="mention" data-user-id="{member.pk}">@Marina Member</span>' in (
        message.html
    )


def test_a_mention_brings_a_hidden_collab_back_into_the_mentioned_persons_list(
    collab, owner, member, guest
):
    collab_services.set_hidden(collab, member, True)
    collab_services.set_hidden(collab, guest, True)

    services.send_message(collab, owner, "@Marina Member the draft is ready")

    assert not Membership.objects.active().get(collab=collab, user=member).hidden
    # Only the person mentioned: the guest keeps the collab hidden.
    assert Membership.objects.active().get(collab=collab, user=guest).hidden


def test_someone_who_is_not_a_member_is_never_mentioned(collab, owner, outsider):
    message = services.send_message(collab, owner, "@Oscar Outsider can you see this?")

    assert not Mention.objects.filter(message=message).exists()


def test_a_reply_to_a_message_of_the_same_collab_is_linked(collab, owner, member):
    original = services.send_message(collab, owner, "Who takes the logo?")

    reply = services.send_message(collab, member, "I do", reply_to_id=original.pk)

    assert reply.reply_to == original


def test_a_reply_to_a_message_of_another_collab_is_refused(
    collab, member, other_collab, other_owner
):
    foreign = services.send_message(other_collab, other_owner, "Zeta launch codes")

    with pytest.raises(ValidationError, match="not in this chat"):
        services.send_message(collab, member, "Replying across", reply_to_id=foreign.pk)

    assert not Message.objects.filter(body="Replying across").exists()


def test_a_too_long_message_is_refused_naming_its_length_and_the_limit(collab, member):
    with pytest.raises(ValidationError) as refused:
        services.send_message(collab, member, "x" * (MAX_BODY_LENGTH + 1))

    text = " ".join(refused.value.messages)
    assert str(MAX_BODY_LENGTH + 1) in text
    assert str(MAX_BODY_LENGTH) in text.replace(str(MAX_BODY_LENGTH + 1), "")
    assert not Message.objects.filter(author=member).exists()


def test_a_message_of_exactly_the_limit_is_sent(collab, member):
    message = services.send_message(collab, member, "x" * MAX_BODY_LENGTH)

    assert len(message.body) == MAX_BODY_LENGTH


@pytest.mark.parametrize("body", ["", "   ", "\n\t\n"])
def test_an_empty_message_is_refused(collab, member, body):
    with pytest.raises(ValidationError, match="Write something first"):
        services.send_message(collab, member, body)

    assert not Message.objects.filter(author=member).exists()


@pytest.fixture
def announcements(collab, owner) -> Collab:
    """Only the owner and moderators post."""
    collab_services.change_settings(collab, owner, post_level="moderators")
    return fresh(collab)


@pytest.mark.parametrize("person", ["member", "guest"])
def test_in_an_announcement_collab_members_and_guests_may_not_post(announcements, people, person):
    with pytest.raises(PermissionDenied):
        services.send_message(announcements, people[person], "Can I say something?")

    assert not Message.objects.filter(body="Can I say something?").exists()


@pytest.mark.parametrize("person", ["owner", "moderator"])
def test_in_an_announcement_collab_the_owner_and_moderators_post(announcements, people, person):
    message = services.send_message(announcements, people[person], "Release on Friday")

    assert message.pk


def test_an_outsider_cannot_post(collab, outsider):
    with pytest.raises(PermissionDenied):
        services.send_message(collab, outsider, "Let me in")


# --- Rate limits and double submits -----------------------------------------------------------


def test_the_message_over_the_burst_limit_is_refused_saying_how_many_seconds_to_wait(
    burst_of_three, collab, member
):
    for i in range(3):
        services.send_message(collab, member, f"Quick {i}")

    with pytest.raises(services.RateLimited) as refused:
        services.send_message(collab, member, "One too many")

    assert refused.value.wait == 195
    assert "Try again in 195 seconds." in str(refused.value)
    assert Message.objects.filter(author=member).count() == 3
    assert not Message.objects.filter(body="One too many").exists()


def test_the_limit_is_per_person(burst_of_three, collab, member, guest):
    for i in range(3):
        services.send_message(collab, member, f"Quick {i}")

    assert services.send_message(collab, guest, "My own turn").pk


def test_the_same_client_id_sent_twice_makes_one_message(frozen_clock, collab, member):
    first = services.send_message(collab, member, "Sent once", client_id="c-1")

    again = services.send_message(collab, member, "Sent once", client_id="c-1")

    assert again.pk == first.pk
    assert Message.objects.filter(author=member).count() == 1


def test_a_resend_is_answered_with_the_message_even_over_the_limit_and_saves_nothing(
    burst_of_three, collab, member
):
    sent = [
        services.send_message(collab, member, f"Quick {i}", client_id=f"c-{i}") for i in range(3)
    ]

    again = services.send_message(collab, member, "Quick 2", client_id="c-2")

    assert again.pk == sent[2].pk
    assert Message.objects.filter(author=member).count() == 3
    with pytest.raises(services.RateLimited):
        services.send_message(collab, member, "Quick 3", client_id="c-3")


def test_resends_under_the_limit_do_not_use_it_up(burst_of_three, collab, member):
    first = services.send_message(collab, member, "Quick 0", client_id="c-0")
    for _ in range(5):
        assert services.send_message(collab, member, "Quick 0", client_id="c-0").pk == first.pk

    services.send_message(collab, member, "Quick 1", client_id="c-1")
    services.send_message(collab, member, "Quick 2", client_id="c-2")

    assert Message.objects.filter(author=member).count() == 3
    with pytest.raises(services.RateLimited):
        services.send_message(collab, member, "Quick 3", client_id="c-3")


def test_the_limit_has_two_windows_and_a_refused_hit_counts_in_neither(settings, monkeypatch):
    settings.CHAT_BURST_MESSAGES = 2
    settings.CHAT_SUSTAINED_MESSAGES = 3
    settings.CHAT_SUSTAINED_SECONDS = 600
    clock = SimpleNamespace(now=1_000_000_200.0)  # 10 s into a burst window of 10
    monkeypatch.setattr(core_ratelimit, "time", SimpleNamespace(time=lambda: clock.now))

    assert [ratelimit.hit(4242, "t") for _ in range(2)] == [0, 0]
    assert ratelimit.hit(4242, "t") == 10  # the burst is full until its window ends
    ratelimit.refund(4242, "t")
    assert ratelimit.hit(4242, "t") == 0

    clock.now += 10  # the next burst window; the sustained one (600 s) still holds 2
    assert ratelimit.hit(4242, "t") == 0
    assert ratelimit.hit(4242, "t") == 600 - 10 - (1_000_000_200 % 600)


def test_client_ids_belong_to_their_author(frozen_clock, collab, member, guest):
    mine = services.send_message(collab, member, "Mine", client_id="same")

    theirs = services.send_message(collab, guest, "Theirs", client_id="same")

    assert theirs.pk != mine.pk
    assert theirs.author == guest


# --- Editing ------------------------------------------------------------------------------


def test_editing_keeps_the_old_text_as_a_revision_and_rerenders(collab, member):
    message = services.send_message(collab, member, "Meet at *five*")

    services.edit_message(
        collab, member, message.pk, "Meet at **six**", base_version=message.updated.isoformat()
    )

    message.refresh_from_db()
    assert message.body == "Meet at **six**"
    assert "<strong>six</strong>" in message.html
    assert "five" not in message.html
    assert message.edited_at is not None
    assert list(message.revisions.values_list("body", flat=True)) == ["Meet at *five*"]


def test_an_edited_message_says_edited_on_the_page(client, collab, member, owner):
    message = services.send_message(collab, member, "Meet at five")
    services.edit_message(collab, member, message.pk, "Meet at six")

    html = article(page_of(client, owner, collab, message), message)

    assert "Meet at six" in html
    assert 'class="msg-edited"' in html
    assert ">edited</a>" in html


def test_an_edit_rerenders_mentions(collab, member, guest):
    message = services.send_message(collab, member, "ask someone")

    services.edit_message(collab, member, message.pk, "ask @Gleb Guest")

    message.refresh_from_db()
    assert f'data-user-id="{guest.pk}"' in message.html


@pytest.mark.parametrize("person", ["owner", "moderator", "guest"])
def test_nobody_edits_someone_elses_message(collab, member, people, person):
    message = services.send_message(collab, member, "My words")

    with pytest.raises(PermissionDenied):
        services.edit_message(collab, people[person], message.pk, "Their words")

    message.refresh_from_db()
    assert message.body == "My words"
    assert not MessageRevision.objects.exists()


def test_an_edit_based_on_a_stale_version_is_refused(collab, member):
    message = services.send_message(collab, member, "First")
    seen = message.updated.isoformat()
    services.edit_message(collab, member, message.pk, "Second", base_version=seen)

    with pytest.raises(ValidationError, match="changed while you were editing"):
        services.edit_message(collab, member, message.pk, "Third", base_version=seen)

    message.refresh_from_db()
    assert message.body == "Second"
    assert message.revisions.count() == 1


def test_a_deleted_message_cannot_be_edited(collab, member):
    message = services.send_message(collab, member, "Soon gone")
    services.delete_message(collab, member, message.pk)

    with pytest.raises(ValidationError, match="deleted"):
        services.edit_message(collab, member, message.pk, "Back again")

    message.refresh_from_db()
    assert message.body == ""


def test_an_edit_to_an_empty_text_is_refused(collab, member):
    message = services.send_message(collab, member, "Something")

    with pytest.raises(ValidationError):
        services.edit_message(collab, member, message.pk, "  ")


def test_a_message_of_another_collab_cannot_be_edited_through_ours(
    collab, member, other_collab, other_owner
):
    foreign = services.send_message(other_collab, other_owner, "Zeta")

    with pytest.raises(ValidationError):
        services.edit_message(collab, member, foreign.pk, "Hijacked")

    foreign.refresh_from_db()
    assert foreign.body == "Zeta"


# --- Deleting -----------------------------------------------------------------------------


def test_deleting_erases_the_text_and_leaves_a_placeholder(client, collab, member, owner):
    message = services.send_message(collab, member, "Secret password is hunter2")
    services.edit_message(collab, member, message.pk, "Secret password is hunter3")

    services.delete_message(collab, member, message.pk)

    message.refresh_from_db()
    assert message.body == ""
    assert message.html == ""
    assert message.deleted_at is not None
    # The earlier text goes too: the author asked for it to be gone.
    assert not MessageRevision.objects.filter(message=message).exists()
    html = article(page_of(client, owner, collab, message), message)
    assert "Message deleted" in html
    assert "hunter" not in html


@pytest.mark.parametrize("person", ["owner", "moderator"])
def test_the_owner_and_moderators_delete_anyones_message(collab, member, people, person):
    message = services.send_message(collab, member, "Off topic")

    services.delete_message(collab, people[person], message.pk)

    message.refresh_from_db()
    assert message.is_deleted


@pytest.mark.parametrize(
    ("author", "deleter"), [("owner", "member"), ("member", "guest"), ("guest", "member")]
)
def test_a_member_or_guest_cannot_delete_someone_elses_message(collab, people, author, deleter):
    message = services.send_message(collab, people[author], "Stays")

    with pytest.raises(PermissionDenied):
        services.delete_message(collab, people[deleter], message.pk)

    message.refresh_from_db()
    assert message.body == "Stays"
    assert not message.is_deleted


def test_a_deleted_message_drops_its_mentions(collab, owner, member):
    message = services.send_message(collab, owner, "@Marina Member oops")

    services.delete_message(collab, owner, message.pk)

    assert not Mention.objects.filter(message=message).exists()


def test_a_system_message_cannot_be_deleted(collab, owner):
    system = Message.objects.filter(collab=collab, kind=Message.Kind.SYSTEM).first()

    with pytest.raises(PermissionDenied):
        services.delete_message(collab, owner, system.pk)


# --- Reactions ----------------------------------------------------------------------------


def test_a_reaction_is_added_and_the_second_click_takes_it_back(collab, owner, member):
    message = services.send_message(collab, owner, "Shipped!")

    assert services.toggle_reaction(collab, member, message.pk, "🎉") is True
    assert list(Reaction.objects.filter(message=message).values_list("user", "emoji")) == [
        (member.pk, "🎉")
    ]

    assert services.toggle_reaction(collab, member, message.pk, "🎉") is False
    assert not Reaction.objects.filter(message=message).exists()


def test_reactions_of_two_people_count_separately(collab, owner, member, guest):
    message = services.send_message(collab, owner, "Shipped!")

    services.toggle_reaction(collab, member, message.pk, "👍")
    services.toggle_reaction(collab, guest, message.pk, "👍")

    assert Reaction.objects.filter(message=message, emoji="👍").count() == 2


@pytest.mark.parametrize("emoji", ["", "<script>", "👍👍", "a", "1", "😀 ", "🇷🇺🇷🇺", "👍\u200b"])
def test_an_unknown_reaction_is_refused(collab, owner, member, emoji):
    message = services.send_message(collab, owner, "Shipped!")

    with pytest.raises(ValidationError, match="Unknown reaction"):
        services.toggle_reaction(collab, member, message.pk, emoji)

    assert not Reaction.objects.exists()


def test_a_deleted_message_gets_no_reactions(collab, owner, member):
    message = services.send_message(collab, owner, "Gone")
    services.delete_message(collab, owner, message.pk)

    with pytest.raises(ValidationError):
        services.toggle_reaction(collab, member, message.pk, "👍")


# --- Pins ---------------------------------------------------------------------------------


def test_a_pinned_message_is_on_the_pinned_page_and_leaves_it_when_unpinned(
    client, collab, owner, member
):
    message = services.send_message(collab, owner, "The brief is in the files")

    services.set_pinned(collab, member, message.pk, True)

    message.refresh_from_db()
    assert message.pinned_at is not None
    assert message.pinned_by == member
    client.force_login(member)
    pinned_url = reverse("chat:pinned", args=[collab.pk])
    page = client.get(pinned_url).content.decode()
    assert "The brief is in the files" in page
    assert f'id="m{message.pk}"' in page

    services.set_pinned(collab, member, message.pk, False)

    message.refresh_from_db()
    assert message.pinned_at is None
    page = client.get(pinned_url).content.decode().split('class="collab-main"')[1]
    assert "The brief is in the files" not in page
    assert "Nothing is pinned yet." in page


def test_the_pinned_page_lists_the_latest_pin_first(client, collab, owner):
    first = services.send_message(collab, owner, "First pin")
    second = services.send_message(collab, owner, "Second pin")
    services.set_pinned(collab, owner, second.pk, True)
    services.set_pinned(collab, owner, first.pk, True)

    client.force_login(owner)
    page = client.get(reverse("chat:pinned", args=[collab.pk])).content.decode()
    page = page.split('class="collab-main"')[1]  # not the list of collabs' previews

    assert page.index("First pin") < page.index("Second pin")


def test_a_deleted_message_cannot_be_pinned_and_deleting_unpins(collab, owner):
    message = services.send_message(collab, owner, "Pinned, then gone")
    services.set_pinned(collab, owner, message.pk, True)

    services.delete_message(collab, owner, message.pk)

    message.refresh_from_db()
    assert message.pinned_at is None
    with pytest.raises(ValidationError):
        services.set_pinned(collab, owner, message.pk, True)


# --- Read markers -------------------------------------------------------------------------


def test_mark_read_moves_the_marker_forward_only(collab, owner, member, roomy_limits):
    first, second, third = (services.send_message(collab, owner, f"News {i}") for i in range(3))

    services.mark_read(collab, member, third.pk)
    assert ReadState.objects.get(collab=collab, user=member).last_read_id == third.pk

    services.mark_read(collab, member, first.pk)
    assert ReadState.objects.get(collab=collab, user=member).last_read_id == third.pk
    assert second.pk < third.pk


def test_mark_read_stops_at_the_newest_message_there_is(collab, owner, member):
    last = services.send_message(collab, owner, "Latest")

    services.mark_read(collab, member, last.pk + 1000)

    assert ReadState.objects.get(collab=collab, user=member).last_read_id == last.pk


def test_reading_past_a_mention_settles_it(collab, owner, member):
    message = services.send_message(collab, owner, "@Marina Member see this")

    services.mark_read(collab, member, message.pk)

    assert Mention.objects.get(message=message, user=member).notified_at is not None


def test_an_outsider_cannot_mark_our_chat_read(collab, owner, outsider):
    message = services.send_message(collab, owner, "Ours")

    with pytest.raises(PermissionDenied):
        services.mark_read(collab, outsider, message.pk)


# --- People who are gone --------------------------------------------------------------------


def test_the_messages_of_someone_who_left_stay_with_their_name(client, collab, owner):
    leaver = make_user("lena@example.com", "Lena Leaver")
    collab_services.add_member(collab, owner, leaver)
    message = services.send_message(fresh(collab), leaver, "Handing over my notes")

    collab_services.leave_collab(fresh(collab), leaver)

    html = article(page_of(client, owner, collab), message)
    assert "Lena Leaver" in html
    assert "Handing over my notes" in html


def test_the_messages_of_a_removed_member_stay_with_their_name(client, collab, owner, member):
    message = services.send_message(collab, member, "My last words here")

    collab_services.remove_member(fresh(collab), owner, member)

    html = article(page_of(client, owner, collab), message)
    assert "Marina Member" in html
    assert "My last words here" in html


def test_the_messages_of_a_deactivated_user_stay_with_their_name_and_a_badge(client, collab, owner):
    leaving = make_user("dmitry@example.com", "Dmitry Departing")
    collab_services.add_member(collab, owner, leaving)
    message = services.send_message(fresh(collab), leaving, "Contract attached")

    deactivate_user(leaving)

    html = article(page_of(client, owner, collab), message)
    assert "Dmitry Departing" in html
    assert "Contract attached" in html
    assert '<span class="badge badge-muted">deactivated</span>' in html


def test_the_deactivated_badge_appears_for_a_reader_who_saw_the_message_before(
    client, collab, owner
):
    leaving = make_user("dmitry@example.com", "Dmitry Departing")
    collab_services.add_member(collab, owner, leaving)
    message = services.send_message(fresh(collab), leaving, "Contract attached")
    # The owner has the chat open before and after: what was shown must not go stale.
    assert "deactivated" not in article(page_of(client, owner, collab), message)

    deactivate_user(leaving)

    html = article(page_of(client, owner, collab), message)
    assert "Dmitry Departing" in html
    assert "Contract attached" in html
    assert '<span class="badge badge-muted">deactivated</span>' in html
