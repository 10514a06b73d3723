"""The Tasks tab of the collab page's sidebar: the collab's open tasks, overdue first, then by
deadline (those without one last), at most 20, with "All tasks" and "New task". The sidebar
loads it on demand and again on each "tasks" event (Item.refresh_on in apps.py).

Overdue first is the deadline order itself: an overdue task's deadline is earlier than any
to come. Queries: the open count and one page of rows, whatever the number of tasks.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from apps.collabs.frame import render_tab
from apps.collabs.permissions import get_collab_for, rights_of

from . import services
from .lists import decorate, with_rows
from .models import OPEN_STATUSES

SHOWN = 20


@require_safe
@login_required
def tasks_tab(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    open_tasks = services.visible_tasks(request.user, collab).filter(status__in=OPEN_STATUSES)
    rows = list(
        with_rows(open_tasks).order_by(F("deadline").asc(nulls_last=True), "position", "pk")[:SHOWN]
    )
    total = open_tasks.count()
    decorate(rows, timezone.now())
    ctx = {
        "tasks": rows,
        "total": total,
        "can_create": services.CREATE in rights_of(request.user, collab),
    }
    return render_tab(request, collab, "tasks", "tasks/_tab.html", ctx, title=_("Tasks"))
