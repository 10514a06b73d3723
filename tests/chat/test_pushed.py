"""A pushed message is made once per kind of reader, not once per socket (partials.pushed_frame,
events._message_summary): readers alike in all the frame shows get the same text; a reader who
differs in anything it shows gets their own."""

import json

import pytest

from apps.chat import events, partials, services
from apps.chat.models import Message
from apps.chat.presenters import present, with_related
from apps.collabs.readers import Reader

pytestmark = pytest.mark.django_db

RIGHTS = frozenset({"chat.post_message"})


def reader(user_id: int, **changes) -> Reader:
    fields = {"user_id": user_id, "language": "en", "tz": "UTC", "rights": RIGHTS}
    return Reader(**(fields | changes))


def event_of(message, ts: str = "2026-12-01T10:00:00+00:00", **data) -> dict:
    row = with_related(Message.objects.filter(pk=message.pk)).get()
    row.attachment_list = []
    return {"kind": "message", "ts": ts, "data": {"message": present(row).to_event(), **data}}


def test_readers_alike_share_one_text_and_the_others_get_their_own(collab, owner, member, guest):
    message = services.send_message(collab, owner, "Hello")
    event = event_of(message)
    a, b = (partials.pushed_frame("message", event, reader(uid)) for uid in (member.pk, guest.pk))
    assert a is b  # one look-up, not a second render or dump
    moderator = reader(member.pk, rights=RIGHTS | {"collabs.remove_member"})
    assert json.loads(partials.pushed_frame("message", event, moderator))["may"] == [
        "post",
        "moderate",
    ]
    assert json.loads(a)["may"] == ["post"]
    russian = partials.pushed_frame("message", event, reader(member.pk, language="ru"))
    assert russian != a and json.loads(russian)["id"] == message.pk
    # The author's page gets the same text as the others: whose it is, the page reads from
    # data-author.
    assert partials.pushed_frame("message", event, reader(owner.pk)) is a
    assert f'data-author="{owner.pk}"' in json.loads(a)["html"]


def test_with_reactions_each_reader_sees_their_own_marked(collab, owner, member, guest):
    message = services.send_message(collab, owner, "Hello")
    services.toggle_reaction(collab, member, message.pk, "👍")
    event = event_of(message, ts="2026-12-01T10:00:01+00:00")
    mine = json.loads(partials.pushed_frame("message", event, reader(member.pk)))["html"]
    theirs = json.loads(partials.pushed_frame("message", event, reader(guest.pk)))["html"]
    assert 'aria-pressed="true"' in mine
    assert 'aria-pressed="true"' not in theirs


def test_a_newer_version_is_not_served_the_old_text(collab, owner, member):
    message = services.send_message(collab, owner, "Hello")
    first = partials.pushed_frame("changed", event_of(message), reader(member.pk))
    services.edit_message(collab, owner, message.pk, "Hello again")
    second = partials.pushed_frame("changed", event_of(message), reader(member.pk))
    assert "Hello again" in json.loads(second)["html"]
    assert "Hello again" not in json.loads(first)["html"]


def test_the_summary_for_the_list_differs_only_by_whose_it_is_and_who_is_mentioned(
    collab, owner, member, guest
):
    message = services.send_message(collab, owner, "Hello")
    event = event_of(message, mentioned=[guest.pk])
    of = {
        who: json.loads(events._message_summary(event, reader(who.pk), collab.pk))
        for who in (owner, member, guest)
    }
    assert (of[owner]["unread"], of[member]["unread"], of[guest]["unread"]) == (False, True, True)
    assert (of[member]["mention"], of[guest]["mention"]) == (False, True)
    assert of[member]["preview"] == of[guest]["preview"]
    again = events._message_summary(event, reader(member.pk), collab.pk)
    assert again is events._message_summary(event, reader(member.pk + 1000), collab.pk)
