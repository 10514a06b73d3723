"""The chat's pages and form actions (apps/chat/views.py), as a browser without JavaScript uses
them: every action is a plain form POST followed by a redirect back to the message; the
script's requests (htmx) get partials or 204."""

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from apps.chat import services
from apps.chat.models import MAX_BODY_LENGTH, Message, Reaction, ReadState
from apps.collabs import services as collab_services
from apps.collabs.models import Collab
from apps.core import ratelimit as core_ratelimit
from tests.chat.helpers import bulk_messages, ids_on

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def roomy_limits(settings):
    settings.CHAT_BURST_MESSAGES = 10_000
    settings.CHAT_SUSTAINED_MESSAGES = 10_000


def url(name: str, collab: Collab, message_id: int | None = None) -> str:
    kwargs = {"collab_id": collab.pk}
    if message_id is not None:
        kwargs["message_id"] = message_id
    return reverse(f"chat:{name}", kwargs=kwargs)


def collab_page(collab: Collab) -> str:
    return reverse("collabs:detail", args=[collab.pk])


def at_message(collab: Collab, message_id: int) -> str:
    return f"{collab_page(collab)}?message={message_id}#m{message_id}"


@pytest.fixture
def as_member(client, member):
    client.force_login(member)
    return client


# --- Sending with a plain form ----------------------------------------------------------------


def test_a_form_post_sends_and_redirects_to_the_message_on_the_collab_page(
    as_member, collab, member
):
    response = as_member.post(
        url("send", collab), {"body": "Hello from a form", "client_id": "form-1"}
    )

    message = Message.objects.get(author=member, body="Hello from a form")
    assert response.status_code == 302
    assert response["Location"] == at_message(collab, message.pk)
    page = as_member.get(response["Location"]).content.decode()
    assert message.pk in ids_on(page)
    assert "Hello from a form" in page


def test_a_form_submitted_twice_sends_once(as_member, collab, member):
    data = {"body": "Double click", "client_id": "form-twice"}

    first = as_member.post(url("send", collab), data)
    second = as_member.post(url("send", collab), data)

    assert Message.objects.filter(author=member, body="Double click").count() == 1
    assert first["Location"] == second["Location"]


def test_a_reply_sent_with_the_form_quotes_the_original(as_member, collab, owner):
    original = services.send_message(collab, owner, "Who has the fonts?")

    response = as_member.post(
        url("send", collab), {"body": "I do", "reply_to": str(original.pk), "client_id": "r"}
    )

    reply = Message.objects.get(body="I do")
    assert reply.reply_to == original
    page = as_member.get(response["Location"]).content.decode()
    assert 'class="msg-quote"' in page
    assert "Who has the fonts?" in page


def test_an_over_long_message_comes_back_with_the_error_and_the_text_kept(
    as_member, collab, member
):
    typed = "y" * (MAX_BODY_LENGTH + 1)

    response = as_member.post(url("send", collab), {"body": typed, "client_id": "long"})

    assert response.status_code == 302
    assert response["Location"] == collab_page(collab)
    assert not Message.objects.filter(author=member).exists()
    page = as_member.get(response["Location"]).content.decode()
    flash = re.search(r'<div role="status"><ul class="flash">(.*?)</ul>', page, re.S)[1]
    assert str(MAX_BODY_LENGTH + 1) in flash
    assert str(MAX_BODY_LENGTH) in flash.replace(str(MAX_BODY_LENGTH + 1), "")
    composer = re.search(r'<textarea id="composer-body"[^>]*>(.*?)</textarea>', page, re.S)[1]
    assert composer == typed
    # The draft is handed back once, not forever.
    page = as_member.get(collab_page(collab)).content.decode()
    assert typed not in page


def test_an_empty_message_comes_back_with_an_error(as_member, collab, member):
    response = as_member.post(url("send", collab), {"body": "   ", "client_id": "empty"})

    assert response["Location"] == collab_page(collab)
    page = as_member.get(response["Location"]).content.decode()
    assert "Write something first." in page
    assert not Message.objects.filter(author=member).exists()


def test_a_message_over_the_rate_limit_comes_back_with_the_wait_and_the_text_kept(
    settings, monkeypatch, as_member, collab, member
):
    settings.CHAT_BURST_MESSAGES = 2
    settings.CHAT_BURST_SECONDS = 600
    # The limiter's clock stands still, 195 seconds before the end of its window.
    monkeypatch.setattr(core_ratelimit, "time", SimpleNamespace(time=lambda: 1_000_000_005.0))
    for i in range(2):
        as_member.post(url("send", collab), {"body": f"Quick {i}", "client_id": f"q{i}"})

    response = as_member.post(url("send", collab), {"body": "Third, too fast", "client_id": "q2"})

    assert response["Location"] == collab_page(collab)
    assert Message.objects.filter(author=member).count() == 2
    page = as_member.get(response["Location"]).content.decode()
    assert "Try again in 195 seconds." in page
    assert ">Third, too fast</textarea>" in page


def test_a_reply_to_a_bad_number_comes_back_with_an_error(as_member, collab, member):
    response = as_member.post(
        url("send", collab), {"body": "Hi", "reply_to": "abc", "client_id": "bad"}
    )

    assert response.status_code == 302
    assert not Message.objects.filter(author=member).exists()


def test_in_an_announcement_collab_a_member_posting_gets_403(as_member, collab, owner, member):
    collab_services.change_settings(collab, owner, post_level="moderators")

    response = as_member.post(url("send", collab), {"body": "May I?", "client_id": "no"})

    assert response.status_code == 403
    assert not Message.objects.filter(author=member).exists()
    page = as_member.get(collab_page(collab)).content.decode()
    assert 'id="composer"' not in page
    assert "Only the owner and moderators post in this collab." in page


def test_the_page_offers_a_composer_with_a_fresh_client_id_each_time(as_member, collab):
    first = as_member.get(collab_page(collab)).content.decode()
    second = as_member.get(collab_page(collab)).content.decode()

    pattern = r'name="client_id" value="([0-9a-f]+)"'
    assert re.search(pattern, first)[1] != re.search(pattern, second)[1]


# --- Editing ----------------------------------------------------------------------------------


def test_the_edit_page_shows_the_text_and_saving_goes_back_to_the_message(
    as_member, collab, member
):
    message = services.send_message(collab, member, "Draft one")

    form = as_member.get(url("edit", collab, message.pk))
    assert form.status_code == 200
    html = form.content.decode()
    assert "Draft one</textarea>" in html
    version = re.search(r'name="version" value="([^"]+)"', html)[1]

    response = as_member.post(
        url("edit", collab, message.pk), {"body": "Draft two", "version": version}
    )

    assert response.status_code == 302
    assert response["Location"] == at_message(collab, message.pk)
    message.refresh_from_db()
    assert message.body == "Draft two"
    assert list(message.revisions.values_list("body", flat=True)) == ["Draft one"]


def test_an_editor_in_another_time_zone_saves_with_the_version_the_page_gave(
    client, collab, member
):
    member.timezone = "Europe/Moscow"
    member.save(update_fields=["timezone"])
    client.force_login(member)
    message = services.send_message(collab, member, "Draft one")
    html = client.get(url("edit", collab, message.pk)).content.decode()
    version = re.search(r'name="version" value="([^"]+)"', html)[1]

    response = client.post(
        url("edit", collab, message.pk), {"body": "Draft two", "version": version}
    )

    assert response.status_code == 302
    message.refresh_from_db()
    assert message.body == "Draft two"


def test_saving_over_a_newer_version_gets_409_and_keeps_what_was_typed(as_member, collab, member):
    message = services.send_message(collab, member, "First")
    stale = message.updated.isoformat()
    services.edit_message(collab, member, message.pk, "Second (from another tab)")

    response = as_member.post(url("edit", collab, message.pk), {"body": "Third", "version": stale})

    assert response.status_code == 409
    assert "Third</textarea>" in response.content.decode()
    message.refresh_from_db()
    assert message.body == "Second (from another tab)"


def test_a_russian_reader_saving_over_a_newer_version_also_gets_409(client, collab, member):
    member.language = "ru"
    member.save(update_fields=["language"])
    client.force_login(member)
    message = services.send_message(collab, member, "First")
    stale = message.updated.isoformat()
    services.edit_message(collab, member, message.pk, "Second")

    response = client.post(url("edit", collab, message.pk), {"body": "Third", "version": stale})

    assert response.status_code == 409


def test_an_edit_to_nothing_gets_400(as_member, collab, member):
    message = services.send_message(collab, member, "Something")

    response = as_member.post(
        url("edit", collab, message.pk), {"body": "", "version": message.updated.isoformat()}
    )

    assert response.status_code == 400
    message.refresh_from_db()
    assert message.body == "Something"


@pytest.mark.parametrize("method", ["get", "post"])
def test_editing_someone_elses_message_is_forbidden(as_member, collab, owner, method):
    message = services.send_message(collab, owner, "Owner's words")

    response = getattr(as_member, method)(url("edit", collab, message.pk), {"body": "Mine now"})

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.body == "Owner's words"


def test_the_revisions_page_shows_the_earlier_text(as_member, collab, member):
    message = services.send_message(collab, member, "Version A")
    services.edit_message(collab, member, message.pk, "Version B")

    response = as_member.get(url("revisions", collab, message.pk))

    assert response.status_code == 200
    assert "Version A" in response.content.decode()


# --- Deleting, reacting, pinning by form ------------------------------------------------------


def test_deleting_by_form_goes_back_to_the_placeholder(as_member, collab, member):
    message = services.send_message(collab, member, "Regrettable")

    response = as_member.post(url("delete", collab, message.pk))

    assert response.status_code == 302
    assert response["Location"] == at_message(collab, message.pk)
    message.refresh_from_db()
    assert message.is_deleted
    page = as_member.get(response["Location"]).content.decode()
    assert "Regrettable" not in page
    assert "Message deleted" in page


def test_deleting_someone_elses_message_by_form_is_forbidden(as_member, collab, owner):
    message = services.send_message(collab, owner, "Stays")

    response = as_member.post(url("delete", collab, message.pk))

    assert response.status_code == 403
    message.refresh_from_db()
    assert not message.is_deleted


def test_the_scripts_delete_gets_204(as_member, collab, member):
    message = services.send_message(collab, member, "Regrettable")

    response = as_member.post(url("delete", collab, message.pk), headers=HTMX)

    assert response.status_code == 204
    message.refresh_from_db()
    assert message.is_deleted


def test_reacting_by_form_toggles_and_goes_back_to_the_message(as_member, collab, owner, member):
    message = services.send_message(collab, owner, "Shipped")

    response = as_member.post(url("react", collab, message.pk), {"emoji": "👍"})

    assert response.status_code == 302
    assert response["Location"] == at_message(collab, message.pk)
    assert Reaction.objects.filter(message=message, user=member, emoji="👍").exists()
    page = as_member.get(response["Location"]).content.decode()
    assert 'aria-pressed="true"' in page

    as_member.post(url("react", collab, message.pk), {"emoji": "👍"}, headers=HTMX)

    assert not Reaction.objects.filter(message=message).exists()


def test_an_unknown_reaction_by_form_is_refused_with_a_message(as_member, collab, owner):
    message = services.send_message(collab, owner, "Shipped")

    response = as_member.post(url("react", collab, message.pk), {"emoji": "🦄🦄"}, follow=True)

    assert not Reaction.objects.exists()
    assert "Unknown reaction." in response.content.decode()


def test_pinning_and_unpinning_by_form(as_member, collab, owner):
    message = services.send_message(collab, owner, "Read me first")

    response = as_member.post(url("pin", collab, message.pk), {"pinned": "1"})

    assert response["Location"] == at_message(collab, message.pk)
    message.refresh_from_db()
    assert message.pinned_at is not None
    pinned = as_member.get(url("pinned", collab)).content.decode()
    assert "Read me first" in pinned

    as_member.post(url("pin", collab, message.pk), {"pinned": "0"})

    message.refresh_from_db()
    assert message.pinned_at is None


def test_mark_read_by_post(as_member, collab, owner, member):
    message = services.send_message(collab, owner, "News")

    response = as_member.post(url("read", collab), {"last_id": str(message.pk)})

    assert response.status_code == 204
    assert ReadState.objects.get(collab=collab, user=member).last_read_id == message.pk


def test_mark_read_with_a_bad_number_gets_400(as_member, collab):
    response = as_member.post(url("read", collab), {"last_id": "soon"})

    assert response.status_code == 400


# --- History pages ----------------------------------------------------------------------------


@pytest.fixture
def long_history(settings, collab, owner) -> list[Message]:
    """120 messages after the collab's own system messages; pages of 50."""
    settings.CHAT_PAGE_SIZE = 50
    return bulk_messages(collab, owner, 120)


def test_the_htmx_page_before_a_message_holds_the_older_ones_and_a_sentinel(
    as_member, collab, long_history
):
    newest_page_oldest = long_history[-50]

    response = as_member.get(
        url("history", collab) + f"?before={newest_page_oldest.pk}", headers=HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert ids_on(html) == [m.pk for m in long_history[-100:-50]]
    assert "Load earlier messages" in html
    older = long_history[-100].pk
    assert f'href="{url("history", collab)}?before={older}" data-more="before"' in html
    # A page scrolled back to goes above what is shown: no link to newer messages.
    assert "Newer messages" not in html


def test_the_oldest_page_has_no_sentinel(as_member, collab, long_history):
    first = Message.objects.filter(collab=collab).order_by("pk").first()

    response = as_member.get(url("history", collab) + f"?before={long_history[0].pk}", headers=HTMX)

    html = response.content.decode()
    assert ids_on(html) == list(
        Message.objects.filter(collab=collab, pk__lt=long_history[0].pk)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert ids_on(html)[0] == first.pk
    assert "Load earlier messages" not in html


def test_the_page_after_a_message_holds_the_newer_ones(as_member, collab, long_history):
    response = as_member.get(url("history", collab) + f"?after={long_history[9].pk}", headers=HTMX)

    html = response.content.decode()
    assert ids_on(html) == [m.pk for m in long_history[10:60]]
    assert "Newer messages" in html
    assert "Load earlier messages" not in html


def test_the_page_around_a_message_has_it_in_the_middle(as_member, collab, long_history):
    target = long_history[60]

    response = as_member.get(url("history", collab) + f"?around={target.pk}")

    assert response.status_code == 200
    ids = ids_on(response.content.decode())
    assert target.pk in ids
    assert ids == sorted(ids)
    position = ids.index(target.pk)
    assert 20 <= position <= len(ids) - 20


def test_the_history_page_without_htmx_is_a_whole_page(as_member, collab, long_history):
    response = as_member.get(url("history", collab) + f"?before={long_history[-1].pk}")

    html = response.content.decode()
    assert "<html" in html
    assert ids_on(html) == [m.pk for m in long_history[-51:-1]]


@pytest.mark.parametrize(
    "query", ["?before=abc", "?after=abc", "?around=abc", "?after=", "?around=1.5", "?before=1e3"]
)
def test_a_bad_message_number_gets_400(as_member, collab, query):
    response = as_member.get(url("history", collab) + query)

    assert response.status_code == 400


# --- Outsiders ------------------------------------------------------------------------------


@pytest.fixture
def ours(collab, owner) -> Message:
    message = services.send_message(collab, owner, "Confidential budget: 42")
    services.set_pinned(collab, owner, message.pk, True)
    services.edit_message(collab, owner, message.pk, "Confidential budget: 43")
    return message


def every_chat_request(collab: Collab, message_id: int) -> list[tuple[str, str, dict]]:
    return [
        ("get", collab_page(collab), {}),
        ("get", collab_page(collab) + f"?message={message_id}", {}),
        ("get", url("history", collab), {}),
        ("get", url("history", collab) + f"?before={message_id + 1}", {}),
        ("get", url("history", collab) + f"?after={message_id - 1}", {}),
        ("get", url("history", collab) + f"?around={message_id}", {}),
        ("post", url("send", collab), {"body": "Hi", "client_id": "x"}),
        ("post", url("read", collab), {"last_id": str(message_id)}),
        ("get", url("pinned", collab), {}),
        ("get", url("search", collab) + "?q=budget", {}),
        ("get", url("edit", collab, message_id), {}),
        ("post", url("edit", collab, message_id), {"body": "Hacked", "version": ""}),
        ("post", url("delete", collab, message_id), {}),
        ("post", url("react", collab, message_id), {"emoji": "👍"}),
        ("post", url("pin", collab, message_id), {"pinned": "0"}),
        ("get", url("revisions", collab, message_id), {}),
    ]


def assert_untouched(message: Message) -> None:
    message.refresh_from_db()
    assert message.body == "Confidential budget: 43"
    assert message.deleted_at is None
    assert message.pinned_at is not None
    assert not message.reactions.exists()


def test_an_outsider_gets_404_for_every_chat_url_of_our_collab(client, collab, outsider, ours):
    client.force_login(outsider)
    count = Message.objects.count()

    for method, path, data in every_chat_request(collab, ours.pk):
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, (method, path, response.status_code)
        assert b"Confidential" not in response.content

    assert Message.objects.count() == count
    assert_untouched(ours)


@pytest.mark.parametrize(
    ("method", "action", "data"),
    [
        ("get", "edit", {}),
        ("post", "edit", {"body": "Hacked", "version": ""}),
        ("get", "revisions", {}),
        ("post", "delete", {}),
        ("post", "react", {"emoji": "👍"}),
        ("post", "pin", {"pinned": "0"}),
    ],
)
def test_an_outsider_gets_404_for_our_message_through_their_own_collab(
    client, other_collab, outsider, ours, method, action, data
):
    """Their own collab's URLs with the id of one of our messages: as if it did not exist."""
    client.force_login(outsider)

    response = getattr(client, method)(url(action, other_collab, ours.pk), data)

    assert response.status_code == 404
    assert b"Confidential" not in response.content
    assert_untouched(ours)


def test_our_message_does_not_show_up_around_it_in_their_collab(
    client, other_collab, outsider, ours
):
    client.force_login(outsider)

    for path in (
        collab_page(other_collab) + f"?message={ours.pk}",
        url("history", other_collab) + f"?around={ours.pk}",
        url("search", other_collab) + "?q=budget",
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert ours.pk not in ids_on(response.content.decode())
        assert b"Confidential" not in response.content


def test_a_signed_out_visitor_is_sent_to_sign_in(client, collab, ours):
    for method, path, data in every_chat_request(collab, ours.pk):
        response = getattr(client, method)(path, data)
        assert response.status_code == 302, (method, path)
        assert "/accounts/login/" in response["Location"] or "login" in response["Location"]

    assert_untouched(ours)
