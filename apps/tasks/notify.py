"""Who hears of what happens to a task, through the notification centre (apps.notifications):

    task_assigned   the responsible person and co-assignees given the task     (email)
    task_status     the people on the task when it moves (creator, responsible,
                    co-assignees, observers), but not who moved it
    task_comment    the people on the task when someone comments; a mention says so
    task_overdue    the responsible person and the creator
    task_due        the responsible person and co-assignees, a day before       (email)

Names and titles are stored as they were; the sentences are made in the reader's language
when read (kinds are registered in apps.py)."""

from django.urls import reverse

from apps.notifications.services import notify

from .models import TaskMember


def _url(task) -> str:
    return reverse("tasks:detail", kwargs={"collab_id": task.collab_id, "task_id": task.pk})


def _data(task, actor=None, **extra) -> dict:
    data = {"title": task.title, "collab": task.collab.name}
    if actor is not None:
        data["actor"] = actor.full_name or actor.email
    if task.deadline:
        data["deadline"] = task.deadline.isoformat()
    data.update(extra)
    return data


def _people(task, *, observers: bool = True, creator: bool = True) -> set[int]:
    roles = ["coassignee", "observer"] if observers else ["coassignee"]
    ids = set(
        TaskMember.objects.filter(task=task, role__in=roles).values_list("user_id", flat=True)
    )
    ids.add(task.responsible_id)
    if creator and task.created_by_id:
        ids.add(task.created_by_id)
    return ids


def _send(task, kind: str, user_ids, actor=None, **extra) -> None:
    notify(
        user_ids,
        kind,
        collab=task.collab,
        actor=actor,
        data=_data(task, actor, **extra),
        url=_url(task),
    )


def assigned(task, actor, user_ids) -> None:
    _send(task, "task_assigned", set(user_ids), actor)


def status_changed(task, actor, old: str) -> None:
    _send(task, "task_status", _people(task), actor, status=task.status, old=old)


def commented(task, actor, comment, mentioned_ids) -> None:
    mentioned = set(mentioned_ids)
    if mentioned:
        _send(task, "task_comment", mentioned, actor, mention=True)
    _send(task, "task_comment", _people(task) - mentioned, actor, mention=False)


def overdue(task) -> None:
    _send(task, "task_overdue", _people(task, observers=False))


def due_soon(task) -> None:
    _send(task, "task_due", _people(task, observers=False, creator=False))
