"""The members page: the employee directory, searched by name or email; the buttons each
viewer gets for each member."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.collabs import services
from apps.collabs.models import Collab, Membership, Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_the_directory_search_narrows_the_employee_picker(client, collab, owner):
    make_user("anna.k@example.com", "Anna Karenina")
    make_user("boris.g@example.com", "Boris Godunov")
    client.force_login(owner)

    by_name = client.get(reverse("collabs:members", args=[collab.pk]), {"q": "karen"})
    by_email = client.get(reverse("collabs:members", args=[collab.pk]), {"q": "boris.g@"})

    names = [u.full_name for u in by_name.context["add_form"].fields["user"].queryset]
    assert names == ["Anna Karenina"]
    emails = [u.email for u in by_email.context["add_form"].fields["user"].queryset]
    assert emails == ["boris.g@example.com"]


ACTIONS = {
    "change_role": "collabs:member_role",
    "set_expiry": "collabs:member_expiry",
    "remove": "collabs:member_remove",
}
# "colleague" is a second moderator: moderators may not remove each other.
TARGETS = ("owner", "moderator", "colleague", "member", "guest")
SHOWN = {
    "owner": {
        ("moderator", "change_role"),
        ("colleague", "change_role"),
        ("member", "change_role"),
        ("guest", "set_expiry"),
        ("moderator", "remove"),
        ("colleague", "remove"),
        ("member", "remove"),
        ("guest", "remove"),
    },
    "moderator": {("guest", "set_expiry"), ("member", "remove"), ("guest", "remove")},
    "member": set(),
    "guest": set(),
}


def _accepted(collab, actor, target, action) -> bool:
    """Whether the service does it (undone at once)."""
    collab = Collab.objects.get(pk=collab.pk)
    try:
        with transaction.atomic():
            if action == "change_role":
                current = Membership.objects.active().get(collab=collab, user=target).role
                new = Role.MEMBER if current == Role.MODERATOR else Role.MODERATOR
                services.change_role(collab, actor, target, new)
            elif action == "set_expiry":
                until = timezone.now() + timedelta(days=3)
                services.set_guest_expiry(collab, actor, target, until)
            else:
                services.remove_member(collab, actor, target)
            transaction.set_rollback(True)
    except (PermissionDenied, ValidationError):
        return False
    return True


@pytest.mark.parametrize("viewer", ["owner", "moderator", "member", "guest"])
def test_the_members_page_offers_what_the_services_accept(client, collab, people, viewer):
    """The buttons come from permissions.member_actions, never from role names in the
    template; each one shown is an action the service carries out, and no other."""
    people = {**people, "colleague": make_user("colleague@example.com", "Kira Colleague")}
    owner = people["owner"]
    services.add_member(collab, owner, people["colleague"])
    services.change_role(collab, owner, people["colleague"], Role.MODERATOR)
    client.force_login(people[viewer])
    page = client.get(reverse("collabs:members", args=[collab.pk])).content.decode()

    shown = {
        (target, action)
        for target in TARGETS
        for action, url in ACTIONS.items()
        if f'action="{reverse(url, args=[collab.pk, people[target].pk])}"' in page
    }
    accepted = {
        (target, action)
        for target in TARGETS
        for action in ACTIONS
        if _accepted(collab, people[viewer], people[target], action)
    }
    assert shown == SHOWN[viewer]
    assert shown == accepted
