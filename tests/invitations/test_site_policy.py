"""The site-wide switch for guests (Django admin): off, nobody can be invited and no invitation
lets anyone in; guests already in keep access."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.accounts.models import SitePolicy
from apps.invitations import services
from apps.invitations.models import Invitation
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def switch_guests(allowed: bool) -> None:
    policy = SitePolicy.current()
    policy.guests_allowed = allowed
    policy.save()


def test_with_guests_off_nobody_can_be_invited(collab, owner):
    switch_guests(False)

    for invite in (
        lambda: services.invite_by_email(collab, owner, "ivan@example.com"),
        lambda: services.invite_by_phone(collab, owner, "+79991234567"),
        lambda: services.create_link(collab, owner),
    ):
        with pytest.raises(ValidationError, match="Guests are switched off"):
            invite()
    assert not Invitation.objects.exists()


def test_with_guests_off_an_invitation_sent_before_lets_nobody_in(client, collab, owner, committed):
    with committed():
        services.invite_by_email(collab, owner, "ivan@example.com")
    token = re.search(r"/invite/([^/\s]+)/", mail.outbox[-1].body).group(1)
    switch_guests(False)

    response = client.get(reverse("invitations:accept", args=[token]))

    assert response.status_code == 403
    assert "Guests cannot join this portal" in response.content.decode()
    ivan = make_user("ivan@example.com", "Ivan", kind="guest")
    with pytest.raises(services.InvitationRefused):
        services.accept(token, ivan)


def test_with_guests_off_guests_already_in_keep_access_and_the_form_is_gone(
    client, collab, guest, owner
):
    switch_guests(False)
    client.force_login(guest)
    assert client.get(reverse("collabs:detail", args=[collab.pk])).status_code == 200

    client.force_login(owner)
    page = client.get(reverse("collabs:members", args=[collab.pk])).content.decode()
    assert "Invite a guest by email" not in page


def test_staff_switch_guests_off_in_the_admin(client):
    admin = make_user("root@example.com", "Root", is_staff=True, is_superuser=True)
    client.force_login(admin)

    listing = client.get("/admin/accounts/sitepolicy/")
    assert listing.status_code == 302
    form = client.get(listing["Location"])
    assert form.status_code == 200
    client.post(listing["Location"], {})  # the box left unticked: off

    assert SitePolicy.current().guests_allowed is False
    assert SitePolicy.objects.count() == 1
