"""The collab's tasks as a list (tasks:list): filters (responsible, "me" included; status,
"open" included; deadline: overdue, today, the next 7 days, none — days in the viewer's time
zone), a sort (deadline, nulls last; newest; priority), a search box (search.py) and keyset
pagination ("More": a cursor on the sort key and the id, as apps/files/section.py does, so
the tenth page costs what the first does).

Queries: the page frame's, the collab's people (the responsible filter's choices) and one
page of tasks with their responsible person and checklist counts — the same for 5 tasks or
5,000, 3 members or 50 (tests/tasks/test_lists.py pins them). Every task query starts from
services.visible_tasks (403 without the view right, 404 outside the collab).
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from apps.collabs.frame import render_frame
from apps.collabs.permissions import get_collab_for, rights_of
from apps.core.inputs import parse_id, query_text

from . import deadlines, search, services
from .forms import FilterForm
from .models import OPEN_STATUSES, ChecklistItem, Priority, Status

PAGE_SIZE = 50
DEFAULT_STATUS = "open"
DEFAULT_SORT = "deadline"


# --- The rows, wherever tasks are listed (list, board, tab, my tasks) ---------------------------


def _checklist_count(**extra):
    return Coalesce(
        Subquery(
            ChecklistItem.objects.filter(task=OuterRef("pk"), **extra)
            .order_by()
            .values("task")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def with_rows(tasks):
    """What a row or a card shows, in the query that lists them: the responsible person and
    the checklist's "done/total" (two correlated counts, served by checklist_task_position)."""
    return tasks.select_related("responsible").annotate(
        check_total=_checklist_count(), check_done=_checklist_count(done=True)
    )


def decorate(tasks, now: datetime | None = None) -> list:
    """Flags the templates read: overdue (deadline passed, not done) and high priority."""
    now = now or timezone.now()
    for task in tasks:
        task.overdue = deadlines.is_overdue(task.deadline, task.status, now)
        task.high = task.priority == Priority.HIGH
    return tasks


# --- Filters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    responsible: str
    status: str
    due: str
    sort: str
    query: str

    def params(self, **changes) -> str:
        values = {
            "responsible": self.responsible,
            "status": self.status,
            "due": self.due,
            "sort": self.sort,
            "q": self.query,
        }
        values.update(changes)
        clean = {
            "q": values["q"],
            "responsible": values["responsible"],
            # Absent means "open"; "any" is spelled out as an empty value.
            "status": None if values["status"] == DEFAULT_STATUS else values["status"],
            "due": values["due"],
            "sort": values["sort"] if values["sort"] != DEFAULT_SORT else "",
            "after": values.get("after", ""),
        }
        pairs = {k: v for k, v in clean.items() if v or (k == "status" and v == "")}
        query = urlencode(pairs)
        return f"?{query}" if query else "?"


def _listing(request: HttpRequest, form: FilterForm) -> Listing:
    """The filters asked for; one that is not valid (a person no longer here) is ignored,
    the others still apply."""
    form.is_valid()
    data = form.cleaned_data
    return Listing(
        responsible=data.get("responsible", ""),
        status=data.get("status", DEFAULT_STATUS),
        due=data.get("due", ""),
        sort=data.get("sort") or DEFAULT_SORT,
        query=search.clean_query(query_text(request.GET.get("q", ""), search.MAX_QUERY)),
    )


def _filtered(tasks, listing: Listing, user, now: datetime):
    if listing.responsible == "me":
        tasks = tasks.filter(responsible=user)
    elif listing.responsible:
        tasks = tasks.filter(responsible_id=int(listing.responsible))
    if listing.status == "open":
        tasks = tasks.filter(status__in=OPEN_STATUSES)
    elif listing.status:
        tasks = tasks.filter(status=listing.status)
    zone = deadlines.zone_of(user)
    today = now.astimezone(zone).date()
    if listing.due == "overdue":
        tasks = tasks.filter(deadline__lt=now).exclude(status=Status.DONE)
    elif listing.due == "today":
        start, end = deadlines.day_bounds(today, zone)
        tasks = tasks.filter(deadline__gte=start, deadline__lt=end)
    elif listing.due == "week":
        start, _end = deadlines.day_bounds(today, zone)
        end, _ = deadlines.day_bounds(today + timedelta(days=7), zone)
        tasks = tasks.filter(deadline__gte=start, deadline__lt=end)
    elif listing.due == "none":
        tasks = tasks.filter(deadline__isnull=True)
    return search.search(tasks, listing.query)


# --- Sorts and keyset pages ---------------------------------------------------------------------
# Each sort is a fixed key whose cursor is the last row's values of it: deadline (ascending,
# nulls last) then id; created (newest first) then id; priority (highest first), deadline,
# id. A cursor that does not parse is the first page.


def _ordered(tasks, sort: str):
    if sort == "created":
        return tasks.order_by("-created", "-pk")
    deadline_pk = (F("deadline").asc(nulls_last=True), "pk")
    if sort == "priority":
        return tasks.order_by("-priority", *deadline_pk)
    return tasks.order_by(*deadline_pk)


def _after_deadline(deadline: datetime | None, pk: int) -> Q:
    """The rows after (deadline, pk) in "deadline ascending, nulls last, then id" order."""
    if deadline is None:
        return Q(deadline__isnull=True, pk__gt=pk)
    return Q(deadline__gt=deadline) | Q(deadline=deadline, pk__gt=pk) | Q(deadline__isnull=True)


def _after(sort: str, cursor: list) -> Q:
    if sort == "created":
        created, pk = cursor
        return Q(created__lt=created) | Q(created=created, pk__lt=pk)
    if sort == "priority":
        priority, deadline, pk = cursor
        return Q(priority__lt=priority) | (Q(priority=priority) & _after_deadline(deadline, pk))
    deadline, pk = cursor
    return _after_deadline(deadline, pk)


def _cursor_of(sort: str, task) -> list:
    if sort == "created":
        return [task.created, task.pk]
    if sort == "priority":
        return [task.priority, task.deadline, task.pk]
    return [task.deadline, task.pk]


def encode_cursor(values: list) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _moment(value) -> datetime | None:
    if not isinstance(value, str):
        raise ValueError
    moment = datetime.fromisoformat(value)
    if not timezone.is_aware(moment):
        raise ValueError
    return moment


def decode_cursor(raw: str, sort: str) -> list | None:
    try:
        values = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(values, list):
            return None
        pk = parse_id(values[-1])
        if pk is None:
            return None
        if sort == "created" and len(values) == 2:
            return [_moment(values[0]), pk]
        if sort == "deadline" and len(values) == 2:
            return [None if values[0] is None else _moment(values[0]), pk]
        if sort == "priority" and len(values) == 3:
            priority = values[0]
            if not isinstance(priority, int) or isinstance(priority, bool):
                return None
            return [priority, None if values[1] is None else _moment(values[1]), pk]
    except (ValueError, TypeError, binascii.Error, IndexError):
        return None
    return None


def page_of(tasks, sort: str, raw_cursor: str) -> tuple[list, str | None, bool]:
    """One page of `tasks` in `sort` order after the cursor: (rows, next cursor, paged)."""
    tasks = _ordered(tasks, sort)
    cursor = decode_cursor(raw_cursor, sort) if raw_cursor else None
    if cursor is not None:
        tasks = tasks.filter(_after(sort, cursor))
    rows = list(tasks[: PAGE_SIZE + 1])
    if len(rows) <= PAGE_SIZE:
        return rows, None, cursor is not None
    rows = rows[:PAGE_SIZE]
    return rows, encode_cursor(_cursor_of(sort, rows[-1])), cursor is not None


# --- The page -----------------------------------------------------------------------------------


@require_safe
@login_required
def task_list(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    tasks = services.visible_tasks(request.user, collab)
    people = services.assignable(collab)
    # No status in the query string means open tasks; "any status" is an empty value.
    query = request.GET.copy()
    query.setdefault("status", DEFAULT_STATUS)
    form = FilterForm(query, people=people)
    listing = _listing(request, form)
    now = timezone.now()
    tasks = with_rows(_filtered(tasks, listing, request.user, now))
    rows, cursor, paged = page_of(tasks, listing.sort, request.GET.get("after", ""))
    decorate(rows, now)
    rights = rights_of(request.user, collab)
    filtered = bool(
        listing.query or listing.responsible or listing.due or listing.status != DEFAULT_STATUS
    )
    ctx = {
        "tasks": rows,
        "form": form,
        "listing": listing,
        "more_url": listing.params(after=cursor) if cursor else "",
        "paged": paged,
        "first_url": listing.params(),
        "filtered": filtered,
        "can_create": services.CREATE in rights,
        "board_url": reverse("tasks:board", kwargs={"collab_id": collab.pk}),
        "list_url": reverse("tasks:list", kwargs={"collab_id": collab.pk}),
        "here": request.get_full_path(),
    }
    if request.htmx and paged:
        ctx["collab"] = collab
        response = TemplateResponse(request, "tasks/_list_rows.html", ctx)
    else:
        response = render_frame(request, "tasks/list.html", collab, ctx, current="tasks")
    patch_vary_headers(response, ["HX-Request"])
    return response
