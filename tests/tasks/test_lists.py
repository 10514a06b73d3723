"""The collab's tasks page (apps/tasks/lists.py): filters, sorts, keyset pages, the rows'
marks, who may open it, and its query count."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.collabs.services import change_settings, remove_member
from apps.tasks import lists, services
from apps.tasks.models import Priority, Status

pytestmark = pytest.mark.django_db


def url(collab, **params) -> str:
    from django.utils.http import urlencode

    base = reverse("tasks:list", kwargs={"collab_id": collab.pk})
    return f"{base}?{urlencode(params)}" if params else base


def titles(response) -> list[str]:
    return [t.title for t in response.context["tasks"]]


def test_it_lists_open_tasks_by_deadline_nulls_last(client, collab, owner, make_task, soon):
    make_task("Later", deadline=soon(3))
    make_task("No deadline")
    make_task("Sooner", deadline=soon(1))
    done = make_task("Finished", deadline=soon(0.5))
    services.set_status(collab, owner, done.pk, Status.DONE)
    client.force_login(owner)
    response = client.get(url(collab))
    assert response.status_code == 200
    assert titles(response) == ["Sooner", "Later", "No deadline"]


def test_any_status_includes_done_and_a_status_filter_narrows(client, collab, owner, make_task):
    make_task("Open one")
    done = make_task("Done one")
    services.set_status(collab, owner, done.pk, Status.DONE)
    client.force_login(owner)
    assert set(titles(client.get(url(collab, status="")))) == {"Open one", "Done one"}
    assert titles(client.get(url(collab, status="done"))) == ["Done one"]
    assert titles(client.get(url(collab, status="in_progress"))) == []


def test_it_filters_by_responsible_and_me(client, collab, owner, member, guest, make_task):
    make_task("Mine", responsible=member)
    make_task("The guest's", responsible=guest)
    client.force_login(member)
    assert titles(client.get(url(collab, responsible="me"))) == ["Mine"]
    assert titles(client.get(url(collab, responsible=guest.pk))) == ["The guest's"]
    # Someone who is not a choice is ignored, the other filters still apply.
    assert set(titles(client.get(url(collab, responsible="999999", q="guest")))) == {"The guest's"}


def test_it_sorts_newest_first_and_by_priority(client, collab, owner, make_task, soon):
    make_task("Low", priority=Priority.LOW, deadline=soon(1))
    make_task("High late", priority=Priority.HIGH, deadline=soon(5))
    make_task("High soon", priority=Priority.HIGH, deadline=soon(2))
    make_task("Normal", priority=Priority.NORMAL)
    client.force_login(owner)
    assert titles(client.get(url(collab, sort="created"))) == [
        "Normal",
        "High soon",
        "High late",
        "Low",
    ]
    assert titles(client.get(url(collab, sort="priority"))) == [
        "High soon",
        "High late",
        "Normal",
        "Low",
    ]


def test_due_today_is_the_viewers_day(client, collab, owner, make_task):
    """At 23:30 UTC on 10 March it is already the 11th in Vladivostok (UTC+10) and still the
    10th in Los Angeles (UTC-7 since the clocks went forward on the 8th)."""
    utc = ZoneInfo("UTC")
    now = datetime(2026, 3, 10, 23, 30, tzinfo=utc)
    make_task("Morning of the 11th UTC", deadline=datetime(2026, 3, 11, 9, 0, tzinfo=utc))
    make_task("Noon of the 10th UTC", deadline=datetime(2026, 3, 10, 12, 0, tzinfo=utc))
    make_task("No deadline")
    client.force_login(owner)
    from unittest import mock

    owner.timezone = "Asia/Vladivostok"
    owner.save()
    with mock.patch.object(lists.timezone, "now", return_value=now):
        assert titles(client.get(url(collab, due="today"))) == ["Morning of the 11th UTC"]
        assert titles(client.get(url(collab, due="overdue"))) == ["Noon of the 10th UTC"]
        assert titles(client.get(url(collab, due="none"))) == ["No deadline"]
        assert titles(client.get(url(collab, due="week"))) == ["Morning of the 11th UTC"]
    owner.timezone = "America/Los_Angeles"
    owner.save()
    with mock.patch.object(lists.timezone, "now", return_value=now):
        # 05:00 on the 10th there: due today (and past, so overdue too).
        assert titles(client.get(url(collab, due="today"))) == ["Noon of the 10th UTC"]
        assert titles(client.get(url(collab, due="week"))) == [
            "Noon of the 10th UTC",
            "Morning of the 11th UTC",
        ]


@pytest.mark.parametrize("sort", ["deadline", "created", "priority"])
def test_more_pages_walk_every_task_once(client, collab, owner, bulk_tasks, sort, settings):
    bulk_tasks(130)
    client.force_login(owner)
    seen, next_url, pages = [], url(collab, status="", sort=sort), 0
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200
        seen += [t.pk for t in response.context["tasks"]]
        more = response.context["more_url"]
        next_url = reverse("tasks:list", kwargs={"collab_id": collab.pk}) + more if more else ""
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 130


def test_more_with_htmx_answers_the_rows_only(client, collab, owner, bulk_tasks):
    bulk_tasks(60)
    client.force_login(owner)
    first = client.get(url(collab, status=""))
    more = first.context["more_url"]
    response = client.get(url(collab) + more, headers={"HX-Request": "true"})
    assert next(t.name for t in response.templates) == "tasks/_list_rows.html"
    assert b"<html" not in response.content


def test_a_malformed_cursor_is_the_first_page(client, collab, owner, make_task):
    make_task("One")
    client.force_login(owner)
    for cursor in ("@@@", "W10", "WyJ4IiwxXQ", "WzEsMiwzLDRd"):
        response = client.get(url(collab, after=cursor))
        assert response.status_code == 200
        assert titles(response) == ["One"]


def test_rows_show_status_guest_mark_checklist_priority_and_reassignment(
    client, collab, owner, guest, member, make_task, soon
):
    task = make_task(
        "Banner",
        responsible=guest,
        priority=Priority.HIGH,
        deadline=soon(-1),
        checklist=["a", "b", "c"],
    )
    item = task.checklist.first()
    services.toggle_check_item(collab, owner, task.pk, item.pk, True)
    left = make_task("Left behind", responsible=member)
    remove_member(collab, owner, member)
    client.force_login(owner)
    page = client.get(url(collab)).content.decode()
    assert "Banner" in page and "guest" in page
    assert "1/3" in page
    assert "High priority" in page
    assert "overdue" in page
    assert "Needs reassignment" in page
    assert reverse("tasks:detail", kwargs={"collab_id": collab.pk, "task_id": left.pk}) in page


def test_new_task_link_only_with_the_create_right(client, collab, owner, guest):
    change_settings(collab, owner, features={"tasks": {"create": "employees"}})
    client.force_login(guest)
    page = client.get(url(collab)).content.decode()
    assert reverse("tasks:create", kwargs={"collab_id": collab.pk}) not in page
    client.force_login(owner)
    page = client.get(url(collab)).content.decode()
    assert reverse("tasks:create", kwargs={"collab_id": collab.pk}) in page


def test_without_the_view_right_it_is_refused(client, collab, owner, guest):
    change_settings(collab, owner, features={"tasks": {"view": "employees"}})
    client.force_login(guest)
    assert client.get(url(collab)).status_code == 403


@pytest.mark.parametrize("who", ["outsider", "deactivated", "removed", "anonymous"])
def test_outsiders_get_nothing(client, collab, owner, member, people, make_task, who):
    make_task("Secret plan")
    if who == "removed":
        remove_member(collab, owner, member)
        client.force_login(member)
    elif who != "anonymous":
        client.force_login(people[who])
    response = client.get(url(collab))
    assert response.status_code in (302, 404)
    assert b"Secret plan" not in response.content


def _count(django_assert_num_queries, client, target, n):
    with django_assert_num_queries(n):
        assert client.get(target).status_code == 200


# session, user, membership, the collab's people, the page of tasks, then the frame's: the rail
# (memberships with the header's member count, last messages), and the top bar's bell and
# "My tasks".
LIST_QUERIES = 9


@pytest.mark.parametrize("params", [{}, {"status": "", "sort": "priority", "q": "bulk"}])
def test_the_list_costs_the_same_for_5_and_500_tasks_3_and_50_members(
    client, collab, owner, bulk_tasks, many_members, django_assert_num_queries, params
):
    client.force_login(owner)
    bulk_tasks(5)
    _count(django_assert_num_queries, client, url(collab, **params), LIST_QUERIES)
    bulk_tasks(495)
    many_members(47)
    _count(django_assert_num_queries, client, url(collab, **params), LIST_QUERIES)
    # A later page too.
    more = client.get(url(collab, **params)).context["more_url"]
    base = reverse("tasks:list", kwargs={"collab_id": collab.pk})
    _count(django_assert_num_queries, client, base + more, LIST_QUERIES)


def test_time_shown_is_the_viewers(client, collab, owner, make_task):
    deadline = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(
        days=2
    )
    make_task("Zoned", deadline=deadline)
    owner.timezone = "Asia/Tokyo"
    owner.save()
    client.force_login(owner)
    page = client.get(url(collab)).content.decode()
    assert "9:00\u202fPM" in page or "9:00 PM" in page or "21:00" in page
