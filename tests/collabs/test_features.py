"""A feature plugs into the core by registering (apps.collabs.features), never by editing it.
The board (tests/board, installed only in the tests) gets its settings row, its rules, its tab,
message action, paperclip item and header action, its pages and its live event, each shown
only to those with the right; a feature that is not installed leaves nothing behind."""

import re

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from apps.chat import services as chat
from apps.collabs import features, services
from apps.collabs.models import Collab, Level
from apps.collabs.permissions import RULES
from tests.chat.ws import (  # noqa: F401  (fixtures)
    channel_layer_of_its_own,
    sockets_fixture,
)
from tests.conftest import make_user

BOARD_PERMS = {"board.view_card", "board.add_card", "board.change_card", "board.delete_card"}


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def detail(collab) -> str:
    return reverse("collabs:detail", args=[collab.pk])


@pytest.fixture
def without_board():
    """The core as it is when the board is not installed."""
    board = features.get_feature("board")
    features.unregister_feature("board")
    yield
    features.register_feature(board)


def test_the_features_rights_are_rules_of_the_access_layer():
    assert set(RULES) >= BOARD_PERMS


def test_the_settings_page_shows_the_installed_feature_and_no_other(client, collab, owner):
    html = page(client, owner, reverse("collabs:settings", args=[collab.pk]))

    assert "Board" in html
    for label in ("Who may view cards", "Who may make cards", "Who may delete cards"):
        assert label in html
    # The tasks and calendar features are installed too; nothing of features that are not.
    assert "Who may view tasks" in html
    assert "Who may view meetings" in html
    for gone in ("signing", "Signing", "calls", "coming soon", "Coming soon"):
        assert gone not in html


def test_a_member_sees_the_features_controls(client, collab, owner, member):
    message = chat.send_message(collab, owner, "Shoot the video on Friday")

    html = page(client, member, f"{detail(collab)}?message={message.pk}")

    tab = reverse("board:cards", args=[collab.pk])
    new = reverse("board:new", args=[collab.pk])
    assert f'href="{tab}" data-tab="cards">Cards</a>' in html  # the sidebar tab
    assert f'href="{new}">New card</a>' in html  # header action and paperclip item
    assert 'aria-label="Attach or create"' in html
    # The page's shared message menu, which the script fills with the message...
    assert re.search(
        rf'<a role="menuitem" href="{new}" data-item="feature"[^>]*>Make a card</a>', html
    )
    # ...and the message's actions page (its "⋯" without JavaScript).
    actions = page(client, member, reverse("chat:actions", args=[collab.pk, message.pk]))
    assert f'href="{new}?message={message.pk}">Make a card</a>' in actions


def test_without_the_right_the_controls_are_not_there(client, collab, owner, guest):
    message = chat.send_message(collab, owner, "Shoot the video on Friday")
    services.change_settings(
        collab,
        owner,
        features={
            "board": {"view": Level.EMPLOYEES, "create": Level.EMPLOYEES},
            # The files', tasks' and calendar's paperclip items too: with nothing to attach
            # there is no paperclip.
            "files": {"create": Level.EMPLOYEES},
            "tasks": {"create": Level.EMPLOYEES},
            "calendar": {"create": Level.EMPLOYEES},
        },
    )

    html = page(client, guest, f"{detail(collab)}?message={message.pk}")

    assert "Cards</a>" not in html
    assert "New card" not in html
    assert "Make a card" not in html
    assert 'aria-label="Attach or create"' not in html
    actions = page(client, guest, reverse("chat:actions", args=[collab.pk, message.pk]))
    assert "Make a card" not in actions
    client.force_login(guest)
    assert client.get(reverse("board:cards", args=[collab.pk])).status_code == 403
    assert client.get(reverse("board:new", args=[collab.pk])).status_code == 403


def test_a_message_action_opens_the_features_page_with_the_message(client, collab, owner, member):
    message = chat.send_message(collab, owner, "Shoot the video on Friday")

    html = page(client, member, reverse("board:new", args=[collab.pk]) + f"?message={message.pk}")

    assert 'value="Shoot the video on Friday"' in html


@pytest.fixture
def without_features():
    """The core as it is when no feature is installed (the board, and files, which the portal
    installs)."""
    installed = features.features()
    for feature in installed:
        features.unregister_feature(feature.key)
    yield
    for feature in installed:
        features.register_feature(feature)


def test_a_feature_not_installed_adds_nothing(client, collab, owner, without_features):
    assert not BOARD_PERMS & set(RULES)
    settings_html = page(client, owner, reverse("collabs:settings", args=[collab.pk]))
    chat.send_message(collab, owner, "Hello")
    collab_html = page(client, owner, detail(collab))

    assert "Features" not in settings_html and "Board" not in settings_html
    for gone in ("Cards</a>", "New card", "Make a card", "Attach or create"):
        assert gone not in collab_html


def test_levels_of_a_feature_not_installed_are_kept_for_when_it_returns(
    collab, owner, without_board
):
    from apps.collabs.models import CollabFeatureSettings

    CollabFeatureSettings.objects.create(collab=collab, levels={"board": {"view": "owner"}})
    services.change_settings(collab, owner, post_level=Level.MODERATORS)
    features.register_feature(
        features.Feature(
            key="probe",
            label="Probe",
            rights=(features.FeatureRight("view", "probe.view_thing", "who may view things"),),
        )
    )
    try:
        services.change_settings(collab, owner, features={"probe": {"view": Level.OWNER}})
    finally:
        features.unregister_feature("probe")

    stored = CollabFeatureSettings.objects.get(collab=collab).levels
    assert stored == {"board": {"view": "owner"}, "probe": {"view": "owner"}}


def test_the_service_refuses_unknown_features_verbs_and_levels(collab, owner):
    for bad in (
        {"nosuch": {"view": Level.OWNER}},
        {"board": {"fly": Level.OWNER}},
        {"board": {"view": "everyone"}},
        {"board": "owner"},
    ):
        with pytest.raises(ValueError):
            services.change_settings(collab, owner, features=bad)
    assert features.levels_of(Collab.objects.get(pk=collab.pk))["board"]["view"] == Level.MEMBERS


@pytest.mark.django_db(transaction=True)
async def test_the_features_event_reaches_only_those_who_may_view_cards(
    sockets, collab, owner, moderator, member
):
    await database_sync_to_async(services.change_settings)(
        collab, owner, features={"board": {"view": Level.MODERATORS}}
    )
    boss, mod, plain = [await sockets.open(u, collab) for u in (owner, moderator, member)]

    @database_sync_to_async
    def make_card():
        client = Client()
        client.force_login(owner)
        return client.post(reverse("board:new", args=[collab.pk]), {"title": "Storyboard"})

    assert (await make_card()).status_code == 302

    for socket in (boss, mod):
        frames = await socket.frames_until("board.card")
        assert frames[-1] == {"type": "board.card", "title": "Storyboard"}
    assert await plain.pong() == []  # the member's socket never got it


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_every_column_into_the_settings_row_and_back():
    """Today's twelve columns, at values other than their defaults, come through the
    migration into CollabFeatureSettings and back, with no loss."""
    executor = MigrationExecutor(connection)
    before = [("collabs", "0004_invite_level_guests_explicit")]
    after = [("collabs", "0005_feature_settings")]
    try:
        executor.migrate(before)
        old_apps = executor.loader.project_state(before).apps
        OldCollab = old_apps.get_model("collabs", "Collab")
        owner = make_user("m@example.com", "M")  # accounts stays migrated: today's model
        collab = OldCollab.objects.create(
            name="Old",
            owner_id=owner.pk,
            tasks_view_level="employees",
            tasks_delete_level="owner",
            meetings_create_level="moderators",
            files_edit_level="owner",
        )

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new_apps = executor.loader.project_state(after).apps
        levels = (
            new_apps.get_model("collabs", "CollabFeatureSettings")
            .objects.get(collab_id=collab.pk)
            .levels
        )
        assert levels["tasks"] == {
            "view": "employees",
            "create": "members",
            "edit": "members",
            "delete": "owner",
        }
        assert levels["calendar"]["create"] == "moderators"
        assert levels["files"]["edit"] == "owner"

        executor = MigrationExecutor(connection)
        executor.migrate(before)
        back = executor.loader.project_state(before).apps.get_model("collabs", "Collab")
        restored = back.objects.get(pk=collab.pk)
        assert (restored.tasks_view_level, restored.tasks_delete_level) == ("employees", "owner")
        assert restored.meetings_create_level == "moderators"
        assert restored.files_edit_level == "owner"
    finally:
        call_command("migrate", verbosity=0)


def test_a_features_page_section_shows_only_to_those_with_its_right(client, collab, owner, guest):
    """A section registered with a right (here on the members page) is rendered, with its own
    context, for those who hold the right, and not even built for the others."""
    from apps.collabs import registry

    built_for = []

    def context(request, collab):
        built_for.append(request.user.pk)
        return {"board_note": "Cards live on the board"}

    registry.register_page_section(
        "board_note", "board/_note.html", context, page="members", right="board.add_card"
    )
    try:
        services.change_settings(collab, owner, features={"board": {"create": Level.EMPLOYEES}})
        owner_page = page(client, owner, reverse("collabs:members", args=[collab.pk]))
        guest_page = page(client, guest, reverse("collabs:members", args=[collab.pk]))
    finally:
        registry.unregister_page_section("board_note")

    assert "Cards live on the board" in owner_page
    assert "Cards live on the board" not in guest_page
    assert built_for == [owner.pk]
