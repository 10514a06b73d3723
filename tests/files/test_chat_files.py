"""Files sent in the chat (apps/files/chat.py, chat_views.py) and the sidebar's Files tab
(tab.py): one File shown by its message, the tab and the section; uploads that fail leave
nothing; outsiders get nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.chat import services as chat_services
from apps.chat.models import Message, MessageAttachment
from apps.chat.preview import Preview
from apps.collabs.services import change_settings, remove_member
from apps.files import chat, services
from apps.files.models import File, Folder
from tests.files.conftest import PDF, upload_of


def upload_url(collab) -> str:
    return reverse("files:chat_upload", kwargs={"collab_id": collab.pk})


def tab_url(collab) -> str:
    return reverse("files:tab", kwargs={"collab_id": collab.pk})


def chat_page(client, collab) -> str:
    return client.get(reverse("collabs:detail", args=[collab.pk])).content.decode()


@pytest.fixture(autouse=True)
def _no_send_limit(monkeypatch):
    """Many messages in a row: the chat's sending limit is another test's subject."""
    monkeypatch.setattr("apps.chat.ratelimit.hit", lambda *args, **kwargs: 0)


def test_a_file_sent_in_the_chat_is_one_file_and_one_message(client, collab, guest, committed):
    message = chat.send(collab, guest, upload_of("brief.pdf", PDF), client_id="c1")
    file = File.objects.get()
    assert file.folder.purpose == Folder.Purpose.CHAT_UPLOADS
    assert file.created_by == guest
    attachment = MessageAttachment.objects.get()
    assert attachment.message_id == message.pk
    assert (attachment.kind, attachment.ref_id) == ("file", file.pk)
    assert attachment.label == "brief.pdf"
    assert attachment.data["type"] == "application/pdf"
    assert message.author == guest and message.body == "" and message.attached
    # No "uploaded" system line: the message itself says it.
    assert not Message.objects.filter(system_type="file_uploaded").exists()
    # The same File in the message, the tab and the section's listing.
    client.force_login(guest)
    page = chat_page(client, collab)
    assert "brief.pdf" in page
    assert reverse("files:download", args=[collab.pk, file.pk]) in page
    tab = client.get(tab_url(collab)).content.decode()
    assert "brief.pdf" in tab
    assert list(services.list_files(guest, collab)) == [file]


def test_a_resent_upload_sends_nothing_twice(collab, member, media):
    first = chat.send(collab, member, upload_of("a.txt", b"one"), client_id="same")
    again = chat.send(collab, member, upload_of("a.txt", b"one"), client_id="same")
    assert again.pk == first.pk
    assert File.objects.count() == 1
    assert len(media()) == 1


def test_a_refused_message_leaves_no_file_and_no_blob(collab, member, media, monkeypatch):
    def refuse(*args, **kwargs):
        raise chat_services.RateLimited(5)

    monkeypatch.setattr(chat_services, "send_message", refuse)
    with pytest.raises(chat_services.RateLimited):
        chat.send(collab, member, upload_of("a.txt", b"content"))
    assert not File.objects.exists()
    assert media() == []


def test_the_upload_view_answers_the_script_in_json(client, collab, member, media):
    client.force_login(member)
    response = client.post(
        upload_url(collab),
        {"file": upload_of("plan.txt", b"the plan"), "client_id": "x"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 201
    message = Message.objects.get(pk=response.json()["message"])
    assert message.attachments.get().label == "plan.txt"


def test_several_files_without_the_script_are_several_messages(client, collab, member):
    client.force_login(member)
    response = client.post(
        upload_url(collab), {"file": [upload_of("a.txt", b"a"), upload_of("b.txt", b"b")]}
    )
    assert response.status_code == 302
    labels = list(MessageAttachment.objects.order_by("message_id").values_list("label", flat=True))
    assert labels == ["a.txt", "b.txt"]
    last = Message.objects.filter(attached=True).order_by("-pk").first()
    assert response["Location"].endswith(f"?message={last.pk}#m{last.pk}")
    # The page the paperclip's link opens without JavaScript.
    page = client.get(upload_url(collab))
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode()


def test_bad_uploads_get_a_clear_error_and_store_nothing(client, collab, member, media, settings):
    settings.FILES_MAX_BYTES = 1000
    client.force_login(member)
    json = {"accept": "application/json"}
    big = client.post(upload_url(collab), {"file": upload_of("big.bin", b"x" * 5000)}, headers=json)
    assert big.status_code == 413
    assert "too large" in big.json()["error"]
    empty = client.post(upload_url(collab), {"file": upload_of("empty.txt", b"")}, headers=json)
    assert empty.status_code == 400
    assert "empty" in empty.json()["error"]
    none = client.post(upload_url(collab), {}, headers=json)
    assert none.status_code == 400
    # Without the script: back to the form with the message.
    plain = client.post(upload_url(collab), {"file": upload_of("big.bin", b"x" * 1500)})
    assert plain.status_code == 302
    assert plain["Location"] == upload_url(collab)
    assert not File.objects.exists() and not Message.objects.filter(attached=True).exists()
    assert media() == []


def test_a_hostile_name_is_cleaned(collab, member):
    chat.send(collab, member, upload_of("../../etc/pass\x00wd\u202e.txt", b"x"))
    assert File.objects.get().name == "passwd.txt"


def test_who_may_not_upload_or_post_is_refused(client, collab, owner, guest):
    change_settings(collab, owner, features={"files": {"create": "employees"}})
    client.force_login(guest)
    assert client.post(upload_url(collab), {"file": upload_of("a.txt", b"a")}).status_code == 403
    assert client.get(upload_url(collab)).status_code == 403
    assert not File.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "removed", "deactivated", "anonymous"])
def test_outsiders_cannot_upload_or_see_the_tab(client, collab, owner, people, who):
    file = services.upload(collab, owner, upload_of("secret.txt", b"secret"))
    if who == "removed":
        person = people["guest"]
        remove_member(collab, owner, person)
        client.force_login(person)
    elif who != "anonymous":
        client.force_login(people[who])
    upload = client.post(upload_url(collab), {"file": upload_of("a.txt", b"a")})
    tab = client.get(tab_url(collab))
    if who in ("deactivated", "anonymous"):
        assert upload.status_code == 302 and tab.status_code == 302
        assert tab["Location"].startswith(reverse("account_login"))
    else:
        assert upload.status_code == 404 and tab.status_code == 404
    assert File.objects.get() == file
    assert "secret" not in tab.content.decode()


def test_the_message_follows_the_file(client, collab, member, owner, committed):
    message = chat.send(collab, member, upload_of("draft.txt", b"v1"))
    file = File.objects.get()
    with committed():
        services.rename(collab, member, file.pk, "final.txt")
    attachment = MessageAttachment.objects.get()
    assert attachment.label == "final.txt"
    assert attachment.data["name"] == "final.txt"
    with committed():
        services.new_version(collab, member, file.pk, upload_of("final.txt", b"version two"))
    assert MessageAttachment.objects.get().data["version"] == 2
    updated = Message.objects.get(pk=message.pk).updated
    assert updated > message.updated
    with committed():
        services.trash(collab, owner, file.pk)
    client.force_login(member)
    assert "“final.txt” was deleted" in chat_page(client, collab)
    with committed():
        services.restore(collab, owner, file.pk)
    assert MessageAttachment.objects.get().data["trashed"] is False


def test_a_reader_without_the_view_right_sees_that_something_is_there(client, collab, owner, guest):
    chat.send(collab, owner, upload_of("budget.txt", b"numbers"))
    change_settings(collab, owner, features={"files": {"view": "employees"}})
    client.force_login(guest)
    page = chat_page(client, collab)
    assert "An attachment you cannot open here" in page
    assert reverse("files:download", args=[collab.pk, File.objects.get().pk]) not in page


def test_the_list_of_collabs_previews_a_file(collab, member):
    message = chat.send(collab, member, upload_of("photo-report.pdf", PDF))
    message = Message.objects.get(pk=message.pk)
    from apps.chat.presenters import load_attachments

    load_attachments([message])
    preview = Preview.of(message)
    assert (preview.attached, preview.line()) == ("photo-report.pdf", "")


def test_a_message_with_a_file_may_lose_its_text(collab, member):
    message = chat.send(collab, member, upload_of("a.txt", b"a"), body="See this")
    assert message.body == "See this"
    edited = chat_services.edit_message(collab, member, message.pk, "")
    assert edited.body == "" and edited.attached


def test_the_tab_pages_by_keyset(client, collab, member):
    for n in range(35):
        services.upload(collab, member, upload_of(f"f{n:02}.txt", b"x"), announce=False)
    client.force_login(member)
    first = client.get(tab_url(collab)).content.decode()
    assert "f34.txt" in first and "f05.txt" in first and "f04.txt" not in first
    more = first.split("?after=")[1].split('"')[0]
    second = client.get(tab_url(collab) + "?after=" + more, headers={"hx-request": "true"})
    body = second.content.decode()
    assert "f04.txt" in body and "f00.txt" in body and "f05.txt" not in body
    assert client.get(tab_url(collab) + "?after=nonsense").status_code == 400


def many_files(collab, user, count: int) -> None:
    """`count` files at once (rows only: the listing never opens the blobs), from several
    people."""
    from django.utils import timezone

    from apps.files.models import FileVersion

    now = timezone.now()
    files = File.objects.bulk_create(
        File(collab=collab, name=f"f{n}.txt", created_by=user, created=now) for n in range(count)
    )
    versions = FileVersion.objects.bulk_create(
        FileVersion(
            file=f,
            number=1,
            blob=f"files/{collab.pk}/x{f.pk}",
            size=1,
            sha256="0" * 64,
            content_type="text/plain",
            uploaded_by=user,
            created=now,
        )
        for f in files
    )
    for f, v in zip(files, versions, strict=True):
        f.current_version = v
    File.objects.bulk_update(files, ["current_version"])


@pytest.mark.parametrize("count", [3, 300])
def test_the_tab_query_count_is_pinned(
    client, collab, member, guest, count, django_assert_num_queries
):
    many_files(collab, member, count // 2)
    many_files(collab, guest, count - count // 2)
    client.force_login(member)
    client.get(tab_url(collab), headers={"hx-request": "true", "hx-target": "tab-files"})
    # The session and the user, the collab with the membership, the files with their versions
    # and uploaders.
    with django_assert_num_queries(4):
        response = client.get(
            tab_url(collab), headers={"hx-request": "true", "hx-target": "tab-files"}
        )
    assert response.status_code == 200


def test_the_chat_page_shows_the_paperclip_and_the_uploader(client, collab, member, guest, owner):
    client.force_login(member)
    page = chat_page(client, collab)
    assert 'data-behaviour="upload-files"' in page
    assert "js/uploads" in page
    change_settings(collab, owner, features={"files": {"create": "employees"}})
    client.force_login(guest)
    page = chat_page(client, collab)
    assert 'data-behaviour="upload-files"' not in page
    assert "js/uploads" not in page


def test_an_image_is_a_picture_in_the_message(client, collab, member, committed):
    from tests.conftest import png

    with committed():  # the preview task runs after the commit
        chat.send(collab, member, SimpleUploadedFile("shot.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 9))
        message = chat.send(collab, member, png("photo.png", (640, 480)))
    client.force_login(member)
    page = chat_page(client, collab)
    file = File.objects.get(name="photo.png")
    thumbnail = reverse("files:thumbnail", args=[collab.pk, file.pk])
    assert f'src="{thumbnail}?version=1"' in page
    assert 'width="320" height="240"' in page  # its place kept before it loads
    assert "data-image-viewer" in page
    assert MessageAttachment.objects.get(message=message).data["preview"] == "ready"
    # A damaged picture: a file card saying there is no preview, still downloadable.
    broken = File.objects.get(name="shot.png")
    assert "no preview" in page
    assert reverse("files:download", args=[collab.pk, broken.pk]) in page


def test_a_picture_being_prepared_has_a_named_placeholder(client, collab, member):
    chat.send(collab, member, SimpleUploadedFile("shot.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50))
    client.force_login(member)
    assert "shot.png: preview being made" in chat_page(client, collab)
