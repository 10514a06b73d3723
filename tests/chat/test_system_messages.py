"""System messages: what happens in a collab is written into its chat by the service that did
it, as data, and read as a sentence in the reader's language."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from apps.chat.models import Message
from apps.collabs import services as collab_services
from apps.collabs.models import Collab, Role
from tests.conftest import make_user

# The sentences of the kinds the chat knows itself (apps/chat/system.py).
SENTENCES = [
    "%(actor)s created the collab",
    "%(actor)s added %(user)s",
    "%(actor)s removed %(user)s",
    "%(user)s left the collab",
    "%(actor)s made %(user)s %(role)s",
    "%(actor)s handed the collab over to %(user)s",
    "%(name)s (guest)",
]


def russian_catalogue_has_system_messages() -> bool:
    with translation.override("ru"):
        return all(gettext(msgid) != msgid for msgid in SENTENCES)


def fresh(collab: Collab) -> Collab:
    return Collab.objects.get(pk=collab.pk)


def system_texts(html: str) -> list[str]:
    """The sentences of the system messages on a page, as read."""
    texts = re.findall(r'<span class="msg-system-text">(.*?)</span>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", t).split()).replace("&#x27;", "'") for t in texts]


def page_texts(client, user, collab: Collab) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("collabs:detail", args=[collab.pk]))
    assert response.status_code == 200
    return system_texts(response.content.decode())


def system_messages(collab: Collab, kind: str):
    return Message.objects.filter(collab=collab, kind=Message.Kind.SYSTEM, system_type=kind)


@pytest.fixture
def room(owner) -> Collab:
    """A collab of the owner alone, so each change writes into an empty history."""
    return collab_services.create_collab(owner, name="Brand book")


def test_creating_a_collab_writes_who_created_it(client, room, owner):
    [message] = system_messages(room, "created")

    assert message.author is None
    assert message.system_data["actor_name"] == "Olga Owner"
    assert page_texts(client, owner, room) == ["Olga Owner created the collab"]


def test_adding_a_guest_writes_who_added_whom_with_the_guest_mark(client, room, owner, guest):
    collab_services.add_member(room, owner, guest)

    [message] = system_messages(room, "member_added")
    assert message.system_data["user_name"] == "Gleb Guest"
    assert message.system_data["user_guest"] is True
    assert page_texts(client, owner, room)[-1] == "Olga Owner added Gleb Guest (guest)"


def test_adding_an_employee_writes_no_guest_mark(client, room, owner, member):
    collab_services.add_member(room, owner, member)

    assert page_texts(client, owner, room)[-1] == "Olga Owner added Marina Member"


def test_removing_a_member_writes_one_message(client, room, owner, member):
    collab_services.add_member(room, owner, member)

    collab_services.remove_member(fresh(room), owner, member)

    assert system_messages(room, "member_removed").count() == 1
    assert page_texts(client, owner, room)[-1] == "Olga Owner removed Marina Member"


def test_leaving_writes_one_message(client, room, owner, member):
    collab_services.add_member(room, owner, member)

    collab_services.leave_collab(fresh(room), member)

    assert system_messages(room, "member_left").count() == 1
    assert page_texts(client, owner, room)[-1] == "Marina Member left the collab"


def test_a_role_change_writes_one_message(client, room, owner, member):
    collab_services.add_member(room, owner, member)

    collab_services.change_role(fresh(room), owner, member, Role.MODERATOR)

    [message] = system_messages(room, "role_changed")
    assert (message.system_data["old"], message.system_data["new"]) == ("member", "moderator")
    assert page_texts(client, owner, room)[-1] == "Olga Owner made Marina Member moderator"


def test_setting_the_same_role_again_writes_nothing(room, owner, member):
    collab_services.add_member(room, owner, member)

    collab_services.change_role(fresh(room), owner, member, Role.MEMBER)

    assert not system_messages(room, "role_changed").exists()


def test_handing_the_collab_over_writes_one_message(client, room, owner, moderator):
    collab_services.add_member(room, owner, moderator)

    collab_services.transfer_ownership(fresh(room), owner, moderator)

    assert system_messages(room, "ownership_transferred").count() == 1
    texts = page_texts(client, moderator, room)
    assert texts[-1] == "Olga Owner handed the collab over to Maxim Moderator"


def test_changing_settings_writes_one_message(client, room, owner):
    collab_services.change_settings(room, owner, post_level="moderators")

    assert system_messages(room, "settings_changed").count() == 1
    assert page_texts(client, owner, room)[-1] == "Olga Owner changed the collab's settings"


def test_names_stay_as_they_were_when_it_happened(client, room, owner, member):
    collab_services.add_member(room, owner, member)

    member.full_name = "Marina Married-Name"
    member.save(update_fields=["full_name"])

    assert page_texts(client, owner, room)[-1] == "Olga Owner added Marina Member"


def test_each_change_writes_exactly_one_system_message(room, owner, member, moderator):
    def count() -> int:
        return Message.objects.filter(collab=room, kind=Message.Kind.SYSTEM).count()

    steps = [
        lambda: collab_services.add_member(fresh(room), owner, member),
        lambda: collab_services.add_member(fresh(room), owner, moderator),
        lambda: collab_services.change_role(fresh(room), owner, moderator, Role.MODERATOR),
        lambda: collab_services.remove_member(fresh(room), owner, member),
        lambda: collab_services.transfer_ownership(fresh(room), owner, moderator),
        lambda: collab_services.leave_collab(fresh(room), owner),
    ]
    for step in steps:
        before = count()
        step()
        assert count() == before + 1


def test_a_system_message_is_shown_as_a_sentence_not_as_a_persons_message(
    client, room, owner, guest
):
    collab_services.add_member(room, owner, guest)
    message = system_messages(room, "member_added").get()
    client.force_login(owner)

    html = client.get(reverse("collabs:detail", args=[room.pk])).content.decode()

    assert f'<div class="msg msg-system" id="m{message.pk}"' in html
    assert f'<article class="msg" id="m{message.pk}"' not in html


def test_a_name_in_a_system_message_is_escaped(client, room, owner):
    hostile = make_user("x@example.com", "<b>Bold</b> & co", kind="guest")
    collab_services.add_member(room, owner, hostile)
    client.force_login(owner)

    html = client.get(reverse("collabs:detail", args=[room.pk])).content.decode()

    assert "<b>Bold</b>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html


# --- In the reader's language -----------------------------------------------------------------


@pytest.fixture
def russian(owner):
    owner.language = "ru"
    owner.save(update_fields=["language"])
    return owner


@pytest.mark.xfail(
    "not russian_catalogue_has_system_messages()",
    reason="locale/ru lacks the system message sentences of apps/chat/system.py",
    strict=False,
)
def test_a_russian_reader_reads_the_system_messages_in_russian(
    client, room, russian, guest, member
):
    collab_services.add_member(room, russian, guest)
    collab_services.add_member(room, russian, member)
    collab_services.change_role(fresh(room), russian, member, Role.MODERATOR)

    texts = page_texts(client, russian, room)

    with translation.override("ru"):
        expected = [
            gettext("%(actor)s created the collab") % {"actor": "Olga Owner"},
            gettext("%(actor)s added %(user)s")
            % {"actor": "Olga Owner", "user": gettext("%(name)s (guest)") % {"name": "Gleb Guest"}},
            gettext("%(actor)s added %(user)s") % {"actor": "Olga Owner", "user": "Marina Member"},
            gettext("%(actor)s made %(user)s %(role)s")
            % {"actor": "Olga Owner", "user": "Marina Member", "role": gettext("moderator")},
        ]
    assert texts == expected
    assert "Olga Owner added Gleb Guest (guest)" not in texts


def test_the_same_message_reads_in_english_for_an_english_reader_meanwhile(
    client, room, owner, guest
):
    """Each reader gets their own language: the rendering cache keeps them apart."""
    collab_services.add_member(room, owner, guest)
    english = make_user("en@example.com", "Edgar English", language="en")
    collab_services.add_member(fresh(room), owner, english)
    owner.language = "ru"
    owner.save(update_fields=["language"])

    russian_texts = page_texts(client, owner, room)
    english_texts = page_texts(client, english, room)

    assert "Olga Owner added Gleb Guest (guest)" in english_texts
    if russian_catalogue_has_system_messages():
        assert "Olga Owner added Gleb Guest (guest)" not in russian_texts
