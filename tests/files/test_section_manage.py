"""Managing files and folders through the Files section's pages: new folder, rename, move,
delete to the trash and restore, with bad input refused clearly and nothing lost."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.files import services
from apps.files.actions import registered
from apps.files.models import File, Folder
from tests.files.conftest import upload_of


def url(name: str, collab, **kwargs) -> str:
    return reverse(f"files:{name}", kwargs={"collab_id": collab.pk, **kwargs})


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def file(collab, member):
    return services.upload(collab, member, upload_of("report.txt", b"numbers"))


def test_rename_move_and_delete_are_file_actions_with_their_rights():
    by_key = {a.key: a for a in registered()}
    assert by_key["rename"].url_name == "files:rename"
    assert by_key["rename"].right == "files.change_file"
    assert by_key["move"].right == "files.change_file"
    assert by_key["delete"].right == "files.delete_file"
    assert by_key["delete"].danger


# --- Folders ------------------------------------------------------------------------------------


def test_a_member_makes_a_folder_and_lands_in_it(client, collab, guest):
    client.force_login(guest)
    response = client.post(url("folder_new", collab), {"name": "  Photos  "})
    folder = Folder.objects.get(collab=collab)
    assert folder.name == "Photos"
    assert response["Location"] == url("folder", collab, folder_id=folder.pk)
    inner = client.post(url("folder_new", collab), {"name": "2026", "parent": folder.pk})
    child = Folder.objects.get(name="2026")
    assert child.parent == folder
    assert inner["Location"] == url("folder", collab, folder_id=child.pk)


@pytest.mark.parametrize("name", ["", "   ", "/", "\x00\x01"])
def test_a_folder_needs_a_name(client, collab, member, name):
    client.force_login(member)
    response = client.post(url("folder_new", collab), {"name": name})
    assert response.status_code == 302
    assert Folder.objects.count() == 0
    assert said(response) and "name" in said(response)[0]


def test_a_folder_cannot_be_made_in_another_collabs_folder(
    client, collab, other_collab, other_owner, member
):
    theirs = services.create_folder(other_collab, other_owner, "Zeta")
    client.force_login(member)
    response = client.post(url("folder_new", collab), {"name": "Mine", "parent": theirs.pk})
    assert said(response) == ["Choose a folder of this collab."]
    assert not Folder.objects.filter(collab=collab).exists()
    assert not theirs.children.exists()


def test_rename_a_folder(client, collab, owner, member):
    folder = services.create_folder(collab, owner, "Old")
    client.force_login(member)
    form = client.get(url("folder_rename", collab, folder_id=folder.pk))
    assert 'value="Old"' in form.content.decode()
    client.post(url("folder_rename", collab, folder_id=folder.pk), {"name": "New"})
    folder.refresh_from_db()
    assert folder.name == "New"
    bad = client.post(url("folder_rename", collab, folder_id=folder.pk), {"name": " "})
    assert bad.status_code == 200
    assert "This field is required." in bad.content.decode()
    folder.refresh_from_db()
    assert folder.name == "New"


def test_only_an_empty_folder_is_deleted(client, collab, owner, member):
    folder = services.create_folder(collab, owner, "Stuff")
    inside = services.upload(collab, member, upload_of("a.txt", b"a"), folder)
    client.force_login(member)
    refused = client.post(url("folder_delete", collab, folder_id=folder.pk))
    assert refused.status_code == 400
    assert "is not empty" in refused.content.decode()
    assert Folder.objects.filter(pk=folder.pk).exists()
    # Its file in the trash does not keep it: restored later, the file comes back at the top.
    services.trash(collab, member, inside.pk)
    done = client.post(url("folder_delete", collab, folder_id=folder.pk))
    assert done["Location"] == url("section", collab)
    assert not Folder.objects.filter(pk=folder.pk).exists()
    again = client.post(url("folder_delete", collab, folder_id=folder.pk))
    assert again.status_code == 302
    services.restore(collab, member, inside.pk)
    inside.refresh_from_db()
    assert inside.folder is None and inside.deleted_at is None


def test_a_folder_with_a_subfolder_is_not_deleted(client, collab, owner):
    folder = services.create_folder(collab, owner, "Top")
    services.create_folder(collab, owner, "Sub", folder)
    client.force_login(owner)
    assert client.post(url("folder_delete", collab, folder_id=folder.pk)).status_code == 400
    assert Folder.objects.count() == 2


# --- Files: rename, move ------------------------------------------------------------------------


def test_rename_a_file_and_go_back(client, collab, member, file):
    client.force_login(member)
    page = client.get(url("rename", collab, file_id=file.pk)).content.decode()
    assert 'value="report.txt"' in page
    response = client.post(
        url("rename", collab, file_id=file.pk), {"name": "final/../report v2.txt"}
    )
    file.refresh_from_db()
    assert file.name == "report v2.txt"
    assert response["Location"] == url("section", collab)
    assert said(response) == ["The file is renamed."]


@pytest.mark.parametrize("name", ["", "   ", "...", "a/"])
def test_an_empty_name_is_refused_and_the_name_kept(client, collab, member, file, name):
    client.force_login(member)
    response = client.post(url("rename", collab, file_id=file.pk), {"name": name})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This field is required." in page or "Give it a name." in page
    file.refresh_from_db()
    assert file.name == "report.txt"


def test_rename_goes_back_to_a_local_next_only(client, collab, member, file):
    client.force_login(member)
    back = url("section", collab) + "?sort=name"
    response = client.post(url("rename", collab, file_id=file.pk), {"name": "a.txt", "next": back})
    assert response["Location"] == back
    response = client.post(
        url("rename", collab, file_id=file.pk), {"name": "b.txt", "next": "https://evil.example/"}
    )
    assert response["Location"] == url("section", collab)


def test_move_a_file_into_a_folder_and_back(client, collab, owner, member, file):
    folder = services.create_folder(collab, owner, "Reports")
    client.force_login(member)
    page = client.get(url("move", collab, file_id=file.pk)).content.decode()
    assert "Reports" in page and "Files (the top level)" in page
    response = client.post(url("move", collab, file_id=file.pk), {"folder": folder.pk})
    file.refresh_from_db()
    assert file.folder == folder
    assert response["Location"] == url("section", collab)  # where the person was
    assert said(response) == ["“report.txt” is moved to Reports."]
    client.post(url("move", collab, file_id=file.pk), {"folder": ""})
    file.refresh_from_db()
    assert file.folder is None


@pytest.mark.parametrize("bad", ["x", "-1", "99999999999999999999", "1 OR 1=1"])
def test_move_refuses_what_is_not_a_folder(client, collab, member, file, bad):
    client.force_login(member)
    response = client.post(url("move", collab, file_id=file.pk), {"folder": bad})
    assert response.status_code == 200
    assert "Choose a folder of this collab." in response.content.decode()
    file.refresh_from_db()
    assert file.folder is None


def test_move_refuses_a_folder_of_another_collab(
    client, collab, other_collab, other_owner, member, file
):
    theirs = services.create_folder(other_collab, other_owner, "Zeta")
    client.force_login(member)
    response = client.post(url("move", collab, file_id=file.pk), {"folder": theirs.pk})
    assert "Choose a folder of this collab." in response.content.decode()
    assert "Zeta" not in response.content.decode()
    file.refresh_from_db()
    assert file.folder is None


# --- Delete, trash, restore ---------------------------------------------------------------------


def test_delete_asks_first_then_moves_to_the_trash(client, collab, member, file):
    client.force_login(member)
    page = client.get(url("delete", collab, file_id=file.pk)).content.decode()
    assert "Move to the trash" in page and "30 days" in page
    file.refresh_from_db()
    assert file.deleted_at is None
    response = client.post(url("delete", collab, file_id=file.pk))
    file.refresh_from_db()
    assert file.deleted_at is not None and file.deleted_by == member
    assert response["Location"] == url("section", collab)
    # A second submit (a double click, the back button): no error, nothing more happens.
    deleted_at = file.deleted_at
    again = client.post(url("delete", collab, file_id=file.pk))
    assert again.status_code == 302
    assert said(again)[-1] == "“report.txt” is in the trash."
    file.refresh_from_db()
    assert file.deleted_at == deleted_at
    # It leaves the listing and the file's other pages.
    listing = client.get(url("section", collab))
    assert list(listing.context["files"]) == []
    assert client.get(url("rename", collab, file_id=file.pk)).status_code == 404
    assert client.get(url("move", collab, file_id=file.pk)).status_code == 404


def test_the_trash_lists_who_deleted_when_and_the_purge_date(client, collab, member, owner, file):
    services.trash(collab, member, file.pk)
    client.force_login(owner)
    response = client.get(url("trash", collab))
    page = response.content.decode()
    assert "report.txt" in page
    assert "Deleted by Marina Member" in page
    assert "deleted for good on" in page
    [row] = response.context["files"]
    assert (row.purge_on - row.deleted_at).days == services.TRASH_DAYS


def test_restore_from_the_trash(client, collab, owner, member):
    folder = services.create_folder(collab, owner, "Kept")
    file = services.upload(collab, member, upload_of("back.txt", b"b"), folder)
    services.trash(collab, member, file.pk)
    client.force_login(owner)
    response = client.post(url("restore", collab, file_id=file.pk))
    assert response["Location"] == url("trash", collab)
    assert said(response) == ["“back.txt” is restored to Kept."]
    file.refresh_from_db()
    assert file.deleted_at is None and file.folder == folder
    # Twice: no harm.
    assert client.post(url("restore", collab, file_id=file.pk)).status_code == 302
    assert client.get(url("trash", collab)).context["files"] == []


def test_restore_is_a_post(client, collab, owner, member, file):
    services.trash(collab, member, file.pk)
    client.force_login(owner)
    assert client.get(url("restore", collab, file_id=file.pk)).status_code == 405
    file.refresh_from_db()
    assert file.in_trash


def test_a_guest_cannot_delete_rename_or_restore(client, collab, guest, member, file):
    client.force_login(guest)
    assert client.post(url("delete", collab, file_id=file.pk)).status_code == 403
    assert client.post(url("rename", collab, file_id=file.pk), {"name": "x"}).status_code == 403
    services.trash(collab, member, file.pk)
    assert client.post(url("restore", collab, file_id=file.pk)).status_code == 403
    file.refresh_from_db()
    assert file.name == "report.txt" and file.in_trash
    assert File.objects.count() == 1


def test_forms_need_the_csrf_token(collab, member, file):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post(url("delete", collab, file_id=file.pk)).status_code == 403
    assert strict.post(url("folder_new", collab), {"name": "x"}).status_code == 403
    file.refresh_from_db()
    assert not file.in_trash
