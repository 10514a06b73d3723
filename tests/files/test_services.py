"""The files services: streaming uploads, limits, names, versions, the trash, the purge, the
content counter and the system messages."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils import timezone, translation

from apps.chat import system
from apps.chat.models import Message
from apps.collabs.services import CollabNotEmpty, delete_collab
from apps.files import services, sniff
from apps.files.models import File, FileVersion, Folder
from tests.files.conftest import PDF, PNG, upload_of


def test_an_upload_is_stored_hashed_and_sniffed(collab, member, media):
    content = b"hello world\n" * 20000  # 240 KB: several chunks
    file = services.upload(collab, member, upload_of("notes.pdf", content))
    version = file.current_version
    assert version.number == 1
    assert version.size == len(content)
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    # Sniffed from the content, not from the name or the browser's word.
    assert version.content_type == "text/plain"
    assert version.uploaded_by == member
    assert version.blob.name.startswith(f"files/{collab.pk}/")
    assert "notes" not in version.blob.name
    assert len(version.blob.name.rsplit("/", 1)[1]) == 32
    assert media() == [version.blob.name]
    with version.blob.open("rb") as handle:
        assert handle.read() == content


def test_the_upload_is_read_in_chunks_never_whole(collab, member, monkeypatch):
    asked = []
    upload = upload_of("big.bin", b"z" * (300 * 1024))
    real_read = upload.file.read

    def read(size=-1):
        asked.append(size)
        return real_read(size)

    monkeypatch.setattr(upload.file, "read", read)
    services.upload(collab, member, upload)
    assert asked and all(0 < size <= services.CHUNK for size in asked)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"0" * 20, "image/jpeg"),
        (b"GIF89a" + b"0" * 20, "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (PDF, "application/pdf"),
        (b"PK\x03\x04" + b"0" * 26 + b"[Content_Types].xml word/document.xml", sniff._OOXML[0][1]),
        (b"PK\x03\x04" + b"0" * 40, "application/zip"),
        (b"ID3\x03" + b"0" * 20, "audio/mpeg"),
        (b"\x00\x00\x00\x20ftypisom" + b"0" * 20, "video/mp4"),
        (b"\x1a\x45\xdf\xa3" + b"0" * 20, "video/webm"),
        (b"OggS" + b"0" * 20, "audio/ogg"),
        ("Привет".encode(), "text/plain"),
        (b"<!DOCTYPE html><script>alert(1)</script>", "text/html"),
        (b'<?xml version="1.0"?><svg onload="alert(1)"/>', "image/svg+xml"),
        (b"\x00\x01\x02binary", "application/octet-stream"),
        (b"\xff\xfe\xfa not utf-8", "application/octet-stream"),
    ],
)
def test_the_sniffer(head, kind):
    assert sniff.content_type(head) == kind


def test_an_upload_over_the_limit_leaves_nothing(collab, member, media, settings):
    settings.FILES_MAX_BYTES = 1000
    before = (File.objects.count(), FileVersion.objects.count(), Message.objects.count())
    with pytest.raises(ValidationError) as error:
        services.upload(collab, member, upload_of("big.txt", b"a" * 1001))
    assert error.value.code == "too_large"
    assert "1000" in str(error.value.messages[0])
    assert (File.objects.count(), FileVersion.objects.count(), Message.objects.count()) == before
    assert media() == []


def test_an_upload_that_grows_past_the_limit_while_streaming_leaves_nothing(
    collab, member, media, settings
):
    """The declared size lies (or is unknown): the count while streaming refuses it, and the
    blob written so far is deleted."""
    settings.FILES_MAX_BYTES = 100 * 1024
    upload = upload_of("liar.txt", b"a" * (300 * 1024))
    upload.size = 10
    with pytest.raises(ValidationError) as error:
        services.upload(collab, member, upload)
    assert error.value.code == "too_large"
    assert File.objects.count() == 0
    assert media() == []


def test_an_empty_file_is_refused(collab, member, media):
    with pytest.raises(ValidationError) as error:
        services.upload(collab, member, upload_of("empty.txt", b""))
    assert error.value.code == "empty"
    assert File.objects.count() == 0
    assert media() == []


def test_a_failing_database_write_leaves_no_blob(collab, member, media, monkeypatch):
    def broken(*args, **kwargs):
        raise IntegrityError("the database said no")

    monkeypatch.setattr(services, "_version", broken)
    with pytest.raises(IntegrityError):
        services.upload(collab, member, upload_of("a.txt", b"hello"))
    assert File.objects.count() == 0
    assert media() == []


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("a\x00b\n.txt", "ab.txt"),
        ("C:\\Users\\x\\report.pdf", "report.pdf"),
        (".htaccess", "htaccess"),
        ("  ...hidden.txt ", "hidden.txt"),
        ("evil\u202etxt.exe", "eviltxt.exe"),
        ("a" * 300 + ".docx", "a" * 195 + ".docx"),
        ("..", ""),
    ],
)
def test_names_are_cleaned(raw, clean):
    assert services.clean_name(raw) == clean


def test_an_upload_keeps_a_clean_name(collab, member):
    file = services.upload(collab, member, upload_of("../../etc/passwd", b"root:x:0:0"))
    assert file.name == "passwd"
    nameless = services.upload(collab, member, upload_of("x.txt", b"hi"), name="..")
    assert nameless.name == "untitled"


def test_new_versions_are_numbered_and_become_current(collab, member, owner, media):
    file = services.upload(collab, member, upload_of("plan.txt", b"one"))
    second = services.new_version(collab, owner, file.pk, upload_of("whatever.bin", b"two"))
    third = services.new_version(collab, owner, file.pk, upload_of("plan.txt", PNG))
    file.refresh_from_db()
    assert [second.number, third.number] == [2, 3]
    assert file.current_version == third
    assert third.content_type == "image/png"
    assert file.name == "plan.txt"
    assert len(media()) == 3


def test_a_new_version_over_the_limit_leaves_nothing(collab, member, owner, media, settings):
    file = services.upload(collab, member, upload_of("plan.txt", b"one"))
    settings.FILES_MAX_BYTES = 10
    with pytest.raises(ValidationError):
        services.new_version(collab, owner, file.pk, upload_of("plan.txt", b"x" * 11))
    assert file.versions.count() == 1
    assert len(media()) == 1


def test_rename_and_move(collab, member, owner, other_collab, other_owner):
    file = services.upload(collab, member, upload_of("a.txt", b"hi"))
    services.rename(collab, owner, file.pk, "../b\n.txt")
    folder = services.create_folder(collab, owner, "Contracts")
    services.move(collab, owner, file.pk, folder)
    file.refresh_from_db()
    assert (file.name, file.folder) == ("b.txt", folder)
    with pytest.raises(ValidationError):
        services.rename(collab, owner, file.pk, "\x00..")
    elsewhere = services.create_folder(other_collab, other_owner, "Theirs")
    with pytest.raises(ValidationError):
        services.move(collab, owner, file.pk, elsewhere)
    services.move(collab, owner, file.pk, None)
    file.refresh_from_db()
    assert file.folder is None


def test_the_chat_uploads_folder_is_made_once(collab):
    first = services.chat_uploads_folder(collab)
    assert services.chat_uploads_folder(collab) == first
    assert Folder.objects.filter(collab=collab).count() == 1
    assert first.name == "Chat uploads"


def test_rights_are_enforced_in_every_service(collab, guest, member, outsider):
    file = services.upload(collab, guest, upload_of("g.txt", b"guest's"))
    # Guests upload, but rename, move, new versions and deletes are for employees by default.
    with pytest.raises(PermissionDenied):
        services.rename(collab, guest, file.pk, "x.txt")
    with pytest.raises(PermissionDenied):
        services.move(collab, guest, file.pk, None)
    with pytest.raises(PermissionDenied):
        services.new_version(collab, guest, file.pk, upload_of("g.txt", b"v2"))
    with pytest.raises(PermissionDenied):
        services.trash(collab, guest, file.pk)
    with pytest.raises(PermissionDenied):
        services.upload(collab, outsider, upload_of("o.txt", b"no"))
    # A file of another collab is not found, whatever the id.
    services.trash(collab, member, file.pk)
    with pytest.raises(Http404):
        services.rename(collab, member, file.pk, "x.txt")


def test_a_collab_that_forbids_guest_uploads(collab, guest, owner, media):
    from apps.collabs.services import change_settings

    change_settings(collab, owner, features={"files": {"create": "employees"}})
    with pytest.raises(PermissionDenied):
        services.upload(collab, guest, upload_of("g.txt", b"no"))
    assert media() == []


def test_trash_and_restore(collab, member, owner):
    file = services.upload(collab, member, upload_of("a.txt", b"hi"))
    services.trash(collab, owner, file.pk)
    file.refresh_from_db()
    assert file.in_trash and file.deleted_by == owner
    with pytest.raises(Http404):
        services.trash(collab, owner, file.pk)
    services.restore(collab, owner, file.pk)
    file.refresh_from_db()
    assert not file.in_trash and file.deleted_by is None


def test_purge_deletes_rows_and_blobs_after_30_days_and_is_idempotent(collab, member, owner, media):
    kept = services.upload(collab, member, upload_of("kept.txt", b"kept"))
    recent = services.upload(collab, member, upload_of("recent.txt", b"recent"))
    old = services.upload(collab, member, upload_of("old.txt", b"old"))
    services.new_version(collab, owner, old.pk, upload_of("old.txt", b"old v2"))
    services.trash(collab, owner, recent.pk)
    services.trash(collab, owner, old.pk)
    now = timezone.now()
    File.objects.filter(pk=old.pk).update(deleted_at=now - timedelta(days=31))
    File.objects.filter(pk=recent.pk).update(deleted_at=now - timedelta(days=29))
    assert len(media()) == 4

    assert services.purge_trash(now) == 1
    assert set(File.objects.values_list("pk", flat=True)) == {kept.pk, recent.pk}
    assert not FileVersion.objects.filter(file_id=old.pk).exists()
    assert len(media()) == 2
    assert services.purge_trash(now) == 0
    assert len(media()) == 2


def test_the_purge_command(collab, member, owner, media):
    from django.core.management import call_command

    old = services.upload(collab, member, upload_of("old.txt", b"old"))
    services.trash(collab, owner, old.pk)
    File.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - timedelta(days=40))
    call_command("purge_file_trash")
    assert not File.objects.exists()
    assert media() == []


def test_files_keep_a_collab_from_being_deleted(collab, member, owner):
    for n in range(3):
        services.upload(collab, member, upload_of(f"{n}.txt", b"hi"))
    trashed = services.upload(collab, member, upload_of("t.txt", b"hi"))
    services.trash(collab, owner, trashed.pk)
    with pytest.raises(CollabNotEmpty) as refusal:
        delete_collab(collab, owner)
    assert "3 files" in str(refusal.value.args)
    assert "1 file in the trash" in str(refusal.value.args)


def _system(collab, kind):
    return Message.objects.filter(collab=collab, system_type=kind).get()


def test_system_messages_for_upload_version_and_delete(collab, member, owner):
    file = services.upload(collab, member, upload_of("report.pdf", PDF))
    services.new_version(collab, owner, file.pk, upload_of("report.pdf", PDF))
    services.trash(collab, owner, file.pk)
    uploaded = _system(collab, "file_uploaded")
    version = _system(collab, "file_version")
    deleted = _system(collab, "file_deleted")
    with translation.override("en"):
        assert system.render("file_uploaded", uploaded.system_data) == (
            "Marina Member uploaded “report.pdf”"
        )
        assert system.render("file_version", version.system_data) == (
            "Olga Owner uploaded a new version of “report.pdf”"
        )
        assert system.render("file_deleted", deleted.system_data) == (
            "Olga Owner deleted “report.pdf”"
        )
    # Russian: the sentences render with the name as it was (their translations come with
    # the next locale update; until then the English text).
    with translation.override("ru"):
        for message in (uploaded, version, deleted):
            text = system.render(message.system_type, message.system_data)
            assert "report.pdf" in text


def test_an_upload_from_the_chat_writes_no_system_message(collab, member):
    services.upload(collab, member, upload_of("a.txt", b"hi"), announce=False)
    assert not Message.objects.filter(collab=collab, system_type="file_uploaded").exists()


def test_changes_publish_the_files_event(collab, member, owner, committed, monkeypatch):
    from apps.collabs import live

    sent = []
    monkeypatch.setattr(live, "group_send", lambda group, message: sent.append(message))
    with committed():
        file = services.upload(collab, member, upload_of("a.txt", b"hi"))
        services.rename(collab, owner, file.pk, "b.txt")
    files_events = [m["event"] for m in sent if m["event"]["kind"] == "files"]
    assert [e["data"]["action"] for e in files_events] == ["uploaded", "renamed"]
    assert all(e["right"] is None for e in files_events)


def test_a_failing_new_version_write_leaves_no_blob(collab, member, owner, media, monkeypatch):
    file = services.upload(collab, member, upload_of("a.txt", b"one"))

    def broken(*args, **kwargs):
        raise IntegrityError("the database said no")

    monkeypatch.setattr(services, "_version", broken)
    with pytest.raises(IntegrityError):
        services.new_version(collab, owner, file.pk, upload_of("a.txt", b"two"))
    assert file.versions.count() == 1
    assert media() == [file.current_version.blob.name]
    assert not Message.objects.filter(collab=collab, system_type="file_version").exists()


def test_a_trashed_file_takes_no_new_version(collab, member, owner, media):
    file = services.upload(collab, member, upload_of("a.txt", b"one"))
    services.trash(collab, owner, file.pk)
    with pytest.raises(Http404):
        services.new_version(collab, owner, file.pk, upload_of("a.txt", b"two"))
    assert len(media()) == 1


def test_listing_and_searching_by_name(collab, member, owner, guest, django_assert_num_queries):
    folder = services.create_folder(collab, owner, "Contracts")
    report = services.upload(collab, member, upload_of("Annual Report.pdf", PDF))
    services.upload(collab, member, upload_of("notes.txt", b"hi"), folder=folder)
    gone = services.upload(collab, member, upload_of("old report.txt", b"hi"))
    services.trash(collab, owner, gone.pk)

    from apps.collabs.permissions import get_collab_for

    seen_by_guest = get_collab_for(guest, collab.pk)  # as a view has it: membership in hand
    with django_assert_num_queries(1):
        names = [
            (f.name, f.current_version.number) for f in services.list_files(guest, seen_by_guest)
        ]
    assert names == [("notes.txt", 1), ("Annual Report.pdf", 1)]
    assert [f.name for f in services.list_files(guest, collab, query="REPORT")] == [report.name]
    assert [f.name for f in services.list_files(guest, collab, folder=folder)] == ["notes.txt"]
    assert [f.name for f in services.list_files(owner, collab, trash=True)] == ["old report.txt"]
    with pytest.raises(PermissionDenied):
        services.list_files(guest, collab, trash=True)


def test_a_large_upload_is_never_held_in_memory(collab, member, media, tmp_path):
    """20 MB through a temporary file, as Django hands over a large upload: the memory the
    service takes stays a few chunks, not the file."""
    import tracemalloc

    from django.core.files.uploadedfile import TemporaryUploadedFile

    upload = TemporaryUploadedFile("big.bin", "application/octet-stream", 0, None)
    block = b"0123456789abcdef" * 65536  # 1 MB
    for _ in range(20):
        upload.write(block)
    upload.size = upload.tell()
    tracemalloc.start()
    try:
        file = services.upload(collab, member, upload)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        upload.close()
    assert file.current_version.size == 20 * 1024 * 1024
    assert peak < 2 * 1024 * 1024, peak


def test_saving_again_within_a_session_tells_the_chat_once(collab, member, owner):
    from apps.files.models import FileVersion

    def version_lines() -> int:
        return Message.objects.filter(system_type="file_version").count()

    file = services.upload(collab, owner, upload_of("doc.txt", b"v1"), announce=False)
    services.new_version(collab, member, file.pk, upload_of("doc.txt", b"v2"))
    services.new_version(collab, member, file.pk, upload_of("doc.txt", b"v3"))
    assert version_lines() == 1  # autosaves of one session: one line
    services.new_version(collab, owner, file.pk, upload_of("doc.txt", b"v4"))
    assert version_lines() == 2  # someone else
    services.new_version(collab, owner, file.pk, upload_of("doc.txt", b"v5"))
    assert version_lines() == 2
    FileVersion.objects.filter(file=file).update(
        created=timezone.now() - services.SAVING_SESSION - timedelta(minutes=1)
    )
    services.new_version(collab, owner, file.pk, upload_of("doc.txt", b"v6"))
    assert version_lines() == 3  # a new session
    assert file.versions.count() == 6  # every save is a version all the same
