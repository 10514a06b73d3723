"""Uploading on the Files section: the plain form (one file or several, messages, back to
the folder) and the JSON contract of the JavaScript uploader (one file per request):

    POST files:upload  (multipart: file, optional folder)  Accept: application/json
    201 {"files": [{"id", "name", "url"}]}
    400 / 413 / 403 {"error": "<message>"}
"""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.collabs.services import change_settings
from apps.files import services
from apps.files.models import File
from tests.files.conftest import PNG, upload_of

JSON = {"accept": "application/json"}


def url(name: str, collab, **kwargs) -> str:
    return reverse(f"files:{name}", kwargs={"collab_id": collab.pk, **kwargs})


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- The form -----------------------------------------------------------------------------------


def test_a_guest_uploads_several_files_through_the_form(client, collab, guest, owner):
    folder = services.create_folder(collab, owner, "Inbox")
    client.force_login(guest)
    response = client.post(
        url("upload", collab),
        {"file": [upload_of("a.txt", b"aa"), upload_of("b.png", PNG)], "folder": folder.pk},
    )
    assert response["Location"] == url("folder", collab, folder_id=folder.pk)
    assert said(response) == ["2 files are uploaded."]
    files = File.objects.filter(collab=collab).order_by("name")
    assert [(f.name, f.folder_id, f.created_by) for f in files] == [
        ("a.txt", folder.pk, guest),
        ("b.png", folder.pk, guest),
    ]
    page = client.get(response["Location"]).content.decode()
    assert "a.txt" in page and "b.png" in page


def test_one_refused_file_does_not_lose_the_others(client, collab, member, settings, media):
    settings.FILES_MAX_BYTES = 10
    client.force_login(member)
    response = client.post(
        url("upload", collab),
        {
            "file": [
                upload_of("fine.txt", b"fine"),
                upload_of("big.txt", b"x" * 11),
                upload_of("empty.txt", b""),
            ]
        },
    )
    assert response["Location"] == url("section", collab)
    messages = said(response)
    assert messages[0] == "“fine.txt” is uploaded."
    assert "“big.txt” is not uploaded: The file is too large: at most 10\xa0bytes." in messages
    assert "“empty.txt” is not uploaded: The file is empty." in messages
    assert list(File.objects.values_list("name", flat=True)) == ["fine.txt"]
    assert len(media()) == 1  # no blob left behind by the refused ones


def test_the_form_without_a_file_says_so(client, collab, member):
    client.force_login(member)
    response = client.post(url("upload", collab), {})
    assert said(response) == ["Choose a file to upload."]
    assert not File.objects.exists()


def test_a_person_who_may_not_upload_gets_403(client, collab, owner, guest):
    change_settings(collab, owner, features={"files": {"create": "employees"}})
    client.force_login(guest)
    assert client.post(url("upload", collab), {"file": upload_of("a.txt", b"a")}).status_code == 403
    response = client.post(url("upload", collab), {"file": upload_of("a.txt", b"a")}, headers=JSON)
    assert response.status_code == 403
    assert response.json() == {"error": "You may not upload files in this collab."}
    assert not File.objects.exists()


def test_upload_is_a_post(client, collab, member):
    client.force_login(member)
    assert client.get(url("upload", collab)).status_code == 405


# --- JSON ---------------------------------------------------------------------------------------


def test_json_upload_answers_201_with_the_file(client, collab, member):
    client.force_login(member)
    response = client.post(
        url("upload", collab), {"file": upload_of("plan.txt", b"p")}, headers=JSON
    )
    assert response.status_code == 201
    file = File.objects.get()
    assert response.json() == {
        "files": [{"id": file.pk, "name": "plan.txt", "url": response.json()["files"][0]["url"]}]
    }
    target = response.json()["files"][0]["url"]
    assert target.startswith(f"/collabs/{collab.pk}/files/{file.pk}/")
    assert client.get(target).status_code == 200


def test_json_upload_into_a_folder(client, collab, member, owner):
    folder = services.create_folder(collab, owner, "Inbox")
    client.force_login(member)
    response = client.post(
        url("upload", collab),
        {"file": upload_of("x.txt", b"x"), "folder": str(folder.pk)},
        headers=JSON,
    )
    assert response.status_code == 201
    assert File.objects.get().folder == folder


def test_json_over_the_limit_is_413(client, collab, member, settings, media):
    settings.FILES_MAX_BYTES = 1000
    client.force_login(member)
    response = client.post(
        url("upload", collab), {"file": upload_of("big.bin", b"x" * 1001)}, headers=JSON
    )
    assert response.status_code == 413
    assert response.json() == {
        "error": "The file is too large: at most 1000\xa0bytes.",
    }
    assert not File.objects.exists()
    assert media() == []


def test_json_empty_file_is_400(client, collab, member, media):
    client.force_login(member)
    response = client.post(
        url("upload", collab), {"file": upload_of("zero.txt", b"")}, headers=JSON
    )
    assert response.status_code == 400
    assert response.json()["error"] == "The file is empty."
    assert not File.objects.exists()
    assert media() == []


def test_json_without_a_file_is_400(client, collab, member):
    client.force_login(member)
    response = client.post(url("upload", collab), {}, headers=JSON)
    assert response.status_code == 400
    assert response.json() == {"error": "Choose a file to upload."}


@pytest.mark.parametrize("folder", ["nope", "-3", "0"])
def test_json_with_a_bad_folder_is_400(client, collab, member, folder):
    client.force_login(member)
    response = client.post(
        url("upload", collab), {"file": upload_of("x.txt", b"x"), "folder": folder}, headers=JSON
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Choose a folder of this collab."}
    assert not File.objects.exists()


def test_json_into_another_collabs_folder_is_400(client, collab, other_collab, other_owner, member):
    theirs = services.create_folder(other_collab, other_owner, "Zeta")
    client.force_login(member)
    response = client.post(
        url("upload", collab), {"file": upload_of("x.txt", b"x"), "folder": theirs.pk}, headers=JSON
    )
    assert response.status_code == 400
    assert not File.objects.exists()


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\secret.docx", "secret.docx"),
        ("a/b/c.txt", "c.txt"),
        ("evil\u202egnp.exe", "evilgnp.exe"),
        ("line\nbreak.txt", "linebreak.txt"),
    ],
)
def test_path_separators_and_control_characters_leave_the_name(
    client, collab, member, sent, stored
):
    client.force_login(member)
    response = client.post(url("upload", collab), {"file": upload_of(sent, b"x")}, headers=JSON)
    assert response.status_code == 201
    assert response.json()["files"][0]["name"] == stored
    assert File.objects.get().name == stored


def test_json_with_several_files_names_the_refused_one(client, collab, member):
    client.force_login(member)
    response = client.post(
        url("upload", collab),
        {"file": [upload_of("ok.txt", b"ok"), upload_of("zero.txt", b"")]},
        headers=JSON,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "“zero.txt”: The file is empty."
    assert [f["name"] for f in body["files"]] == ["ok.txt"]
