"""Fixtures of the task views' tests: the shared collab (owner, moderator, member, guest; an
outsider guest of another collab; a deactivated user), and `make_task`, which creates tasks
through the services as people do."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.tasks import services


@pytest.fixture
def make_task(collab, owner):
    def make(title="A task", *, by=None, responsible=None, target=None, **fields):
        by = by or owner
        responsible = responsible or by
        return services.create_task(
            target or collab, by, title=title, responsible_id=responsible.pk, **fields
        )

    return make


@pytest.fixture
def soon():
    def at(days: float = 0, hours: float = 0):
        return timezone.now() + timedelta(days=days, hours=hours)

    return at


@pytest.fixture
def bulk_tasks(collab, owner):
    """`bulk_tasks(n, **fields)`: n tasks made at once (for query counts with many rows), each
    with a two-item checklist, half of them with a deadline, a quarter done."""
    from apps.tasks.models import ChecklistItem, Status, Task

    def make(n: int, *, responsible=None, target=None, **fields):
        now = timezone.now()
        rows = [
            Task(
                collab=target or collab,
                title=f"Bulk task {i}",
                created_by=owner,
                created=now,
                updated=now,
                responsible=responsible or owner,
                deadline=now + timedelta(days=i % 9 - 3) if i % 2 else None,
                status=Status.DONE if i % 4 == 0 else Status.TODO,
                status_changed=now,
                position=float(i),
                client_id=uuid.uuid4().hex,
                **fields,
            )
            for i in range(n)
        ]
        tasks = Task.objects.bulk_create(rows)
        ChecklistItem.objects.bulk_create(
            ChecklistItem(task=t, text=f"Item {k}", done=k == 0, position=k)
            for t in tasks
            for k in range(2)
        )
        return tasks

    return make


@pytest.fixture
def many_members(collab, owner):
    """`many_members(n)`: n more employees in the collab."""
    from apps.collabs.services import add_member
    from tests.conftest import make_user

    def add(n: int):
        for i in range(n):
            add_member(collab, owner, make_user(f"extra{i}@example.com", f"Extra {i}"))

    return add
