"""Who hears of a task through the notification centre, and the emails: the task given to
me and a deadline a day away, over real SMTP, in the reader's language, once, not to those
who opted out. And the top bar's count of my open tasks, sent live to whom it changed for."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications.models import EmailOptOut, Notification
from apps.tasks import services
from apps.tasks.models import Status

from .helpers import fresh, make_task

pytestmark = pytest.mark.django_db


def kinds_of(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True)
    )


def test_the_responsible_and_co_assignees_are_told_not_the_creator(collab, owner, member, guest):
    make_task(collab, owner, member, coassignee_ids=[guest.pk])
    assert kinds_of(member) == ["task_assigned"]
    assert kinds_of(guest) == ["task_assigned"]
    assert kinds_of(owner) == []
    task = services.Task.objects.get()
    note = Notification.objects.get(user=member)
    assert note.url == f"/collabs/{collab.pk}/tasks/{task.pk}/"
    assert note.data["title"] == task.title


def test_status_moves_and_comments_reach_the_people_on_it(collab, owner, member, moderator):
    task = make_task(collab, owner, member, observer_ids=[moderator.pk])
    services.set_status(fresh(collab), member, task.pk, Status.DONE)
    assert kinds_of(owner) == ["task_status"]
    assert kinds_of(moderator) == ["task_status"]
    services.add_comment(fresh(collab), owner, task.pk, "Thanks, @Marina Member!")
    mention = Notification.objects.filter(user=member, kind="task_comment").get()
    assert mention.data["mention"] is True
    assert Notification.objects.get(user=moderator, kind="task_comment").data["mention"] is False


def test_the_assignment_email_is_in_the_readers_language(collab, owner, member, smtp, committed):
    member.language = "ru"
    member.save()
    with committed():
        make_task(collab, owner, member, title="Смета для студии")
    message = smtp.wait_for("member@example.com")
    assert "вам поручена задача «Смета для студии»" in message["Subject"]
    body = smtp.text(message)
    assert "Olga Owner: вам поручена задача «Смета для студии» в коллабе «Website redesign»" in body


def test_an_opted_out_person_gets_no_assignment_email(
    collab, owner, member, guest, smtp, committed
):
    EmailOptOut.objects.create(user=member, kind="task_assigned")
    with committed():
        make_task(collab, owner, member, coassignee_ids=[guest.pk])
    smtp.wait_for("guest@example.com")
    assert [str(m["To"]) for m in smtp.messages] == ["guest@example.com"]
    # The notification centre still has it.
    assert kinds_of(member) == ["task_assigned"]


def test_a_day_before_the_deadline_once(collab, owner, member, guest, smtp, committed):
    due = timezone.now() + timedelta(hours=20)
    task = make_task(collab, owner, member, deadline=due, coassignee_ids=[guest.pk])
    make_task(collab, owner, member, deadline=timezone.now() + timedelta(days=3), title="Later")
    smtp.messages.clear()
    with committed():
        assert services.remind_due() == 1
    with committed():
        assert services.remind_due() == 0
    smtp.wait_for("member@example.com")
    smtp.wait_for("guest@example.com")
    subjects = sorted(str(m["Subject"]) for m in smtp.messages)
    assert subjects == ["CollabHub: Due soon: Prepare the estimate"] * 2
    assert Notification.objects.filter(kind="task_due").count() == 2
    # A new deadline is reminded of again.
    services.update_task(
        fresh(collab),
        owner,
        task.pk,
        title=task.title,
        description="",
        responsible_id=member.pk,
        deadline=due + timedelta(hours=1),
        priority=1,
        coassignee_ids=[guest.pk],
    )
    assert services.remind_due() == 1


def test_a_done_task_is_not_reminded_nor_overdue(collab, owner, member):
    task = make_task(collab, owner, member, deadline=timezone.now() + timedelta(hours=2))
    services.set_status(fresh(collab), member, task.pk, Status.DONE)
    assert services.remind_due() == 0
    assert services.note_overdue(timezone.now() + timedelta(hours=3)) == 0


def test_the_top_bar_count_goes_live_to_whom_it_changed_for(collab, owner, member, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "apps.collabs.live.publish_to_user",
        lambda user_id, kind, data=None, now=False: sent.append((user_id, kind, data)),
    )
    from django.test import TestCase

    with_commit = TestCase.captureOnCommitCallbacks
    with with_commit(execute=True):
        task = make_task(collab, owner, member)
    assert (member.pk, "tasks.open", {"open": 1}) in sent
    sent.clear()
    with with_commit(execute=True):
        services.set_status(fresh(collab), member, task.pk, Status.DONE)
    assert [s for s in sent if s[1] == "tasks.open"] == [(member.pk, "tasks.open", {"open": 0})]


def test_an_edit_tells_new_co_assignees_not_new_observers(collab, owner, member, guest, moderator):
    task = make_task(collab, owner, member)
    services.update_task(
        fresh(collab),
        owner,
        task.pk,
        title=task.title,
        description="",
        responsible_id=member.pk,
        deadline=None,
        priority=1,
        coassignee_ids=[guest.pk],
        observer_ids=[moderator.pk],
    )
    assert kinds_of(guest) == ["task_assigned"]
    assert kinds_of(moderator) == []
    assert kinds_of(member) == ["task_assigned"]  # from the creation only
