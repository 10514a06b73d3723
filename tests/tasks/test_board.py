"""The board (apps/tasks/board.py) and the move endpoint it posts to; the sidebar's tab
(apps/tasks/tab.py)."""

import pytest
from django.urls import reverse

from apps.collabs.services import change_settings, remove_member
from apps.tasks import services
from apps.tasks.models import Status, Task

pytestmark = pytest.mark.django_db


def board_url(collab) -> str:
    return reverse("tasks:board", kwargs={"collab_id": collab.pk})


def tab_url(collab) -> str:
    return reverse("tasks:tab", kwargs={"collab_id": collab.pk})


def move_url(task) -> str:
    return reverse("tasks:move", kwargs={"collab_id": task.collab_id, "task_id": task.pk})


def column(response, status) -> list[str]:
    for col in response.context["columns"]:
        if col["status"] == status:
            return [card.title for card in col["cards"]]
    raise AssertionError(status)


def test_the_board_has_four_columns_in_position_order(client, collab, owner, make_task):
    make_task("First made")
    make_task("Second made")
    moving = make_task("In progress one")
    services.set_status(collab, owner, moving.pk, Status.IN_PROGRESS)
    client.force_login(owner)
    response = client.get(board_url(collab))
    assert response.status_code == 200
    assert [c["status"] for c in response.context["columns"]] == [
        "todo",
        "in_progress",
        "review",
        "done",
    ]
    # A new task goes on top of its column.
    assert column(response, "todo") == ["Second made", "First made"]
    assert column(response, "in_progress") == ["In progress one"]


def test_the_done_column_shows_the_50_latest_with_a_link_to_all(client, collab, owner, bulk_tasks):
    bulk_tasks(240)  # 60 done
    client.force_login(owner)
    response = client.get(board_url(collab))
    done = next(c for c in response.context["columns"] if c["status"] == "done")
    assert len(done["cards"]) == 50 and done["more"]
    assert "?status=done" in response.content.decode()


def test_a_drop_between_two_cards_lands_between_them(client, collab, owner, make_task):
    a, b, c = make_task("A"), make_task("B"), make_task("C")  # column: C, B, A
    client.force_login(owner)
    response = client.post(
        move_url(a),
        {"status": "todo", "after": c.pk, "before": b.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert column(client.get(board_url(collab)), "todo") == ["C", "A", "B"]
    # To the end of another column, without htmx: back to the board.
    response = client.post(move_url(c), {"status": "done", "next": board_url(collab)}, follow=False)
    assert response.status_code == 302
    assert Task.objects.get(pk=c.pk).status == "done"


def test_only_people_who_may_move_a_card_get_it_draggable(
    client, collab, owner, member, guest, make_task
):
    theirs = make_task("The guest's", responsible=guest)
    helped = make_task("Helped by the guest", coassignee_ids=[guest.pk])
    other = make_task("Someone else's", responsible=member)
    client.force_login(guest)
    response = client.get(board_url(collab))
    movable = {
        card.title: card.movable for col in response.context["columns"] for card in col["cards"]
    }
    assert movable == {
        "The guest's": True,
        "Helped by the guest": True,
        "Someone else's": False,
    }
    page = response.content.decode()
    assert move_url(theirs) in page and move_url(helped) in page
    assert move_url(other) not in page
    assert f'id="card{other.pk}-status"' not in page


def test_moving_a_card_without_the_right_is_refused(client, collab, member, guest, make_task):
    task = make_task("Not the guest's", responsible=member)
    client.force_login(guest)
    response = client.post(move_url(task), {"status": "done"}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert Task.objects.get(pk=task.pk).status == "todo"


@pytest.mark.parametrize("who", ["outsider", "deactivated", "removed", "anonymous"])
def test_outsiders_can_neither_see_nor_move(client, collab, owner, member, people, make_task, who):
    task = make_task("Secret plan", responsible=member)
    if who == "removed":
        remove_member(collab, owner, member)
        client.force_login(member)
    elif who != "anonymous":
        client.force_login(people[who])
    for target in (board_url(collab), tab_url(collab)):
        response = client.get(target)
        assert response.status_code in (302, 404)
        assert b"Secret plan" not in response.content
    response = client.post(move_url(task), {"status": "done"}, headers={"HX-Request": "true"})
    assert response.status_code == (302 if who in ("anonymous", "deactivated") else 404)
    assert Task.objects.get(pk=task.pk).status == "todo"


def test_the_board_partial_for_htmx_is_the_columns_only(client, collab, owner, make_task):
    make_task("Card")
    client.force_login(owner)
    response = client.get(board_url(collab), headers={"HX-Request": "true"})
    assert response.templates[0].name == "tasks/_board_columns.html"
    assert b'id="board-columns"' in response.content and b"<html" not in response.content


# session, user, membership, co-assignments (for those who may not edit every task), the open
# cards, the done cards, then the frame's rail (two, with the header's member count), and the
# top bar's bell and "My tasks" counts (two).
@pytest.mark.parametrize(("who", "queries"), [("owner", 9), ("guest", 10)])
def test_the_board_costs_the_same_for_5_and_500_tasks_3_and_50_members(
    client, collab, people, bulk_tasks, many_members, django_assert_num_queries, who, queries
):
    client.force_login(people[who])
    bulk_tasks(5)
    with django_assert_num_queries(queries):
        assert client.get(board_url(collab)).status_code == 200
    bulk_tasks(495)
    many_members(47)
    with django_assert_num_queries(queries):
        assert client.get(board_url(collab)).status_code == 200


# --- The sidebar's tab ------------------------------------------------------------------------


def test_the_tab_lists_open_tasks_overdue_first_then_by_deadline(
    client, collab, owner, make_task, soon
):
    make_task("No deadline")
    make_task("Next week", deadline=soon(7))
    make_task("Overdue", deadline=soon(-2))
    make_task("Tomorrow", deadline=soon(1))
    done = make_task("Done", deadline=soon(-5))
    services.set_status(collab, owner, done.pk, Status.DONE)
    client.force_login(owner)
    response = client.get(tab_url(collab), headers={"HX-Request": "true", "HX-Target": "tab-tasks"})
    assert response.status_code == 200
    assert [t.title for t in response.context["tasks"]] == [
        "Overdue",
        "Tomorrow",
        "Next week",
        "No deadline",
    ]
    page = response.content.decode()
    assert "<html" not in page
    assert reverse("tasks:list", kwargs={"collab_id": collab.pk}) in page
    assert reverse("tasks:create", kwargs={"collab_id": collab.pk}) in page


def test_the_tab_shows_at_most_20_and_the_count_of_all(client, collab, owner, bulk_tasks):
    bulk_tasks(100)  # 75 open
    client.force_login(owner)
    response = client.get(tab_url(collab), headers={"HX-Request": "true", "HX-Target": "tab-tasks"})
    assert len(response.context["tasks"]) == 20
    assert response.context["total"] == 75


def test_the_tab_without_js_is_a_framed_page(client, collab, owner):
    client.force_login(owner)
    response = client.get(tab_url(collab))
    assert response.status_code == 200 and b"<html" in response.content


def test_the_tab_hides_new_task_without_the_create_right(client, collab, owner, guest):
    change_settings(collab, owner, features={"tasks": {"create": "employees"}})
    client.force_login(guest)
    response = client.get(tab_url(collab), headers={"HX-Request": "true", "HX-Target": "tab-tasks"})
    assert reverse("tasks:create", kwargs={"collab_id": collab.pk}).encode() not in response.content


def test_the_tab_costs_the_same_for_5_and_500_tasks_3_and_50_members(
    client, collab, owner, bulk_tasks, many_members, django_assert_num_queries
):
    client.force_login(owner)
    headers = {"HX-Request": "true", "HX-Target": "tab-tasks"}
    bulk_tasks(5)
    # session, user, membership, the rows, the count.
    with django_assert_num_queries(5):
        client.get(tab_url(collab), headers=headers)
    bulk_tasks(495)
    many_members(47)
    with django_assert_num_queries(5):
        client.get(tab_url(collab), headers=headers)
