"""How tasks hook into the layers below: their sentences in the chat history, the counter
that keeps a collab holding tasks from being deleted, and people leaving.

The sentences follow the rules in apps/chat/system.py (past tense in English; in Russian the
actor with a colon, then a participle agreeing with the task, never with the person):

    task_created     Анна: задача «Смета» создана, ответственный — Борис
                     Anna created the task “Estimate” for Boris
    task_reassigned  Анна: задача «Смета» передана, ответственный — Ольга (гость)
                     Anna reassigned the task “Estimate” to Olga (guest)
    task_done        Борис: задача «Смета» выполнена
                     Boris completed the task “Estimate”
    task_reopened    Анна: задача «Смета» снова открыта
                     Anna reopened the task “Estimate”
    task_deleted     Анна: задача «Смета» удалена
                     Anna deleted the task “Estimate”
    task_overdue     Задача «Смета» просрочена, ответственный — Борис
                     The task “Estimate” is overdue (responsible: Boris)
"""

from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.chat import system
from apps.collabs import registry
from apps.collabs.signals import collab_activity


def _names(d: dict) -> dict:
    return {
        "actor": system.person(d, "actor"),
        "title": d.get("task_title") or _("a task"),
        "user": system.person(d),
    }


system.register(
    "task_created",
    lambda d: _("%(actor)s created the task “%(title)s” for %(user)s") % _names(d),
)
system.register(
    "task_reassigned",
    lambda d: _("%(actor)s reassigned the task “%(title)s” to %(user)s") % _names(d),
)
system.register("task_done", lambda d: _("%(actor)s completed the task “%(title)s”") % _names(d))
system.register("task_reopened", lambda d: _("%(actor)s reopened the task “%(title)s”") % _names(d))
system.register("task_deleted", lambda d: _("%(actor)s deleted the task “%(title)s”") % _names(d))
system.register(
    "task_overdue",
    lambda d: _("The task “%(title)s” is overdue (responsible: %(user)s)") % _names(d),
)


def _count(collab) -> int:
    from .models import Task

    return Task.objects.filter(collab=collab).count()


registry.register_content_counter(
    "tasks",
    _count,
    lambda n: ngettext("%(count)d task", "%(count)d tasks", n) % {"count": n},
)


@receiver(collab_activity)
def people_moved(sender, collab, kind, actor, **details) -> None:
    """A responsible person who leaves (or is removed, or whose guest access ends) leaves
    their open tasks flagged for reassignment; one who comes back takes them again."""
    from . import services

    user = details.get("user")
    if user is None:
        return
    if kind in {"member_removed", "member_left", "member_expired"}:
        services.flag_left(collab.pk, user.pk)
    elif kind in {"member_added", "member_joined"}:
        services.unflag_returned(collab.pk, user.pk)


# The demo's tasks: (collab, title, creator, responsible, days to the deadline, status,
# checklist). Written through the services, as people would make them.
DEMO_TASKS = {
    "Website redesign": [
        (
            "Send three logo options",
            "anna@example.com",
            "boris@example.com",
            2,
            "in_progress",
            ["Sketches", "Colour variants", "Send to the studio"],
        ),
        ("Confirm the colour palette", "boris@example.com", "ivan@example.com", 1, "todo", []),
    ],
    "Quarterly report": [
        (
            "Собрать цифры продаж за квартал",
            "anna@example.com",
            "boris@example.com",
            3,
            "todo",
            ["Выгрузка из CRM", "Сверка цифр с бухгалтерией"],  # noqa: RUF001 (Cyrillic)
        ),
        ("Проверить черновик отчёта", "boris@example.com", "anna@example.com", 5, "review", []),
    ],
}


def seed_demo_tasks(sender, users, collabs, **kwargs) -> int:
    """A few tasks in each demo collab that has none yet and holds everyone they name, made
    through the services and dated right after the collab's conversation (seed_demo dates
    their notes in the chat the same way)."""
    from datetime import timedelta

    from django.db import transaction

    from apps.chat.access import visible_messages
    from apps.collabs.models import Membership

    from . import services
    from .models import Status, Task, TaskChange

    made = 0
    for name, rows in DEMO_TASKS.items():
        collab = collabs.get(name)
        if collab is None or Task.objects.filter(collab=collab).exists():
            continue
        present = set(
            Membership.objects.current().filter(collab=collab).values_list("user__email", flat=True)
        )
        if not all({row[1], row[2]} <= present for row in rows):
            continue
        last = visible_messages(collab.owner, collab).order_by("-pk").first()
        if last is None:
            continue
        with transaction.atomic():
            for title, creator, responsible, days, status, checklist in rows:
                task = services.create_task(
                    collab,
                    users[creator],
                    title=title,
                    responsible_id=users[responsible].pk,
                    deadline=last.created.replace(hour=15, minute=0, second=0, microsecond=0)
                    + timedelta(days=days + 1),
                    checklist=checklist,
                )
                if status != Status.TODO:
                    services.set_status(collab, users[responsible], task.pk, status)
                made += 1
            # Dated right after the conversation, as seed_demo dates their notes in the chat.
            when = last.created + timedelta(minutes=1)
            tasks = Task.objects.filter(collab=collab)
            tasks.update(created=when, updated=when)
            tasks.exclude(status_changed=None).update(status_changed=when)
            TaskChange.objects.filter(task__collab=collab).update(created=when)
    return made


def _connect_demo() -> None:
    from apps.chat.demo import demo_seeded

    demo_seeded.connect(seed_demo_tasks, dispatch_uid="tasks-demo")


_connect_demo()
