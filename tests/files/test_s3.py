"""Files on object storage, through a real S3 conversation with a local endpoint (moto's
server) and the production code path: the upload streams into the bucket, a download is a
redirect to a short-lived signed URL given only after the access check, and the purge deletes
the objects."""

import hashlib
import urllib.request
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.files import services
from apps.files.models import File
from tests.files.conftest import PDF, upload_of
from tests.test_s3_storage import BUCKET


def keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def url(collab, file) -> str:
    return reverse("files:download", kwargs={"collab_id": collab.pk, "file_id": file.pk})


def test_upload_download_trash_and_purge_on_s3(
    client, s3_storage, collab, member, owner, outsider, settings
):
    content = PDF + b"y" * (200 * 1024)
    file = services.upload(collab, member, upload_of("Отчёт.pdf", content))
    version = file.current_version
    assert keys(s3_storage) == [version.blob.name]
    stored = s3_storage.get_object(Bucket=BUCKET, Key=version.blob.name)["Body"].read()
    assert len(stored) == len(content), (len(stored), len(content))
    assert stored == content
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    assert version.content_type == "application/pdf"

    # An outsider: 404, no signed URL.
    client.force_login(outsider)
    response = client.get(url(collab, file))
    assert response.status_code == 404
    assert "Location" not in response

    client.force_login(member)
    response = client.get(url(collab, file))
    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    signed = response["Location"]
    query = parse_qs(urlsplit(signed).query)
    assert urlsplit(signed).path.endswith(version.blob.name)
    assert "X-Amz-Signature" in query or "Signature" in query
    assert int(query.get("X-Amz-Expires", ["60"])[0]) <= 60
    assert query["response-content-disposition"] == [
        "inline; filename*=utf-8''%D0%9E%D1%82%D1%87%D1%91%D1%82.pdf"
    ]
    assert query["response-content-type"] == ["application/pdf"]
    with urllib.request.urlopen(signed) as fetched:
        assert fetched.read() == content

    # Trash, then the purge after 30 days deletes the object.
    services.trash(collab, owner, file.pk)
    client.force_login(outsider)
    assert client.get(url(collab, file)).status_code == 404
    assert keys(s3_storage) == [version.blob.name]
    File.objects.filter(pk=file.pk).update(deleted_at=timezone.now() - timedelta(days=31))
    assert services.purge_trash() == 1
    assert keys(s3_storage) == []
    assert services.purge_trash() == 0


def test_new_versions_and_refusals_on_s3(s3_storage, collab, member, owner, settings):
    file = services.upload(collab, member, upload_of("a.txt", b"one"))
    services.new_version(collab, owner, file.pk, upload_of("a.txt", b"two"))
    assert len(keys(s3_storage)) == 2
    settings.FILES_MAX_BYTES = 64 * 1024
    liar = upload_of("big.txt", b"a" * (200 * 1024))
    liar.size = 1
    with pytest.raises(ValidationError):
        services.upload(collab, member, liar)
    assert len(keys(s3_storage)) == 2
    assert File.objects.count() == 1


def test_a_file_past_the_multipart_threshold_streams_in_parts(s3_storage, collab, member):
    """Over the S3 client's 8 MB threshold the upload goes in parts, read from the upload
    part by part: the stored object, the size and the hash are the whole file's."""
    from django.core.files.uploadedfile import TemporaryUploadedFile

    upload = TemporaryUploadedFile("big.bin", "application/octet-stream", 0, None)
    block = bytes(range(256)) * 4096  # 1 MB
    digest = hashlib.sha256()
    for n in range(9):
        chunk = bytes([n]) + block[1:]
        upload.write(chunk)
        digest.update(chunk)
    upload.size = upload.tell()
    try:
        file = services.upload(collab, member, upload)
    finally:
        upload.close()
    version = file.current_version
    head = s3_storage.head_object(Bucket=BUCKET, Key=version.blob.name)
    assert head["ContentLength"] == version.size == 9 * 1024 * 1024
    assert version.sha256 == digest.hexdigest()
    stored = s3_storage.get_object(Bucket=BUCKET, Key=version.blob.name)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == digest.hexdigest()


def test_a_picture_sent_in_the_chat_trashed_and_restored_on_s3(
    client, s3_storage, collab, member, owner, committed
):

    from apps.chat.models import MessageAttachment
    from tests.conftest import png

    client.force_login(member)
    with committed():  # the thumbnail's task runs after the commit
        response = client.post(
            reverse("files:chat_upload", args=[collab.pk]),
            {"file": png("plan.png", (300, 200))},
            headers={"accept": "application/json"},
        )
    assert response.status_code == 201
    file = File.objects.get()
    version = file.current_version
    version.refresh_from_db()
    assert version.preview_state == "ready"
    assert sorted(keys(s3_storage)) == sorted([version.blob.name, version.thumbnail.name])
    assert MessageAttachment.objects.get().data["preview"] == "ready"
    thumbnail = client.get(reverse("files:thumbnail", args=[collab.pk, file.pk]))
    assert thumbnail.status_code == 302
    with urllib.request.urlopen(thumbnail["Location"]) as fetched:
        assert fetched.read()[:4] == b"RIFF"  # WebP

    services.trash(collab, owner, file.pk)
    services.restore(collab, owner, file.pk)
    response = client.get(url(collab, file))
    assert response.status_code == 302
    with urllib.request.urlopen(response["Location"]) as fetched:
        assert fetched.read()[:8] == b"\x89PNG\r\n\x1a\n"
