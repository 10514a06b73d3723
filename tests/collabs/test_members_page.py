"""The members page's structure (issue 10): the member list first, the invitations in their
own panel below; a guest marked once; the guest's end date a labelled date picker; the
employee picker starting with a real empty choice."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.collabs import services

pytestmark = pytest.mark.django_db


def members_page(client, user, collab) -> str:
    client.force_login(user)
    response = client.get(reverse("collabs:members", args=[collab.pk]))
    assert response.status_code == 200
    return response.content.decode()


def row_of(page: str, name: str) -> str:
    rows = re.findall(r'<li class="member-row">.*?</li>', page, re.S)
    (row,) = [row for row in rows if name in row]
    return row


def test_the_member_list_comes_before_the_invitations(client, collab, owner):
    page = members_page(client, owner, collab)

    members_at = page.index('aria-labelledby="members-heading"')
    invitations_at = page.index('class="collab-page invitations"')
    assert members_at < page.index('<ul class="members"') < invitations_at
    # Every invite form is still there, in the invitations' panel.
    for action in ("invite_email", "invite_phone", "link_create"):
        assert reverse(f"invitations:{action}", args=[collab.pk]) in page[invitations_at:]


def test_the_email_and_phone_forms_are_laid_out_alike(client, collab, owner):
    page = members_page(client, owner, collab)

    forms = re.findall(r'<form method="post" action="([^"]+)" class="([^"]+)"', page)
    classes = dict(forms)
    assert (
        classes[reverse("invitations:invite_email", args=[collab.pk])]
        == classes[reverse("invitations:invite_phone", args=[collab.pk])]
        == "invite-form"
    )


@pytest.mark.parametrize("viewer", ["owner", "moderator", "member"])
def test_a_guest_is_marked_once(client, collab, people, viewer):
    page = members_page(client, people[viewer], collab)

    row = row_of(page, people["guest"].full_name)
    assert row.count('class="badge badge-guest"') == 1
    assert not re.search(r">\s*Guest\s*<", row)
    # An employee member shows their role in words.
    assert "Member" in row_of(page, people["member"].full_name)


def test_the_owner_still_gets_the_role_choice_for_members(client, collab, owner, member):
    page = members_page(client, owner, collab)

    row = row_of(page, member.full_name)
    assert f'<select name="role" id="role-{member.pk}">' in row
    assert ">Moderator</option>" in row and ">Member</option>" in row


def test_the_end_date_is_a_labelled_date_picker(client, collab, owner, guest):
    page = members_page(client, owner, collab)

    row = row_of(page, guest.full_name)
    label = re.search(rf'<label for="until-{guest.pk}">([^<]*)<', row)
    assert label and label.group(1) == "Access until"  # visible, not visually hidden
    assert f'type="date" name="until" id="until-{guest.pk}"' in row
    assert ">Save</button>" in row
    # Nothing to remove while there is no end date.
    assert "No end date" not in row


def test_an_end_date_can_be_removed(client, collab, owner, guest):
    services.set_guest_expiry(collab, owner, guest, timezone.now() + timedelta(days=9))
    page = members_page(client, owner, collab)

    row = row_of(page, guest.full_name)
    assert "No end date" in row
    assert '<input type="hidden" name="until" value="">' in row

    client.post(reverse("collabs:member_expiry", args=[collab.pk, guest.pk]), {"until": ""})
    page = members_page(client, owner, collab)
    assert "No end date" not in row_of(page, guest.full_name)


def test_the_member_reads_the_end_date_as_text(client, collab, owner, member, guest):
    services.set_guest_expiry(collab, owner, guest, timezone.now() + timedelta(days=9))
    page = members_page(client, member, collab)

    row = row_of(page, guest.full_name)
    assert "access until" in row
    assert 'type="date"' not in row


def test_the_employee_picker_starts_with_a_real_choice_text(client, collab, owner):
    page = members_page(client, owner, collab)

    picker = re.search(r'<select name="user"[^>]*>\s*<option value=""[^>]*>([^<]*)</option>', page)
    assert picker and picker.group(1) == "Choose an employee…"
    assert "---------" not in page
