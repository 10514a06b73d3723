"""The task's own pages and actions through the test client: what each person gets, the
quick form with and without htmx, the task page's forms, and bad input."""

import re

import pytest
from django.urls import reverse

from apps.chat import services as chat
from apps.tasks.models import ChecklistItem, Comment, Status, Task, TaskFile
from tests.conftest import client_for

from .helpers import fresh, make_task, set_levels, system_messages

pytestmark = pytest.mark.django_db


def url(name, collab, task=None, **kwargs):
    kwargs["collab_id"] = collab.pk
    if task is not None:
        kwargs["task_id"] = task.pk
    return reverse(f"tasks:{name}", kwargs=kwargs)


def _form(member, **values):
    data = {
        "title": "Send the estimate",
        "responsible": str(member.pk),
        "deadline_date": "",
        "deadline_time": "",
        "priority": "1",
        "client_id": "c-1",
    }
    data.update(values)
    return data


def test_the_quick_form_from_a_message(client, collab, owner, member):
    message = chat.send_message(fresh(collab), owner, "Please call the studio\nabout the logo")
    client_for(client, member)
    page = client.get(url("create", collab) + f"?message={message.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Please call the studio"' in html
    assert "From a message by Olga Owner" in html
    # The more fields are there, folded.
    assert '<details class="task-more">' in html
    answer = client.post(
        url("create", collab), _form(member, title="Call the studio", message=str(message.pk))
    )
    task = Task.objects.get()
    assert answer.status_code == 302 and answer["Location"] == url("detail", collab, task)
    assert task.source_message == message and task.created_by == member


def test_the_dialog_gets_204_and_errors_in_place(client, collab, member):
    client_for(client, member)
    dialog = client.get(url("create", collab), headers={"HX-Request": "true"})
    assert dialog.status_code == 200
    assert b'id="feature-dialog-title"' in dialog.content
    assert b"<html" not in dialog.content
    bad = client.post(
        url("create", collab), _form(member, title=""), headers={"HX-Request": "true"}
    )
    assert bad.status_code == 400 and b"field-invalid" in bad.content
    ok = client.post(url("create", collab), _form(member), headers={"HX-Request": "true"})
    assert ok.status_code == 204 and ok["HX-Trigger"] == "dialog-done"
    # A double submit of the same form makes no second task.
    client.post(url("create", collab), _form(member), headers={"HX-Request": "true"})
    assert Task.objects.count() == 1


def test_a_malformed_deadline_keeps_what_was_typed(client, collab, member):
    client_for(client, member)
    answer = client.post(
        url("create", collab),
        _form(member, title="Keep me", deadline_date="31.02.2026", description="Long text"),
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'value="Keep me"' in html and "Long text" in html
    # The error is in the opened "more" part or next to the date.
    assert "field-invalid" in html
    assert not Task.objects.exists()


def test_a_guest_of_another_collab_gets_404_everywhere(client, collab, owner, outsider):
    task = make_task(collab, owner)
    client_for(client, outsider)
    for name in ("detail", "edit", "delete"):
        assert client.get(url(name, collab, task)).status_code == 404
    for name in ("status", "move", "checklist_add", "comment", "files"):
        assert client.post(url(name, collab, task), {"status": "done"}).status_code == 404
    assert client.get(url("create", collab)).status_code == 404
    task.refresh_from_db()
    assert task.status == Status.TODO


def test_a_task_is_not_reached_through_another_collab(
    client, collab, other_collab, owner, other_owner
):
    task = make_task(collab, owner)
    client_for(client, other_owner)
    assert client.get(url("detail", other_collab, task)).status_code == 404
    assert client.post(url("status", other_collab, task), {"status": "done"}).status_code == 404


def test_a_removed_member_loses_the_task_at_once(client, collab, owner, member):
    from apps.collabs import services as collab_services

    task = make_task(collab, owner, member)
    client_for(client, member)
    assert client.get(url("detail", collab, task)).status_code == 200
    collab_services.remove_member(fresh(collab), owner, member)
    assert client.get(url("detail", collab, task)).status_code == 404
    assert client.post(url("status", collab, task), {"status": "done"}).status_code == 404


def test_the_deactivated_are_sent_to_sign_in(client, collab, owner, deactivated):
    task = make_task(collab, owner)
    client.force_login(deactivated)
    answer = client.get(url("detail", collab, task))
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_the_task_page_shows_everything(
    client, collab, owner, guest, django_assert_max_num_queries
):
    message = chat.send_message(fresh(collab), owner, "About the logo")
    task = make_task(
        collab,
        owner,
        guest,
        description="Mind **the colours**",
        checklist=["Draft", "Send"],
        source_message_id=message.pk,
        coassignee_ids=[],
    )
    client_for(client, guest)
    html = client.get(url("detail", collab, task)).content.decode()
    assert "<strong>the colours</strong>" in html
    assert "Draft" in html and "0/2" in html
    assert "Open the message in the chat" in html
    # The guest does it: may complete it, may not edit or delete it.
    assert "Complete" in html
    assert url("edit", collab, task) not in html and url("delete", collab, task) not in html
    client_for(client, owner)
    html = client.get(url("detail", collab, task)).content.decode()
    assert url("edit", collab, task) in html and url("delete", collab, task) in html


def test_the_responsible_guest_completes_from_the_page(client, collab, owner, guest):
    task = make_task(collab, owner, guest)
    client_for(client, guest)
    answer = client.post(url("status", collab, task), {"status": "done"})
    assert answer.status_code == 302
    task.refresh_from_db()
    assert task.status == Status.DONE
    assert len(system_messages(collab, "task_done")) == 1


def test_a_bystander_gets_403_on_status_and_move(client, collab, owner, member, moderator):
    set_levels(collab, owner, edit="moderators")
    task = make_task(collab, owner, moderator)
    client_for(client, member)
    assert client.post(url("status", collab, task), {"status": "done"}).status_code == 403
    answer = client.post(
        url("move", collab, task), {"status": "done"}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 403
    task.refresh_from_db()
    assert task.status == Status.TODO


def test_the_board_move_endpoint(client, collab, owner):
    a, b = make_task(collab, owner, title="a"), make_task(collab, owner, title="b")
    client_for(client, owner)
    answer = client.post(
        url("move", collab, a),
        {"status": "review", "before": str(b.pk)},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 204
    assert (
        client.post(
            url("move", collab, a), {"status": "nope"}, headers={"HX-Request": "true"}
        ).status_code
        == 400
    )
    a.refresh_from_db()
    assert a.status == Status.REVIEW


def test_editing_with_a_stale_form_keeps_the_other_change(client, collab, owner, moderator):
    task = make_task(collab, owner)
    client_for(client, owner)
    form = client.get(url("edit", collab, task)).content.decode()
    version = re.search(r'name="base_version" value="(\d+)"', form).group(1)
    data = _form(owner, title="Mine", base_version=version)
    data.pop("client_id")
    assert client.post(url("edit", collab, task), data).status_code == 302
    data["title"] = "Theirs"
    answer = client.post(url("edit", collab, task), data)
    assert answer.status_code == 400
    assert "Someone changed this task" in answer.content.decode()
    task.refresh_from_db()
    assert task.title == "Mine"


def test_checklist_comments_and_files_from_the_page(
    client, collab, owner, member, guest, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    task = make_task(collab, owner, member)
    client_for(client, owner)
    client.post(url("checklist_add", collab, task), {"text": "Draft"})
    item = ChecklistItem.objects.get()
    client_for(client, member)
    client.post(url("checklist_item", collab, task, item_id=item.pk), {"op": "toggle", "done": "1"})
    item.refresh_from_db()
    assert item.done
    client.post(url("comment", collab, task), {"body": "On it"})
    assert Comment.objects.get().body == "On it"
    upload = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    assert client.post(url("files", collab, task), {"upload": upload}).status_code == 302
    link = TaskFile.objects.get()
    assert link.file.name == "notes.txt"
    page = client.get(url("detail", collab, task)).content.decode()
    assert "notes.txt" in page and "On it" in page
    # Only who may edit removes a file from the task (not a guest who sees it).
    client_for(client, guest)
    assert client.post(url("file_remove", collab, task, file_id=link.file_id)).status_code == 403
    client_for(client, member)
    client.post(url("file_remove", collab, task, file_id=link.file_id))
    assert not TaskFile.objects.exists()


def test_delete_asks_then_deletes(client, collab, owner, moderator):
    task = make_task(collab, owner)
    client_for(client, moderator)
    assert b"Delete the task" in client.get(url("delete", collab, task)).content
    answer = client.post(url("delete", collab, task))
    assert answer.status_code == 302 and answer["Location"] == url("list", collab)
    assert not Task.objects.exists()


EVERY_TASK_URL = [
    ("get", "detail", {}),
    ("get", "edit", {}),
    ("get", "delete", {}),
    ("post", "status", {"status": "done"}),
    ("post", "move", {"status": "done"}),
    ("post", "delete", {}),
    ("post", "checklist_add", {"text": "Mine"}),
    ("post", "comment", {"body": "Still here?"}),
    ("post", "files", {"file": "1"}),
]


@pytest.mark.parametrize(("method", "name", "data"), EVERY_TASK_URL)
def test_a_removed_member_reaches_no_task_url(client, collab, owner, member, method, name, data):
    from apps.collabs import services as collab_services

    task = make_task(collab, owner, member, checklist=["Draft"])
    item = task.checklist.get()
    collab_services.remove_member(fresh(collab), owner, member)
    client_for(client, member)
    answer = getattr(client, method)(url(name, collab, task), data)
    assert answer.status_code == 404
    answer = client.post(
        url("checklist_item", collab, task, item_id=item.pk), {"op": "toggle", "done": "1"}
    )
    assert answer.status_code == 404
    for page in ("list", "board", "tab", "create"):
        assert client.get(url(page, collab)).status_code == 404
    task.refresh_from_db()
    item.refresh_from_db()
    assert task.status == Status.TODO and not item.done
    assert Task.objects.filter(pk=task.pk).exists()
    assert not Comment.objects.exists()
