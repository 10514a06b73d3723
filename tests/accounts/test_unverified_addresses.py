"""Someone who joins by a collab's link types an address and is signed in under it without
proving it. Such an address is marked "unverified" wherever it is shown, and the portal emails
it nothing (mention digests, guest-expiry warnings) until its owner confirms it; then what
waited goes out."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import create_guest
from apps.accounts.verification import may_email
from apps.chat import services as chat
from apps.chat.digest import send_mention_digests
from apps.chat.models import Mention
from apps.collabs import services as collabs
from apps.collabs.models import Membership
from apps.invitations import services as invitations
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LATER = timedelta(hours=1)


@pytest.fixture
def walk_in(collab, owner) -> User:
    """A guest who came by the collab's link, with an address nobody has proven."""
    link = invitations.create_link(collab, owner)
    guest = create_guest(
        email="walk-in@example.com", full_name="Walter Walkin", password=PASSWORD, verified=False
    )
    invitations.accept(invitations.link_token(link), guest)
    return guest


def verify(user: User) -> None:
    EmailAddress.objects.filter(user=user).update(verified=True)


def members_page(client, collab) -> str:
    return client.get(reverse("collabs:members", args=[collab.pk])).content.decode()


def test_joining_by_link_leaves_the_address_unverified_and_by_email_proves_it(
    client, collab, owner, committed
):
    link = invitations.create_link(collab, owner)
    client.post(
        reverse("invitations:accept", args=[invitations.link_token(link)]),
        {
            "email": "walk-in@example.com",
            "full_name": "Walter Walkin",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    with committed():
        invitations.invite_by_email(collab, owner, "ivan@example.com")
    token = re.search(r"/invite/([^/\s]+)/", mail.outbox[-1].body).group(1)
    client.logout()
    client.post(
        reverse("invitations:accept", args=[token]),
        {"full_name": "Ivan Petrov", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert not may_email(User.objects.get(email="walk-in@example.com"))
    assert may_email(User.objects.get(email="ivan@example.com"))


def test_an_address_set_by_an_administrator_may_be_emailed_and_a_deactivated_one_not(db):
    employee = User.objects.create_user("new-hire@example.com", PASSWORD, full_name="New Hire")
    gone = make_user("gone2@example.com", "Gone", is_active=False)

    assert may_email(employee)
    assert not may_email(gone)


# Shown as unverified.


def test_the_owner_sees_the_walk_ins_address_marked_unverified(client, collab, owner, walk_in):
    client.force_login(owner)

    page = members_page(client, collab)

    assert (
        '<span class="email">walk-in@example.com <span class="badge badge-warning">'
        "unverified</span></span>" in page
    )
    assert '<span class="email">guest@example.com</span>' in page


def test_a_verified_address_loses_the_mark(client, collab, owner, walk_in):
    verify(walk_in)
    client.force_login(owner)

    page = members_page(client, collab)

    assert '<span class="email">walk-in@example.com</span>' in page
    assert "unverified" not in page


@pytest.mark.parametrize("who", ["member", "guest"])
def test_members_and_guests_see_no_addresses(client, collab, people, walk_in, who):
    client.force_login(people[who])

    page = members_page(client, collab)

    assert "walk-in@example.com" not in page and "owner@example.com" not in page
    assert "Walter Walkin" in page


def test_the_walk_in_sees_their_own_address_unverified_with_a_way_to_confirm_it(client, walk_in):
    client.force_login(walk_in)

    page = client.get(reverse("accounts:profile")).content.decode()

    assert "walk-in@example.com" in page and "unverified" in page
    assert f'href="{reverse("account_email")}"' in page


def test_a_verified_profile_has_no_mark(client, member):
    client.force_login(member)

    page = client.get(reverse("accounts:profile")).content.decode()

    assert "member@example.com" in page and "unverified" not in page


def test_the_employee_picker_marks_an_unverified_address(client, owner, collab):
    newcomer = make_user("newcomer@example.com", "Nina Newcomer")
    EmailAddress.objects.filter(user=newcomer).update(verified=False)
    client.force_login(owner)

    page = members_page(client, collab)

    assert "Nina Newcomer &lt;newcomer@example.com&gt; (unverified)" in page


# Nothing is emailed to it until it is proven; then what waited goes out.


def test_no_mention_digest_goes_to_an_unverified_address_until_it_is_verified(
    collab, owner, walk_in
):
    chat.send_message(collab, owner, "@Walter Walkin welcome, please read the brief")

    assert send_mention_digests(now=timezone.now() + LATER) == 0
    assert mail.outbox == []
    assert Mention.objects.get(user=walk_in).notified_at is None

    verify(walk_in)

    assert send_mention_digests(now=timezone.now() + LATER) == 1
    [digest] = mail.outbox
    assert digest.to == ["walk-in@example.com"]
    assert "please read the brief" in digest.body


def test_the_walk_in_confirms_the_address_through_allauth_and_the_digest_follows(
    client, collab, owner, walk_in
):
    chat.send_message(collab, owner, "@Walter Walkin welcome")
    assert send_mention_digests(now=timezone.now() + LATER) == 0
    client.force_login(walk_in)

    client.post(reverse("account_email"), {"email": walk_in.email, "action_send": ""})
    [confirmation] = mail.outbox
    key_url = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", confirmation.body)
    client.post(key_url.group(1))

    assert may_email(User.objects.get(pk=walk_in.pk))
    assert send_mention_digests(now=timezone.now() + LATER) == 1
    assert mail.outbox[-1].to == ["walk-in@example.com"]


def test_no_expiry_warning_goes_to_an_unverified_address_until_it_is_verified(
    collab, owner, guest, walk_in
):
    EmailAddress.objects.filter(user=owner).update(verified=False)
    Membership.objects.filter(collab=collab, user=guest).update(added_by=walk_in)
    collabs.set_guest_expiry(collab, owner, guest, timezone.now() + timedelta(days=3))

    assert collabs.expire_guests() == (0, 0)
    assert mail.outbox == []
    assert Membership.objects.get(collab=collab, user=guest).expiry_warned_at is None

    verify(walk_in)

    assert collabs.expire_guests() == (0, 1)
    [warning] = mail.outbox
    assert warning.to == ["walk-in@example.com"]


def test_the_expiry_warning_goes_to_the_owner_when_the_inviter_is_unverified(
    collab, owner, guest, walk_in
):
    Membership.objects.filter(collab=collab, user=guest).update(added_by=walk_in)
    collabs.set_guest_expiry(collab, owner, guest, timezone.now() + timedelta(days=3))

    assert collabs.expire_guests() == (0, 1)

    [warning] = mail.outbox
    assert warning.to == [owner.email]
