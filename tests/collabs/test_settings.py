"""Collab settings: who may change them, and what they then allow. The access layer answers
through user.has_perm(perm, collab), so that is what these tests ask."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from apps.accounts.models import AuditEvent
from apps.collabs import features, services
from apps.collabs.forms import CollabSettingsForm
from apps.collabs.models import Collab, Level, Membership
from apps.collabs.permissions import RULES
from tests.collabs.pages import form_data
from tests.conftest import make_user

# A value other than the default for every setting, to see that each one is saved: the core's
# and those of the feature the tests install (tests/board).
CORE_CHANGED = {
    "settings_level": Level.OWNER,
    "invite_level": Level.MEMBERS,
    "post_level": Level.MODERATORS,
    "new_members_see_history": False,
}
BOARD_CHANGED = {
    "view": Level.EMPLOYEES,
    "create": Level.MODERATORS,
    "edit": Level.OWNER,
    "delete": Level.OWNER,
}
CHANGED = {
    **CORE_CHANGED,
    **{f"feature__board__{verb}": level for verb, level in BOARD_CHANGED.items()},
}


def settings_url(collab: Collab) -> str:
    return reverse("collabs:settings", kwargs={"collab_id": collab.pk})


def fresh(collab: Collab) -> Collab:
    """The stored collab, without permission answers cached on the instance."""
    return Collab.objects.get(pk=collab.pk)


def test_the_form_fields_are_the_settings_fields():
    # form_data() and CHANGED cover the whole form; a new setting must be added here too.
    assert set(CORE_CHANGED) == set(services.SETTINGS_FIELDS)
    form = CollabSettingsForm()
    feature_fields = {name for name in form.fields if name.startswith("feature__")}
    assert {name for name in feature_fields if name.startswith("feature__board__")} == {
        f"feature__board__{verb}" for verb in BOARD_CHANGED
    }
    # And one field per right of every other installed feature (files, in the portal).
    assert feature_fields == {
        f"feature__{feature.key}__{right.verb}"
        for feature in features.features()
        for right in feature.rights
    }


# Who may open and post the page.


@pytest.mark.parametrize("who", ["member", "guest"])
def test_it_forbids_members_and_guests(client, collab, people, who):
    client.force_login(people[who])

    assert client.get(settings_url(collab)).status_code == 403
    response = client.post(settings_url(collab), form_data(collab, name="Taken over", **CHANGED))
    assert response.status_code == 403

    stored = fresh(collab)
    assert stored.name == "Website redesign"
    assert stored.post_level == Level.MEMBERS
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.COLLAB_SETTINGS_CHANGED)


def test_it_hides_the_settings_of_other_collabs(client, collab, other_collab, outsider):
    client.force_login(outsider)

    assert client.get(settings_url(collab)).status_code == 404
    assert client.post(settings_url(collab), form_data(collab)).status_code == 404


@pytest.mark.parametrize("who", ["owner", "moderator"])
def test_it_shows_the_page_to_the_owner_and_moderators(client, collab, people, who):
    client.force_login(people[who])

    response = client.get(settings_url(collab))

    assert response.status_code == 200
    assert response.context["form"].fields["settings_level"].disabled is (who == "moderator")


def test_the_owner_saves_every_setting(client, collab, owner):
    client.force_login(owner)

    response = client.post(
        settings_url(collab),
        form_data(collab, name="Website relaunch", description="Second round", **CHANGED),
    )

    assert response.status_code == 302
    assert response["Location"] == settings_url(collab)
    stored = fresh(collab)
    assert stored.name == "Website relaunch"
    assert stored.description == "Second round"
    assert {name: getattr(stored, name) for name in services.SETTINGS_FIELDS} == CORE_CHANGED
    assert features.levels_of(stored)["board"] == BOARD_CHANGED
    event = AuditEvent.objects.get(action=AuditEvent.Action.COLLAB_SETTINGS_CHANGED)
    assert event.actor == owner
    assert set(event.data["changed"]) == set(CORE_CHANGED) | {
        f"board.{verb}" for verb in BOARD_CHANGED
    }


def test_the_moderator_saves_settings_but_not_who_may_change_them(client, collab, moderator):
    client.force_login(moderator)

    response = client.post(
        settings_url(collab),
        form_data(collab, name="Renamed", invite_level=Level.MODERATORS, settings_level="owner"),
    )

    assert response.status_code == 302
    stored = fresh(collab)
    assert stored.name == "Renamed"
    assert stored.invite_level == Level.MODERATORS
    # The field is disabled for moderators: the posted value is ignored.
    assert stored.settings_level == Level.MODERATORS


def test_the_service_refuses_a_moderator_changing_who_may_change_settings(collab, moderator):
    with pytest.raises(PermissionDenied):
        services.change_settings(collab, moderator, settings_level=Level.OWNER)

    assert fresh(collab).settings_level == Level.MODERATORS


def test_the_service_lets_a_moderator_change_other_settings(collab, moderator):
    changed = services.change_settings(
        collab, moderator, settings_level=Level.MODERATORS, post_level=Level.MODERATORS
    )

    assert changed == ["post_level"]
    assert fresh(collab).post_level == Level.MODERATORS


@pytest.mark.parametrize("who", ["member", "guest"])
def test_the_service_refuses_members_and_guests(collab, people, who):
    with pytest.raises(PermissionDenied):
        services.change_settings(collab, people[who], post_level=Level.MODERATORS)
    with pytest.raises(PermissionDenied):
        services.update_collab(collab, people[who], name="Taken over", description="")

    assert fresh(collab).name == "Website redesign"


def test_with_owner_only_settings_a_moderator_is_forbidden(client, collab, owner, moderator):
    services.change_settings(collab, owner, settings_level=Level.OWNER)
    client.force_login(moderator)

    assert client.get(settings_url(collab)).status_code == 403
    response = client.post(settings_url(collab), form_data(fresh(collab), name="Renamed"))
    assert response.status_code == 403
    assert fresh(collab).name == "Website redesign"
    with pytest.raises(PermissionDenied):
        services.change_settings(fresh(collab), moderator, post_level=Level.MODERATORS)


# What the settings allow.


def test_announcement_mode_lets_only_the_owner_and_moderators_post(collab, owner, people):
    services.change_settings(collab, owner, post_level=Level.MODERATORS)
    collab = fresh(collab)

    assert people["owner"].has_perm("chat.post_message", collab)
    assert people["moderator"].has_perm("chat.post_message", collab)
    assert not people["member"].has_perm("chat.post_message", collab)
    assert not people["guest"].has_perm("chat.post_message", collab)


def test_by_default_everyone_in_the_collab_may_post(collab, people):
    for who in ("owner", "moderator", "member", "guest"):
        assert people[who].has_perm("chat.post_message", collab), who
    assert not people["outsider"].has_perm("chat.post_message", collab)


def test_by_default_employees_invite_and_guests_do_not(collab, member, guest):
    assert collab.invite_level == Level.EMPLOYEES
    assert member.has_perm("collabs.invite", collab)
    assert not guest.has_perm("collabs.invite", collab)


def test_guests_invite_only_where_that_was_chosen_explicitly(collab, owner, member, guest):
    services.change_settings(collab, owner, invite_level=Level.MEMBERS)
    collab = fresh(collab)

    assert member.has_perm("collabs.invite", collab)
    assert guest.has_perm("collabs.invite", collab)
    # Even then, the collab's link and the others' invitations stay out of a guest's hands.
    assert not guest.has_perm("invitations.manage_link", collab)
    assert not guest.has_perm("invitations.manage_all", collab)


def test_the_settings_say_which_choice_lets_guests_invite(client, collab, owner):
    client.force_login(owner)

    page = client.get(settings_url(collab)).content.decode()

    assert '<option value="members">All members, guests included</option>' in page
    assert '<option value="employees" selected>Employees only</option>' in page


def test_employees_only_cards_are_hidden_from_guests(collab, owner, member, guest):
    services.change_settings(collab, owner, features={"board": {"view": Level.EMPLOYEES}})
    collab = fresh(collab)

    assert member.has_perm("board.view_card", collab)
    assert not guest.has_perm("board.view_card", collab)


def test_a_deactivated_user_has_no_permission_despite_an_active_membership(collab, deactivated):
    deactivated.refresh_from_db()
    assert not deactivated.is_active
    assert Membership.objects.active().filter(collab=collab, user=deactivated).exists()

    allowed = [perm for perm in RULES if deactivated.has_perm(perm, collab)]

    assert allowed == []


def test_a_superuser_who_is_not_a_member_has_no_collab_permission(collab):
    root = make_user("root@example.com", "Root Admin", is_staff=True, is_superuser=True)

    allowed = [perm for perm in RULES if root.has_perm(perm, collab)]

    assert allowed == []
    # Model-level permissions (the admin) are untouched.
    assert root.has_perm("collabs.change_collab")


def test_a_superuser_member_has_exactly_the_rights_of_the_role(collab, owner):
    root = make_user("root@example.com", "Root Admin", is_staff=True, is_superuser=True)
    services.add_member(collab, owner, root)
    collab = fresh(collab)

    assert root.has_perm("collabs.view_collab", collab)
    assert not root.has_perm("collabs.change_settings", collab)
    assert not root.has_perm("collabs.delete_collab", collab)


def test_a_superuser_who_is_not_a_member_cannot_open_the_settings(client, collab):
    root = make_user("root@example.com", "Root Admin", is_staff=True, is_superuser=True)
    client.force_login(root)

    assert client.get(settings_url(collab)).status_code == 404
