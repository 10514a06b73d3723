"""The list, the panel and the bell cost the same number of queries for 5 notifications and for
500."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.notifications.models import Notification
from tests.notifications.conftest import DEMO


def _make(user, collab, actor, count: int) -> None:
    Notification.objects.bulk_create(
        Notification(user=user, collab=collab, actor=actor, kind=DEMO, data={"name": f"P{i}"})
        for i in range(count)
    )


# The list: session and user (2), the chats' unread total in the top bar (1), the bell's count
# (1), "My tasks" (1), the page of notifications with their collabs (1).
@pytest.mark.parametrize("count", [5, 500])
def test_the_list_costs_the_same_whatever_the_number(
    client, collab, owner, member, count, django_assert_num_queries
):
    _make(member, collab, owner, count)
    client.force_login(member)
    with django_assert_num_queries(6):
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 500])
def test_the_panel_costs_the_same_whatever_the_number(
    client, collab, owner, member, count, django_assert_num_queries
):
    _make(member, collab, owner, count)
    client.force_login(member)
    # Session and user (2), the page with the collabs (1), the unread count (1).
    with django_assert_num_queries(4):
        response = client.get(reverse("notifications:panel"))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 500])
def test_the_bell_costs_one_query_whatever_the_number(
    client, collab, owner, member, count, django_assert_num_queries
):
    """The bell on any page: one query more than the same page without it."""
    from apps.collabs.topbar import _items

    _make(member, collab, owner, count)
    client.force_login(member)
    client.get(reverse("accounts:profile"))  # warm what is cached per process
    bell = _items.pop("notifications")
    try:
        with CaptureQueriesContext(connection) as without:
            client.get(reverse("accounts:profile"))
    finally:
        _items["notifications"] = bell
    with django_assert_num_queries(len(without) + 1):
        html = client.get(reverse("accounts:profile")).content.decode()
    assert f'data-bell-count="{count}"' in html
