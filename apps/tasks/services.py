"""Every change to tasks, one function per user action (views and consumers never touch the
models). Each runs in a transaction, writes the task's history (TaskChange), tells the chat
what matters there (system messages: created, reassigned, done, reopened, deleted, overdue),
keeps the task's cards in the chat current (update_attachments) and publishes the "tasks"
live event on commit, so open sidebars, boards and lists follow.

Who may do what (rules.py): the collab's settings for view / create / edit / delete tasks,
plus the task's creator editing their own task and the people doing it (responsible,
co-assignees) moving it along its statuses and ticking its checklist."""

import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.chat.access import source_message
from apps.chat.attachments import Attached
from apps.chat.markup import title_from
from apps.chat.services import attach, post_system_message, render_for, update_attachments
from apps.collabs import live
from apps.collabs.models import Collab, Membership
from apps.collabs.permissions import level_allows, require, rights_of
from apps.core.inputs import clean_text

from . import rules
from .models import (
    MAX_CHECK_ITEM,
    MAX_CHECK_ITEMS,
    MAX_COMMENT,
    MAX_DESCRIPTION,
    MAX_TITLE,
    OPEN_STATUSES,
    ChecklistItem,
    Comment,
    Priority,
    Status,
    Task,
    TaskChange,
    TaskFile,
    TaskMember,
)
from .rules import CREATE, DELETE, EDIT, VIEW

__all__ = ["CREATE", "DELETE", "EDIT", "VIEW", "source_of", "title_from"]


class StaleEdit(ValidationError):
    """The task changed since the form was loaded."""


# --- Reading ------------------------------------------------------------------------------------


def visible_tasks(user, collab: Collab):
    """The collab's tasks for someone who may view them; every task query of a view starts
    here (404 from the access layer before, PermissionDenied without the right)."""
    require(user, VIEW, collab)
    return Task.objects.filter(collab=collab)


def get_task(user, collab: Collab, task_id) -> Task:
    task = (
        visible_tasks(user, collab)
        .select_related("responsible", "created_by", "status_changed_by")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise Http404
    return task


def assignable(collab: Collab) -> list:
    """The people a task of the collab can be given to (responsible, co-assignee, observer,
    a checklist item's assignee): its current members who may view tasks, guests included
    where the collab lets them, employees first, by name. One query."""
    level = rules.level(collab, "view")
    rows = (
        Membership.objects.current()
        .filter(collab=collab, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    people = [m.user for m in rows if level_allows(level, m, m.user)]
    return sorted(people, key=lambda u: u.is_guest)


def _person(collab: Collab, user_id, people: list | None = None):
    if people is None:
        people = assignable(collab)
    for person in people:
        if str(person.pk) == str(user_id):
            return person
    raise ValidationError(_("Choose someone from this collab who can see its tasks."))


# --- Clean input --------------------------------------------------------------------------------


_text = clean_text


def clean_title(value) -> str:
    return _text(value, limit=MAX_TITLE, what=_("The title"), required=True, one_line=True)


def clean_description(value) -> str:
    return _text(value, limit=MAX_DESCRIPTION, what=_("The description"))


def _priority(value) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("Choose a priority.")) from None
    if value not in Priority.values:
        raise ValidationError(_("Choose a priority."))
    return value


def _status(value) -> str:
    if value not in Status.values:
        raise ValidationError(_("Choose a status."))
    return value


# --- History, chat, live ------------------------------------------------------------------------


def _name(user) -> dict:
    return {"name": user.full_name or user.email, "guest": user.is_guest, "id": user.pk}


def _log(task: Task, actor, action: str, now: datetime, **data) -> TaskChange:
    return TaskChange.objects.create(task=task, actor=actor, created=now, action=action, data=data)


def card(task: Task) -> Attached:
    """The task's card in the chat: what a message shows of it, with no query at render."""
    return Attached(
        "task",
        task.pk,
        task.title,
        {
            "title": task.title,
            "status": task.status,
            "deadline": task.deadline.isoformat() if task.deadline else None,
            "responsible": task.responsible.full_name or task.responsible.email,
            "responsible_guest": task.responsible.is_guest,
            "deleted": False,
        },
    )


def _refresh_cards(task: Task) -> None:
    update_attachments("task", task.pk, label=task.title, data=card(task).data)


def _system(task: Task, kind: str, actor, *, with_card: bool = False, **data) -> None:
    post_system_message(
        task.collab,
        kind,
        actor,
        attachments=[card(task)] if with_card else (),
        task_id=task.pk,
        task_title=task.title,
        **data,
    )


def _recount(*user_ids) -> None:
    """The people whose count of open tasks may have changed hear it (the top bar's "My
    tasks"), once the change commits."""
    from .mine import open_count

    def send() -> None:
        from apps.accounts.models import User

        for user in User.objects.filter(pk__in={uid for uid in user_ids if uid}):
            live.publish_to_user(user.pk, "tasks.open", {"open": open_count(user)}, now=True)

    transaction.on_commit(send, robust=True)


def _publish(task: Task, action: str) -> None:
    live.publish(
        task.collab_id,
        "tasks",
        {"action": action, "task": task.pk, "status": task.status},
        created=task.created if action != "deleted" else None,
    )


def _touch(task: Task, now: datetime, fields: Iterable[str] = ()) -> None:
    task.updated = now
    task.save(update_fields=["updated", *fields])


def _check_version(task: Task, base_version: str) -> None:
    if base_version and base_version != version_of(task):
        raise StaleEdit(
            _(
                "Someone changed this task while you were editing it. Review their change and "
                "try again."
            )
        )


def version_of(task: Task) -> str:
    return str(int(task.updated.timestamp() * 1_000_000))


def new_position() -> float:
    """A new card goes on top of its column: positions ascend, and time only grows."""
    return -time.time()


# --- Creating -----------------------------------------------------------------------------------


source_of = source_message


def create_task(
    collab: Collab,
    user,
    *,
    title,
    responsible_id,
    deadline: datetime | None = None,
    description="",
    priority=Priority.NORMAL,
    coassignee_ids: Sequence = (),
    observer_ids: Sequence = (),
    checklist: Sequence[str] = (),
    file_ids: Sequence = (),
    source_message_id=None,
    client_id: str = "",
) -> Task:
    """A new task. A repeated client_id (a double submit) returns the task already made."""
    require(user, CREATE, collab)
    client_id = str(client_id or "")[:64]
    if client_id:
        existing = Task.objects.filter(collab=collab, created_by=user, client_id=client_id).first()
        if existing is not None:
            return existing
    title = clean_title(title)
    description = clean_description(description)
    priority = _priority(priority)
    people = assignable(collab)
    responsible = _person(collab, responsible_id, people)
    source = source_of(user, collab, source_message_id)
    items = [
        _text(t, limit=MAX_CHECK_ITEM, what=_("A checklist item"), one_line=True) for t in checklist
    ]
    items = [t for t in items if t][:MAX_CHECK_ITEMS]
    rendered = render_for(collab, description)
    now = timezone.now()
    try:
        with transaction.atomic():
            task = Task.objects.create(
                collab=collab,
                title=title,
                description=description,
                html=rendered.html if rendered else "",
                created_by=user,
                created=now,
                updated=now,
                responsible=responsible,
                deadline=deadline,
                priority=priority,
                position=new_position(),
                source_message=source,
                client_id=client_id or uuid.uuid4().hex,
            )
            _set_members(task, coassignee_ids, observer_ids, people)
            ChecklistItem.objects.bulk_create(
                ChecklistItem(task=task, text=text, position=i) for i, text in enumerate(items)
            )
            for file_id in file_ids:
                _attach_file(task, user, file_id, now, log=False)
            _log(task, user, "created", now, responsible=_name(responsible))
            _system(
                task,
                "task_created",
                user,
                with_card=True,
                user_id=responsible.pk,
                user_name=responsible.full_name or responsible.email,
                user_guest=responsible.is_guest,
            )
            if source is not None:
                attach(source, card(task))
            _publish(task, "created")
            _recount(responsible.pk)
            _notify_assigned(task, user, [responsible.pk, *_coassignees(task)])
    except IntegrityError:
        existing = Task.objects.filter(collab=collab, created_by=user, client_id=client_id).first()
        if existing is None or not client_id:
            raise
        return existing
    return task


def _coassignees(task: Task) -> list[int]:
    return list(
        task.members.filter(role=TaskMember.Role.COASSIGNEE).values_list("user_id", flat=True)
    )


def _set_members(task: Task, coassignee_ids, observer_ids, people) -> tuple[set, set]:
    """Set the co-assignees and observers (the responsible person is neither); returns the
    ids added and removed."""
    wanted: dict[int, str] = {}
    for role, ids in (
        (TaskMember.Role.OBSERVER, observer_ids),
        (TaskMember.Role.COASSIGNEE, coassignee_ids),
    ):
        for raw in ids:
            if raw in ("", None):
                continue
            person = _person(task.collab, raw, people)
            if person.pk != task.responsible_id:
                wanted[person.pk] = role
    current = {m.user_id: m for m in task.members.all()}
    gone = [m.pk for uid, m in current.items() if uid not in wanted]
    TaskMember.objects.filter(pk__in=gone).delete()
    changed = []
    for uid, role in wanted.items():
        member = current.get(uid)
        if member is None:
            changed.append(TaskMember(task=task, user_id=uid, role=role))
        elif member.role != role:
            member.role = role
            member.save(update_fields=["role"])
    TaskMember.objects.bulk_create(changed)
    return {m.user_id for m in changed}, {uid for uid in current if uid not in wanted}


# --- Notifications (the notification centre, when installed) ------------------------------------


def _notify_assigned(task: Task, actor, user_ids: Iterable[int]) -> None:
    from . import notify

    notify.assigned(task, actor, user_ids)


# --- Editing ------------------------------------------------------------------------------------


def update_task(
    collab: Collab,
    user,
    task_id,
    *,
    title,
    description,
    responsible_id,
    deadline: datetime | None,
    priority,
    coassignee_ids: Sequence = (),
    observer_ids: Sequence = (),
    base_version: str = "",
) -> Task:
    """Save the edit form: every field at once; only what changed is logged and told."""
    title = clean_title(title)
    description = clean_description(description)
    priority = _priority(priority)
    people = assignable(collab)
    with transaction.atomic():
        task = _locked(user, collab, task_id)
        rules.require_edit(user, collab, task)
        _check_version(task, base_version)
        now = timezone.now()
        fields: list[str] = []
        old_responsible = task.responsible
        if task.title != title:
            _log(task, user, "title", now, old=task.title, new=title)
            task.title = title
            fields.append("title")
        if task.description != description:
            rendered = render_for(collab, description)
            _log(task, user, "description", now)
            task.description = description
            task.html = rendered.html if rendered else ""
            fields += ["description", "html"]
        if str(task.responsible_id) != str(responsible_id):
            responsible = _person(collab, responsible_id, people)
            _log(task, user, "responsible", now, old=_name(old_responsible), new=_name(responsible))
            task.responsible = responsible
            task.responsible_left = False
            fields += ["responsible", "responsible_left"]
        if task.deadline != deadline:
            _log(
                task,
                user,
                "deadline",
                now,
                old=task.deadline.isoformat() if task.deadline else None,
                new=deadline.isoformat() if deadline else None,
            )
            task.deadline = deadline
            # A new deadline may be missed (or near) again: the jobs look at it afresh.
            task.overdue_noted = None
            task.reminded = None
            fields += ["deadline", "overdue_noted", "reminded"]
        if task.priority != priority:
            _log(task, user, "priority", now, old=task.priority, new=priority)
            task.priority = priority
            fields.append("priority")
        added, removed = _set_members(task, coassignee_ids, observer_ids, people)
        if added or removed:
            _log(task, user, "people", now, added=sorted(added), removed=sorted(removed))
        if not fields and not added and not removed:
            return task
        _touch(task, now, fields)
        if "responsible" in fields:
            _system(
                task,
                "task_reassigned",
                user,
                user_id=task.responsible.pk,
                user_name=task.responsible.full_name or task.responsible.email,
                user_guest=task.responsible.is_guest,
            )
        _refresh_cards(task)
        _publish(task, "changed")
        if "responsible" in fields:
            _recount(old_responsible.pk, task.responsible_id)
        # Those just given it: a new responsible person, new co-assignees (not observers).
        coassigned = {str(uid) for uid in coassignee_ids}
        newly = ([task.responsible_id] if "responsible" in fields else []) + [
            uid for uid in added if str(uid) in coassigned
        ]
        if newly:
            _notify_assigned(task, user, newly)
    return task


def _locked(user, collab: Collab, task_id) -> Task:
    """The task, locked for the change (two edits in a row, never interleaved)."""
    task = visible_tasks(user, collab).select_for_update().filter(pk=task_id).first()
    if task is None:
        raise Http404
    return task


def set_status(collab: Collab, user, task_id, status, *, position: float | None = None) -> Task:
    """Move the task to a status (and, from the board, to a place in its column). Done and
    reopened are told in the chat; moving to the same status only reorders."""
    status = _status(status)
    with transaction.atomic():
        task = _locked(user, collab, task_id)
        rules.require_status(user, collab, task)
        now = timezone.now()
        fields = []
        old = task.status
        if old != status:
            task.status = status
            task.status_changed = now
            task.status_changed_by = user
            fields += ["status", "status_changed", "status_changed_by"]
            _log(task, user, "status", now, old=old, new=status)
            if position is None:
                position = new_position()
        if position is not None and position != task.position:
            task.position = position
            fields.append("position")
        if not fields:
            return task
        _touch(task, now, fields)
        if old != status:
            if status == Status.DONE:
                _system(task, "task_done", user)
            elif old == Status.DONE:
                _system(task, "task_reopened", user)
            _refresh_cards(task)
            from . import notify

            notify.status_changed(task, user, old)
        _publish(task, "moved" if old == status else "status")
        if (old == Status.DONE) != (status == Status.DONE):
            _recount(task.responsible_id)
    return task


def _position_of(column, task_id) -> float | None:
    if not task_id or not str(task_id).isdigit():
        return None
    return column.filter(pk=task_id).values_list("position", flat=True).first()


def move_on_board(collab: Collab, user, task_id, status, *, before_id=None, after_id=None) -> Task:
    """A card dropped on the board: into `status`, between the card `after_id` (above it)
    and `before_id` (below it), either missing at a column's end."""
    status = _status(status)
    column = Task.objects.filter(collab=collab, status=status).exclude(pk=task_id)
    above = (
        column.filter(pk=after_id).values_list("position", flat=True).first() if after_id else None
    )
    below = (
        column.filter(pk=before_id).values_list("position", flat=True).first()
        if before_id
        else None
    )
    if above is not None and below is not None:
        position = (above + below) / 2
    elif above is not None:
        nxt = column.filter(position__gt=above).aggregate(m=Min("position"))["m"]
        position = (above + nxt) / 2 if nxt is not None else above + 1
    elif below is not None:
        prev = column.filter(position__lt=below).aggregate(m=Max("position"))["m"]
        position = (prev + below) / 2 if prev is not None else below - 1
    else:
        position = None
    return set_status(collab, user, task_id, status, position=position)


def delete_task(collab: Collab, user, task_id) -> None:
    with transaction.atomic():
        task = _locked(user, collab, task_id)
        rules.require_delete(user, collab, task)
        _system(task, "task_deleted", user)
        update_attachments("task", task.pk, data={"deleted": True})
        _publish(task, "deleted")
        _recount(task.responsible_id)
        task.delete()


# --- Checklist ----------------------------------------------------------------------------------


def add_check_item(collab: Collab, user, task_id, text, *, assignee_id=None) -> ChecklistItem:
    text = _text(
        text, limit=MAX_CHECK_ITEM, what=_("A checklist item"), required=True, one_line=True
    )
    with transaction.atomic():
        task = _locked(user, collab, task_id)
        rules.require_edit(user, collab, task)
        if task.checklist.count() >= MAX_CHECK_ITEMS:
            raise ValidationError(
                _("A checklist holds at most %(limit)d items.") % {"limit": MAX_CHECK_ITEMS}
            )
        assignee = _person(collab, assignee_id) if assignee_id not in (None, "") else None
        last = task.checklist.aggregate(m=Max("position"))["m"]
        item = ChecklistItem.objects.create(
            task=task, text=text, assignee=assignee, position=0 if last is None else last + 1
        )
        now = timezone.now()
        _log(task, user, "check_added", now, text=text)
        _touch(task, now)
        _publish(task, "checklist")
    return item


def _item(task: Task, item_id) -> ChecklistItem:
    item = task.checklist.filter(pk=item_id).first() if str(item_id).isdigit() else None
    if item is None:
        raise Http404
    return item


def toggle_check_item(collab: Collab, user, task_id, item_id, done: bool) -> ChecklistItem:
    with transaction.atomic():
        task = _locked(user, collab, task_id)
        rules.require_status(user, collab, task)
        item = _item(task, item_id)
        if item.done == done:
            return item
        now = timezone.now()
        item.done, item.done_by, item.done_at = (
            done,
            (user if done else None),
            (now if done else None),
        )
        item.save(update_fields=["done", "done_by", "done_at"])
        _log(task, user, "check_done" if done else "check_undone", now, text=item.text)
        _touch(task, now)
        _publish(task, "checklist")
    return item


def delete_check_item(collab: Collab, user, task_id, item_id) -> None:
    with transaction.atomic():
        task = _locked(user, collab, task_id)
        rules.require_edit(user, collab, task)
        item = _item(task, item_id)
        now = timezone.now()
        _log(task, user, "check_removed", now, text=item.text)
        item.delete()
        _touch(task, now)
        _publish(task, "checklist")


def move_check_item(collab: Collab, user, task_id, item_id, direction: str) -> None:
    """Move an item one place up or down (buttons, so the order is keyboard-operable)."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Choose up or down."))
    with transaction.atomic():
        task = _locked(user, collab, task_id)
        rules.require_edit(user, collab, task)
        items = list(task.checklist.all())
        index = next((i for i, it in enumerate(items) if str(it.pk) == str(item_id)), None)
        if index is None:
            raise Http404
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(items):
            return
        items[index], items[other] = items[other], items[index]
        for position, it in enumerate(items):
            it.position = position
        ChecklistItem.objects.bulk_update(items, ["position"])
        _touch(task, timezone.now())
        _publish(task, "checklist")


def assign_check_item(collab: Collab, user, task_id, item_id, assignee_id) -> ChecklistItem:
    with transaction.atomic():
        task = _locked(user, collab, task_id)
        rules.require_edit(user, collab, task)
        item = _item(task, item_id)
        item.assignee = _person(collab, assignee_id) if assignee_id not in (None, "") else None
        item.save(update_fields=["assignee"])
        _touch(task, timezone.now())
        _publish(task, "checklist")
    return item


# --- Comments -----------------------------------------------------------------------------------


def add_comment(collab: Collab, user, task_id, body) -> Comment:
    """A comment (the chat's Markdown); the people it mentions are told."""
    body = _text(body, limit=MAX_COMMENT, what=_("The comment"), required=True)
    with transaction.atomic():
        task = _locked(user, collab, task_id)
        rules.require_comment(user, collab, task)
        rendered = render_for(collab, body)
        now = timezone.now()
        comment = Comment.objects.create(
            task=task, author=user, body=body, html=rendered.html, created=now
        )
        _touch(task, now)
        _publish(task, "comment")
        from . import notify

        notify.commented(task, user, comment, rendered.mentioned_ids)
    return comment


# --- Files --------------------------------------------------------------------------------------


def _attach_file(task: Task, user, file_id, now, *, log: bool = True) -> TaskFile | None:
    from apps.files.models import File

    rights = rights_of(user, task.collab)
    if "files.view_file" not in rights:
        raise PermissionDenied
    file = File.objects.filter(
        collab=task.collab, pk=file_id if str(file_id).isdigit() else 0, deleted_at__isnull=True
    ).first()
    if file is None:
        raise ValidationError(_("The file is not in this collab."))
    link, created = TaskFile.objects.get_or_create(
        task=task, file=file, defaults={"added_by": user, "added": now}
    )
    if created and log:
        _log(task, user, "file_added", now, name=file.name)
    return link if created else None


def attach_files(collab: Collab, user, task_id, file_ids: Sequence) -> int:
    with transaction.atomic():
        task = _locked(user, collab, task_id)
        rules.require_comment(user, collab, task)
        now = timezone.now()
        added = [f for f in (_attach_file(task, user, fid, now) for fid in file_ids) if f]
        if added:
            _touch(task, now)
            _publish(task, "files")
    return len(added)


def upload_file(collab: Collab, user, task_id, uploaded) -> TaskFile:
    """A file uploaded on the task page: into the collab's files (announced in the chat as
    any upload), attached to the task, in one go."""
    from apps.files import services as files

    task = get_task(user, collab, task_id)
    rules.require_comment(user, collab, task)

    def then(file):
        now = timezone.now()
        link = _attach_file(task, user, file.pk, now)
        _touch(task, now)
        _publish(task, "files")
        return link

    return files.upload(collab, user, uploaded, then=then)


def detach_file(collab: Collab, user, task_id, file_id) -> None:
    with transaction.atomic():
        task = _locked(user, collab, task_id)
        rules.require_edit(user, collab, task)
        link = (
            task.files.select_related("file")
            .filter(file_id=file_id if str(file_id).isdigit() else 0)
            .first()
        )
        if link is None:
            raise Http404
        now = timezone.now()
        _log(task, user, "file_removed", now, name=link.file.name)
        link.delete()
        _touch(task, now)
        _publish(task, "files")


# --- People leaving, the periodic job ----------------------------------------------------------


def flag_left(collab_id: int, user_id: int) -> int:
    """The person left the collab or was removed: their open tasks there wait for someone
    else (the list and the board flag them). The tasks stay."""
    count = Task.objects.filter(
        collab_id=collab_id, responsible_id=user_id, status__in=OPEN_STATUSES
    ).update(responsible_left=True)
    if count:
        _publish_collab(collab_id)
    return count


def unflag_returned(collab_id: int, user_id: int) -> int:
    count = Task.objects.filter(
        collab_id=collab_id, responsible_id=user_id, responsible_left=True
    ).update(responsible_left=False)
    if count:
        _publish_collab(collab_id)
    return count


def _publish_collab(collab_id: int) -> None:
    live.publish(collab_id, "tasks", {"action": "people", "task": None, "status": None})


def note_overdue(now: datetime | None = None) -> int:
    """The periodic job: each open task past its deadline is told in its chat once. The claim
    (a conditional UPDATE of overdue_noted) makes two runs, or two nodes, post it once."""
    now = now or timezone.now()
    noted = 0
    due = (
        Task.objects.filter(deadline__lt=now, overdue_noted__isnull=True, status__in=OPEN_STATUSES)
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)[:500]
    )
    for task_id in list(due):
        with transaction.atomic():
            claimed = Task.objects.filter(
                pk=task_id, overdue_noted__isnull=True, deadline__lt=now, status__in=OPEN_STATUSES
            ).update(overdue_noted=now)
            if not claimed:
                continue
            task = Task.objects.select_related("collab", "responsible").get(pk=task_id)
            _system(
                task,
                "task_overdue",
                None,
                user_id=task.responsible.pk,
                user_name=task.responsible.full_name or task.responsible.email,
                user_guest=task.responsible.is_guest,
            )
            _refresh_cards(task)
            _publish(task, "overdue")
            from . import notify

            notify.overdue(task)
            noted += 1
    return noted


# A deadline this close gets its "due soon" reminder (once; moving the deadline re-arms it).
REMIND_BEFORE = timedelta(hours=24)


def remind_due(now: datetime | None = None) -> int:
    """The periodic job: the people doing each open task whose deadline is within a day are
    told once (the notification centre, and email to whoever did not opt out). The claim (a
    conditional UPDATE of `reminded`) makes two runs remind once."""
    now = now or timezone.now()
    reminded = 0
    due = (
        Task.objects.filter(
            deadline__gt=now,
            deadline__lte=now + REMIND_BEFORE,
            reminded__isnull=True,
            status__in=OPEN_STATUSES,
        )
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)[:500]
    )
    for task_id in list(due):
        with transaction.atomic():
            claimed = Task.objects.filter(pk=task_id, reminded__isnull=True).update(reminded=now)
            if not claimed:
                continue
            task = Task.objects.select_related("collab", "responsible").get(pk=task_id)
            from . import notify

            notify.due_soon(task)
            reminded += 1
    return reminded
