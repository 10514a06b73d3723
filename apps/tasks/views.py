"""The task's own pages and actions: creating (the quick form, "more" for the rest; from a
message, the header, the paperclip, the tasks page), the task page (everything about it:
status, people, checklist, comments, files, history), editing, and each action's POST.

Thin: parse, ask the access layer, call services.py, render. Every page works without
JavaScript; the dialog (tasks.js) loads the same form with htmx and posts it the same way.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.chat.access import visible_messages
from apps.collabs.frame import render_frame
from apps.collabs.permissions import get_collab_for, require, rights_of
from apps.core.http import chat_url as _chat_url
from apps.core.http import error_text as _error_text
from apps.core.http import next_url as _next
from apps.core.inputs import parse_id

from . import deadlines, history, rules, services
from .forms import StatusForm, TaskForm
from .models import Priority, Status, TaskMember


def task_url(task) -> str:
    return reverse("tasks:detail", kwargs={"collab_id": task.collab_id, "task_id": task.pk})


# --- Creating -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def create(request: HttpRequest, collab_id: int) -> HttpResponse:
    """The new-task form. `?message=<id>`: a task from that message (its text the
    description, a title proposed from it); `?more=1`: every field at once."""
    collab = get_collab_for(request.user, collab_id)
    require(request.user, services.CREATE, collab)
    people = services.assignable(collab)
    source = None
    raw_message = request.POST.get("message") if request.method == "POST" else None
    raw_message = raw_message or request.GET.get("message")
    try:
        source = services.source_of(request.user, collab, raw_message)
    except ValidationError as exc:
        if request.method == "GET":
            messages.error(request, _error_text(exc))
            return redirect(_chat_url(collab.pk))
    more = request.GET.get("more") == "1" or request.POST.get("more") == "1"
    if request.method == "POST":
        form = TaskForm(request.POST, people=people, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                task = services.create_task(
                    collab,
                    request.user,
                    title=data["title"],
                    responsible_id=data["responsible"],
                    deadline=data["deadline"],
                    description=data["description"],
                    priority=data["priority"],
                    coassignee_ids=data["coassignees"],
                    observer_ids=data["observers"],
                    checklist=form.checklist_items(),
                    source_message_id=source.pk if source else None,
                    client_id=data["client_id"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Task “%(title)s” created.") % {"title": task.title})
                if request.htmx:
                    # The dialog closes; the chat shows the task by its live event.
                    return HttpResponse(status=204, headers={"HX-Trigger": "dialog-done"})
                return redirect(_next(request, task_url(task)))
    else:
        initial = {
            "responsible": str(request.user.pk)
            if any(p.pk == request.user.pk for p in people)
            else "",
            "priority": Priority.NORMAL,
            "client_id": uuid.uuid4().hex,
        }
        if source is not None:
            initial = {
                **initial,
                "title": services.title_from(source.body),
                "description": source.body,
                "message": str(source.pk),
            }
        form = TaskForm(initial=initial, people=people, user=request.user)
    ctx = {
        "form": form,
        "source": source,
        "more": more or bool(form.errors.keys() - {"title", "responsible", "__all__"}),
        "next": _next(request, ""),
        "action": reverse("tasks:create", kwargs={"collab_id": collab.pk}),
    }
    status = 400 if form.errors else 200
    if request.htmx and not request.htmx.boosted:
        return render(request, "tasks/_form_dialog.html", {"collab": collab, **ctx}, status=status)
    return render_frame(request, "tasks/create.html", collab, ctx, current="tasks", status=status)


# --- The task page ------------------------------------------------------------------------------


@login_required
def detail(request: HttpRequest, collab_id: int, task_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    task = services.get_task(request.user, collab, task_id)
    task.member_list = list(task.members.select_related("user").order_by("role", "user__full_name"))
    rights = rights_of(request.user, collab)
    can = rules.actions(rights, request.user, task)
    checklist = list(task.checklist.select_related("assignee", "done_by"))
    comments = list(task.comments.select_related("author").order_by("created", "id"))
    files = list(task.files.select_related("file", "file__current_version").order_by("added", "id"))
    changes = history.entries(task)
    people = services.assignable(collab) if can["edit"] else []
    attachable = []
    if can["comment"] and "files.view_file" in rights:
        from apps.files.models import File

        have = {f.file_id for f in files}
        attachable = [
            f
            for f in File.objects.filter(collab=collab, deleted_at__isnull=True)
            .only("pk", "name")
            .order_by("-created", "-pk")[:100]
            if f.pk not in have
        ]
    source = None
    if task.source_message_id:
        source = (
            visible_messages(request.user, collab)
            .filter(pk=task.source_message_id)
            .select_related("author")
            .first()
        )
    ctx = {
        "task": task,
        "can": can,
        "coassignees": [m for m in task.member_list if m.role == TaskMember.Role.COASSIGNEE],
        "observers": [m for m in task.member_list if m.role == TaskMember.Role.OBSERVER],
        "checklist": checklist,
        "checked": sum(1 for item in checklist if item.done),
        "comments": comments,
        "files": files,
        "changes": changes,
        "people": people,
        "attachable": attachable,
        "can_upload": can["comment"] and "files.upload_file" in rights,
        "source": source,
        "source_url": _chat_url(collab.pk, task.source_message_id) if source else "",
        "status_form": StatusForm(initial={"status": task.status}),
        "statuses": Status.choices,
        "overdue": deadlines.is_overdue(task.deadline, task.status),
    }
    return render_frame(request, "tasks/detail.html", collab, ctx, current="tasks")


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest, collab_id: int, task_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    task = services.get_task(request.user, collab, task_id)
    rules.require_edit(request.user, collab, task)
    people = services.assignable(collab)
    # Someone who left stays choosable as the responsible person until the task is handed on.
    if not any(p.pk == task.responsible_id for p in people):
        people = [task.responsible, *people]
    members = list(task.members.all())
    if request.method == "POST":
        form = TaskForm(request.POST, people=people, user=request.user, editing=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_task(
                    collab,
                    request.user,
                    task.pk,
                    title=data["title"],
                    description=data["description"],
                    responsible_id=data["responsible"],
                    deadline=data["deadline"],
                    priority=data["priority"],
                    coassignee_ids=data["coassignees"],
                    observer_ids=data["observers"],
                    base_version=data["base_version"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Task saved."))
                return redirect(task_url(task))
    else:
        day, at = deadlines.split(task.deadline, deadlines.zone_of(request.user))
        form = TaskForm(
            initial={
                "title": task.title,
                "description": task.description,
                "responsible": str(task.responsible_id),
                "deadline_date": day,
                "deadline_time": at,
                "priority": task.priority,
                "coassignees": [str(m.user_id) for m in members if m.role == "coassignee"],
                "observers": [str(m.user_id) for m in members if m.role == "observer"],
                "base_version": services.version_of(task),
            },
            people=people,
            user=request.user,
            editing=True,
        )
    ctx = {"form": form, "task": task, "more": True}
    status = 400 if form.errors else 200
    return render_frame(request, "tasks/edit.html", collab, ctx, current="tasks", status=status)


def _task_action(request, collab_id: int, task_id: int, action, *, anchor: str = ""):
    """Run a POSTed action on the task; back to the task page (or `next`), errors flashed."""
    collab = get_collab_for(request.user, collab_id)
    task = services.get_task(request.user, collab, task_id)
    try:
        action(collab, task)
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse(_error_text(exc), status=400)
        messages.error(request, _error_text(exc))
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Trigger": "task-changed"})
    return redirect(_next(request, task_url(task) + anchor))


@require_POST
@login_required
def set_status(request: HttpRequest, collab_id: int, task_id: int) -> HttpResponse:
    def action(collab, task):
        services.set_status(collab, request.user, task.pk, request.POST.get("status"))

    return _task_action(request, collab_id, task_id, action)


@require_POST
@login_required
def move(request: HttpRequest, collab_id: int, task_id: int) -> HttpResponse:
    """The board's drop: a status and the neighbours the card landed between."""

    def action(collab, task):
        services.move_on_board(
            collab,
            request.user,
            task.pk,
            request.POST.get("status"),
            before_id=parse_id(request.POST.get("before")),
            after_id=parse_id(request.POST.get("after")),
        )

    return _task_action(request, collab_id, task_id, action)


@require_http_methods(["GET", "POST"])
@login_required
def delete(request: HttpRequest, collab_id: int, task_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    task = services.get_task(request.user, collab, task_id)
    rules.require_delete(request.user, collab, task)
    if request.method == "POST":
        services.delete_task(collab, request.user, task.pk)
        messages.success(request, _("Task “%(title)s” deleted.") % {"title": task.title})
        return redirect(reverse("tasks:list", kwargs={"collab_id": collab.pk}))
    return render_frame(request, "tasks/delete.html", collab, {"task": task}, current="tasks")


# --- Checklist, comments, files -----------------------------------------------------------------


@require_POST
@login_required
def checklist_add(request: HttpRequest, collab_id: int, task_id: int) -> HttpResponse:
    def action(collab, task):
        services.add_check_item(
            collab,
            request.user,
            task.pk,
            request.POST.get("text"),
            assignee_id=request.POST.get("assignee") or None,
        )

    return _task_action(request, collab_id, task_id, action, anchor="#checklist")


@require_POST
@login_required
def checklist_item(request: HttpRequest, collab_id: int, task_id: int, item_id: int):
    """One item's actions: tick (done=1/0), up, down, assign, delete."""
    op = request.POST.get("op", "")

    def action(collab, task):
        if op == "toggle":
            services.toggle_check_item(
                collab, request.user, task.pk, item_id, request.POST.get("done") == "1"
            )
        elif op in ("up", "down"):
            services.move_check_item(collab, request.user, task.pk, item_id, op)
        elif op == "assign":
            services.assign_check_item(
                collab, request.user, task.pk, item_id, request.POST.get("assignee") or None
            )
        elif op == "delete":
            services.delete_check_item(collab, request.user, task.pk, item_id)
        else:
            raise ValidationError(_("Unknown action."))

    return _task_action(request, collab_id, task_id, action, anchor="#checklist")


@require_POST
@login_required
def comment(request: HttpRequest, collab_id: int, task_id: int) -> HttpResponse:
    def action(collab, task):
        services.add_comment(collab, request.user, task.pk, request.POST.get("body"))

    return _task_action(request, collab_id, task_id, action, anchor="#comments")


@require_POST
@login_required
def files(request: HttpRequest, collab_id: int, task_id: int) -> HttpResponse:
    """Attach files of the collab (`file` ids) or upload one (`upload`)."""

    def action(collab, task):
        uploaded = request.FILES.get("upload")
        if uploaded is not None:
            services.upload_file(collab, request.user, task.pk, uploaded)
            return
        ids = request.POST.getlist("file")
        if not ids:
            raise ValidationError(_("Choose a file to attach."))
        services.attach_files(collab, request.user, task.pk, ids)

    return _task_action(request, collab_id, task_id, action, anchor="#files")


@require_POST
@login_required
def file_remove(request: HttpRequest, collab_id: int, task_id: int, file_id: int):
    def action(collab, task):
        services.detach_file(collab, request.user, task.pk, file_id)

    return _task_action(request, collab_id, task_id, action, anchor="#files")
