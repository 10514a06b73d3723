"""The Files section's pages (apps/files/section.py): who opens them, what they list and in
what order, the queries they make, and managing folders and files through them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.collabs.services import change_settings, remove_member
from apps.files import services
from apps.files.models import File, FileVersion, Folder
from apps.files.section import PAGE_SIZE
from tests.files.conftest import PNG, upload_of


def url(name: str, collab, **kwargs) -> str:
    return reverse(f"files:{name}", kwargs={"collab_id": collab.pk, **kwargs})


def make_files(collab, user, count: int, folder=None, prefix: str = "file") -> list[File]:
    """Many files fast: rows made directly (the listing is what is tested, not uploads)."""
    now = timezone.now()
    files = File.objects.bulk_create(
        File(
            collab=collab,
            folder=folder,
            name=f"{prefix} {i:04}.txt",
            created_by=user,
            created=now - timedelta(minutes=i),
        )
        for i in range(count)
    )
    versions = FileVersion.objects.bulk_create(
        FileVersion(
            file=f,
            number=1,
            blob=f"files/{collab.pk}/x{f.pk}",
            size=100 + i,
            sha256="0" * 64,
            content_type="text/plain",
            uploaded_by=user,
            created=f.created,
        )
        for i, f in enumerate(files)
    )
    for f, v in zip(files, versions, strict=True):
        f.current_version = v
    File.objects.bulk_update(files, ["current_version"])
    return files


def names(response) -> list[str]:
    return [f.name for f in response.context["files"]]


# --- Who opens the pages ------------------------------------------------------------------------


@pytest.fixture
def world(collab, member, owner):
    folder = services.create_folder(collab, owner, "Designs")
    file = services.upload(collab, member, upload_of("notes.txt", b"hello"), folder)
    return {"folder": folder, "file": file}


def pages(collab, world) -> dict[str, str]:
    folder, file = world["folder"], world["file"]
    return {
        "section": url("section", collab),
        "folder": url("folder", collab, folder_id=folder.pk),
        "trash": url("trash", collab),
        "rename": url("rename", collab, file_id=file.pk),
        "move": url("move", collab, file_id=file.pk),
        "delete": url("delete", collab, file_id=file.pk),
        "folder_rename": url("folder_rename", collab, folder_id=folder.pk),
        "folder_delete": url("folder_delete", collab, folder_id=folder.pk),
    }


# Defaults: members (guests too) view and upload; employees edit and delete.
EXPECTED = {
    "owner": dict.fromkeys(
        ["section", "folder", "trash", "rename", "move", "delete", "folder_rename"], 200
    )
    | {"folder_delete": 200},
    "moderator": dict.fromkeys(
        ["section", "folder", "trash", "rename", "move", "delete", "folder_rename"], 200
    )
    | {"folder_delete": 200},
    "member": dict.fromkeys(
        ["section", "folder", "trash", "rename", "move", "delete", "folder_rename"], 200
    )
    | {"folder_delete": 200},
    "guest": {
        "section": 200,
        "folder": 200,
        "trash": 403,
        "rename": 403,
        "move": 403,
        "delete": 403,
        "folder_rename": 403,
        "folder_delete": 403,
    },
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_opens_the_pages_its_rights_allow(client, collab, people, world, role):
    client.force_login(people[role])
    got = {name: client.get(path).status_code for name, path in pages(collab, world).items()}
    assert got == EXPECTED[role]


def test_a_collab_that_lets_guests_delete_shows_them_the_trash(client, collab, owner, guest, world):
    change_settings(collab, owner, features={"files": {"delete": "members"}})
    client.force_login(guest)
    assert client.get(url("trash", collab)).status_code == 200


@pytest.fixture
def removed(collab, owner, member):
    remove_member(collab, owner, member)
    return member


@pytest.mark.parametrize("who", ["outsider", "removed", "deactivated", "anonymous"])
def test_outsiders_get_404_or_the_login_page_on_every_url(
    client, collab, people, world, removed, who
):
    person = {"removed": removed}.get(who) or people.get(who)
    if who != "anonymous":
        client.force_login(person)
    file, folder = world["file"], world["folder"]
    posts = {
        "upload": (url("upload", collab), {"file": upload_of("x.txt", b"x")}),
        "folder_new": (url("folder_new", collab), {"name": "Mine"}),
        "restore": (url("restore", collab, file_id=file.pk), {}),
        "rename": (url("rename", collab, file_id=file.pk), {"name": "Stolen"}),
        "move": (url("move", collab, file_id=file.pk), {"folder": ""}),
        "delete": (url("delete", collab, file_id=file.pk), {}),
        "folder_rename": (url("folder_rename", collab, folder_id=folder.pk), {"name": "x"}),
        "folder_delete": (url("folder_delete", collab, folder_id=folder.pk), {}),
    }
    for name, path in pages(collab, world).items():
        response = client.get(path)
        if who in ("anonymous", "deactivated"):
            assert response.status_code == 302, name
            assert response["Location"].startswith("/accounts/login/"), name
        else:
            assert response.status_code == 404, name
    for name, (path, data) in posts.items():
        response = client.post(path, data)
        assert response.status_code in (
            (302,) if who in ("anonymous", "deactivated") else (404,)
        ), name
    # Nothing changed.
    file.refresh_from_db()
    folder.refresh_from_db()
    assert (file.name, file.folder_id, file.deleted_at) == ("notes.txt", folder.pk, None)
    assert folder.name == "Designs"
    assert File.objects.filter(collab=collab).count() == 1
    assert Folder.objects.filter(collab=collab).count() == 1


def test_the_json_upload_answers_outsiders_404_too(client, collab, outsider, world):
    client.force_login(outsider)
    response = client.post(
        url("upload", collab),
        {"file": upload_of("x.txt", b"x")},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 404


def test_a_folder_or_file_of_another_collab_is_not_found(
    client, collab, other_collab, owner, other_owner
):
    theirs = services.create_folder(other_collab, other_owner, "Zeta plans")
    their_file = services.upload(other_collab, other_owner, upload_of("zeta.txt", b"z"), theirs)
    client.force_login(owner)
    assert client.get(url("folder", collab, folder_id=theirs.pk)).status_code == 404
    for name in ("rename", "move", "delete"):
        assert client.get(url(name, collab, file_id=their_file.pk)).status_code == 404
    assert client.post(url("restore", collab, file_id=their_file.pk)).status_code == 404
    assert client.get(url("folder_rename", collab, folder_id=theirs.pk)).status_code == 404


# --- The header action and the menus ------------------------------------------------------------


def test_the_collab_header_leads_to_the_section(client, collab, guest):
    client.force_login(guest)
    page = client.get(reverse("collabs:detail", kwargs={"collab_id": collab.pk})).content.decode()
    assert f'href="{url("section", collab)}"' in page


def test_a_row_menu_offers_what_the_person_may_do(client, collab, member, guest, world):
    file = world["file"]
    client.force_login(member)
    page = client.get(url("folder", collab, folder_id=world["folder"].pk)).content.decode()
    assert url("download", collab, file_id=file.pk) in page
    for name in ("rename", "move", "delete"):
        assert url(name, collab, file_id=file.pk) in page
    assert f"Actions for {file.name}" in page
    client.force_login(guest)
    page = client.get(url("folder", collab, folder_id=world["folder"].pk)).content.decode()
    assert url("download", collab, file_id=file.pk) in page
    for name in ("rename", "move", "delete"):
        assert url(name, collab, file_id=file.pk) not in page
    assert url("trash", collab) not in page


def test_the_section_carries_what_the_uploader_needs(client, collab, member, world, settings):
    client.force_login(member)
    page = client.get(url("folder", collab, folder_id=world["folder"].pk)).content.decode()
    assert f'data-upload-url="{url("upload", collab)}"' in page
    assert f'data-folder="{world["folder"].pk}"' in page
    assert f'data-max-bytes="{settings.FILES_MAX_BYTES}"' in page
    root = client.get(url("section", collab)).content.decode()
    assert 'data-folder=""' in root


def test_an_empty_collab_says_how_to_add_files(client, collab, member, guest, owner):
    change_settings(collab, owner, features={"files": {"create": "employees"}})
    client.force_login(member)
    page = client.get(url("section", collab)).content.decode()
    assert "No files yet — upload one or send one in the chat." in page
    assert 'enctype="multipart/form-data"' in page
    client.force_login(guest)
    page = client.get(url("section", collab)).content.decode()
    assert "No files yet." in page
    assert 'enctype="multipart/form-data"' not in page


# --- Listing: folders, breadcrumbs, sort, search, pages -----------------------------------------


def test_a_folder_lists_its_subfolders_then_its_files_with_breadcrumbs(client, collab, owner):
    top = services.create_folder(collab, owner, "Clients")
    sub = services.create_folder(collab, owner, "Acme", top)
    services.create_folder(collab, owner, "Contracts", sub)
    services.upload(collab, owner, upload_of("brief.txt", b"b"), sub)
    services.upload(collab, owner, upload_of("root.txt", b"r"))
    client.force_login(owner)
    response = client.get(url("folder", collab, folder_id=sub.pk))
    assert [f.name for f in response.context["folders"]] == ["Contracts"]
    assert names(response) == ["brief.txt"]
    assert [c.name for c in response.context["crumbs"]] == ["Clients", "Acme"]
    page = response.content.decode()
    assert page.index("Contracts") < page.index("brief.txt")
    assert 'aria-current="page">Acme</a>' in page
    root = client.get(url("section", collab))
    assert [f.name for f in root.context["folders"]] == ["Clients"]
    assert names(root) == ["root.txt"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["b 0001.txt", "a 0000.txt", "C 0002.txt"]),  # date, newest first (default)
        ("?sort=date&order=asc", ["C 0002.txt", "a 0000.txt", "b 0001.txt"]),
        ("?sort=name", ["a 0000.txt", "b 0001.txt", "C 0002.txt"]),  # case does not count
        ("?sort=name&order=desc", ["C 0002.txt", "b 0001.txt", "a 0000.txt"]),
        ("?sort=size", ["C 0002.txt", "a 0000.txt", "b 0001.txt"]),
        ("?sort=size&order=asc", ["b 0001.txt", "a 0000.txt", "C 0002.txt"]),
        ("?sort=nonsense&order=sideways", ["b 0001.txt", "a 0000.txt", "C 0002.txt"]),
    ],
)
def test_sorting(client, collab, owner, query, expected):
    files = make_files(collab, owner, 3)
    now = timezone.now()
    for f, name, minutes, size in zip(
        files, ["a 0000.txt", "b 0001.txt", "C 0002.txt"], [5, 1, 9], [200, 100, 300], strict=True
    ):
        File.objects.filter(pk=f.pk).update(name=name, created=now - timedelta(minutes=minutes))
        FileVersion.objects.filter(file=f).update(size=size)
    client.force_login(owner)
    assert names(client.get(url("section", collab) + query)) == expected


def test_the_sort_links_say_their_state(client, collab, owner):
    make_files(collab, owner, 2)
    client.force_login(owner)
    page = client.get(url("section", collab) + "?sort=name").content.decode()
    assert 'aria-sort="ascending"' in page
    assert 'aria-label="Name, sorted ascending: sort descending"' in page
    assert 'href="?sort=name&amp;order=desc"' in page
    assert 'aria-label="Sort by size"' in page


def test_search_finds_names_in_every_folder(client, collab, owner):
    deep = services.create_folder(collab, owner, "Deep")
    services.create_folder(collab, owner, "Invoices 2026")
    services.upload(collab, owner, upload_of("Invoice March.txt", b"1"), deep)
    services.upload(collab, owner, upload_of("invoice-april.txt", b"2"))
    services.upload(collab, owner, upload_of("notes.txt", b"3"))
    trashed = services.upload(collab, owner, upload_of("invoice old.txt", b"4"))
    services.trash(collab, owner, trashed.pk)
    client.force_login(owner)
    response = client.get(url("section", collab) + "?q=INVOICE&sort=name")
    assert names(response) == ["Invoice March.txt", "invoice-april.txt"]
    assert [f.name for f in response.context["folders"]] == ["Invoices 2026"]
    page = response.content.decode()
    assert "in Deep" in page
    empty = client.get(url("section", collab) + "?q=zzz").content.decode()
    assert "No file or folder has “zzz” in its name." in empty


@pytest.mark.parametrize("sort", ["date", "name", "size"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_more_pages_walk_every_file_once_in_order(client, collab, owner, sort, order):
    files = make_files(collab, owner, PAGE_SIZE * 2 + 7)
    # Ties on the sort key are broken by id: many files with the same size and date.
    File.objects.filter(pk__in=[f.pk for f in files[:30]]).update(created=files[0].created)
    FileVersion.objects.filter(file__in=files[:30]).update(size=7)
    client.force_login(owner)
    seen, next_url, pages_read = [], f"?sort={sort}&order={order}", 0
    while next_url:
        response = client.get(url("section", collab) + next_url)
        seen += [f.pk for f in response.context["files"]]
        next_url = response.context["more_url"]
        pages_read += 1
    assert pages_read == 3
    assert len(seen) == len(set(seen)) == len(files)
    key = {
        "date": lambda f: (f.created, f.pk),
        "name": lambda f: (f.name.lower(), f.pk),
        "size": lambda f: (f.current_version.size, f.pk),
    }[sort]
    expected = sorted(
        File.objects.filter(collab=collab).select_related("current_version"),
        key=key,
        reverse=order == "desc",
    )
    assert seen == [f.pk for f in expected]


def test_more_with_htmx_answers_the_next_rows_only(client, collab, owner):
    make_files(collab, owner, PAGE_SIZE + 3)
    client.force_login(owner)
    first = client.get(url("section", collab))
    more = first.context["more_url"]
    assert f'hx-get="{more}"' in first.content.decode().replace("&amp;", "&")
    response = client.get(url("section", collab) + more, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "<html" not in page
    assert page.count('class="file-row"') == 3
    assert "HX-Request" in response["Vary"]


def test_a_forged_cursor_starts_from_the_first_page(client, collab, owner):
    make_files(collab, owner, 3)
    client.force_login(owner)
    for cursor in ["garbage", "WyJ4IiwyXQ", "WyJ4IiwtMV0", "%00", "W251bGwsMV0"]:
        response = client.get(url("section", collab) + f"?after={cursor}&sort=size")
        assert response.status_code == 200
        assert len(names(response)) == 3


def test_the_view_is_remembered(client, collab, owner):
    make_files(collab, owner, 2)
    client.force_login(owner)
    response = client.get(url("section", collab) + "?view=grid")
    assert response.cookies["files_view"].value == "grid"
    assert 'class="files-grid"' in response.content.decode()
    # Later, without the parameter: still the grid.
    assert 'class="files-grid"' in client.get(url("section", collab)).content.decode()
    response = client.get(url("section", collab) + "?view=list")
    assert 'class="files-table"' in response.content.decode()
    assert 'class="files-table"' in client.get(url("section", collab)).content.decode()


def test_a_grid_shows_a_type_icon_per_file(client, collab, owner):
    photo = services.upload(collab, owner, upload_of("photo.png", PNG))
    services.upload(collab, owner, upload_of("table.csv", b"a,b\n1,2\n"))
    client.force_login(owner)
    page = client.get(url("section", collab) + "?view=grid").content.decode()
    assert "file-icon-sheet" in page
    # A picture whose thumbnail is being made: its placeholder (loaded again when ready).
    assert f'data-preview-pending="{photo.pk}"' in page


@pytest.mark.parametrize("view", ["list", "grid"])
def test_query_counts_do_not_grow_with_the_files(
    client, collab, owner, django_assert_num_queries, view
):
    folder = services.create_folder(collab, owner, "Big")
    client.force_login(owner)
    counts = []
    for total in (3, 300):
        File.objects.all().delete()
        make_files(collab, owner, total)
        make_files(collab, owner, total, folder=folder, prefix="inner")
        # (with the top bar's bell and My tasks; the header's member count comes from the
        # list of collabs beside the page)
        with django_assert_num_queries(9) as root:
            client.get(url("section", collab) + f"?view={view}")
        with django_assert_num_queries(9) as inner:
            client.get(url("folder", collab, folder_id=folder.pk) + f"?view={view}")
        counts.append((len(root.captured_queries), len(inner.captured_queries)))
    assert counts[0] == counts[1]


def test_the_trash_query_count_does_not_grow(client, collab, owner, django_assert_num_queries):
    client.force_login(owner)
    for total in (3, 120):
        File.objects.all().delete()
        for f in make_files(collab, owner, total):
            services.trash(collab, owner, f.pk)
        with django_assert_num_queries(9):  # with the top bar's bell and My tasks
            response = client.get(url("trash", collab))
        assert len(response.context["files"]) == min(total, PAGE_SIZE)
