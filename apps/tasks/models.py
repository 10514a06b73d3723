"""Tasks of a collab: what was agreed in the chat, with who does it and by when.

A Task belongs to one collab and stays there whatever happens to the people on it: a
responsible person who leaves or is removed keeps the task, which is flagged for
reassignment (`responsible_left`). Every change is written into the task's history
(TaskChange: who, what, when), and the chat hears of the ones that matter (created,
reassigned, done, reopened, overdue) as system messages (services.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.collabs.models import Collab

MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_COMMENT = 10_000
MAX_CHECK_ITEM = 500
MAX_CHECK_ITEMS = 200


class Status(models.TextChoices):
    TODO = "todo", pgettext_lazy("task status", "To do")
    IN_PROGRESS = "in_progress", pgettext_lazy("task status", "In progress")
    REVIEW = "review", pgettext_lazy("task status", "Waiting for review")
    DONE = "done", pgettext_lazy("task status", "Done")


OPEN_STATUSES = (Status.TODO, Status.IN_PROGRESS, Status.REVIEW)


class Priority(models.IntegerChoices):
    LOW = 0, pgettext_lazy("task priority", "Low")
    NORMAL = 1, pgettext_lazy("task priority", "Normal")
    HIGH = 2, pgettext_lazy("task priority", "High")


class Task(models.Model):
    collab = models.ForeignKey(Collab, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=MAX_TITLE)
    # The chat's Markdown, as typed; `html` is it rendered (sanitized, with mentions).
    description = models.TextField(_("description"), blank=True)
    html = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField()
    # Raised on every change: an edit form carries the version it was loaded at, and a stale
    # one is refused rather than overwriting someone else's change.
    updated = models.DateTimeField()
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        related_name="responsible_tasks",
    )
    # The responsible person left the collab or was removed: the task waits for someone else.
    responsible_left = models.BooleanField(default=False)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.TODO
    )
    status_changed = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    # The order of the cards in a column of the board: ascending; a new task goes on top
    # (services.new_position), a card dropped between two takes the midpoint.
    position = models.FloatField(default=0)
    # The chat message the task was made from (its text became the description).
    source_message = models.ForeignKey(
        "chat.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The form's one-time key: a double submit finds the task already made.
    client_id = models.CharField(max_length=64, blank=True, default="")
    # The periodic jobs' claims: the chat hears of an overdue task once, the people on it
    # get "due tomorrow" once; moving the deadline clears both.
    overdue_noted = models.DateTimeField(null=True, blank=True)
    reminded = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["collab", "created_by", "client_id"], name="task_client_id_once"
            ),
        ]
        indexes = [
            # The collab's tasks by status and board order: the board's columns and the
            # Tasks tab's open tasks (collab, status IN (...)) ordered by position.
            models.Index(fields=["collab", "status", "position"], name="task_collab_status"),
            # "My tasks" (responsible): a person's tasks across collabs, open first by deadline.
            models.Index(fields=["responsible", "status", "deadline"], name="task_responsible"),
            # The overdue job: open tasks past their deadline not yet noted in the chat.
            models.Index(
                fields=["deadline"],
                condition=Q(overdue_noted__isnull=True, deadline__isnull=False) & ~Q(status="done"),
                name="task_overdue_due",
            ),
            # The collab's list sorted by deadline (the default sort of the list page).
            models.Index(fields=["collab", "deadline", "id"], name="task_collab_deadline"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.status == Status.DONE


class TaskMember(models.Model):
    """A person on the task besides the responsible one: a co-assignee (helps do it) or an
    observer (follows it)."""

    class Role(models.TextChoices):
        COASSIGNEE = "coassignee", _("Co-assignee")
        OBSERVER = "observer", _("Observer")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=12, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "user"], name="taskmember_once"),
        ]
        indexes = [
            # "My tasks" (observing / co-assigned): a person's task memberships.
            models.Index(fields=["user", "role"], name="taskmember_user_role"),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.user_id} on #{self.task_id}"


class ChecklistItem(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="checklist")
    text = models.CharField(max_length=MAX_CHECK_ITEM)
    done = models.BooleanField(default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            # The task page's checklist and the cards' "3/5" counts.
            models.Index(fields=["task", "position"], name="checklist_task_position"),
        ]

    def __str__(self) -> str:
        return self.text


class Comment(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    html = models.TextField()
    created = models.DateTimeField()

    class Meta:
        indexes = [
            # The task page's comments, oldest first, a page at a time.
            models.Index(fields=["task", "created", "id"], name="comment_task_created"),
        ]

    def __str__(self) -> str:
        return f"comment #{self.pk} on #{self.task_id}"


class TaskFile(models.Model):
    """A file of the collab attached to the task (picked from the collab's files, or uploaded
    into them from the task page)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="files")
    file = models.ForeignKey("files.File", on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "file"], name="taskfile_once"),
        ]

    def __str__(self) -> str:
        return f"file {self.file_id} on #{self.task_id}"


class TaskChange(models.Model):
    """One entry of a task's history: who changed what, and when. `data` holds the values as
    they were (names included), so the history reads right after renames; it is rendered in
    the reader's language (history.py)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField()
    action = models.CharField(max_length=32)
    data = models.JSONField(default=dict)

    class Meta:
        indexes = [
            # The task page's history, newest first.
            models.Index(fields=["task", "-created", "-id"], name="taskchange_task_created"),
        ]

    def __str__(self) -> str:
        return f"{self.action} on #{self.task_id}"
