"""Guests and invitations, from the side of the guest: by default a guest invites nobody; where
the collab lets guests invite ("All members, guests included"), they see and manage only the
invitations they sent, never the other invitees' addresses, and never the collab's link."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.collabs.models import Collab, Level
from apps.collabs.services import change_settings
from apps.invitations import services
from apps.invitations.models import Invitation

pytestmark = pytest.mark.django_db

LEVELS = [Level.OWNER, Level.MODERATORS, Level.EMPLOYEES, Level.MEMBERS]


@pytest.fixture
def theirs(collab, owner, committed):
    """What the owner made: an email invitation, a phone invitation (both sent) and the
    collab's link."""
    with committed():
        made = {
            "email": services.invite_by_email(
                collab, owner, "secret-vendor@example.com", name="Vera"
            ),
            "phone": services.invite_by_phone(collab, owner, "+79991234567", name="Petr"),
            "link": services.create_link(collab, owner),
        }
    for invitation in made.values():
        invitation.refresh_from_db()
    return made


def members_page(client, collab) -> str:
    return client.get(reverse("collabs:members", args=[collab.pk])).content.decode()


def state(invitation: Invitation) -> tuple:
    invitation.refresh_from_db()
    return (invitation.token_hash, invitation.sent_at, invitation.revoked_at)


def set_level(collab: Collab, owner, level: str) -> Collab:
    change_settings(collab, owner, invite_level=level)
    return Collab.objects.get(pk=collab.pk)


def test_by_default_a_guest_invites_nobody_and_sees_no_invitation(client, collab, guest, theirs):
    client.force_login(guest)

    page = members_page(client, collab)
    response = client.post(
        reverse("invitations:invite_email", args=[collab.pk]), {"email": "x@example.com"}
    )

    assert "Invite a guest by email" not in page
    assert "secret-vendor@example.com" not in page and "+79991234567" not in page
    assert services.link_token(theirs["link"]) not in page
    assert response.status_code == 403
    assert not Invitation.objects.filter(email="x@example.com").exists()


@pytest.mark.parametrize("level", LEVELS)
def test_a_guest_never_sees_the_others_invitees_or_the_link(
    client, collab, owner, guest, theirs, level
):
    collab = set_level(collab, owner, level)
    client.force_login(guest)

    page = members_page(client, collab)

    assert "secret-vendor@example.com" not in page and "Vera" not in page
    assert "+79991234567" not in page and "Petr" not in page
    assert services.link_token(theirs["link"]) not in page
    assert "Invitation link" not in page and "Make a link" not in page
    assert ("Invite a guest by email" in page) == (level == Level.MEMBERS)


@pytest.mark.parametrize("level", LEVELS)
def test_a_guest_cannot_resend_or_revoke_someone_elses_invitation(
    client, collab, owner, guest, theirs, level
):
    collab = set_level(collab, owner, level)
    client.force_login(guest)
    # Where guests may invite, someone else's invitation is not found; elsewhere the right is
    # missing altogether.
    refused = 404 if level == Level.MEMBERS else 403
    sent = len(mail.outbox)

    for channel in ("email", "phone"):
        invitation = theirs[channel]
        before = state(invitation)
        for action in ("invitations:resend", "invitations:revoke"):
            response = client.post(reverse(action, args=[collab.pk, invitation.pk]))
            assert response.status_code == refused, (action, channel)
        assert state(invitation) == before
    assert len(mail.outbox) == sent


@pytest.mark.parametrize("level", LEVELS)
def test_a_guest_cannot_remake_revoke_or_download_the_collabs_link(
    client, collab, owner, guest, theirs, level
):
    collab = set_level(collab, owner, level)
    client.force_login(guest)

    made = client.post(reverse("invitations:link_create", args=[collab.pk]), {"days": "3"})
    revoked = client.post(reverse("invitations:link_revoke", args=[collab.pk]))
    qr = client.get(reverse("invitations:link_qr", args=[collab.pk]))

    assert (made.status_code, revoked.status_code, qr.status_code) == (403, 403, 403)
    assert services.active_link(collab) == theirs["link"]
    assert Invitation.objects.filter(channel=Invitation.Channel.LINK).count() == 1


def test_the_services_refuse_a_guest_the_others_invitations_and_the_link(
    collab, owner, guest, theirs
):
    collab = set_level(collab, owner, Level.MEMBERS)

    for act in (services.resend, services.revoke):
        with pytest.raises(PermissionDenied):
            act(collab, guest, theirs["email"].pk)
    with pytest.raises(PermissionDenied):
        services.create_link(collab, guest)
    with pytest.raises(PermissionDenied):
        services.revoke_link(collab, guest)
    assert state(theirs["email"])[2] is None
    assert services.active_link(collab) == theirs["link"]


def test_a_guest_allowed_to_invite_sees_resends_and_revokes_their_own(
    client, collab, owner, guest, theirs, committed
):
    collab = set_level(collab, owner, Level.MEMBERS)
    client.force_login(guest)

    with committed():
        client.post(
            reverse("invitations:invite_email", args=[collab.pk]),
            {"email": "my-friend@example.com", "name": "Fedor"},
        )
    mine = Invitation.objects.get(email="my-friend@example.com")
    page = members_page(client, collab)
    assert "Fedor &lt;my-friend@example.com&gt;" in page
    assert 'aria-label="Your invitations not accepted"' in page
    assert page.count("invitation not accepted") == 1

    old_hash = mine.token_hash
    with committed():
        resent = client.post(reverse("invitations:resend", args=[collab.pk, mine.pk]))
    assert resent.status_code == 302
    mine.refresh_from_db()
    assert mine.token_hash != old_hash
    assert mail.outbox[-1].to == ["my-friend@example.com"]

    revoked = client.post(reverse("invitations:revoke", args=[collab.pk, mine.pk]))
    assert revoked.status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None


def test_a_guest_inviting_an_address_someone_else_invited_learns_nothing_more(
    collab, owner, guest, theirs
):
    collab = set_level(collab, owner, Level.MEMBERS)

    with pytest.raises(ValidationError) as refused:
        services.invite_by_email(collab, guest, "secret-vendor@example.com")

    assert refused.value.messages == ["secret-vendor@example.com is invited already."]


def test_an_employee_who_is_not_a_moderator_manages_only_their_own(client, collab, member, theirs):
    mine = services.invite_by_email(collab, member, "members-friend@example.com")
    client.force_login(member)

    page = members_page(client, collab)
    others = client.post(reverse("invitations:revoke", args=[collab.pk, theirs["email"].pk]))

    assert "members-friend@example.com" in page
    assert "secret-vendor@example.com" not in page and "+79991234567" not in page
    assert others.status_code == 404
    assert state(theirs["email"])[2] is None
    # The collab's link is an employee's to share.
    assert services.link_token(theirs["link"]) in page
    assert mine.invited_by == member


def test_the_moderators_see_and_manage_every_invitation_guests_sent_too(
    client, collab, owner, moderator, guest, theirs
):
    collab = set_level(collab, owner, Level.MEMBERS)
    from_guest = services.invite_by_email(collab, guest, "guests-friend@example.com")
    client.force_login(moderator)

    page = members_page(client, collab)
    revoked = client.post(reverse("invitations:revoke", args=[collab.pk, from_guest.pk]))

    assert "guests-friend@example.com" in page and "secret-vendor@example.com" in page
    assert 'aria-label="Invitations not accepted"' in page
    assert revoked.status_code == 302
    assert state(from_guest)[2] is not None


def test_collabs_on_the_old_default_stop_letting_guests_invite(collab, owner, guest):
    Collab.objects.filter(pk=collab.pk).update(invite_level=Level.MEMBERS)
    chosen = Collab.objects.create(name="Moderated", owner=owner, invite_level=Level.MODERATORS)

    migration = importlib.import_module("apps.collabs.migrations.0004_invite_level_guests_explicit")
    migration.guests_stop_inviting(django_apps, None)

    assert Collab.objects.get(pk=collab.pk).invite_level == Level.EMPLOYEES
    assert Collab.objects.get(pk=chosen.pk).invite_level == Level.MODERATORS
    assert not guest.has_perm("collabs.invite", Collab.objects.get(pk=collab.pk))
