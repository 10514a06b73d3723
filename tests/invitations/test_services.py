"""Inviting by email and taking the invitation: every way a token can fail, from the side of
the person holding it, and the history the chat keeps of it."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.accounts.models import User
from apps.chat.models import Message
from apps.collabs.models import Level, Membership
from apps.collabs.services import change_settings, remove_member
from apps.invitations import services
from apps.invitations.models import Invitation
from apps.invitations.services import InvitationRefused
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def token_of(message) -> str:
    return re.search(r"/invite/([^/\s]+)/", message.body).group(1)


@pytest.fixture
def invited(collab, owner, committed):
    with committed():
        invitation = services.invite_by_email(collab, owner, "Ivan@Example.com", name="Ivan Petrov")
    invitation.refresh_from_db()
    return invitation, token_of(mail.outbox[-1])


def system_lines(collab) -> list[tuple[str, dict]]:
    return list(
        Message.objects.filter(collab=collab, kind=Message.Kind.SYSTEM)
        .order_by("pk")
        .values_list("system_type", "system_data")
    )


def test_the_email_carries_a_working_single_use_link_in_the_inviters_language(
    collab, owner, invited
):
    invitation, token = invited
    sent = mail.outbox[-1]

    assert sent.to == ["Ivan@example.com"]
    assert collab.name in sent.subject
    assert owner.full_name in sent.body
    assert services.find(token) == invitation
    # Only a digest is stored: the token itself is nowhere in the database.
    assert token not in invitation.token_hash
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_an_owner_writing_russian_sends_a_russian_email(collab, owner, committed):
    owner.language = "ru"
    owner.save()

    with committed():
        services.invite_by_email(collab, owner, "ivan@example.com")

    assert "Приглашение" in mail.outbox[-1].subject


def test_the_invitation_and_the_join_are_written_into_the_chat(collab, owner, invited):
    _invitation, token = invited
    guest = make_user("ivan@example.com", "Ivan Petrov", kind="guest")

    services.accept(token, guest)

    kinds = [kind for kind, _data in system_lines(collab)]
    assert kinds[-2:] == ["invited", "member_joined"]
    assert system_lines(collab)[-2][1]["invitee"] == "Ivan Petrov"
    assert system_lines(collab)[-1][1]["via"] == "email"


def test_accepting_makes_a_guest_account_a_guest_member(collab, invited):
    _invitation, token = invited
    guest = make_user("ivan@example.com", "Ivan Petrov", kind="guest")

    assert services.accept(token, guest) == collab

    assert Membership.objects.active().get(collab=collab, user=guest).role == "guest"


def test_a_used_token_is_refused(collab, invited):
    _invitation, token = invited
    guest = make_user("ivan@example.com", "Ivan Petrov", kind="guest")
    services.accept(token, guest)

    with pytest.raises(InvitationRefused) as refused:
        services.accept(token, guest)
    assert refused.value.reason == InvitationRefused.USED


def test_a_revoked_token_is_refused_and_the_chat_says_so(collab, owner, invited):
    invitation, token = invited
    services.revoke(collab, owner, invitation.pk)
    guest = make_user("ivan@example.com", "Ivan Petrov", kind="guest")

    with pytest.raises(InvitationRefused) as refused:
        services.accept(token, guest)
    assert refused.value.reason == InvitationRefused.REVOKED
    assert system_lines(collab)[-1][0] == "invitation_revoked"
    assert not Membership.objects.filter(collab=collab, user=guest).exists()


def test_an_expired_token_is_refused(collab, invited):
    invitation, token = invited
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    guest = make_user("ivan@example.com", "Ivan Petrov", kind="guest")

    with pytest.raises(InvitationRefused) as refused:
        services.accept(token, guest)
    assert refused.value.reason == InvitationRefused.EXPIRED


def test_invitations_expire_after_the_configured_days(settings, collab, owner):
    settings.INVITATION_DAYS = 2

    invitation = services.invite_by_email(collab, owner, "ivan@example.com")

    assert timedelta(days=2) - (invitation.expires_at - invitation.created) < timedelta(seconds=1)


@pytest.mark.parametrize("token", ["forged", "", "x" * 43, "../../etc"])
def test_a_forged_token_finds_nothing(invited, token):
    with pytest.raises(InvitationRefused) as refused:
        services.find(token)
    assert refused.value.reason == InvitationRefused.INVALID


def test_an_email_invitation_is_only_for_that_address(collab, invited, outsider):
    _invitation, token = invited

    with pytest.raises(InvitationRefused) as refused:
        services.accept(token, outsider)
    assert refused.value.reason == InvitationRefused.OTHER_EMAIL
    assert not Membership.objects.filter(collab=collab, user=outsider).exists()


def test_a_token_of_another_collab_brings_only_into_that_collab(
    collab, other_collab, other_owner, committed
):
    with committed():
        services.invite_by_email(other_collab, other_owner, "ivan@example.com")
    token = token_of(mail.outbox[-1])
    guest = make_user("ivan@example.com", "Ivan Petrov", kind="guest")

    assert services.accept(token, guest) == other_collab

    assert not Membership.objects.filter(collab=collab, user=guest).exists()


def test_resending_kills_the_old_link(collab, owner, invited, committed):
    invitation, old = invited

    with committed():
        services.resend(collab, owner, invitation.pk)
    new = token_of(mail.outbox[-1])

    assert new != old
    with pytest.raises(InvitationRefused):
        services.find(old)
    assert services.find(new) == invitation


def test_someone_removed_from_the_collab_cannot_invite(collab, owner, member):
    remove_member(collab, owner, member)

    with pytest.raises(PermissionDenied):
        services.invite_by_email(collab, member, "ivan@example.com")


def test_guests_cannot_invite_when_only_employees_may(collab, owner, guest):
    change_settings(collab, owner, invite_level=Level.EMPLOYEES)
    collab.refresh_from_db()

    with pytest.raises(PermissionDenied):
        services.invite_by_email(collab, guest, "ivan@example.com")


def test_another_collabs_inviter_cannot_resend_or_revoke_ours(
    collab, other_collab, other_owner, invited
):
    invitation, _token = invited

    for action in (services.resend, services.revoke):
        with pytest.raises(ValidationError):
            action(other_collab, other_owner, invitation.pk)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.parametrize("email", ["not-an-email", "", "a@b", "ivan@@example.com"])
def test_a_bad_address_is_refused_clearly_and_nothing_is_kept(collab, owner, email):
    with pytest.raises(ValidationError, match="is not an email address"):
        services.invite_by_email(collab, owner, email)
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_inviting_a_member_or_someone_already_invited_is_refused(collab, owner, member, invited):
    with pytest.raises(ValidationError, match="already a member"):
        services.invite_by_email(collab, owner, member.email)
    with pytest.raises(ValidationError, match="invited already"):
        services.invite_by_email(collab, owner, "IVAN@example.com")
    assert Invitation.objects.count() == 1


def test_invitations_are_rate_limited_per_person_with_a_clear_error(
    settings, collab, owner, committed
):
    settings.INVITATIONS_PER_HOUR = 2
    with committed():
        services.invite_by_email(collab, owner, "one@example.com")
        invitation = services.invite_by_email(collab, owner, "two@example.com")

    with pytest.raises(ValidationError, match="sent many invitations"):
        services.invite_by_email(collab, owner, "three@example.com")
    with pytest.raises(ValidationError, match="sent many invitations"):
        services.resend(collab, owner, invitation.pk)
    assert Invitation.objects.count() == 2
    assert len(mail.outbox) == 2


# Signing up by an invitation (the accept page's form) is one service: an account and a
# membership, or neither.


def test_signing_up_by_an_invitation_makes_the_guest_and_the_membership(collab, invited):
    _invitation, token = invited

    user, joined = services.sign_up_and_accept(
        token, email="ignored@example.com", full_name="Ivan Petrov", password="x" * 12
    )

    assert joined == collab
    assert user.email.lower() == "ivan@example.com"  # an email invitation names the address
    assert user.is_guest and Membership.objects.active().filter(collab=collab, user=user).exists()


def test_signing_up_when_joining_fails_keeps_no_account(collab, invited, monkeypatch):
    _invitation, token = invited

    def refuse(*args, **kwargs):
        raise ValidationError("The collab is full.")

    monkeypatch.setattr(services.collabs, "join_by_invitation", refuse)

    with pytest.raises(ValidationError):
        services.sign_up_and_accept(token, email="", full_name="Ivan", password="x" * 12)

    assert not User.objects.filter(email__iexact="ivan@example.com").exists()
    assert Invitation.objects.get().accepted_at is None


def test_signing_up_with_a_link_used_up_meanwhile_keeps_no_account(collab, owner):
    link = services.create_link(collab, owner, max_uses=1)
    token = services.link_token(link)
    services.sign_up_and_accept(token, email="first@example.com", full_name="First", password="x")

    with pytest.raises(InvitationRefused) as refused:
        services.sign_up_and_accept(
            token, email="second@example.com", full_name="Second", password="x"
        )

    assert refused.value.reason == InvitationRefused.USED
    assert not User.objects.filter(email="second@example.com").exists()


def test_signing_up_with_an_address_that_has_an_account_says_sign_in(collab, invited):
    _invitation, token = invited
    make_user("ivan@example.com", "Ivan Petrov", kind="guest")

    with pytest.raises(services.AccountExists):
        services.sign_up_and_accept(token, email="", full_name="Ivan", password="x" * 12)
