from apps.files import services
from tests.conftest import make_user
from tests.files.conftest import upload_of


def test_staff_find_files_in_the_admin_read_only(client, collab, member):
    file = services.upload(collab, member, upload_of("report.txt", b"hi"))
    admin = make_user("root@example.com", "Root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get("/admin/files/file/?q=report&deleted_at__isempty=1")
    assert listing.status_code == 200
    assert "report.txt" in listing.content.decode()
    page = client.get(f"/admin/files/file/{file.pk}/change/")
    assert page.status_code == 200
    assert file.current_version.sha256 in page.content.decode()
    assert client.get("/admin/files/file/add/").status_code == 403
    assert client.post(f"/admin/files/file/{file.pk}/delete/").status_code == 403
