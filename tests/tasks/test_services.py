"""Every task service, from the side of each person: who may, who may not, and what the chat,
the history and the cards show afterwards."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from apps.chat import services as chat
from apps.chat.models import MessageAttachment
from apps.collabs import services as collab_services
from apps.collabs.services import CollabNotEmpty
from apps.tasks import services
from apps.tasks.models import ChecklistItem, Status, Task, TaskChange, TaskMember

from .helpers import fresh, make_task, set_levels, system_messages, tomorrow

pytestmark = pytest.mark.django_db


# --- Creating -----------------------------------------------------------------------------------


def test_a_member_creates_a_task_told_in_the_chat_with_its_card(collab, member, guest):
    task = make_task(collab, member, guest, deadline=tomorrow(), checklist=["Draft", "", "Send"])
    assert task.responsible == guest and task.created_by == member
    assert task.status == Status.TODO
    assert list(task.checklist.values_list("text", flat=True)) == ["Draft", "Send"]
    [note] = system_messages(collab, "task_created")
    assert note.system_data["task_id"] == task.pk
    assert note.system_data["user_guest"] is True
    [card] = MessageAttachment.objects.filter(message=note)
    assert (card.kind, card.ref_id, card.data["title"]) == ("task", task.pk, task.title)
    assert TaskChange.objects.filter(task=task, action="created").count() == 1


def test_a_task_from_a_message_keeps_it_and_the_message_shows_the_card(collab, member, owner):
    message = chat.send_message(fresh(collab), owner, "Could you **send** the estimate by Friday?")
    task = make_task(collab, member, member, description=message.body, source_message_id=message.pk)
    assert task.source_message == message
    assert task.description == message.body
    assert "<strong>send</strong>" in task.html
    assert MessageAttachment.objects.filter(message=message, kind="task", ref_id=task.pk).exists()
    message.refresh_from_db()
    assert message.attached


def test_a_task_cannot_come_from_a_message_of_another_collab(
    collab, other_collab, member, other_owner
):
    foreign = chat.send_message(other_collab, other_owner, "secret")
    with pytest.raises(ValidationError):
        make_task(collab, member, source_message_id=foreign.pk)
    assert not Task.objects.exists()


def test_a_double_submit_makes_one_task(collab, member):
    first = make_task(collab, member, client_id="form-1")
    second = make_task(collab, member, client_id="form-1")
    assert first.pk == second.pk
    assert Task.objects.count() == 1
    assert len(system_messages(collab, "task_created")) == 1


@pytest.mark.parametrize("who", ["outsider", "deactivated"])
def test_outsiders_create_nothing(collab, people, who, member):
    people[who].refresh_from_db()
    with pytest.raises((PermissionDenied, Http404)):
        make_task(collab, people[who], member)
    assert not Task.objects.exists()


def test_the_responsible_person_must_be_in_the_collab(collab, member, outsider, deactivated):
    for stranger in (outsider, deactivated):
        with pytest.raises(ValidationError):
            make_task(collab, member, stranger)
    assert not Task.objects.exists()


def test_bad_titles_are_refused_clearly(collab, member):
    for title in ("", "   ", "x" * 201, "lone \ud800 surrogate"):
        with pytest.raises(ValidationError):
            make_task(collab, member, title=title)
    assert not Task.objects.exists()


def test_the_create_setting_keeps_guests_out(collab, owner, guest, member):
    set_levels(collab, owner, create="employees")
    with pytest.raises(PermissionDenied):
        make_task(collab, guest, member)
    assert make_task(collab, member).pk


def test_a_guest_cannot_be_given_a_task_where_guests_do_not_see_tasks(collab, owner, guest, member):
    set_levels(collab, owner, view="employees")
    assert guest not in services.assignable(fresh(collab))
    with pytest.raises(ValidationError):
        make_task(collab, member, guest)


# --- Editing ------------------------------------------------------------------------------------


def _edit(collab, user, task, **changes):
    values = {
        "title": task.title,
        "description": task.description,
        "responsible_id": task.responsible_id,
        "deadline": task.deadline,
        "priority": task.priority,
    }
    values.update(changes)
    return services.update_task(fresh(collab), user, task.pk, **values)


def test_reassigning_is_told_and_logged(collab, member, owner, guest):
    task = make_task(collab, owner, member)
    _edit(collab, owner, task, responsible_id=guest.pk)
    task.refresh_from_db()
    assert task.responsible == guest
    [note] = system_messages(collab, "task_reassigned")
    assert note.system_data["user_name"] == guest.full_name
    change = TaskChange.objects.get(task=task, action="responsible")
    assert change.data["old"]["name"] == member.full_name
    card = MessageAttachment.objects.get(kind="task", ref_id=task.pk)
    assert card.data["responsible"] == guest.full_name


def test_a_stale_edit_is_refused_and_loses_nothing(collab, owner):
    task = make_task(collab, owner)
    version = services.version_of(task)
    _edit(collab, owner, task, title="First edit", base_version=version)
    with pytest.raises(services.StaleEdit):
        _edit(collab, owner, task, title="Second edit", base_version=version)
    task.refresh_from_db()
    assert task.title == "First edit"


def test_the_creator_edits_their_task_but_not_others(collab, member, owner, guest):
    mine = make_task(collab, guest, guest)
    _edit(collab, guest, mine, title="Mine, renamed")
    theirs = make_task(collab, owner, guest)
    with pytest.raises(PermissionDenied):
        _edit(collab, guest, theirs, title="Not mine")
    theirs.refresh_from_db()
    assert theirs.title == "Prepare the estimate"


def test_moving_the_deadline_lets_the_jobs_look_again(collab, owner):
    task = make_task(collab, owner, deadline=timezone.now() - timedelta(hours=1))
    services.note_overdue()
    task.refresh_from_db()
    assert task.overdue_noted is not None
    _edit(collab, owner, task, deadline=tomorrow())
    task.refresh_from_db()
    assert task.overdue_noted is None and task.reminded is None


def test_co_assignees_and_observers(collab, owner, member, guest, moderator):
    task = make_task(collab, owner, member, coassignee_ids=[guest.pk], observer_ids=[moderator.pk])
    roles = dict(TaskMember.objects.filter(task=task).values_list("user_id", "role"))
    assert roles == {guest.pk: "coassignee", moderator.pk: "observer"}
    # The responsible person is never also a co-assignee.
    _edit(collab, owner, task, coassignee_ids=[member.pk, guest.pk], observer_ids=[])
    assert set(TaskMember.objects.filter(task=task).values_list("user_id", flat=True)) == {guest.pk}


# --- Status -------------------------------------------------------------------------------------


def test_the_responsible_guest_completes_and_the_chat_hears(collab, owner, guest):
    task = make_task(collab, owner, guest)
    services.set_status(fresh(collab), guest, task.pk, Status.DONE)
    task.refresh_from_db()
    assert task.status == Status.DONE and task.status_changed_by == guest
    [note] = system_messages(collab, "task_done")
    assert note.actor == guest
    assert (
        MessageAttachment.objects.filter(kind="task", ref_id=task.pk).first().data["status"]
        == "done"
    )
    services.set_status(fresh(collab), owner, task.pk, Status.TODO)
    assert len(system_messages(collab, "task_reopened")) == 1


def test_a_co_assignee_moves_it_a_bystander_does_not(collab, owner, member, guest, moderator):
    task = make_task(collab, owner, moderator, coassignee_ids=[guest.pk])
    services.set_status(fresh(collab), guest, task.pk, Status.IN_PROGRESS)
    other = make_task(collab, owner, moderator)
    set_levels(collab, owner, edit="moderators")
    with pytest.raises(PermissionDenied):
        services.set_status(fresh(collab), member, other.pk, Status.DONE)
    other.refresh_from_db()
    assert other.status == Status.TODO


def test_bad_statuses_are_refused(collab, owner):
    task = make_task(collab, owner)
    with pytest.raises(ValidationError):
        services.set_status(fresh(collab), owner, task.pk, "finished")


def test_the_board_puts_a_card_between_its_neighbours(collab, owner):
    a, b, c = (make_task(collab, owner, title=t) for t in "abc")
    # Newest on top: c, b, a.
    column = lambda: list(  # noqa: E731
        Task.objects.filter(status=Status.IN_PROGRESS)
        .order_by("position")
        .values_list("title", flat=True)
    )
    for task in (a, b):
        services.set_status(fresh(collab), owner, task.pk, Status.IN_PROGRESS)
    assert column() == ["b", "a"]
    services.move_on_board(
        fresh(collab), owner, c.pk, Status.IN_PROGRESS, after_id=b.pk, before_id=a.pk
    )
    assert column() == ["b", "c", "a"]
    services.move_on_board(fresh(collab), owner, a.pk, Status.IN_PROGRESS, before_id=b.pk)
    assert column() == ["a", "b", "c"]
    services.move_on_board(fresh(collab), owner, a.pk, Status.IN_PROGRESS, after_id=c.pk)
    assert column() == ["b", "c", "a"]


# --- Deleting -----------------------------------------------------------------------------------


def test_deleting_is_for_moderators_by_default(collab, owner, member, moderator):
    task = make_task(collab, member)
    with pytest.raises(PermissionDenied):
        services.delete_task(fresh(collab), member, task.pk)
    services.delete_task(fresh(collab), moderator, task.pk)
    assert not Task.objects.exists()
    assert len(system_messages(collab, "task_deleted")) == 1
    assert MessageAttachment.objects.get(kind="task", ref_id=task.pk).data["deleted"] is True


def test_tasks_keep_the_collab_from_being_deleted(collab, owner, member):
    make_task(collab, member)
    make_task(collab, member)
    with pytest.raises(CollabNotEmpty) as refused:
        collab_services.delete_collab(fresh(collab), owner)
    assert "2 tasks" in refused.value.remaining


# --- Checklist, comments, files -----------------------------------------------------------------


def test_the_checklist(collab, owner, guest):
    task = make_task(collab, owner, guest)
    first = services.add_check_item(fresh(collab), owner, task.pk, "Draft", assignee_id=guest.pk)
    second = services.add_check_item(fresh(collab), owner, task.pk, "Send")
    services.toggle_check_item(fresh(collab), guest, task.pk, first.pk, True)
    first.refresh_from_db()
    assert first.done and first.done_by == guest and first.assignee == guest
    services.move_check_item(fresh(collab), owner, task.pk, second.pk, "up")
    assert list(task.checklist.values_list("text", flat=True)) == ["Send", "Draft"]
    # The guest does the task but may not change its checklist.
    with pytest.raises(PermissionDenied):
        services.add_check_item(fresh(collab), guest, task.pk, "Mine")
    with pytest.raises(PermissionDenied):
        services.delete_check_item(fresh(collab), guest, task.pk, second.pk)
    services.delete_check_item(fresh(collab), owner, task.pk, second.pk)
    assert list(ChecklistItem.objects.values_list("text", flat=True)) == ["Draft"]
    actions = list(TaskChange.objects.filter(task=task).values_list("action", flat=True))
    assert {"check_added", "check_done", "check_removed"} <= set(actions)


def test_an_item_of_another_task_is_not_found(collab, owner):
    one, two = make_task(collab, owner), make_task(collab, owner)
    item = services.add_check_item(fresh(collab), owner, one.pk, "Draft")
    with pytest.raises(Http404):
        services.toggle_check_item(fresh(collab), owner, two.pk, item.pk, True)


def test_a_guest_comments_with_markdown_escaped(collab, owner, guest):
    task = make_task(collab, owner, guest)
    comment = services.add_comment(
        fresh(collab), guest, task.pk, "Done, see **here** <script>x</script>"
    )
    assert "<strong>here</strong>" in comment.html
    assert "<script>" not in comment.html
    with pytest.raises(ValidationError):
        services.add_comment(fresh(collab), guest, task.pk, "   ")


def test_outsiders_reach_no_task(collab, owner, outsider, other_collab, deactivated):
    task = make_task(collab, owner)
    # A guest of another collab, naming our task through their own collab.
    with pytest.raises(Http404):
        services.get_task(outsider, other_collab, task.pk)
    deactivated.refresh_from_db()
    for user in (outsider, deactivated):
        with pytest.raises((PermissionDenied, Http404)):
            services.add_comment(fresh(collab), user, task.pk, "hello")
        with pytest.raises((PermissionDenied, Http404)):
            services.set_status(fresh(collab), user, task.pk, Status.DONE)


# --- People leaving -----------------------------------------------------------------------------


def test_a_removed_members_tasks_stay_flagged_for_reassignment(collab, owner, member):
    task = make_task(collab, owner, member)
    done = make_task(collab, owner, member)
    services.set_status(fresh(collab), owner, done.pk, Status.DONE)
    collab_services.remove_member(fresh(collab), owner, member)
    task.refresh_from_db()
    done.refresh_from_db()
    assert task.responsible_left and not done.responsible_left
    # The removed member can no longer move it.
    with pytest.raises((PermissionDenied, Http404)):
        services.set_status(fresh(collab), member, task.pk, Status.DONE)
    collab_services.add_member(fresh(collab), owner, member)
    task.refresh_from_db()
    assert not task.responsible_left


# --- The overdue job ----------------------------------------------------------------------------


def test_the_overdue_job_posts_each_task_once(collab, owner, member):
    late = make_task(collab, owner, member, deadline=timezone.now() - timedelta(minutes=5))
    make_task(collab, owner, member, deadline=tomorrow())
    finished = make_task(collab, owner, member, deadline=timezone.now() - timedelta(days=1))
    services.set_status(fresh(collab), member, finished.pk, Status.DONE)
    assert services.note_overdue() == 1
    assert services.note_overdue() == 0
    [note] = system_messages(collab, "task_overdue")
    assert note.system_data["task_id"] == late.pk
    assert note.actor is None


def test_a_title_is_one_line(collab, member):
    task = make_task(collab, member, title="Call\nthe studio\x00 ")
    assert task.title == "Call the studio"
