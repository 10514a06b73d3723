"""Pictures are served only through the access layer: a collab's avatar to its members, a
person's avatar to those who may see the person. Only raster images are served as images;
an SVG (which can carry script) is refused on upload and never served inline."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.forms import ProfileForm
from apps.accounts.models import User
from apps.accounts.services import update_profile
from apps.collabs import services
from apps.collabs.models import Collab
from tests.collabs.pages import form_data
from tests.conftest import png

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
    b"<script>alert(document.cookie)</script><rect width='8' height='8'/></svg>"
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
INVALID_IMAGE = (
    "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
)


def collab_avatar_url(collab: Collab) -> str:
    return reverse("collabs:avatar", kwargs={"collab_id": collab.pk})


def user_avatar_url(user: User) -> str:
    return reverse("users:user_avatar", kwargs={"user_id": user.pk})


def svg_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def collab_with_avatar(collab, owner) -> Collab:
    services.update_collab(
        collab, owner, name=collab.name, description=collab.description, avatar=png()
    )
    return Collab.objects.get(pk=collab.pk)


@pytest.fixture
def member_with_avatar(member) -> User:
    update_profile(
        member, full_name=member.full_name, timezone_name="UTC", language="", avatar=png()
    )
    member.refresh_from_db()
    return member


def store_svg(folder: str) -> str:
    return default_storage.save(f"{folder}/logo.svg", ContentFile(SVG))


# The collab's avatar.


@pytest.mark.parametrize("who", ["owner", "moderator", "member", "guest"])
def test_members_get_the_collab_avatar(client, collab_with_avatar, people, who):
    client.force_login(people[who])

    response = client.get(collab_avatar_url(collab_with_avatar))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert body(response).startswith(PNG_SIGNATURE)


def test_the_collab_page_shows_the_avatar_through_its_url(client, collab_with_avatar, member):
    client.force_login(member)

    response = client.get(reverse("collabs:detail", kwargs={"collab_id": collab_with_avatar.pk}))

    html = response.content.decode()
    assert f'src="{collab_avatar_url(collab_with_avatar)}"' in html
    # Never the storage path: that would bypass the access check.
    assert collab_with_avatar.avatar.name not in html


def test_an_outsider_gets_no_collab_avatar(client, collab_with_avatar, other_collab, outsider):
    client.force_login(outsider)

    assert client.get(collab_avatar_url(collab_with_avatar)).status_code == 404


@pytest.mark.parametrize("who", ["member", "guest"])
def test_a_removed_member_gets_no_collab_avatar(client, collab_with_avatar, owner, people, who):
    client.force_login(people[who])
    assert client.get(collab_avatar_url(collab_with_avatar)).status_code == 200

    services.remove_member(collab_with_avatar, owner, people[who])

    assert client.get(collab_avatar_url(collab_with_avatar)).status_code == 404


def test_a_member_who_left_gets_no_collab_avatar(client, collab_with_avatar, member):
    services.leave_collab(collab_with_avatar, member)
    client.force_login(member)

    assert client.get(collab_avatar_url(collab_with_avatar)).status_code == 404


def test_a_signed_out_visitor_gets_no_collab_avatar(client, collab_with_avatar):
    response = client.get(collab_avatar_url(collab_with_avatar))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_collab_without_avatar_has_none_to_serve(client, collab, member):
    client.force_login(member)

    assert client.get(collab_avatar_url(collab)).status_code == 404


# A person's avatar.


@pytest.mark.parametrize("who", ["owner", "moderator", "guest"])
def test_people_who_share_a_collab_get_the_user_avatar(
    client, member_with_avatar, collab, people, who
):
    client.force_login(people[who])

    response = client.get(user_avatar_url(member_with_avatar))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert body(response).startswith(PNG_SIGNATURE)


def test_an_employee_gets_a_colleagues_avatar_without_a_shared_collab(
    client, member_with_avatar, other_owner
):
    client.force_login(other_owner)

    assert client.get(user_avatar_url(member_with_avatar)).status_code == 200


def test_an_outsider_gets_no_user_avatar(
    client, member_with_avatar, collab, other_collab, outsider
):
    client.force_login(outsider)

    assert client.get(user_avatar_url(member_with_avatar)).status_code == 404


def test_a_removed_guest_gets_no_user_avatar(client, member_with_avatar, collab, owner, guest):
    client.force_login(guest)
    assert client.get(user_avatar_url(member_with_avatar)).status_code == 200

    services.remove_member(collab, owner, guest)

    assert client.get(user_avatar_url(member_with_avatar)).status_code == 404


def test_a_guest_gets_no_avatar_of_someone_removed_from_their_collab(
    client, member_with_avatar, collab, owner, guest
):
    services.remove_member(collab, owner, member_with_avatar)
    client.force_login(guest)

    assert client.get(user_avatar_url(member_with_avatar)).status_code == 404


def test_a_user_without_avatar_has_none_to_serve(client, collab, owner, member):
    client.force_login(owner)

    assert client.get(user_avatar_url(member)).status_code == 404


def test_an_unknown_user_has_no_avatar(client, owner):
    client.force_login(owner)

    assert client.get(reverse("users:user_avatar", kwargs={"user_id": 999999})).status_code == 404


# SVG: refused on upload, and never served as an image.


def test_an_svg_is_refused_as_the_avatar_of_a_new_collab(client, owner):
    client.force_login(owner)

    response = client.post(
        reverse("collabs:create"), {"name": "Vector art", "avatar": svg_upload()}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["avatar"] == [INVALID_IMAGE]
    assert not Collab.objects.exists()


def test_an_svg_is_refused_in_the_collab_settings(client, collab, owner):
    client.force_login(owner)

    response = client.post(
        reverse("collabs:settings", kwargs={"collab_id": collab.pk}),
        {**form_data(collab), "avatar": svg_upload()},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["avatar"] == [INVALID_IMAGE]
    assert not Collab.objects.get(pk=collab.pk).avatar


def test_an_svg_is_refused_as_a_profile_picture(member):
    form = ProfileForm(
        {"full_name": member.full_name, "timezone": "UTC", "language": ""},
        {"avatar": svg_upload()},
        instance=member,
    )

    assert not form.is_valid()
    assert form.errors["avatar"] == [INVALID_IMAGE]


def test_a_stored_svg_collab_avatar_is_served_as_a_download(client, collab, member):
    # An SVG that got into storage some other way (an import, an older version).
    Collab.objects.filter(pk=collab.pk).update(avatar=store_svg("avatars/collabs"))
    client.force_login(member)

    response = client.get(collab_avatar_url(collab))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_stored_svg_user_avatar_is_served_as_a_download(client, collab, owner, member):
    User.objects.filter(pk=member.pk).update(avatar=store_svg("avatars/users"))
    client.force_login(owner)

    response = client.get(user_avatar_url(member))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
