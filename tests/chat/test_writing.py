"""Writing in the chat: id-carrying mentions (`@**Name|id**`, what the autocomplete inserts),
the mention candidates endpoint and who may ask it, editing in place (the edit page's htmx
side), the rendered edit history, and reactions with any single emoji."""

import pytest
from django.urls import reverse

from apps.chat import services
from apps.chat.markup import mention_syntax, plain_text, render_message
from apps.chat.models import Mention, Message, Reaction
from apps.collabs import services as collab_services
from apps.collabs.models import Collab
from tests.conftest import make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def roomy_limits(settings):
    settings.CHAT_BURST_MESSAGES = 10_000
    settings.CHAT_SUSTAINED_MESSAGES = 10_000


def candidates_url(collab: Collab) -> str:
    return reverse("chat:mention_candidates", args=[collab.pk])


def names(response) -> list[str]:
    return [m["name"] for m in response.json()["members"]]


# --- Markup -------------------------------------------------------------------------------


def test_an_id_mention_shows_the_current_name_and_counts():
    body = "Ask @**Anna Smirnova|12**, please"

    before = render_message(body, [(12, "Anna Smirnova")])
    after = render_message(body, [(12, "Anna Petrova")])  # renamed since

    assert before.mentioned_ids == after.mentioned_ids == {12}
    assert '<span class="mention" data-user-id="12">@Anna Petrova</span>' in after.html
    assert "Smirnova" not in after.html
    assert "|12" not in after.html


def test_an_id_mention_of_someone_not_a_member_is_plain_text():
    rendered = render_message("Ask @**Oscar Outsider|99**", [(12, "Anna Smirnova")])

    assert rendered.mentioned_ids == frozenset()
    assert 'class="mention"' not in rendered.html
    assert "<p>Ask @Oscar Outsider</p>" in rendered.html
    # Without any members (previews, digests) it reads the same.
    assert plain_text("Ask @**Oscar Outsider|99**") == "Ask @Oscar Outsider"


def test_the_id_decides_not_the_name_written():
    # Someone typed a name by hand into the id form: the id's member is mentioned.
    rendered = render_message("@**Boss|12**", [(12, "Anna Smirnova"), (13, "Boss")])

    assert rendered.mentioned_ids == {12}
    assert "@Anna Smirnova" in rendered.html


def test_the_full_name_forms_still_work():
    members = [(12, "Anna Smirnova")]

    assert render_message("@Anna Smirnova hi", members).mentioned_ids == {12}
    assert render_message("@**Anna Smirnova** hi", members).mentioned_ids == {12}
    assert render_message("@Anna hi", members).mentioned_ids == frozenset()


def test_an_id_mention_in_code_is_code():
    rendered = render_message("`@**Anna Smirnova|12**`", [(12, "Anna Smirnova")])

    assert rendered.mentioned_ids == frozenset()
    assert "<code>@**Anna Smirnova|12**</code>" in rendered.html


def test_the_inserted_syntax_cannot_break_out_of_itself():
    assert mention_syntax(7, "A|b **c**") == "@**A b c|7**"
    assert render_message(mention_syntax(7, "A|b **c**"), [(7, "A|b **c**")]).mentioned_ids == {7}


@pytest.mark.parametrize("name", ["Anna_Smirnova_", "A [b] c", "Jo`e", "Tom & Jerry <3"])
def test_a_name_with_markdown_punctuation_stays_one_mention(name):
    rendered = render_message(f"Hi {mention_syntax(5, name)}!", [(5, name)])

    assert rendered.mentioned_ids == {5}
    assert rendered.html.count('class="mention"') == 1
    assert plain_text(f"Hi {mention_syntax(5, name)}!") == f"Hi @{name}!"


def test_a_sent_id_mention_notifies_and_survives_a_rename(collab, owner, member):
    message = services.send_message(collab, owner, f"Hi {mention_syntax(member.pk, 'Marina')}")

    assert list(Mention.objects.filter(message=message).values_list("user_id", flat=True)) == [
        member.pk
    ]
    assert "@Marina Member" in message.html  # her name now, not the one written

    member.full_name = "Marina Renamed"
    member.save()
    edited = services.edit_message(collab, owner, message.pk, message.body + "!")
    assert "@Marina Renamed" in edited.html
    assert Mention.objects.filter(message=message).count() == 1


def test_an_edit_that_adds_a_mention_notifies(collab, owner, member, guest):
    message = services.send_message(collab, owner, "Hi all")

    services.edit_message(collab, owner, message.pk, f"Hi {mention_syntax(guest.pk, 'Gleb')}")
    assert set(Mention.objects.values_list("user_id", flat=True)) == {guest.pk}

    services.edit_message(collab, owner, message.pk, f"Hi {mention_syntax(member.pk, 'M')}")
    assert set(Mention.objects.values_list("user_id", flat=True)) == {member.pk}


# --- The mention candidates endpoint ------------------------------------------------------


def test_candidates_match_first_or_last_name_prefix(client, collab, owner, member, guest):
    client.force_login(owner)

    assert names(client.get(candidates_url(collab), {"q": "mar"})) == ["Marina Member"]
    assert names(client.get(candidates_url(collab), {"q": "MEM"})) == ["Marina Member"]
    assert names(client.get(candidates_url(collab), {"q": "gu"})) == ["Gleb Guest"]
    assert names(client.get(candidates_url(collab), {"q": "arina"})) == []  # not inside a word
    # Only current members: not the deactivated one, not the outsider, not oneself.
    everyone = names(client.get(candidates_url(collab)))
    assert "Denis Deactivated" not in everyone
    assert "Olga Owner" not in everyone
    assert "Oscar Outsider" not in everyone
    assert set(everyone) == {"Maxim Moderator", "Marina Member", "Gleb Guest"}


def test_a_candidate_carries_what_the_list_shows_and_inserts(client, collab, owner, guest):
    client.force_login(owner)

    [found] = client.get(candidates_url(collab), {"q": "gleb"}).json()["members"]

    assert found == {
        "id": guest.pk,
        "name": "Gleb Guest",
        "initials": "GG",
        "guest": True,
        "avatar": "",
        "insert": f"@**Gleb Guest|{guest.pk}**",
    }


def test_candidates_in_cyrillic_ignore_case(client, collab, owner):
    anna = make_user("anna@example.com", "Анна Смирнова")
    collab_services.add_member(collab, owner, anna)
    client.force_login(owner)

    for query in ("ан", "АН", "смир", "Смир"):  # noqa: RUF001 (Cyrillic on purpose)
        assert names(client.get(candidates_url(collab), {"q": query})) == ["Анна Смирнова"]


@pytest.mark.parametrize("who", ["outsider", "deactivated", "removed"])
def test_outsiders_get_404_from_the_candidates(client, collab, other_collab, owner, people, who):
    if who == "removed":
        collab_services.remove_member(collab, owner, people["member"])
        user = people["member"]
    else:
        user = people[who]
    client.force_login(user)

    response = client.get(candidates_url(collab), {"q": "m"})
    # A deactivated user's session is no longer theirs: the login page, as for everything
    # (tests/test_access_matrix.py); a guest of another collab and a removed member: 404.
    assert response.status_code == (302 if who == "deactivated" else 404)
    assert "Gleb Guest" not in response.content.decode()


def test_candidates_need_a_sign_in(client, collab):
    response = client.get(candidates_url(collab), {"q": "m"})
    assert response.status_code == 302


def test_candidates_cost_the_same_queries_whatever_the_collab_size(
    client, collab, owner, django_assert_num_queries
):
    client.force_login(owner)
    client.get(candidates_url(collab), {"q": "m"})  # the session's first read
    with django_assert_num_queries(4):  # session, user, membership + collab, members
        client.get(candidates_url(collab), {"q": "m"})
    for i in range(30):
        collab_services.add_member(collab, owner, make_user(f"m{i}@example.com", f"Mila {i}"))
    with django_assert_num_queries(4):
        response = client.get(candidates_url(collab), {"q": "m"})
    assert len(response.json()["members"]) == 8  # at most eight


# --- Edit in place (the edit page, asked by the script) ----------------------------------


def edit_url(collab, message) -> str:
    return reverse("chat:edit", args=[collab.pk, message.pk])


def test_the_editor_gets_the_raw_body_and_version(client, collab, owner):
    message = services.send_message(collab, owner, "**Bold** plan")
    client.force_login(owner)

    answer = client.get(edit_url(collab, message), headers=HTMX).json()

    assert answer == {"body": "**Bold** plan", "version": message.updated.isoformat()}


def test_an_inline_edit_saves_with_204(client, collab, owner):
    message = services.send_message(collab, owner, "Draft")
    client.force_login(owner)

    response = client.post(
        edit_url(collab, message),
        {"body": "Final", "version": message.updated.isoformat()},
        headers=HTMX,
    )

    assert response.status_code == 204
    assert Message.objects.get(pk=message.pk).body == "Final"


def test_a_stale_inline_edit_is_refused_and_changes_nothing(client, collab, owner):
    message = services.send_message(collab, owner, "Draft")
    seen = message.updated.isoformat()
    services.edit_message(collab, owner, message.pk, "Changed in another tab")
    client.force_login(owner)

    response = client.post(
        edit_url(collab, message), {"body": "Mine", "version": seen}, headers=HTMX
    )

    assert response.status_code == 409
    assert response.json()["stale"] is True
    assert "changed while you were editing" in response.json()["error"]
    assert Message.objects.get(pk=message.pk).body == "Changed in another tab"


def test_an_empty_inline_edit_is_refused_with_the_reason(client, collab, owner):
    message = services.send_message(collab, owner, "Draft")
    client.force_login(owner)

    response = client.post(edit_url(collab, message), {"body": "  "}, headers=HTMX)

    assert response.status_code == 400
    assert response.json() == {"error": "Write something first.", "stale": False}


def test_no_one_edits_someone_elses_message_in_place(client, collab, owner, member):
    message = services.send_message(collab, owner, "Mine")
    client.force_login(member)

    assert client.get(edit_url(collab, message), headers=HTMX).status_code == 403
    response = client.post(edit_url(collab, message), {"body": "Hijack"}, headers=HTMX)
    assert response.status_code == 403
    assert Message.objects.get(pk=message.pk).body == "Mine"


# --- The edit history ---------------------------------------------------------------------


def test_the_history_renders_every_revision(client, collab, owner, member):
    message = services.send_message(collab, owner, "First **bold**")
    services.edit_message(collab, owner, message.pk, f"Second {mention_syntax(member.pk, 'M')}")
    services.edit_message(collab, owner, message.pk, "Third <script>alert(1)</script>")
    client.force_login(member)

    page = client.get(reverse("chat:revisions", args=[collab.pk, message.pk])).content.decode()

    third = page.index("Third &lt;script&gt;")  # the current text first, as text
    second = page.index(f'<span class="mention" data-user-id="{member.pk}">@Marina Member')
    first = page.index("First <strong>bold</strong>")
    assert third < second < first
    assert "<script>alert" not in page
    assert page.count("Olga Owner") >= 3  # who, for each text


# --- Reactions ----------------------------------------------------------------------------


@pytest.mark.parametrize("emoji", ["🚀", "👍🏽", "👨‍👩‍👧", "🇷🇺", "1️⃣", "🏳️‍🌈"])
def test_any_single_emoji_is_a_reaction(collab, owner, member, emoji):
    message = services.send_message(collab, owner, "Shipped!")

    assert services.toggle_reaction(collab, member, message.pk, emoji) is True
    assert Reaction.objects.get().emoji == emoji


@pytest.mark.parametrize(
    "emoji",
    ["x", "🚀🚀", "🚀 ", "<b>", "\u200d", "\u200b🚀", "🏽", "🇷🇺🇷🇺", "🚀" + "\ufe0f" * 20, 7, None],
)
def test_what_is_not_one_emoji_is_refused(collab, owner, member, emoji):
    message = services.send_message(collab, owner, "Shipped!")

    with pytest.raises(services.ValidationError, match="Unknown reaction"):
        services.toggle_reaction(collab, member, message.pk, emoji)
    assert not Reaction.objects.exists()
