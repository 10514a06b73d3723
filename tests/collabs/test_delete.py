"""Deleting a collab: only the owner may, and only once it holds nothing. The refusal names
exactly what is left, as the feature apps describe it through the content-counter registry."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import ngettext

from apps.accounts.models import AuditEvent
from apps.collabs import services
from apps.collabs.models import Collab, Membership
from apps.collabs.registry import register_content_counter, unregister_content_counter
from tests.collabs.pages import alerts


def delete_url(collab: Collab) -> str:
    return reverse("collabs:delete", kwargs={"collab_id": collab.pk})


@pytest.fixture
def content():
    """Stand-in feature apps: what the collab holds, per kind, set by the test."""
    counts = {"files": 0, "meetings": 0, "tasks": 0}
    register_content_counter(
        "test-files",
        lambda collab: counts["files"],
        lambda n: ngettext("%(n)d file", "%(n)d files", n) % {"n": n},
    )
    register_content_counter(
        "test-meetings",
        lambda collab: counts["meetings"],
        lambda n: ngettext("%(n)d meeting", "%(n)d meetings", n) % {"n": n},
    )
    register_content_counter(
        "test-tasks",
        lambda collab: counts["tasks"],
        lambda n: ngettext("%(n)d task", "%(n)d tasks", n) % {"n": n},
    )
    yield counts
    for key in ("test-files", "test-meetings", "test-tasks"):
        unregister_content_counter(key)


# The service.


@pytest.mark.parametrize("who", ["moderator", "member", "guest"])
def test_it_refuses_anyone_but_the_owner(collab, people, who):
    with pytest.raises(PermissionDenied):
        services.delete_collab(collab, people[who])

    assert Collab.objects.filter(pk=collab.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.COLLAB_DELETED).exists()


def test_it_refuses_while_content_remains_and_names_what_is_left(collab, owner, content):
    content.update(files=3, tasks=1)

    with pytest.raises(services.CollabNotEmpty) as refusal:
        services.delete_collab(collab, owner)

    assert refusal.value.remaining == ["3 files", "1 task"]
    assert str(refusal.value) == "3 files, 1 task"
    assert Collab.objects.filter(pk=collab.pk).exists()
    assert Membership.objects.active().filter(collab=collab).count() == 5


def test_it_deletes_an_empty_collab(collab, owner, content):
    collab_id = collab.pk

    services.delete_collab(collab, owner)

    assert not Collab.objects.filter(pk=collab_id).exists()
    assert not Membership.objects.filter(collab_id=collab_id).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.COLLAB_DELETED)
    assert event.actor == owner
    assert event.collab_id == collab_id
    assert event.data["name"] == "Website redesign"


# The page.


@pytest.mark.parametrize("who", ["moderator", "member", "guest"])
def test_the_page_forbids_anyone_but_the_owner(client, collab, people, who):
    client.force_login(people[who])

    assert client.get(delete_url(collab)).status_code == 403
    assert client.post(delete_url(collab)).status_code == 403
    assert Collab.objects.filter(pk=collab.pk).exists()


def test_the_page_is_not_found_for_an_outsider(client, collab, other_collab, outsider):
    client.force_login(outsider)

    assert client.post(delete_url(collab)).status_code == 404
    assert Collab.objects.filter(pk=collab.pk).exists()


def test_the_page_names_what_is_left_and_keeps_the_collab(client, collab, owner, content):
    content.update(files=3, tasks=1)
    client.force_login(owner)

    response = client.post(delete_url(collab))

    assert response.status_code == 200
    assert alerts(response) == [
        "The collab cannot be deleted while it holds: 3 files, 1 task. Remove them first."
    ]
    assert Collab.objects.filter(pk=collab.pk).exists()


def test_the_page_does_not_mention_what_is_zero(client, collab, owner, content):
    content.update(files=1, meetings=0, tasks=0)
    client.force_login(owner)

    response = client.post(delete_url(collab))

    assert alerts(response) == [
        "The collab cannot be deleted while it holds: 1 file. Remove them first."
    ]
    assert Collab.objects.filter(pk=collab.pk).exists()


def test_the_page_names_what_is_left_before_the_owner_tries(client, collab, owner, content):
    content.update(files=2)
    client.force_login(owner)

    response = client.get(delete_url(collab))

    assert response.status_code == 200
    assert alerts(response) == [
        "The collab cannot be deleted while it holds: 2 files. Remove them first."
    ]
    assert "Delete for everyone" not in response.content.decode()


def test_the_owner_deletes_an_empty_collab(client, collab, owner, content):
    collab_id = collab.pk
    client.force_login(owner)

    response = client.post(delete_url(collab))

    assert response.status_code == 302
    assert response["Location"] == reverse("collabs:list")
    assert not Collab.objects.filter(pk=collab_id).exists()
    assert not Membership.objects.filter(collab_id=collab_id).exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.COLLAB_DELETED, actor=owner, collab_id=collab_id
    ).exists()
    assert client.get(reverse("collabs:detail", kwargs={"collab_id": collab_id})).status_code == 404
