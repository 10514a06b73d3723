"""The invitation link as the invitee meets it, and the members page as the inviter does."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from apps.accounts.models import User
from apps.collabs.models import Membership
from apps.invitations import services
from apps.invitations.models import Invitation
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def token_of(message) -> str:
    return re.search(r"/invite/([^/\s]+)/", message.body).group(1)


@pytest.fixture
def token(collab, owner, committed):
    with committed():
        services.invite_by_email(collab, owner, "ivan@example.com", name="Ivan Petrov")
    return token_of(mail.outbox[-1])


def accept_url(token: str) -> str:
    return reverse("invitations:accept", args=[token])


def test_the_link_says_who_invites_to_which_collab(client, collab, owner, token):
    response = client.get(accept_url(token))

    assert response.status_code == 200
    text = response.content.decode()
    assert collab.name in text and owner.full_name in text
    assert 'name="password1"' in text  # no account yet: the guest signup form


def test_a_new_guest_signs_up_and_lands_in_the_chat(client, collab, token):
    response = client.post(
        accept_url(token),
        {"full_name": "Ivan Petrov", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("collabs:detail", args=[collab.pk])
    guest = User.objects.get(email="ivan@example.com")
    assert guest.is_guest and guest.full_name == "Ivan Petrov"
    assert Membership.objects.active().filter(collab=collab, user=guest).exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Ivan Petrov (guest) joined by an email invitation" in page.content.decode()


def test_a_double_submitted_signup_makes_one_account_and_a_clear_page(client, collab, token):
    data = {"full_name": "Ivan Petrov", "password1": PASSWORD, "password2": PASSWORD}
    client.post(accept_url(token), data)
    client.logout()

    again = client.post(accept_url(token), data)

    assert again.status_code == 410
    assert "used already" in again.content.decode()
    assert User.objects.filter(email__iexact="ivan@example.com").count() == 1


def test_mismatched_passwords_keep_the_form_and_create_nobody(client, token):
    response = client.post(
        accept_url(token), {"full_name": "Ivan", "password1": PASSWORD, "password2": "other"}
    )

    assert response.status_code == 200
    assert "The two passwords differ." in response.content.decode()
    assert not User.objects.filter(email="ivan@example.com").exists()


def test_an_existing_account_is_asked_to_sign_in_then_joins(client, collab, token):
    ivan = make_user("ivan@example.com", "Ivan Petrov", kind="guest")

    page = client.get(accept_url(token))
    assert "Sign in to join" in page.content.decode()
    assert 'name="password1"' not in page.content.decode()

    client.force_login(ivan)
    joined = client.post(accept_url(token))
    assert joined["Location"] == reverse("collabs:detail", args=[collab.pk])
    assert Membership.objects.active().filter(collab=collab, user=ivan).exists()


def test_someone_signed_in_with_another_account_is_refused(client, collab, token, outsider):
    client.force_login(outsider)

    for method in (client.get, client.post):
        response = method(accept_url(token))
        assert response.status_code == 403
        assert "ivan@example.com" in response.content.decode()
    assert not Membership.objects.filter(collab=collab, user=outsider).exists()


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ("revoke", 410, "revoked"),
        ("expire", 410, "expired"),
        ("forge", 404, "not a valid invitation"),
    ],
)
def test_a_dead_link_gets_a_clear_page_never_an_error(
    client, collab, owner, token, change, status, text
):
    invitation = Invitation.objects.get()
    if change == "revoke":
        services.revoke(collab, owner, invitation.pk)
    elif change == "expire":
        Invitation.objects.update(expires_at=invitation.created)
    else:
        token = token[:-4] + "abcd"

    for method in (client.get, client.post):
        response = method(accept_url(token))
        assert response.status_code == status
        assert text in response.content.decode()
        assert collab.name not in response.content.decode()


def test_the_members_page_lists_pending_invitations_with_resend_and_revoke(
    client, collab, owner, token
):
    client.force_login(owner)

    page = client.get(reverse("collabs:members", args=[collab.pk])).content.decode()

    assert "Ivan Petrov &lt;ivan@example.com&gt;" in page
    assert "invitation not accepted" in page
    assert "Send the invitation of Ivan Petrov &lt;ivan@example.com&gt; again" in page
    assert "Revoke the invitation of" in page


@pytest.mark.django_db(transaction=True)  # the request's own commit sends the email
def test_inviting_from_the_members_page_sends_and_lists(client, collab, owner):
    client.force_login(owner)

    response = client.post(
        reverse("invitations:invite_email", args=[collab.pk]),
        {"email": "maria@example.com", "name": ""},
        follow=True,
    )

    assert "The invitation is sent to maria@example.com." in response.content.decode()
    assert mail.outbox[-1].to == ["maria@example.com"]
    assert "maria@example.com" in response.content.decode()


def test_a_bad_address_from_the_members_page_is_a_message_not_an_error(client, collab, owner):
    client.force_login(owner)

    response = client.post(
        reverse("invitations:invite_email", args=[collab.pk]),
        {"email": "not an email", "name": ""},
        follow=True,
    )

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_invite_form_is_not_offered_to_those_who_may_not_invite(client, collab, owner, guest):
    from apps.collabs.services import change_settings

    change_settings(collab, owner, invite_level="employees")
    client.force_login(guest)

    page = client.get(reverse("collabs:members", args=[collab.pk])).content.decode()

    assert "Invite a guest by email" not in page
