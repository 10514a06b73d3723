"""The collab's tasks as a board (tasks:board): a column per status, the cards in `position`
order; the Done column shows the 50 most recently finished, with a link to the list of all.

Moving a card: dragging it (static/js/tasks-board.js with SortableJS posts the drop to
tasks:move: the status and the neighbours it landed between) or, from the keyboard and
without JavaScript, the card's status select and its "Move" button (tasks:status). Only the
cards the viewer may move (rules.may_status) are draggable and have the select: worked out
per card with no query per card (the viewer's co-assignments in the collab come in one).

The board is live: on each "tasks" event of the collab's socket the script loads the columns
again (this view, asked by htmx, answers with the columns alone).

Queries: the frame's, the viewer's co-assignments, the open cards and the done ones — the
same for 5 tasks or 500, 3 members or 50 (tests/tasks/test_board.py).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from apps.collabs.frame import render_frame
from apps.collabs.permissions import get_collab_for, rights_of

from . import rules, services
from .lists import decorate, with_rows
from .models import OPEN_STATUSES, Status, TaskMember

DONE_SHOWN = 50


class _Me:
    """The viewer as a co-assignee of a card, for rules.may_status (task.member_list)."""

    role = TaskMember.Role.COASSIGNEE

    def __init__(self, user_id: int):
        self.user_id = user_id


def columns_of(user, collab) -> list[dict]:
    rights = rights_of(user, collab)
    tasks = services.visible_tasks(user, collab)
    coassigned = set()
    if rules.EDIT not in rights:
        # Whoever may edit every task may move every card; the others move their own, the
        # ones they created (with the create right) and those they are a co-assignee of.
        coassigned = set(
            TaskMember.objects.filter(
                user=user, role=TaskMember.Role.COASSIGNEE, task__collab=collab
            ).values_list("task_id", flat=True)
        )
    open_cards = list(with_rows(tasks.filter(status__in=OPEN_STATUSES)).order_by("position", "pk"))
    done_cards = list(
        with_rows(tasks.filter(status=Status.DONE)).order_by("-status_changed", "-pk")[
            : DONE_SHOWN + 1
        ]
    )
    more_done = len(done_cards) > DONE_SHOWN
    done_cards = done_cards[:DONE_SHOWN]
    now = timezone.now()
    me = [_Me(user.pk)]
    for card in decorate(open_cards + done_cards, now):
        card.member_list = me if card.pk in coassigned else []
        card.movable = rules.may_status(rights, user, card)
    by_status = {status: [] for status in Status.values}
    for card in open_cards + done_cards:
        by_status[card.status].append(card)
    return [
        {
            "status": value,
            "label": label,
            "cards": by_status[value],
            "more": more_done if value == Status.DONE else False,
        }
        for value, label in Status.choices
    ]


@require_safe
@login_required
def board(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    columns = columns_of(request.user, collab)
    board_url = reverse("tasks:board", kwargs={"collab_id": collab.pk})
    ctx = {
        "columns": columns,
        "statuses": Status.choices,
        "board_url": board_url,
        "list_url": reverse("tasks:list", kwargs={"collab_id": collab.pk}),
        "can_create": services.CREATE in rights_of(request.user, collab),
    }
    if request.htmx and not request.htmx.boosted:
        response = render(request, "tasks/_board_columns.html", {"collab": collab, **ctx})
    else:
        response = render_frame(request, "tasks/board.html", collab, ctx, current="tasks")
    patch_vary_headers(response, ["HX-Request"])
    return response
