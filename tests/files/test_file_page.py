"""The file's page: a framed collab page with the viewer for the file's type, its versions
and actions; the same access rules as the download; a pinned query count."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from apps.collabs.services import remove_member
from apps.files import actions, previews, services
from apps.files.models import FileVersion
from tests.files.conftest import PDF, upload_of


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, "PNG")
    return out.getvalue()


MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 100
MP4 = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 100


def page(collab, file) -> str:
    return reverse("files:file", kwargs={"collab_id": collab.pk, "file_id": file.pk})


def download(collab, file) -> str:
    return reverse("files:download", kwargs={"collab_id": collab.pk, "file_id": file.pk})


def test_an_image_shows_in_the_viewer_once_its_preview_is_made(client, collab, member, guest):
    file = services.upload(collab, member, upload_of("photo.png", png_bytes()))
    client.force_login(guest)
    html = client.get(page(collab, file)).content.decode()
    assert f'data-preview-pending="{file.pk}"' in html
    assert "The preview is being made" in html
    assert f'<img src="{download(collab, file)}"' not in html

    previews.make_preview(file.current_version.pk)
    response = client.get(page(collab, file))
    assert response.status_code == 200
    html = response.content.decode()
    assert "photo.png" in html
    assert f'<img src="{download(collab, file)}" alt="photo.png" width="40" height="30">' in html
    assert "data-zoom" in html
    assert "Marina Member" in html  # who uploaded
    assert "40\xa0bytes" not in html  # the size is the file's, not the picture's
    assert "data-preview-pending" not in html


def test_the_viewer_fragment_answers_htmx(client, collab, member):
    file = services.upload(collab, member, upload_of("photo.png", png_bytes()))
    previews.make_preview(file.current_version.pk)
    client.force_login(member)
    response = client.get(
        page(collab, file), headers={"HX-Request": "true", "HX-Target": "file-viewer"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="file-viewer"')
    assert "collab-sidebar" not in html
    assert f'src="{download(collab, file)}"' in html


def test_a_failed_preview_says_so_and_keeps_the_download(client, collab, member):
    file = services.upload(collab, member, upload_of("bad.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50))
    previews.make_preview(file.current_version.pk)
    client.force_login(member)
    html = client.get(page(collab, file)).content.decode()
    assert "The preview could not be made" in html
    assert f'href="{download(collab, file)}" download' in html


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("doc.pdf", PDF, 'class="pdf-viewer" data-pdf="{src}"'),
        ("song.mp3", MP3, '<audio class="media-player" controls preload="metadata" src="{src}"'),
        ("clip.mp4", MP4, '<video class="media-player" controls preload="metadata" src="{src}"'),
        ("notes.txt", b"hello", '<span class="file-icon file-icon-text"'),
        ("page.html", b"<!DOCTYPE html><script>alert(1)</script>", "HTML"),
    ],
)
def test_each_type_has_its_viewer(client, collab, member, name, content, expected):
    file = services.upload(collab, member, upload_of(name, content))
    previews.make_preview(file.current_version.pk)
    client.force_login(member)
    response = client.get(page(collab, file))
    assert response.status_code == 200
    html = response.content.decode()
    assert expected.format(src=download(collab, file)) in html
    assert "<script>alert(1)" not in html


def test_the_pdf_page_allows_the_worker_and_no_eval(client, collab, member):
    file = services.upload(collab, member, upload_of("doc.pdf", PDF))
    client.force_login(member)
    csp = client.get(page(collab, file))["Content-Security-Policy"]
    assert "worker-src 'self'" in csp
    assert "unsafe-eval" not in csp and "wasm-unsafe-eval" not in csp
    assert "script-src 'self';" in csp + ";"


def test_versions_and_actions_are_listed(client, collab, member, owner, guest):
    file = services.upload(collab, member, upload_of("a.txt", b"one"))
    services.new_version(collab, owner, file.pk, upload_of("a.txt", b"two two"))
    actions.register_file_action(
        actions.FileAction("edit-test", "Edit it here", "files:download", right="files.change_file")
    )
    try:
        client.force_login(member)
        html = client.get(page(collab, file)).content.decode()
        assert "Version 2" in html and "Version 1" in html
        assert f"{download(collab, file)}?version=1" in html
        assert "Olga Owner" in html and "Marina Member" in html
        assert "Edit it here" in html
        # A guest may not edit files: no such action for them.
        client.force_login(guest)
        assert "Edit it here" not in client.get(page(collab, file)).content.decode()
    finally:
        actions.unregister_file_action("edit-test")


def test_the_breadcrumbs_show_the_folders(client, collab, member):
    outer = services.create_folder(collab, member, "Design")
    inner = services.create_folder(collab, member, "Logos", parent=outer)
    file = services.upload(collab, member, upload_of("a.txt", b"hi"), folder=inner)
    client.force_login(member)
    html = client.get(page(collab, file)).content.decode()
    crumbs = html[html.index('<nav class="crumbs"') :]
    crumbs = crumbs[: crumbs.index("</nav>")]
    assert crumbs.index(collab.name) < crumbs.index("Design") < crumbs.index("Logos")
    assert crumbs.index("Logos") < crumbs.index('aria-current="page"><span>a.txt')


def test_outsiders_get_404(
    client, collab, other_collab, member, guest, outsider, deactivated, owner
):
    file = services.upload(collab, member, upload_of("secret.txt", b"secret"))
    address = page(collab, file)
    client.force_login(outsider)
    assert client.get(address).status_code == 404
    assert client.get(page(other_collab, file)).status_code == 404
    client.force_login(guest)
    remove_member(collab, owner, guest)
    assert client.get(address).status_code == 404
    login = reverse("account_login")
    client.force_login(deactivated)
    assert client.get(address)["Location"].startswith(login)
    client.logout()
    assert client.get(address)["Location"].startswith(login)
    # In the trash: only for those who may delete files.
    services.trash(collab, owner, file.pk)
    client.force_login(member)
    assert client.get(address).status_code == 200


@pytest.mark.parametrize("count", [1, 20])
def test_the_query_count_is_pinned(client, collab, member, owner, count, django_assert_num_queries):
    folder = services.create_folder(collab, member, "Design")
    file = services.upload(collab, member, upload_of("a.png", png_bytes()), folder=folder)
    for n in range(count - 1):
        services.new_version(collab, owner, file.pk, upload_of("a.png", png_bytes((n + 2, 3))))
    for version in FileVersion.objects.filter(file=file):
        previews.make_preview(version.pk)
    client.force_login(member)
    client.get(page(collab, file))  # warm the session's caches
    # Session, user, membership with the collab, the current version with its file, the
    # versions with their uploaders, the folder; then the frame: the rail's memberships (with
    # the header's member count) and their last messages; the top bar's bell and "My tasks".
    with django_assert_num_queries(10):
        assert client.get(page(collab, file)).status_code == 200


def test_the_thumb_partial_shows_thumbnail_placeholder_or_icon(
    collab, member, django_assert_num_queries
):
    from django.template.loader import render_to_string

    ready = services.upload(collab, member, upload_of("ready.png", png_bytes((960, 480))))
    previews.make_preview(ready.current_version.pk)
    pending = services.upload(collab, member, upload_of("pending.png", png_bytes()))
    text = services.upload(collab, member, upload_of("notes.md", b"# hi"))
    previews.make_preview(text.current_version.pk)
    files = {f.name: f for f in services.list_files(member, collab)}
    with django_assert_num_queries(0):
        shown = {
            name: render_to_string("files/_thumb.html", {"file": f}) for name, f in files.items()
        }
        decorative = render_to_string(
            "files/_thumb.html", {"file": files["ready.png"], "decorative": True}
        )
    thumb = reverse("files:thumbnail", kwargs={"collab_id": collab.pk, "file_id": ready.pk})
    assert (
        f'<img class="file-thumb" src="{thumb}?version=1" width="480" height="240" alt="ready.png"'
        in shown["ready.png"]
    )
    assert 'alt=""' in decorative
    assert f'data-preview-pending="{pending.pk}"' in shown["pending.png"]
    assert 'aria-label="pending.png: preview being made"' in shown["pending.png"]
    assert 'class="file-icon file-icon-text"' in shown["notes.md"]
    assert 'role="img" aria-label="notes.md"' in shown["notes.md"]


def test_on_object_storage_the_page_lets_the_viewer_load_from_the_bucket(
    client, s3_storage, s3_endpoint, collab, member
):
    file = services.upload(collab, member, upload_of("doc.pdf", PDF))
    client.force_login(member)
    csp = client.get(page(collab, file))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    for name in ("img-src", "media-src", "connect-src"):
        assert s3_endpoint in directives[name], (name, directives[name])
    assert s3_endpoint not in directives["script-src"]


def test_on_object_storage_every_page_may_show_what_comes_from_the_bucket(
    client, s3_storage, s3_endpoint, collab, member
):
    # The chat shows thumbnails, pictures, audio and video by redirects to the bucket.
    client.force_login(member)
    csp = client.get(reverse("collabs:detail", args=[collab.pk]))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    for name in ("img-src", "media-src", "connect-src"):
        assert s3_endpoint in directives[name], (name, directives[name])
    assert s3_endpoint not in directives["script-src"]


def test_on_the_local_disk_pages_load_from_our_origin_only(client, collab, member):
    client.force_login(member)
    csp = client.get(reverse("collabs:detail", args=[collab.pk]))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["img-src"] == "'self' data: blob:"
    assert directives["media-src"] == "'self' blob:"
