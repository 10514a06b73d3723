""" "My tasks" (apps/tasks/mine.py): the person's tasks across their collabs, only where they
still belong and may view tasks; the top bar's count."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from apps.collabs import services as collab_services
from apps.collabs.services import change_settings, remove_member
from apps.tasks import mine, services
from apps.tasks.models import Status

pytestmark = pytest.mark.django_db

URL = "/tasks/"


@pytest.fixture
def second_collab(owner, member, guest):
    collab = collab_services.create_collab(owner, name="Second team")
    collab_services.add_member(collab, owner, member)
    collab_services.add_member(collab, owner, guest)
    return collab


def titles(response) -> list[str]:
    return [t.title for t in response.context["tasks"]]


def test_the_url_is_the_registrys():
    assert reverse("my_tasks:mine") == URL


def test_it_lists_my_open_tasks_across_collabs_overdue_first(
    client, collab, second_collab, owner, member, make_task, soon
):
    make_task("Here, next week", responsible=member, deadline=soon(7))
    make_task("There, overdue", responsible=member, deadline=soon(-1), target=second_collab)
    make_task("There, no deadline", responsible=member, target=second_collab)
    make_task("Not mine", responsible=owner)
    done = make_task("Done already", responsible=member)
    services.set_status(collab, owner, done.pk, Status.DONE)
    client.force_login(member)
    response = client.get(URL)
    assert response.status_code == 200
    assert titles(response) == ["There, overdue", "Here, next week", "There, no deadline"]
    page = response.content.decode()
    assert "Second team" in page and "Website redesign" in page
    response = client.get(URL + "?done=1")
    assert titles(response)[-1] == "Done already"


def test_created_and_involved_views(client, collab, owner, member, guest, make_task):
    make_task("Made by the member", by=member, responsible=owner)
    make_task("Helping", responsible=owner, coassignee_ids=[member.pk])
    make_task("Watching", responsible=owner, observer_ids=[member.pk])
    make_task("Nothing to do with it", responsible=guest)
    client.force_login(member)
    assert titles(client.get(URL + "?view=created")) == ["Made by the member"]
    assert set(titles(client.get(URL + "?view=involved"))) == {"Helping", "Watching"}
    assert titles(client.get(URL + "?view=bogus")) == []  # the default: responsible


def test_a_collab_i_left_or_may_not_view_tasks_in_shows_nothing(
    client, collab, second_collab, owner, member, guest, make_task
):
    make_task("Old team's", responsible=guest)
    make_task("Employees only", responsible=guest, target=second_collab)
    change_settings(second_collab, owner, features={"tasks": {"view": "employees"}})
    remove_member(collab, owner, guest)
    client.force_login(guest)
    assert titles(client.get(URL)) == []
    assert mine.open_count(guest) == 0


def test_outsiders_see_only_their_own(client, collab, people, make_task):
    make_task("Secret", responsible=people["member"])
    for who in ("outsider", "deactivated"):
        client.force_login(people[who])
        response = client.get(URL)
        assert b"Secret" not in response.content
    client.logout()
    assert client.get(URL).status_code == 302


def test_open_count_and_the_top_bar_link(collab, second_collab, owner, member, make_task):
    make_task("One", responsible=member)
    make_task("Two", responsible=member, target=second_collab)
    done = make_task("Three", responsible=member)
    services.set_status(collab, owner, done.pk, Status.DONE)
    assert mine.open_count(member) == 2
    request = RequestFactory().get("/")
    request.user = member
    html = render_to_string("tasks/_topbar.html", {"ctx": {"open": mine.open_count(member)}})
    assert 'href="/tasks/"' in html and "Open tasks: 2" in html
    assert "hidden" not in html.split("nav-count")[1].split(">")[0]


def test_open_count_costs_one_query(
    collab, member, bulk_tasks, many_members, django_assert_num_queries
):
    bulk_tasks(5, responsible=member)
    with django_assert_num_queries(1):
        mine.open_count(member)
    bulk_tasks(495, responsible=member)
    with django_assert_num_queries(1):
        assert mine.open_count(member) == 3 + 371


def test_my_tasks_costs_the_same_for_5_and_500_tasks_and_many_collabs(
    client, collab, owner, member, bulk_tasks, django_assert_num_queries
):
    client.force_login(member)
    bulk_tasks(5, responsible=member)
    # session, user, my memberships (with the collabs' settings), the tasks, and the top
    # bar's unread total, bell and "My tasks" count.
    with django_assert_num_queries(7):
        assert client.get(URL).status_code == 200
    for i in range(10):
        other = collab_services.create_collab(owner, name=f"Team {i}")
        collab_services.add_member(other, owner, member)
        bulk_tasks(50, responsible=member, target=other)
    with django_assert_num_queries(7):
        assert client.get(URL + "?done=1").status_code == 200
