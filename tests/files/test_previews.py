"""Previews: the background task makes a thumbnail of each raster image (upright by its EXIF
orientation), refuses decompression bombs and corrupt pictures (the file still downloadable),
gives other types no preview, and does its work once however often it runs; the periodic job
finds what was left pending; the purge deletes thumbnails; the thumbnail view keeps the
download's rules."""

import io
import struct
import zlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from apps.collabs.services import remove_member
from apps.files import previews, services, tasks
from apps.files.models import File, FileVersion, PreviewState
from tests.files.conftest import PDF, upload_of
from tests.test_s3_storage import BUCKET


def jpeg(size=(300, 200), orientation: int | None = None) -> bytes:
    """A JPEG, left half red and right half blue, with an EXIF orientation tag if given."""
    image = Image.new("RGB", size, "red")
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def png_bytes(size=(40, 30), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (0, 128, 0, 128) if mode == "RGBA" else "green").save(out, "PNG")
    return out.getvalue()


def bomb_png(width=50_000, height=50_000) -> bytes:
    """A PNG header claiming a picture far past Pillow's limit, with a tiny body: a
    decompression bomb (decoding it would take gigabytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def uploaded(collab, user, name, content) -> FileVersion:
    """An upload whose task has not run (the test's transaction never commits)."""
    return services.upload(collab, user, upload_of(name, content)).current_version


def refreshed(version) -> FileVersion:
    return FileVersion.objects.get(pk=version.pk)


def thumbnail_url(collab, file, **query) -> str:
    base = reverse("files:thumbnail", kwargs={"collab_id": collab.pk, "file_id": file.pk})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_an_upload_makes_its_preview_after_the_commit(collab, member, committed, monkeypatch):
    finished = []
    monkeypatch.setattr(services, "preview_finished", finished.append)
    with committed():
        file = services.upload(collab, member, upload_of("photo.png", png_bytes()))
        assert refreshed(file.current_version).preview_state == PreviewState.PENDING
    version = refreshed(file.current_version)
    assert version.preview_state == PreviewState.READY
    assert (version.width, version.height) == (40, 30)
    assert [v.pk for v in finished] == [version.pk]
    with committed():
        second = services.new_version(collab, member, file.pk, upload_of("p.png", jpeg()))
    assert refreshed(second).preview_state == PreviewState.READY


def test_the_thumbnail_is_upright_by_the_exif_orientation(collab, member):
    # Orientation 6: the camera was turned; the picture shows turned a quarter clockwise.
    version = uploaded(collab, member, "camera.jpg", jpeg((300, 200), orientation=6))
    assert previews.make_preview(version.pk) == PreviewState.READY
    version = refreshed(version)
    # The upright original is 200 wide and 300 high.
    assert (version.width, version.height) == (200, 300)
    assert version.thumbnail.name.startswith(f"files/{collab.pk}/")
    assert version.thumbnail.name != version.blob.name
    with default_storage.open(version.thumbnail.name) as handle, Image.open(handle) as thumb:
        assert thumb.format == "WEBP"
        assert thumb.size == (200, 300)
        # Turned clockwise: the left (red) half is now on top, the blue below.
        top = thumb.convert("RGB").getpixel((100, 20))
        bottom = thumb.convert("RGB").getpixel((100, 280))
        assert top[0] > 200 and top[2] < 60, top
        assert bottom[2] > 200 and bottom[0] < 60, bottom


def test_a_large_picture_is_fitted_within_the_box(collab, member):
    version = uploaded(collab, member, "big.png", png_bytes((2000, 1000), mode="RGB"))
    previews.make_preview(version.pk)
    version = refreshed(version)
    assert (version.width, version.height) == (2000, 1000)
    with default_storage.open(version.thumbnail.name) as handle, Image.open(handle) as thumb:
        assert thumb.size == (480, 240)
        assert thumb.mode == "RGB"


def test_a_decompression_bomb_named_png_is_refused_and_still_downloadable(client, collab, member):
    content = bomb_png()
    version = uploaded(collab, member, "innocent.png", content)
    assert version.content_type == "image/png"
    assert previews.make_preview(version.pk) == PreviewState.FAILED
    version = refreshed(version)
    assert "decompression bomb" in version.preview_error
    assert not version.thumbnail
    assert version.width is None
    client.force_login(member)
    download = reverse(
        "files:download", kwargs={"collab_id": collab.pk, "file_id": version.file_id}
    )
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert client.get(thumbnail_url(collab, version.file)).status_code == 404


def test_a_picture_just_past_the_limit_is_refused_too(collab, member, monkeypatch):
    # Between the limit and twice the limit Pillow only warns: refused all the same.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    version = uploaded(collab, member, "a.png", png_bytes((40, 30)))  # 1200 pixels
    assert previews.make_preview(version.pk) == PreviewState.FAILED
    assert "decompression bomb" in refreshed(version).preview_error


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,  # a PNG signature and nothing sound after it
        jpeg()[:300],  # a truncated JPEG
        b"GIF89a" + b"\xff" * 50,
    ],
)
def test_a_corrupt_image_is_refused(collab, member, content):
    version = uploaded(collab, member, "broken.img", content)
    assert previews.make_preview(version.pk) == PreviewState.FAILED
    version = refreshed(version)
    assert version.preview_error.startswith("not a readable")
    assert not version.thumbnail


def test_other_types_get_no_preview(collab, member, monkeypatch):
    finished = []
    monkeypatch.setattr(services, "preview_finished", finished.append)
    for name, content in (("notes.txt", b"hello"), ("doc.pdf", PDF)):
        version = uploaded(collab, member, name, content)
        assert previews.make_preview(version.pk) == PreviewState.NONE
        version = refreshed(version)
        assert version.preview_state == PreviewState.NONE
        assert not version.thumbnail
    assert finished == []  # pages show no placeholder for these: no news to send


def test_the_task_run_twice_does_the_work_once(collab, member, media, monkeypatch):
    version = uploaded(collab, member, "photo.png", png_bytes())
    before = set(media())
    renders = []
    real = previews._render
    monkeypatch.setattr(previews, "_render", lambda *a: renders.append(1) or real(*a))
    assert tasks.make_preview.enqueue(version.pk).return_value == PreviewState.READY
    assert tasks.make_preview.enqueue(version.pk).return_value == "skipped"
    assert len(renders) == 1
    assert len(set(media()) - before) == 1  # one thumbnail blob


def test_a_claim_held_by_another_run_is_left_alone_until_stale(collab, member):
    version = uploaded(collab, member, "photo.png", png_bytes())
    held = previews._mark(timezone.now())
    FileVersion.objects.filter(pk=version.pk).update(preview_error=held)
    assert previews.make_preview(version.pk) == "skipped"
    assert refreshed(version).preview_state == PreviewState.PENDING
    # The worker holding it died: after CLAIM_STALE another run takes it over.
    stale = previews._mark(timezone.now() - previews.CLAIM_STALE - timedelta(seconds=1))
    FileVersion.objects.filter(pk=version.pk).update(preview_error=stale)
    assert previews.make_preview(version.pk) == PreviewState.READY
    assert refreshed(version).preview_error == ""


def test_a_run_that_loses_its_claim_keeps_no_thumbnail(collab, member, media, monkeypatch):
    version = uploaded(collab, member, "photo.png", png_bytes())
    before = set(media())
    real = previews._thumbnail

    def overtaken(v):
        made = real(v)
        # Meanwhile the file was purged.
        FileVersion.objects.filter(pk=v.pk).update(preview_error="someone else's")
        return made

    monkeypatch.setattr(previews, "_thumbnail", overtaken)
    assert previews.make_preview(version.pk) == "skipped"
    assert set(media()) == before


def test_a_storage_failure_gives_the_claim_back(collab, member, monkeypatch):
    version = uploaded(collab, member, "photo.png", png_bytes())

    def broken(*args):
        raise ConnectionError("the storage is away")

    monkeypatch.setattr(previews, "_render", broken)
    with pytest.raises(ConnectionError):
        previews.make_preview(version.pk)
    version = refreshed(version)
    assert version.preview_state == PreviewState.PENDING
    assert version.preview_error == ""  # the next run may claim it


def test_a_missing_blob_fails_the_preview(collab, member):
    version = uploaded(collab, member, "photo.png", png_bytes())
    default_storage.delete(version.blob.name)
    assert previews.make_preview(version.pk) == PreviewState.FAILED
    assert "missing" in refreshed(version).preview_error


def test_the_periodic_job_enqueues_what_was_left_pending(collab, member):
    version = uploaded(collab, member, "photo.png", png_bytes())
    fresh = uploaded(collab, member, "new.png", png_bytes())
    FileVersion.objects.filter(pk=version.pk).update(created=timezone.now() - timedelta(hours=1))
    call_command("make_previews")
    assert refreshed(version).preview_state == PreviewState.READY
    # Just uploaded: its own task is on its way.
    assert refreshed(fresh).preview_state == PreviewState.PENDING
    assert previews.enqueue_pending() == 0  # nothing old left


def test_the_purge_deletes_thumbnails(collab, member, owner, media):
    version = uploaded(collab, member, "photo.png", png_bytes())
    previews.make_preview(version.pk)
    assert len(media()) == 2
    services.trash(collab, owner, version.file_id)
    File.objects.filter(pk=version.file_id).update(deleted_at=timezone.now() - timedelta(days=31))
    assert services.purge_trash() == 1
    assert media() == []


def test_a_member_gets_the_thumbnail_with_safe_headers(client, collab, member, guest):
    version = uploaded(collab, member, "photo.png", png_bytes())
    file = version.file
    client.force_login(guest)
    assert client.get(thumbnail_url(collab, file)).status_code == 404  # not made yet
    previews.make_preview(version.pk)
    response = client.get(thumbnail_url(collab, file))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert response["Content-Disposition"] == 'inline; filename="photo.webp"'
    assert "private" in response["Cache-Control"]
    etag = response["ETag"]
    data = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(data)).size == (40, 30)
    again = client.get(thumbnail_url(collab, file), headers={"If-None-Match": etag})
    assert again.status_code == 304
    # An older version's thumbnail by number; a version with none: 404.
    services.new_version(collab, member, file.pk, upload_of("notes.txt", b"text now"))
    assert client.get(thumbnail_url(collab, file, version=1)).status_code == 200
    assert client.get(thumbnail_url(collab, file)).status_code == 404
    assert client.get(thumbnail_url(collab, file, version="x")).status_code == 404


def test_outsiders_get_no_thumbnail(
    client, collab, other_collab, member, guest, outsider, deactivated, owner
):
    from apps.accounts.services import deactivate_user
    from apps.collabs.services import add_member
    from tests.conftest import make_user

    leaving = make_user("leaving@example.com", "Lev Leaving")
    add_member(collab, owner, leaving)
    version = uploaded(collab, member, "secret.png", png_bytes())
    previews.make_preview(version.pk)
    address = thumbnail_url(collab, version.file)
    for person in (guest, leaving):
        client.force_login(person)
        assert client.get(address).status_code == 200

    client.force_login(outsider)
    assert client.get(address).status_code == 404
    assert client.get(thumbnail_url(other_collab, version.file)).status_code == 404

    client.force_login(guest)
    remove_member(collab, owner, guest)
    assert client.get(address).status_code == 404

    login = reverse("account_login")
    client.force_login(leaving)
    deactivate_user(leaving)
    assert client.get(address)["Location"].startswith(login)
    client.force_login(deactivated)
    assert client.get(address)["Location"].startswith(login)
    client.logout()
    response = client.get(address)
    assert response.status_code == 302
    assert response["Location"].startswith(login)

    # A trashed file's thumbnail: only for those who may delete files.
    services.trash(collab, owner, version.file_id)
    client.force_login(member)
    assert client.get(address).status_code == 200


def test_a_thumbnail_on_s3_is_made_there_and_served_by_a_signed_url(
    client, s3_storage, collab, member, owner
):
    version = uploaded(collab, member, "camera.jpg", jpeg((300, 200), orientation=8))
    assert previews.make_preview(version.pk) == PreviewState.READY
    version = refreshed(version)
    assert (version.width, version.height) == (200, 300)
    keys = sorted(o["Key"] for o in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert keys == sorted([version.blob.name, version.thumbnail.name])
    stored = s3_storage.get_object(Bucket=BUCKET, Key=version.thumbnail.name)["Body"].read()
    assert Image.open(io.BytesIO(stored)).size == (200, 300)

    client.force_login(member)
    response = client.get(thumbnail_url(collab, version.file))
    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    signed = response["Location"]
    assert urlsplit(signed).path.endswith(version.thumbnail.name)
    query = parse_qs(urlsplit(signed).query)
    assert query["response-content-type"] == ["image/webp"]
    assert int(query.get("X-Amz-Expires", ["60"])[0]) <= 60

    services.trash(collab, owner, version.file_id)
    File.objects.filter(pk=version.file_id).update(deleted_at=timezone.now() - timedelta(days=31))
    assert services.purge_trash() == 1
    assert s3_storage.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0
