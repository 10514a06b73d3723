"""Who may do what with a task, beyond the collab's settings for view / create / edit /
delete tasks (the feature's rights, enforced by the access layer):

- whoever may create tasks may edit and comment on the tasks they created;
- the people doing a task (its responsible person and co-assignees) may move it along its
  statuses and tick its checklist, whatever the edit setting says;
- whoever may view tasks may comment on them and attach files to them.
"""

from django.core.exceptions import PermissionDenied

from apps.collabs import features
from apps.collabs.models import Collab
from apps.collabs.permissions import rights_of

VIEW = "tasks.view_task"
CREATE = "tasks.add_task"
EDIT = "tasks.change_task"
DELETE = "tasks.delete_task"


def level(collab: Collab, verb: str) -> str:
    return features.level_of(collab, "tasks", verb)


def _doing(user, task) -> bool:
    if task.responsible_id == user.pk:
        return True
    members = getattr(task, "member_list", None)
    if members is None:
        return task.members.filter(user_id=user.pk, role="coassignee").exists()
    return any(m.user_id == user.pk and m.role == "coassignee" for m in members)


def may_edit(rights, user, task) -> bool:
    return EDIT in rights or (CREATE in rights and task.created_by_id == user.pk)


def may_status(rights, user, task) -> bool:
    return VIEW in rights and (may_edit(rights, user, task) or _doing(user, task))


def may_delete(rights, user, task) -> bool:
    return DELETE in rights


def may_comment(rights, user, task) -> bool:
    return VIEW in rights


def actions(rights, user, task) -> dict[str, bool]:
    """What the person may do with the task, for templates."""
    return {
        "edit": may_edit(rights, user, task),
        "status": may_status(rights, user, task),
        "delete": may_delete(rights, user, task),
        "comment": may_comment(rights, user, task),
    }


def _require(check, user, collab, task) -> None:
    if not check(rights_of(user, collab), user, task):
        raise PermissionDenied


def require_edit(user, collab, task) -> None:
    _require(may_edit, user, collab, task)


def require_status(user, collab, task) -> None:
    _require(may_status, user, collab, task)


def require_delete(user, collab, task) -> None:
    _require(may_delete, user, collab, task)


def require_comment(user, collab, task) -> None:
    _require(may_comment, user, collab, task)
