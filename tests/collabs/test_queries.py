"""The hot collab pages make a fixed number of queries, however many collabs or members there are.

The numbers are pinned exactly: a new query on these pages must be a decision (change the number
here and say why), and an N+1 fails at once. django_assert_num_queries prints every query on
failure. Each request starts with two queries of its own: the session and the signed-in user.
"""

import pytest
from django.urls import reverse

from apps.accounts.models import User
from apps.collabs import services
from apps.collabs.models import Collab, Role
from tests.conftest import make_user

LIST_URL = reverse("collabs:list")

# Every full page: + the top bar's bell (unread notifications) and "My tasks" (open tasks): 2.
# session, user, hidden-collab count, memberships with collab and member count (one subquery),
# the collabs' last messages with their authors (the previews)
LIST_QUERIES = 7
# session, user, hidden list, its previews, the top bar's unread total (of the listed collabs)
HIDDEN_LIST_QUERIES = 7
# session, user, membership with its collab (the access check, cached for every permission);
# the chat: the read marker with the first unread message (none: the owner's own notes of
# adding people are not news to her, so no query for unread messages), then the newest page
# and its reactions, the pinned count, the others' read markers ("seen by"). The sidebar's
# tabs load on demand, after the page. (It was 11 while her own notes counted as unread.)
# The list of my collabs beside the page: the memberships with their counters and member
# counts (the header's count is taken from there: frame._member_count), the previews.
DETAIL_QUERIES = 12
# session, user, membership with collab, members with users. (It was 8 while "who may invite"
# let guests invite by default: a guest no longer gets the invitations part.)
# Each framed page also lists my collabs beside it (DETAIL_QUERIES): 2 queries.
MEMBERS_QUERIES = 8
# ... plus, for a guest where the collab lets guests invite, the site policy (guests allowed?)
# and the pending invitations they sent, with their inviter (no link: not a guest's)
MEMBERS_QUERIES_OF_A_GUEST_WHO_INVITES = 10
# An employee who may invite: the employee directory for the "add an employee" picker, the site
# policy, the pending invitations with their inviters and the active link
MEMBERS_QUERIES_WITH_ADD_FORM = 12


def make_collabs(owner: User, member: User, n: int) -> list[Collab]:
    """n collabs with the member in each, some pinned, some hidden, each with a guest too."""
    visitor = make_user(f"visitor{n}@example.com", "Vera Visitor", kind=User.Kind.GUEST)
    collabs = []
    for i in range(n):
        collab = services.create_collab(owner, name=f"Project {i:02d}", description="Work")
        services.add_member(collab, owner, member)
        services.add_member(collab, owner, visitor)
        if i % 5 == 0:
            services.set_pinned(collab, member, True)
        if i % 7 == 3:
            services.set_hidden(collab, member, True)
        collabs.append(collab)
    return collabs


def add_people(collab: Collab, owner: User, total: int) -> None:
    """Fill the collab up to `total` current members: employees, some moderators, some guests."""
    have = collab.memberships.active().filter(user__is_active=True).count()
    for i in range(total - have):
        kind = User.Kind.GUEST if i % 4 == 3 else User.Kind.EMPLOYEE
        user = make_user(f"person{i}@example.com", f"Person {i:02d}", kind=kind)
        services.add_member(collab, owner, user)
        if i % 6 == 0 and kind == User.Kind.EMPLOYEE:
            services.change_role(collab, owner, user, Role.MODERATOR)
    assert collab.memberships.current().count() == total


@pytest.mark.parametrize("n", [2, 50])
def test_my_collabs_take_the_same_queries_for_2_and_50_collabs(
    client, django_assert_num_queries, owner, member, n
):
    make_collabs(owner, member, n)
    client.force_login(member)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL)

    assert response.status_code == 200
    hidden = sum(1 for i in range(n) if i % 7 == 3)
    assert len(response.context["memberships"]) == n - hidden


# 4, not 2: with 2 collabs none is hidden, and an empty list needs no previews query.
@pytest.mark.parametrize("n", [4, 50])
def test_my_hidden_collabs_take_the_same_queries_for_4_and_50_collabs(
    client, django_assert_num_queries, owner, member, n
):
    make_collabs(owner, member, n)
    client.force_login(member)

    with django_assert_num_queries(HIDDEN_LIST_QUERIES):
        response = client.get(LIST_URL + "?hidden=1")

    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 50])
def test_the_collab_page_takes_the_same_queries_for_3_and_50_members(
    client, django_assert_num_queries, owner, size
):
    collab = services.create_collab(owner, name="Big room")
    add_people(collab, owner, size)
    client.force_login(owner)

    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(reverse("collabs:detail", kwargs={"collab_id": collab.pk}))

    assert response.status_code == 200
    assert response.context["member_count"] == size


@pytest.mark.parametrize("size", [3, 50])
def test_the_members_page_takes_the_same_queries_for_3_and_50_members(
    client, django_assert_num_queries, owner, size
):
    collab = services.create_collab(owner, name="Big room")
    add_people(collab, owner, size)
    client.force_login(owner)

    with django_assert_num_queries(MEMBERS_QUERIES_WITH_ADD_FORM):
        response = client.get(reverse("collabs:members", kwargs={"collab_id": collab.pk}))

    assert response.status_code == 200
    assert len(response.context["members"]) == size


@pytest.mark.parametrize("size", [3, 50])
def test_the_members_page_of_a_guest_takes_the_same_queries_for_3_and_50_members(
    client, django_assert_num_queries, owner, size
):
    collab = services.create_collab(owner, name="Big room")
    visitor = make_user("visitor@example.com", "Vera Visitor", kind=User.Kind.GUEST)
    services.add_member(collab, owner, visitor)
    add_people(collab, owner, size)
    client.force_login(visitor)

    with django_assert_num_queries(MEMBERS_QUERIES):
        response = client.get(reverse("collabs:members", kwargs={"collab_id": collab.pk}))

    assert response.status_code == 200
    assert "add_form" not in response.context


@pytest.mark.parametrize("pending", [1, 30])
def test_the_members_page_of_a_guest_who_invites_takes_the_same_queries_for_1_and_30_invitations(
    client, django_assert_num_queries, settings, owner, pending, committed
):
    from apps.invitations.services import invite_by_email

    settings.INVITATIONS_PER_HOUR = 100
    collab = services.create_collab(owner, name="Big room")
    services.change_settings(collab, owner, invite_level="members")
    visitor = make_user("visitor@example.com", "Vera Visitor", kind=User.Kind.GUEST)
    services.add_member(collab, owner, visitor)
    add_people(collab, owner, 5)
    with committed():
        for i in range(pending):
            invite_by_email(collab, visitor, f"mine{i}@example.com")
            invite_by_email(collab, owner, f"theirs{i}@example.com")
    client.force_login(visitor)

    with django_assert_num_queries(MEMBERS_QUERIES_OF_A_GUEST_WHO_INVITES):
        response = client.get(reverse("collabs:members", kwargs={"collab_id": collab.pk}))

    # The page's own content: the list of collabs beside it previews the chat, where the
    # invitations' notes are for every member.
    page = response.content.decode().split('class="collab-main"')[1]
    assert page.count("invitation not accepted") == pending
    assert "theirs0@example.com" not in page


@pytest.mark.parametrize("pending", [1, 30])
def test_the_members_page_takes_the_same_queries_for_1_and_30_pending_invitations(
    client, django_assert_num_queries, settings, owner, pending, committed
):
    from apps.invitations.services import create_link, invite_by_email

    settings.INVITATIONS_PER_HOUR = 100
    collab = services.create_collab(owner, name="Big room")
    add_people(collab, owner, 3)
    with committed():
        for i in range(pending):
            invite_by_email(collab, owner, f"invitee{i}@example.com")
    create_link(collab, owner)
    client.force_login(owner)

    with django_assert_num_queries(MEMBERS_QUERIES_WITH_ADD_FORM):
        response = client.get(reverse("collabs:members", kwargs={"collab_id": collab.pk}))

    assert response.content.decode().count("invitation not accepted") == pending
