"""Fixtures of the task views' tests: the shared collab (owner, moderator, member, guest; an
outsider guest of another collab; a deactivated user), and `make_task`, which creates tasks
through the services as people do."""

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
