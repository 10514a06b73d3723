"""Shared helpers of the task tests (the fixtures of tests/conftest.py make the collab)."""

from datetime import timedelta

from django.utils import timezone

from apps.chat.models import Message
from apps.collabs import services as collab_services
from apps.collabs.models import Collab
from apps.tasks import services


def fresh(collab: Collab) -> Collab:
    """The collab read again: the access layer caches memberships and levels per object."""
    return Collab.objects.get(pk=collab.pk)


def make_task(collab, by, responsible=None, **extra):
    extra.setdefault("title", "Prepare the estimate")
    return services.create_task(fresh(collab), by, responsible_id=(responsible or by).pk, **extra)


def set_levels(collab, owner, **levels):
    collab_services.change_settings(fresh(collab), owner, features={"tasks": levels})


def system_messages(collab, kind=None):
    rows = Message.objects.filter(collab=collab, kind=Message.Kind.SYSTEM)
    if kind:
        rows = rows.filter(system_type=kind)
    return list(rows.order_by("pk"))


def tomorrow():
    return timezone.now() + timedelta(days=1)
