""" "My tasks" (my_tasks:mine, at /tasks/): a person's tasks across all their collabs, three
ways — those they are responsible for (the default), those they created, those they observe
or help with (co-assignee) — open first, overdue first, then by deadline; done ones only when
asked ("show done"). Each row names its collab.

Only tasks of collabs the person belongs to now AND where they hold the view right (each
collab's feature settings). `viewable_collab_ids` works that out in one query: the person's
current memberships with their collabs and feature settings, each judged in Python by the
access layer's own level_allows, so the tasks query is then one `collab_id IN (...)`.

`open_count(user)` is the top bar's counter (tasks/_topbar.html): one query.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, F, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from apps.collabs import features
from apps.collabs.models import Membership
from apps.collabs.permissions import level_allows

from .lists import decorate, with_rows
from .models import OPEN_STATUSES, Status, Task, TaskMember

SHOWN = 200
VIEWS = {
    "responsible": _("I am responsible"),
    "created": _("Created by me"),
    "involved": _("Observing or helping"),
}
DEFAULT_VIEW = "responsible"


def viewable_collabs(user) -> dict[int, object]:
    """{collab id: collab} of the person's current collabs where they may view tasks."""
    return features.viewable_collabs(user, "tasks")


def open_count(user) -> int:
    """The person's open tasks as the responsible person, in collabs where they may see them:
    one query (their current memberships, each with its collab's settings and its count of
    such tasks), the view right judged in Python as viewable_collabs does."""
    if not user.is_authenticated or not user.is_active:
        return 0
    open_tasks = (
        Task.objects.filter(
            collab=OuterRef("collab_id"), responsible=user, status__in=OPEN_STATUSES
        )
        .order_by()
        .values("collab")
        .annotate(n=Count("pk"))
        .values("n")
    )
    memberships = (
        Membership.objects.active()
        .filter(user=user)
        .annotate(open=Coalesce(Subquery(open_tasks), 0))
        .filter(open__gt=0)
        .select_related("collab", "collab__feature_settings")
    )
    return sum(
        m.open
        for m in memberships
        if level_allows(features.level_of(m.collab, "tasks", "view"), m, user)
    )


def _tasks_of(user, view: str, collab_ids):
    tasks = Task.objects.filter(collab_id__in=collab_ids)
    if view == "created":
        return tasks.filter(created_by=user)
    if view == "involved":
        return tasks.filter(pk__in=TaskMember.objects.filter(user=user).values("task_id"))
    return tasks.filter(responsible=user)


@require_safe
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view")
    view = view if view in VIEWS else DEFAULT_VIEW
    show_done = request.GET.get("done") == "1"
    collabs = viewable_collabs(request.user)
    tasks = _tasks_of(request.user, view, list(collabs))
    if not show_done:
        tasks = tasks.filter(status__in=OPEN_STATUSES)
    tasks = with_rows(tasks).annotate(
        done_last=Case(
            When(status=Status.DONE, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    )
    rows = list(
        tasks.order_by(
            "done_last", F("deadline").asc(nulls_last=True), F("status_changed").desc(), "pk"
        )[: SHOWN + 1]
    )
    more = len(rows) > SHOWN
    rows = decorate(rows[:SHOWN], timezone.now())
    for task in rows:
        task.collab_obj = collabs[task.collab_id]
    ctx = {
        "tasks": rows,
        "more": more,
        "view": view,
        "views": [
            {"key": key, "label": label, "current": key == view} for key, label in VIEWS.items()
        ],
        "show_done": show_done,
        "shown": SHOWN,
    }
    return render(request, "tasks/mine.html", ctx)
