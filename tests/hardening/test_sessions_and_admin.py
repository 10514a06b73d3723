"""Issue 8: every path that ends someone's access closes their open sockets.

- Finding 2: memberships cannot be deleted in the Django admin (they are ended, keeping the
  history); a membership row deleted all the same (a user or collab deleted with everything)
  closes the member's socket to that collab.
- Finding 9: signing out closes the sockets of that session (not the person's other
  sessions); a password change or reset closes the sockets of every session it voids, while a
  session that still signs the person in stays open.
"""

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from apps.chat import services as chat
from apps.collabs.models import Membership
from tests.chat.ws import (  # noqa: F401  (fixtures)
    CLOSE_REVOKED,
    channel_layer_of_its_own,
    sockets_fixture,
)
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)

post = database_sync_to_async(lambda collab, user, body: chat.send_message(collab, user, body))


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def cookie_of(client: Client) -> str:
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


@database_sync_to_async
def browser(user) -> tuple[Client, str]:
    client = signed_in_client(user)
    return client, cookie_of(client)


# --- Finding 2 ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(db):
    admin = make_user("root@example.com", "Root", is_staff=True, is_superuser=True)
    return signed_in_client(admin)


def test_a_membership_cannot_be_deleted_in_the_admin(admin_client, collab, member):
    membership = Membership.objects.get(collab=collab, user=member, left_at__isnull=True)

    page = admin_client.get(f"/admin/collabs/membership/{membership.pk}/delete/")
    listing = admin_client.get("/admin/collabs/membership/").content.decode()
    bulk = admin_client.post(
        "/admin/collabs/membership/",
        {"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"},
    )

    assert page.status_code == 403
    assert "delete_selected" not in listing
    assert bulk.status_code in (200, 302)
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_the_collab_and_user_pages_offer_no_membership_deletion(admin_client, collab, member):
    collab_page = admin_client.get(f"/admin/collabs/collab/{collab.pk}/change/").content.decode()
    user_page = admin_client.get(f"/admin/accounts/user/{member.pk}/change/").content.decode()

    assert "memberships-0-DELETE" not in collab_page
    assert "memberships-0-DELETE" not in user_page


async def test_a_membership_row_deleted_all_the_same_closes_the_socket(
    sockets, collab, owner, member
):
    socket = await sockets.open(member, collab)

    await database_sync_to_async(
        lambda: Membership.objects.filter(collab=collab, user=member).delete()
    )()

    assert await socket.closed_with() == CLOSE_REVOKED


# --- Finding 9 ------------------------------------------------------------------------------------


async def test_signing_out_closes_that_sessions_socket_only(sockets, collab, owner, member):
    laptop, laptop_cookie = await browser(member)
    _phone, phone_cookie = await browser(member)
    on_laptop = await sockets.open(member, collab, cookie=laptop_cookie)
    on_phone = await sockets.open(member, collab, cookie=phone_cookie)

    response = await sync_to_async(laptop.post)(reverse("account_logout"))

    assert response.status_code == 302
    assert await on_laptop.closed_with() == CLOSE_REVOKED
    # The phone is still signed in, and still live.
    message = await post(collab, owner, "Still there?")
    frame = await on_phone.frame()
    assert frame["id"] == message.pk


async def test_changing_the_password_closes_the_other_sessions_sockets(
    sockets, collab, owner, member
):
    laptop, _ = await browser(member)
    _phone, phone_cookie = await browser(member)
    on_phone = await sockets.open(member, collab, cookie=phone_cookie)

    response = await sync_to_async(laptop.post)(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a new Passw0rd!x", "password2": "a new Passw0rd!x"},
    )

    assert response.status_code == 302
    assert await on_phone.closed_with() == CLOSE_REVOKED
    # The laptop, where the password was changed, is still signed in (a new session key) and
    # opens a socket again.
    again = await sockets.open(member, collab, cookie=cookie_of(laptop))
    assert await again.pong() == []


async def test_a_password_set_elsewhere_closes_every_socket(sockets, collab, member):
    _laptop, cookie = await browser(member)
    socket = await sockets.open(member, collab, cookie=cookie)

    @database_sync_to_async
    def reset():
        member.set_password("reset by the administrator 1!")
        member.save()

    await reset()

    assert await socket.closed_with() == CLOSE_REVOKED


async def test_saving_the_user_without_a_new_password_closes_nothing(sockets, collab, member):
    socket = await sockets.open(member, collab)

    @database_sync_to_async
    def rename():
        member.full_name = "Marina M."
        member.save()

    await rename()

    assert await socket.pong() == []
