"""Light chat pages (issue 14, item 2): the message partial carries no form and no per-reader
action (one shared "⋯" menu on the page, a per-message actions page without JavaScript),
pages are gzipped, and 50 messages weigh at most 60 KB of HTML."""

import gzip
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from apps.chat import services
from apps.chat.models import ALLOWED_REACTIONS, Message, Reaction
from apps.chat.partials import render_for
from apps.chat.presenters import present, with_related
from apps.collabs import services as collab_services
from apps.collabs.readers import reader_for
from tests.chat.helpers import ids_on

HTMX = {"HX-Request": "true"}

# Messages as people write them (bench/chatbench/seed.py's, Markdown and all).
BODIES = [
    "Morning all, the draft contract is in the shared folder.",
    "**Reminder:** the review call moves to Thursday 15:00, same link as last week.",
    "I checked the figures against https://example.com/report/q3 and they match now.",
    "Two things before we sign:\n\n1. the delivery dates in annex B\n2. who pays the freight",
    "Thanks! Looks good to me.",
    "Can someone from finance confirm the `PO-4471` number? The invoice shows a different one.",
    "> the pallets arrive on the 14th\n\nThey told us the 16th on the phone, I'll ask again.",
    "Quick update: legal has no objections, we wait for the client's stamp and then we're done. "
    "I'll post the signed copy here as soon as it arrives, probably tomorrow before noon.",
]


@pytest.fixture(autouse=True)
def roomy_limits(settings):
    settings.CHAT_BURST_MESSAGES = 10_000
    settings.CHAT_SUSTAINED_MESSAGES = 10_000


def actions_url(collab, message) -> str:
    return reverse("chat:actions", args=[collab.pk, message.pk])


def forms_of(html: str) -> dict[str, str]:
    """{action: form HTML} of the page's forms."""
    return {
        m.group(1): m.group(0)
        for m in re.finditer(r'<form method="post" action="([^"]+)".*?</form>', html, re.S)
    }


# --- The partial: no forms, the same for every reader ---------------------------------------


def test_the_partial_has_no_form_and_no_token_and_one_link_to_the_messages_actions(
    client, collab, owner, member
):
    message = services.send_message(collab, owner, "Plain words")
    services.toggle_reaction(collab, member, message.pk, "👍")
    client.force_login(member)

    html = client.get(reverse("collabs:detail", args=[collab.pk])).content.decode()
    part = html[html.index(f'id="m{message.pk}"') :]
    part = part[: part.index("</article>")]

    assert "<form" not in part and "csrfmiddlewaretoken" not in part
    links = re.findall(r'<a class="msg-more" href="([^"]+)"[^>]*aria-label="([^"]+)"', part)
    assert links == [(actions_url(collab, message), "Actions for the message by Olga Owner")]
    # The reaction chip submits the page's one form, with its own address.
    chip = re.search(r'<button type="submit" form="msg-act" formaction="([^"]+)"', part)
    assert chip.group(1) == reverse("chat:react", args=[collab.pk, message.pk])
    assert html.count('<form id="msg-act"') == 1
    # The shared menu is on the page once, with the reader's possible actions.
    assert html.count('<template id="msg-menu-template">') == 1


def test_readers_of_one_language_get_the_same_partial_whatever_they_may_do(
    collab, owner, moderator, member, guest
):
    message = services.send_message(collab, owner, "Same for all")
    view = present(with_related(Message.objects.filter(pk=message.pk)).get())
    rendered = {
        who.email: render_for(view, reader_for(who, collab, "en"))
        for who in (moderator, member, guest)
    }
    # A moderator may delete and pin it, a member pin it, a guest neither: one partial.
    assert len(set(rendered.values())) == 1
    assert f'data-id="{message.pk}"' in rendered[member.email]


def may_of(html: str) -> set[str]:
    return set(re.search(r'data-may="([^"]*)"', html).group(1).split())


def test_the_page_says_what_its_shared_menu_may_offer_the_reader(client, collab, owner, member):
    collab_services.change_settings(collab, owner, post_level="moderators")
    client.force_login(member)
    html = client.get(reverse("collabs:detail", args=[collab.pk])).content.decode()
    # Cannot post here: no Reply, no Pin; not a moderator: Delete for own messages only.
    assert "post" not in may_of(html) and "moderate" not in may_of(html)
    template = re.search(r'<template id="msg-menu-template">(.*?)</template>', html, re.S)
    assert 'data-need="post"' in template.group(1)  # the script drops what is not allowed

    client.force_login(owner)
    html = client.get(reverse("collabs:detail", args=[collab.pk])).content.decode()
    assert {"post", "moderate", "feature:task"} <= may_of(html)
    assert "Create task" in html


# --- The actions page (no JavaScript) ---------------------------------------------------------


def test_the_actions_page_of_someone_elses_message(client, collab, owner, member):
    message = services.send_message(collab, owner, "Someone else's words")
    client.force_login(member)

    response = client.get(actions_url(collab, message))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else&#x27;s words" in html
    forms = forms_of(html)
    react = forms[reverse("chat:react", args=[collab.pk, message.pk])]
    assert react.count('name="emoji"') == len(ALLOWED_REACTIONS) and "csrfmiddlewaretoken" in react
    assert reverse("chat:pin", args=[collab.pk, message.pk]) in forms
    # Not hers: no Edit, no Delete (she is no moderator).
    assert reverse("chat:delete", args=[collab.pk, message.pk]) not in forms
    assert reverse("chat:edit", args=[collab.pk, message.pk]) not in html
    assert f"?reply={message.pk}#composer" in html
    assert reverse("tasks:create", args=[collab.pk]) + f"?message={message.pk}" in html


def test_the_actions_page_of_ones_own_message_and_a_moderators(
    client, collab, owner, member, moderator
):
    message = services.send_message(collab, member, "My words")
    client.force_login(member)
    own = client.get(actions_url(collab, message)).content.decode()
    assert reverse("chat:edit", args=[collab.pk, message.pk]) in own
    assert reverse("chat:delete", args=[collab.pk, message.pk]) in forms_of(own)

    client.force_login(moderator)
    moderated = client.get(actions_url(collab, message)).content.decode()
    assert reverse("chat:edit", args=[collab.pk, message.pk]) not in moderated
    assert reverse("chat:delete", args=[collab.pk, message.pk]) in forms_of(moderated)


def test_the_actions_pages_forms_act_and_lead_back_to_the_message(client, collab, owner, member):
    message = services.send_message(collab, owner, "Act on me")
    client.force_login(member)
    page = client.get(actions_url(collab, message))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token

    reacted = client.post(reverse("chat:react", args=[collab.pk, message.pk]), {"emoji": "👍"})
    pinned = client.post(reverse("chat:pin", args=[collab.pk, message.pk]), {"pinned": "1"})

    back = reverse("collabs:detail", args=[collab.pk]) + f"?message={message.pk}#m{message.pk}"
    assert reacted.status_code == pinned.status_code == 302
    assert reacted["Location"] == pinned["Location"] == back
    assert Reaction.objects.filter(message=message, user=member, emoji="👍").count() == 1
    message.refresh_from_db()
    assert message.pinned_at is not None
    after = client.get(actions_url(collab, message)).content.decode()
    assert ">Unpin<" in after


def test_a_member_who_may_not_post_gets_no_reply_or_pin_and_cannot_pin(
    client, collab, owner, member
):
    message = services.send_message(collab, owner, "Announcement")
    collab_services.change_settings(collab, owner, post_level="moderators")
    client.force_login(member)

    html = client.get(actions_url(collab, message)).content.decode()
    assert "?reply=" not in html
    assert reverse("chat:pin", args=[collab.pk, message.pk]) not in forms_of(html)
    client.post(reverse("chat:pin", args=[collab.pk, message.pk]), {"pinned": "1"})
    message.refresh_from_db()
    assert message.pinned_at is None  # the server refuses, whatever the page showed


def test_a_member_cannot_delete_someone_elses_message_by_posting_anyway(
    client, collab, owner, member
):
    message = services.send_message(collab, owner, "Not yours")
    client.force_login(member)
    client.post(reverse("chat:delete", args=[collab.pk, message.pk]))
    message.refresh_from_db()
    assert not message.is_deleted


@pytest.mark.parametrize("who", ["outsider", "removed", "deactivated", "anonymous"])
def test_the_actions_page_says_nothing_to_those_kept_out(
    client, collab, owner, member, outsider, deactivated, who
):
    message = services.send_message(collab, owner, "Secret plans for Friday")
    if who == "outsider":  # a guest of another collab
        client.force_login(outsider)
    elif who == "removed":
        collab_services.remove_member(collab, owner, member)
        client.force_login(member)
    elif who == "deactivated":
        client.force_login(deactivated)

    response = client.get(actions_url(collab, message))
    react = client.post(reverse("chat:react", args=[collab.pk, message.pk]), {"emoji": "👍"})

    if who in ("outsider", "removed"):
        assert response.status_code == 404
        assert react.status_code == 404
    else:  # signed out (a deactivated user's session no longer signs them in)
        assert response.status_code == 302 and "/login/" in response["Location"]
        assert react.status_code == 302 and "/login/" in react["Location"]
    assert b"Secret plans" not in response.content
    assert not Reaction.objects.filter(message=message).exists()


def test_no_actions_page_for_a_system_or_deleted_message(client, collab, owner, member):
    system = Message.objects.filter(collab=collab, kind=Message.Kind.SYSTEM).first()
    assert system is not None
    gone = services.send_message(collab, member, "Soon gone")
    services.delete_message(collab, member, gone.pk)
    client.force_login(member)
    assert client.get(actions_url(collab, system)).status_code == 404
    assert client.get(actions_url(collab, gone)).status_code == 404


def test_a_newcomer_gets_no_actions_page_of_a_message_from_before_they_joined(
    client, collab, owner, other_owner
):
    """When new members do not see earlier history, the actions page of an earlier message is
    closed to a newcomer, as the message is."""
    message = services.send_message(collab, owner, "Before you came")
    collab_services.change_settings(collab, owner, new_members_see_history=False)
    Message.objects.filter(pk=message.pk).update(created=message.created - timedelta(days=1))
    collab_services.add_member(collab, owner, other_owner)
    later = services.send_message(collab, owner, "After you came")
    client.force_login(other_owner)

    assert client.get(actions_url(collab, message)).status_code == 404
    assert client.get(actions_url(collab, later)).status_code == 200


# --- Weight and compression -----------------------------------------------------------------


def fifty_messages(collab, people) -> list[Message]:
    sent = []
    for i in range(50):
        author = people[i % len(people)]
        reply = sent[-3].pk if i % 10 == 9 else None
        sent.append(
            services.send_message(collab, author, BODIES[i % len(BODIES)], reply_to_id=reply)
        )
    for message in sent[::7]:
        services.toggle_reaction(collab, people[0], message.pk, "👍")
        services.toggle_reaction(collab, people[1], message.pk, "🎉")
    return sent


def test_fifty_messages_weigh_at_most_60_kb_of_html(client, collab, owner, moderator, member):
    sent = fifty_messages(collab, [owner, moderator, member])
    services.mark_read(collab, member, sent[-1].pk)  # the page opens at the end
    client.force_login(member)

    history = client.get(
        reverse("chat:history", args=[collab.pk]) + f"?before={sent[-1].pk + 1}", headers=HTMX
    )
    page = client.get(reverse("collabs:detail", args=[collab.pk]))

    assert len(ids_on(history.content.decode())) == 50
    assert len(history.content) <= 60_000, len(history.content)
    # The chat page opens on the 50 newest (the page size) with the frame around them.
    assert len(ids_on(page.content.decode())) == 50
    assert len(page.content) <= 60_000 + 25_000, len(page.content)
    print(f"50 messages: history {len(history.content)} B, chat page {len(page.content)} B")


def test_pages_and_json_are_gzipped_for_browsers_that_take_it(client, collab, owner, member):
    fifty_messages(collab, [owner, member])
    client.force_login(member)
    page_url = reverse("collabs:detail", args=[collab.pk])

    plain = client.get(page_url)
    zipped = client.get(page_url, headers={"Accept-Encoding": "gzip, deflate, br"})
    mentions = client.get(
        reverse("chat:mention_candidates", args=[collab.pk]),
        headers={"Accept-Encoding": "gzip"},
    )

    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    body = gzip.decompress(zipped.content)
    # The same page (the composer's id and token differ per request), a fraction of it.
    assert len(ids_on(body.decode())) == len(ids_on(plain.content.decode())) >= 50
    assert len(zipped.content) < len(plain.content) / 4
    assert mentions.status_code == 200
    assert gzip.decompress(mentions.content).startswith(b'{"members"') or (
        len(mentions.content) < 200  # too small to be worth it: sent as is
    )
