"""Downloads: members get the file with headers that keep it from running in our origin;
ranges for audio and video; every outsider gets 404 (or the login page) on the exact URL."""

import pytest
from django.urls import reverse

from apps.collabs.services import remove_member
from apps.files import services
from tests.files.conftest import PDF, PNG, upload_of

HTML = b"<!DOCTYPE html><script>alert(document.cookie)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


def url(collab, file, **query) -> str:
    base = reverse("files:download", kwargs={"collab_id": collab.pk, "file_id": file.pk})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_member_downloads_with_safe_headers(client, collab, member, guest):
    file = services.upload(collab, member, upload_of("notes.txt", b"hello"))
    client.force_login(guest)
    response = client.get(url(collab, file))
    assert response.status_code == 200
    assert body(response) == b"hello"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Length"] == "5"
    assert response["Accept-Ranges"] == "bytes"
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("name", "content", "disposition", "content_type"),
    [
        ("page.html", HTML, "attachment", "application/octet-stream"),
        ("logo.svg", SVG, "attachment", "application/octet-stream"),
        # An HTML page named .png is still HTML: an attachment.
        ("trick.png", HTML, "attachment", "application/octet-stream"),
        ("photo.png", PNG, "inline", "image/png"),
        ("doc.pdf", PDF, "inline", "application/pdf"),
    ],
)
def test_only_safe_types_are_shown_inline(
    client, collab, member, name, content, disposition, content_type
):
    file = services.upload(collab, member, upload_of(name, content))
    client.force_login(member)
    response = client.get(url(collab, file))
    assert response["Content-Disposition"].startswith(disposition)
    assert response["Content-Type"] == content_type
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_name_outside_ascii_is_encoded_per_rfc_6266(client, collab, member):
    file = services.upload(collab, member, upload_of("Отчёт 2026.pdf", PDF))
    client.force_login(member)
    disposition = client.get(url(collab, file))["Content-Disposition"]
    assert disposition == "inline; filename*=utf-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%202026.pdf"


def test_versions(client, collab, member, owner):
    file = services.upload(collab, member, upload_of("a.txt", b"one"))
    services.new_version(collab, owner, file.pk, upload_of("a.txt", b"two"))
    client.force_login(member)
    assert body(client.get(url(collab, file))) == b"two"
    assert body(client.get(url(collab, file, version=1))) == b"one"
    assert client.get(url(collab, file, version=3)).status_code == 404
    assert client.get(url(collab, file, version="x")).status_code == 404


@pytest.mark.parametrize(
    ("header", "status", "content_range", "expected"),
    [
        ("bytes=0-3", 206, "bytes 0-3/10", b"0123"),
        ("bytes=4-", 206, "bytes 4-9/10", b"456789"),
        ("bytes=-3", 206, "bytes 7-9/10", b"789"),
        ("bytes=8-100", 206, "bytes 8-9/10", b"89"),
        ("bytes=10-", 416, "bytes */10", None),
        ("bytes=5-2", 416, "bytes */10", None),
        ("bytes=-0", 416, "bytes */10", None),
        # Several ranges, or another unit: the whole file.
        ("bytes=0-1,4-5", 200, None, b"0123456789"),
        ("items=0-1", 200, None, b"0123456789"),
    ],
)
def test_ranges(client, collab, member, header, status, content_range, expected):
    file = services.upload(collab, member, upload_of("clip.txt", b"0123456789"))
    client.force_login(member)
    response = client.get(url(collab, file), headers={"range": header})
    assert response.status_code == status
    assert response.get("Content-Range") == content_range
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    if expected is not None:
        assert body(response) == expected
        assert response["Content-Length"] == str(len(expected))


def test_a_stale_if_range_gets_the_whole_file(client, collab, member):
    file = services.upload(collab, member, upload_of("clip.txt", b"0123456789"))
    client.force_login(member)
    response = client.get(url(collab, file), headers={"range": "bytes=0-1", "if-range": '"old"'})
    assert response.status_code == 200
    version = file.current_version
    fresh = client.get(
        url(collab, file), headers={"range": "bytes=0-1", "if-range": f'"{version.sha256}"'}
    )
    assert fresh.status_code == 206


def test_outsiders_get_nothing_even_with_a_url_they_once_opened(
    client, collab, other_collab, member, guest, outsider, deactivated, owner
):
    from apps.accounts.services import deactivate_user
    from apps.collabs.services import add_member
    from tests.conftest import make_user

    leaving = make_user("leaving@example.com", "Lev Leaving")
    add_member(collab, owner, leaving)
    file = services.upload(collab, member, upload_of("secret.txt", b"secret"))
    address = url(collab, file)
    for person in (guest, leaving):
        client.force_login(person)
        assert client.get(address).status_code == 200
        client.logout()

    # A guest of another collab.
    client.force_login(outsider)
    assert client.get(address).status_code == 404
    # The same file through their own collab's URL.
    assert client.get(url(other_collab, file)).status_code == 404
    client.logout()

    # A removed member, still signed in.
    client.force_login(guest)
    remove_member(collab, owner, guest)
    assert client.get(address).status_code == 404
    client.logout()

    # A deactivated user: the session no longer signs them in (the fixture's, deactivated
    # from the start, and one who opened the file before).
    client.force_login(leaving)
    deactivate_user(leaving)
    response = client.get(address)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(deactivated)
    response = client.get(address)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))

    # Anonymous: the login page.
    client.logout()
    response = client.get(address)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_trashed_file_is_for_those_who_may_delete(client, collab, member, guest, owner):
    file = services.upload(collab, guest, upload_of("gone.txt", b"gone"))
    address = url(collab, file)
    services.trash(collab, owner, file.pk)
    client.force_login(guest)
    assert client.get(address).status_code == 404
    client.force_login(member)  # an employee: may delete, so sees the trash
    assert client.get(address).status_code == 200


def test_without_the_view_right_a_member_is_refused(client, collab, owner, guest):
    from apps.collabs.services import change_settings

    file = services.upload(collab, owner, upload_of("a.txt", b"hi"))
    change_settings(collab, owner, features={"files": {"view": "employees"}})
    client.force_login(guest)
    assert client.get(url(collab, file)).status_code == 403


def test_only_get_and_head(client, collab, member):
    file = services.upload(collab, member, upload_of("a.txt", b"hi"))
    client.force_login(member)
    assert client.post(url(collab, file)).status_code == 405
    head = client.head(url(collab, file))
    assert head.status_code == 200
    assert head["Content-Length"] == "2"
    assert head["X-Content-Type-Options"] == "nosniff"


def test_the_download_query_count_is_pinned(client, collab, member, django_assert_num_queries):
    files = [services.upload(collab, member, upload_of(f"{n}.txt", b"hi")) for n in range(3)]
    client.force_login(member)
    # Session, user, membership with the collab and its feature levels, the version with its
    # file: the same for any number of files and versions.
    with django_assert_num_queries(4):
        response = client.get(url(collab, files[0]))
    assert response.status_code == 200
    body(response)
