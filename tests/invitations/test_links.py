"""The collab's shareable link and its QR code: one active link, regenerate kills the old,
expiry and maximum uses, a join by link, and the QR code read back with zbar."""

import shutil
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.chat.models import Message
from apps.collabs.models import Membership
from apps.invitations import services
from apps.invitations.models import Invitation
from apps.invitations.services import InvitationRefused
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def token(invitation) -> str:
    return services.link_token(invitation)


def test_a_new_link_kills_the_old_one_and_the_chat_says_so(collab, owner):
    first = services.create_link(collab, owner)
    second = services.create_link(collab, owner)

    with pytest.raises(InvitationRefused) as refused:
        services.find(token(first))
    assert refused.value.reason == InvitationRefused.REVOKED
    assert services.find(token(second)) == second
    assert services.active_link(collab) == second
    kinds = list(
        Message.objects.filter(collab=collab, system_type__startswith="link_")
        .order_by("pk")  # without an order PostgreSQL may return the rows in any order
        .values_list("system_type", flat=True)
    )
    assert kinds == ["link_created", "link_replaced"]


def test_the_link_token_is_derived_with_the_servers_secret(settings, collab, owner):
    link = services.create_link(collab, owner)
    before = token(link)
    assert before not in (link.link_key, link.token_hash)

    settings.SECRET_KEY = "another secret entirely, as on another server" * 2

    assert token(link) != before


def test_anyone_with_the_link_joins_and_uses_count(collab, owner):
    link = services.create_link(collab, owner, max_uses=2)
    first = make_user("a@example.com", "Anna Guest", kind="guest")
    second = make_user("b@example.com", "Boris Guest", kind="guest")
    third = make_user("c@example.com", "Clara Guest", kind="guest")

    services.accept(token(link), first)
    services.accept(token(link), first)  # a member opening it again uses nothing up
    services.accept(token(link), second)

    with pytest.raises(InvitationRefused) as refused:
        services.accept(token(link), third)
    assert refused.value.reason == InvitationRefused.USED
    link.refresh_from_db()
    assert link.use_count == 2
    assert not Membership.objects.filter(collab=collab, user=third).exists()
    joined = Message.objects.filter(collab=collab, system_type="member_joined")
    assert [m.system_data["via"] for m in joined] == ["link", "link"]


def test_an_expired_or_revoked_link_is_refused(collab, owner, outsider):
    link = services.create_link(collab, owner, days=1)
    Invitation.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(1))
    with pytest.raises(InvitationRefused) as refused:
        services.accept(token(link), outsider)
    assert refused.value.reason == InvitationRefused.EXPIRED

    fresh = services.create_link(collab, owner)
    services.revoke_link(collab, owner)
    with pytest.raises(InvitationRefused) as refused:
        services.accept(token(fresh), outsider)
    assert refused.value.reason == InvitationRefused.REVOKED
    assert services.active_link(collab) is None


@pytest.mark.parametrize(("days", "uses"), [(0, None), (366, None), (None, 0), (None, 10_001)])
def test_out_of_range_options_are_refused_clearly(collab, owner, days, uses):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.create_link(collab, owner, days=days, max_uses=uses)
    assert not Invitation.objects.exists()


def test_a_visitor_with_the_link_gives_an_address_and_joins(client, collab, owner):
    link = services.create_link(collab, owner)
    url = reverse("invitations:accept", args=[token(link)])

    page = client.get(url).content.decode()
    assert 'name="email"' in page

    response = client.post(
        url,
        {
            "email": "walk-in@example.com",
            "full_name": "Walter Walkin",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response["Location"] == reverse("collabs:detail", args=[collab.pk])
    guest = User.objects.get(email="walk-in@example.com")
    assert guest.is_guest
    assert Membership.objects.active().filter(collab=collab, user=guest).exists()


def test_a_link_visitor_with_a_taken_address_is_sent_to_sign_in(client, collab, owner, member):
    link = services.create_link(collab, owner)

    response = client.post(
        reverse("invitations:accept", args=[token(link)]),
        {
            "email": member.email,
            "full_name": "Someone",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "sign in first" in response.content.decode()
    assert User.objects.filter(email=member.email).count() == 1


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg (Debian zbar-tools) missing")
def test_the_qr_code_reads_back_as_exactly_the_link(client, collab, owner, tmp_path):
    link = services.create_link(collab, owner)
    client.force_login(owner)

    response = client.get(reverse("invitations:link_qr", args=[collab.pk]))

    assert response["Content-Type"] == "image/png"
    image = tmp_path / "qr.png"
    image.write_bytes(response.content)
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert decoded == services.link(token(link))


def test_the_members_page_shows_the_link_and_its_qr_code(client, collab, owner):
    link = services.create_link(collab, owner, max_uses=5)
    client.force_login(owner)

    page = client.get(reverse("collabs:members", args=[collab.pk])).content.decode()

    assert services.link(token(link)) in page
    assert 'aria-label="QR code of the invitation link"' in page
    assert '<svg width="' in page
    assert "Used 0 of 5 times." in page
