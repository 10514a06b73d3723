"""Membership: creating a collab, adding people, roles, removing, leaving, handing over, and each
person's own view of their list (pinned, hidden). Both the services and the pages."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from apps.accounts.models import AuditEvent, User
from apps.accounts.services import deactivate_user
from apps.collabs import services
from apps.collabs.forms import AddMemberForm
from apps.collabs.models import Collab, Membership, Role
from tests.collabs.pages import alerts, collab_names, control_names, read
from tests.conftest import make_user, png

LIST_URL = reverse("collabs:list")
CREATE_URL = reverse("collabs:create")


def url(name: str, collab: Collab, **kwargs) -> str:
    return reverse(f"collabs:{name}", kwargs={"collab_id": collab.pk, **kwargs})


def membership(collab: Collab, user: User) -> Membership:
    return Membership.objects.active().get(collab=collab, user=user)


def role_of(collab: Collab, user: User) -> str:
    return membership(collab, user).role


def is_member(collab: Collab, user: User) -> bool:
    return Membership.objects.active().filter(collab=collab, user=user).exists()


@pytest.fixture
def employee(db) -> User:
    """An employee not yet in the collab."""
    return make_user("newbie@example.com", "Nina Newbie")


@pytest.fixture
def second_moderator(collab, owner) -> User:
    user = make_user("mod2@example.com", "Mila Moderator")
    services.add_member(collab, owner, user)
    services.change_role(collab, owner, user, Role.MODERATOR)
    return user


# Creating a collab.


def test_an_employee_creates_a_collab_and_owns_it(client, owner):
    client.force_login(owner)

    response = client.post(CREATE_URL, {"name": "Annual report", "description": "Q4"})

    collab = Collab.objects.get(name="Annual report")
    assert response.status_code == 302
    assert response["Location"] == url("detail", collab)
    assert collab.owner == owner
    assert collab.description == "Q4"
    assert role_of(collab, owner) == Role.OWNER
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.COLLAB_CREATED, actor=owner, collab_id=collab.pk
    ).exists()


def test_an_employee_creates_a_collab_with_an_avatar(client, owner):
    client.force_login(owner)

    response = client.post(CREATE_URL, {"name": "Annual report", "avatar": png()})

    assert response.status_code == 302
    collab = Collab.objects.get(name="Annual report")
    assert collab.avatar.name.startswith("avatars/collabs/")


def test_it_forbids_guests_to_create_collabs(client, guest):
    client.force_login(guest)

    assert client.get(CREATE_URL).status_code == 403
    assert client.post(CREATE_URL, {"name": "Guest's own"}).status_code == 403
    assert not Collab.objects.exists()
    with pytest.raises(PermissionDenied):
        services.create_collab(guest, name="Guest's own")


def test_it_refuses_a_collab_without_a_name(client, owner):
    client.force_login(owner)

    response = client.post(CREATE_URL, {"name": "", "description": "Nameless"})

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["This field is required."]
    assert alerts(response) == ["This field is required."]
    assert not Collab.objects.exists()


def test_it_refuses_an_oversized_avatar_with_a_clear_message(client, owner, settings):
    settings.AVATAR_MAX_BYTES = 4 * 1024
    # Noise does not compress: this valid PNG is well over the limit.
    buffer = io.BytesIO()
    Image.effect_noise((64, 64), 100).convert("RGB").save(buffer, "PNG")
    size = len(buffer.getvalue())
    assert size > settings.AVATAR_MAX_BYTES
    upload = SimpleUploadedFile("big.png", buffer.getvalue(), content_type="image/png")
    client.force_login(owner)

    response = client.post(CREATE_URL, {"name": "Too big", "avatar": upload})

    assert response.status_code == 200
    message = f"The picture is too large ({size // 1024} KB); the limit is 4 KB."
    assert response.context["form"].errors["avatar"] == [message]
    assert alerts(response) == [message]
    assert not Collab.objects.exists()


# The collab page.


def test_the_collab_page_shows_the_name_member_count_and_header_buttons(client, collab, member):
    client.force_login(member)

    response = client.get(url("detail", collab))

    assert response.status_code == 200
    assert "Website redesign" in read(response).headings
    # Owner, moderator, member and guest; the deactivated user is not counted.
    assert response.context["member_count"] == 4
    assert "4 members" in control_names(response, "a")
    # No dead "coming soon" controls: features not installed add nothing; an installed one
    # (tasks) adds its own.
    controls = control_names(response, "button") + control_names(response, "a")
    for name in ("Video call", "Audio call", "Create meeting"):
        assert name not in controls
    assert "Create task" in controls
    assert "Collab menu" in control_names(response, "summary")


def test_the_collab_menu_offers_what_the_role_allows(client, collab, owner, member):
    client.force_login(owner)
    owners = control_names(client.get(url("detail", collab)))
    client.force_login(member)
    members = control_names(client.get(url("detail", collab)))

    assert {"Settings", "Transfer ownership", "Delete collab"} <= set(owners)
    assert "Leave" not in owners
    assert not {"Settings", "Transfer ownership", "Delete collab"} & set(members)
    assert "Leave" in members


# Adding people.


def test_an_added_employee_becomes_a_member(collab, owner, employee):
    added = services.add_member(collab, owner, employee)

    assert added.role == Role.MEMBER
    assert added.added_by == owner
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.MEMBER_ADDED, target_user=employee, collab_id=collab.pk
    ).exists()


def test_an_added_guest_becomes_a_guest(collab, owner):
    visitor = make_user("visitor@example.com", "Vera Visitor", kind=User.Kind.GUEST)

    assert services.add_member(collab, owner, visitor).role == Role.GUEST


def test_it_refuses_to_add_someone_twice(collab, owner, member):
    with pytest.raises(ValidationError, match="already a member"):
        services.add_member(collab, owner, member)

    assert Membership.objects.filter(collab=collab, user=member).count() == 1


def test_it_refuses_to_add_a_deactivated_user(collab, owner):
    former = make_user("former@example.com", "Fedor Former")
    deactivate_user(former)
    former.refresh_from_db()

    with pytest.raises(ValidationError, match="deactivated"):
        services.add_member(collab, owner, former)

    assert not Membership.objects.filter(user=former).exists()


def test_an_employee_adds_an_employee_through_the_page(client, collab, member, employee):
    client.force_login(member)

    response = client.post(url("member_add", collab), {"user": employee.pk})

    assert response.status_code == 302
    assert response["Location"] == url("members", collab)
    assert role_of(collab, employee) == Role.MEMBER


def test_it_forbids_guests_to_add_employees(client, collab, guest, employee):
    client.force_login(guest)

    response = client.post(url("member_add", collab), {"user": employee.pk})

    assert response.status_code == 403
    assert not is_member(collab, employee)
    with pytest.raises(PermissionDenied):
        services.add_member(collab, guest, employee)


def test_the_page_refuses_to_add_a_guest_from_the_employee_directory(client, collab, owner):
    visitor = make_user("visitor@example.com", "Vera Visitor", kind=User.Kind.GUEST)
    client.force_login(owner)

    response = client.post(url("member_add", collab), {"user": visitor.pk}, follow=True)

    assert not is_member(collab, visitor)
    assert "Pick an employee who is not in the collab yet." in [
        str(m) for m in response.context["messages"]
    ]


def test_someone_who_left_is_offered_again_and_rejoins_through_the_page(
    client, collab, owner, member, other_owner
):
    # They left this collab and meanwhile work in another one.
    services.leave_collab(collab, member)
    elsewhere = services.create_collab(other_owner, name="Elsewhere")
    services.add_member(elsewhere, other_owner, member)
    client.force_login(owner)

    offered = list(client.get(url("members", collab)).context["add_form"].fields["user"].queryset)
    response = client.post(url("member_add", collab), {"user": member.pk})

    assert member in offered
    assert response.status_code == 302
    assert role_of(collab, member) == Role.MEMBER
    assert Membership.objects.filter(collab=collab, user=member).count() == 2


def test_the_picker_leaves_out_current_members_only(collab, owner, member, employee):
    offered = set(AddMemberForm(collab=collab).fields["user"].queryset)

    # Not the people already in (owner, moderator, member), not guests, not the deactivated.
    assert offered == {employee}


# Roles.


def test_the_owner_makes_a_member_a_moderator_and_back(client, collab, owner, member):
    client.force_login(owner)

    response = client.post(url("member_role", collab, user_id=member.pk), {"role": "moderator"})

    assert response.status_code == 302
    assert role_of(collab, member) == Role.MODERATOR
    client.post(url("member_role", collab, user_id=member.pk), {"role": "member"})
    assert role_of(collab, member) == Role.MEMBER
    changes = AuditEvent.objects.filter(
        action=AuditEvent.Action.ROLE_CHANGED, target_user=member
    ).order_by("id")
    assert [(e.data["old"], e.data["new"]) for e in changes] == [
        ("member", "moderator"),
        ("moderator", "member"),
    ]


@pytest.mark.parametrize("who", ["moderator", "member", "guest"])
def test_only_the_owner_changes_roles(client, collab, people, who):
    client.force_login(people[who])

    response = client.post(
        url("member_role", collab, user_id=people["member"].pk), {"role": "moderator"}
    )

    assert response.status_code == 403
    assert role_of(collab, people["member"]) == Role.MEMBER
    with pytest.raises(PermissionDenied):
        services.change_role(collab, people[who], people["member"], Role.MODERATOR)


def test_a_guest_keeps_the_guest_role(client, collab, owner, guest):
    with pytest.raises(ValidationError, match="Guests keep the guest role"):
        services.change_role(collab, owner, guest, Role.MODERATOR)

    client.force_login(owner)
    client.post(url("member_role", collab, user_id=guest.pk), {"role": "moderator"})
    assert role_of(collab, guest) == Role.GUEST


def test_the_owners_role_does_not_change(client, collab, owner):
    with pytest.raises(ValidationError):
        services.change_role(collab, owner, owner, Role.MEMBER)

    client.force_login(owner)
    client.post(url("member_role", collab, user_id=owner.pk), {"role": "member"})
    assert role_of(collab, owner) == Role.OWNER


def test_nobody_is_made_owner_by_a_role_change(client, collab, owner, moderator):
    with pytest.raises(ValidationError):
        services.change_role(collab, owner, moderator, Role.OWNER)

    client.force_login(owner)
    client.post(url("member_role", collab, user_id=moderator.pk), {"role": "owner"})
    assert role_of(collab, moderator) == Role.MODERATOR
    assert Collab.objects.get(pk=collab.pk).owner == owner


# Removing people.


@pytest.mark.parametrize("who", ["member", "guest"])
def test_a_moderator_removes_members_and_guests(client, collab, moderator, people, who):
    target = people[who]
    before = membership(collab, target)
    client.force_login(moderator)

    response = client.post(url("member_remove", collab, user_id=target.pk))

    assert response.status_code == 302
    assert not is_member(collab, target)
    before.refresh_from_db()  # the row is kept, as history
    assert before.left_at is not None
    assert before.left_reason == Membership.LeftReason.REMOVED
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.MEMBER_REMOVED, actor=moderator, target_user=target
    ).exists()


def test_a_moderator_cannot_remove_another_moderator(client, collab, moderator, second_moderator):
    client.force_login(moderator)

    response = client.post(url("member_remove", collab, user_id=second_moderator.pk))

    assert response.status_code == 403
    assert is_member(collab, second_moderator)
    with pytest.raises(PermissionDenied):
        services.remove_member(collab, moderator, second_moderator)


def test_the_owner_removes_a_moderator(collab, owner, moderator):
    services.remove_member(collab, owner, moderator)

    assert not is_member(collab, moderator)


@pytest.mark.parametrize("who", ["owner", "moderator"])
def test_nobody_removes_the_owner(client, collab, owner, people, who):
    with pytest.raises(ValidationError):
        services.remove_member(collab, people[who], owner)

    client.force_login(people[who])
    client.post(url("member_remove", collab, user_id=owner.pk))
    assert role_of(collab, owner) == Role.OWNER


@pytest.mark.parametrize("who", ["member", "guest"])
def test_members_and_guests_remove_nobody(client, collab, people, who):
    client.force_login(people[who])

    response = client.post(url("member_remove", collab, user_id=people["member"].pk))

    assert response.status_code == 403
    assert is_member(collab, people["member"])


def test_a_removed_member_loses_the_collab(client, collab, owner, member):
    client.force_login(member)
    assert "Website redesign" in collab_names(client.get(LIST_URL))

    services.remove_member(collab, owner, member)

    assert client.get(url("detail", collab)).status_code == 404
    assert client.get(url("members", collab)).status_code == 404
    assert "Website redesign" not in collab_names(client.get(LIST_URL))
    assert "Website redesign" not in collab_names(client.get(LIST_URL + "?hidden=1"))


def test_a_removed_member_loses_their_rights_at_once_on_the_same_collab_object(
    collab, owner, member
):
    # A long-lived holder of the collab (a consumer, a batch job) asks the access layer again.
    assert member.has_perm("collabs.view_collab", collab)

    services.remove_member(collab, owner, member)

    assert not member.has_perm("collabs.view_collab", collab)
    assert not member.has_perm("chat.post_message", collab)


def test_a_demoted_moderator_loses_moderator_rights_at_once_on_the_same_collab_object(
    collab, owner, moderator
):
    assert moderator.has_perm("collabs.remove_member", collab)

    services.change_role(collab, owner, moderator, Role.MEMBER)

    assert not moderator.has_perm("collabs.remove_member", collab)


def test_an_added_person_gains_their_rights_at_once_on_the_same_collab_object(
    collab, owner, employee
):
    assert not employee.has_perm("collabs.view_collab", collab)

    services.add_member(collab, owner, employee)

    assert employee.has_perm("collabs.view_collab", collab)


# Leaving.


def test_the_owner_cannot_leave(client, collab, owner):
    client.force_login(owner)

    assert client.get(url("leave", collab)).status_code == 403
    assert client.post(url("leave", collab)).status_code == 403
    with pytest.raises(ValidationError):
        services.leave_collab(collab, owner)
    assert role_of(collab, owner) == Role.OWNER


def test_a_member_leaves_and_loses_the_collab(client, collab, member):
    client.force_login(member)
    assert client.get(url("leave", collab)).status_code == 200

    response = client.post(url("leave", collab))

    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    assert client.get(url("detail", collab)).status_code == 404
    assert "Website redesign" not in collab_names(client.get(LIST_URL))
    stint = Membership.objects.get(collab=collab, user=member)
    assert stint.left_reason == Membership.LeftReason.LEFT
    assert stint.left_at is not None


def test_rejoining_starts_a_new_stint_and_keeps_the_old_one(client, collab, owner, member):
    services.leave_collab(collab, member)

    services.add_member(collab, owner, member)

    first, second = Membership.objects.filter(collab=collab, user=member).order_by("joined_at")
    assert first.pk != second.pk
    assert first.left_reason == Membership.LeftReason.LEFT and first.left_at is not None
    assert second.left_at is None and second.left_reason == ""
    assert second.joined_at >= first.left_at
    client.force_login(member)
    assert client.get(url("detail", collab)).status_code == 200


# Handing the collab over.


def test_the_owner_transfers_ownership_to_a_moderator(client, collab, owner, moderator):
    client.force_login(owner)

    response = client.post(url("transfer", collab), {"new_owner": moderator.pk})

    assert response.status_code == 302
    assert response["Location"] == url("members", collab)
    assert role_of(collab, moderator) == Role.OWNER
    assert role_of(collab, owner) == Role.MODERATOR
    assert Collab.objects.get(pk=collab.pk).owner == moderator
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.OWNERSHIP_TRANSFERRED, actor=owner, target_user=moderator
    ).exists()
    # The new owner now holds the owner's rights, the old one no longer does.
    client.force_login(moderator)
    assert client.get(url("delete", collab)).status_code == 200
    client.force_login(owner)
    assert client.get(url("delete", collab)).status_code == 403


def test_ownership_goes_only_to_an_active_employee_member(collab, owner, guest, deactivated):
    outsider_employee = make_user("elsewhere@example.com", "Egor Elsewhere")

    for candidate in (guest, deactivated, outsider_employee):
        with pytest.raises(ValidationError):
            services.transfer_ownership(collab, owner, User.objects.get(pk=candidate.pk))

    assert role_of(collab, owner) == Role.OWNER
    assert Collab.objects.get(pk=collab.pk).owner == owner


def test_the_transfer_page_does_not_offer_a_guest(client, collab, owner, guest):
    client.force_login(owner)

    response = client.post(url("transfer", collab), {"new_owner": guest.pk})

    assert response.status_code == 200
    assert "new_owner" in response.context["form"].errors
    assert role_of(collab, guest) == Role.GUEST
    assert Collab.objects.get(pk=collab.pk).owner == owner


@pytest.mark.parametrize("who", ["moderator", "member", "guest"])
def test_only_the_owner_transfers_ownership(client, collab, people, who):
    client.force_login(people[who])

    assert client.get(url("transfer", collab)).status_code == 403
    response = client.post(url("transfer", collab), {"new_owner": people["moderator"].pk})
    assert response.status_code == 403
    assert Collab.objects.get(pk=collab.pk).owner == people["owner"]
    with pytest.raises(PermissionDenied):
        services.transfer_ownership(collab, people[who], people["moderator"])


# My list: pinned first, hidden left out.


@pytest.fixture
def three_collabs(collab, owner) -> list[Collab]:
    """Alpha, Beta and our Website redesign, all the owner's."""
    return [
        services.create_collab(owner, name="Alpha"),
        services.create_collab(owner, name="Beta"),
        collab,
    ]


def test_the_list_shows_the_most_recently_active_first(client, owner, three_collabs):
    from apps.chat.services import send_message

    client.force_login(owner)

    # Made one after the other: the newest first.
    assert collab_names(client.get(LIST_URL)) == ["Beta", "Alpha", "Website redesign"]

    send_message(three_collabs[2], owner, "News from the redesign")

    assert collab_names(client.get(LIST_URL)) == ["Website redesign", "Beta", "Alpha"]


def test_a_pinned_collab_comes_first_until_unpinned(client, collab, owner, three_collabs):
    client.force_login(owner)

    response = client.post(url("pin", collab), {"pinned": "1", "next": "list"})

    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    assert membership(collab, owner).pinned
    assert collab_names(client.get(LIST_URL)) == ["Website redesign", "Beta", "Alpha"]

    client.post(url("pin", collab), {"pinned": "0"})

    assert not membership(collab, owner).pinned
    assert collab_names(client.get(LIST_URL)) == ["Beta", "Alpha", "Website redesign"]


def test_pinning_is_personal(client, collab, owner, member, three_collabs):
    client.force_login(owner)
    client.post(url("pin", collab), {"pinned": "1"})

    assert not membership(collab, member).pinned


def test_a_hidden_collab_leaves_the_list_and_shows_among_the_hidden(
    client, collab, owner, three_collabs
):
    client.force_login(owner)

    response = client.post(url("hide", collab), {"hidden": "1"})

    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    listing = client.get(LIST_URL)
    assert collab_names(listing) == ["Beta", "Alpha"]
    assert "1 hidden collab" in control_names(listing, "a")
    assert collab_names(client.get(LIST_URL + "?hidden=1")) == ["Website redesign"]
    # Hidden is not gone: the collab still opens.
    assert client.get(url("detail", collab)).status_code == 200

    client.post(url("hide", collab), {"hidden": "0", "next": "list"})

    assert collab_names(client.get(LIST_URL)) == ["Beta", "Alpha", "Website redesign"]
    assert collab_names(client.get(LIST_URL + "?hidden=1")) == []


def test_hiding_is_personal(client, collab, owner, member):
    client.force_login(owner)
    client.post(url("hide", collab), {"hidden": "1"})

    client.force_login(member)
    assert collab_names(client.get(LIST_URL)) == ["Website redesign"]
