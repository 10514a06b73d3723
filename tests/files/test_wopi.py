"""The WOPI endpoints, called as an office server calls them (signed requests, the token in the
query): each operation, lock conflicts, every save a new version with its author, "Save as",
and every token that must be refused."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.collabs.models import Level
from apps.collabs.services import change_settings, remove_member
from apps.files import services
from apps.files.models import File, FileLock, FileVersion
from apps.files.wopi import locks, tokens
from tests.files import wopi_support
from tests.files.conftest import upload_of
from tests.files.wopi_support import Office, body, token_for, wopi_url

# The fixtures (an office server with its proof keys) of wopi_support.
office = wopi_support.office
old_proof_key = wopi_support.old_proof_key
proof_key = wopi_support.proof_key

DOCX = b"PK\x03\x04" + b"docx" * 50


@pytest.fixture
def doc(collab, member):
    return services.upload(collab, member, upload_of("Report.docx", DOCX))


@pytest.fixture
def wopi(client, office, proof_key):
    return Office(client, proof_key)


def lock_file(wopi, file, token, value="lock-A"):
    response = wopi.post(wopi_url(file), token, **{"X-WOPI-Override": "LOCK", "X-WOPI-Lock": value})
    assert response.status_code == 200
    return response


# --- CheckFileInfo ------------------------------------------------------------------------------


def test_check_file_info_describes_the_file_and_the_editor(wopi, doc, member):
    response = wopi.get(wopi_url(doc), token_for(member, doc))
    assert response.status_code == 200
    info = json.loads(response.content)
    assert info["BaseFileName"] == "Report.docx"
    assert info["Size"] == len(DOCX)
    assert info["OwnerId"] == str(member.pk)
    assert info["UserId"] == str(member.pk)
    assert info["UserFriendlyName"] == "Marina Member"
    assert info["Version"] == "1"
    assert info["UserCanWrite"] is True
    assert info["UserCanNotWriteRelative"] is False
    for flag in ("Locks", "GetLock", "ExtendedLockLength", "Update"):
        assert info[f"Supports{flag}"] is True
    assert info["LastModifiedTime"].endswith("Z")
    assert response["Cache-Control"] == "no-store"


def test_a_view_token_and_a_guest_cannot_write(wopi, doc, member, guest):
    info = json.loads(wopi.get(wopi_url(doc), token_for(member, doc, tokens.VIEW)).content)
    assert info["UserCanWrite"] is False
    # A guest's edit token gives no more than the guest's rights (edit: employees only).
    info = json.loads(wopi.get(wopi_url(doc), token_for(guest, doc)).content)
    assert info["UserCanWrite"] is False
    assert info["UserCanNotWriteRelative"] is False  # guests may upload


# --- GetFile ------------------------------------------------------------------------------------


def test_get_file_streams_the_current_version(wopi, doc, collab, owner):
    services.new_version(collab, owner, doc.pk, upload_of("Report.docx", DOCX + b"2"))
    response = wopi.get(wopi_url(doc, contents=True), token_for(owner, doc, tokens.VIEW))
    assert response.status_code == 200
    assert body(response) == DOCX + b"2"
    assert response["X-WOPI-ItemVersion"] == "2"
    assert response["Content-Type"] == "application/octet-stream"


def test_get_file_refuses_a_file_larger_than_expected(wopi, doc, member):
    response = wopi.get(
        wopi_url(doc, contents=True), token_for(member, doc), **{"X-WOPI-MaxExpectedSize": "10"}
    )
    assert response.status_code == 412


# --- Locks --------------------------------------------------------------------------------------


def test_lock_get_lock_refresh_and_unlock(wopi, doc, member):
    token = token_for(member, doc)
    url = wopi_url(doc)
    lock_file(wopi, doc, token, "lock-A")
    held = FileLock.objects.get(file=doc)
    assert held.value == "lock-A" and held.locked_by == member
    assert held.expires > timezone.now() + timedelta(minutes=29)

    response = wopi.post(url, token, **{"X-WOPI-Override": "GET_LOCK"})
    assert response.status_code == 200 and response["X-WOPI-Lock"] == "lock-A"

    FileLock.objects.filter(file=doc).update(expires=timezone.now() + timedelta(minutes=1))
    response = wopi.post(url, token, **{"X-WOPI-Override": "REFRESH_LOCK", "X-WOPI-Lock": "lock-A"})
    assert response.status_code == 200
    assert FileLock.objects.get(file=doc).expires > timezone.now() + timedelta(minutes=29)

    response = wopi.post(url, token, **{"X-WOPI-Override": "UNLOCK", "X-WOPI-Lock": "lock-A"})
    assert response.status_code == 200
    assert not FileLock.objects.filter(file=doc).exists()
    response = wopi.post(url, token, **{"X-WOPI-Override": "GET_LOCK"})
    assert response["X-WOPI-Lock"] == ""


def test_locking_again_with_the_same_lock_refreshes_it(wopi, doc, member):
    token = token_for(member, doc)
    lock_file(wopi, doc, token, "lock-A")
    FileLock.objects.filter(file=doc).update(expires=timezone.now() + timedelta(minutes=1))
    lock_file(wopi, doc, token, "lock-A")
    assert FileLock.objects.get(file=doc).expires > timezone.now() + timedelta(minutes=29)


@pytest.mark.parametrize("override", ["LOCK", "REFRESH_LOCK", "UNLOCK"])
def test_a_different_lock_conflicts_with_the_current_one(wopi, doc, member, owner, override):
    lock_file(wopi, doc, token_for(member, doc), "lock-A")
    response = wopi.post(
        wopi_url(doc), token_for(owner, doc), **{"X-WOPI-Override": override, "X-WOPI-Lock": "B"}
    )
    assert response.status_code == 409
    assert response["X-WOPI-Lock"] == "lock-A"
    assert response["X-WOPI-LockFailureReason"]
    assert FileLock.objects.get(file=doc).value == "lock-A"


@pytest.mark.parametrize("override", ["REFRESH_LOCK", "UNLOCK"])
def test_refreshing_or_unlocking_an_unlocked_file_conflicts_with_an_empty_lock(
    wopi, doc, member, override
):
    response = wopi.post(
        wopi_url(doc), token_for(member, doc), **{"X-WOPI-Override": override, "X-WOPI-Lock": "A"}
    )
    assert response.status_code == 409
    assert response["X-WOPI-Lock"] == ""


def test_an_expired_lock_is_no_lock(wopi, doc, member, owner):
    lock_file(wopi, doc, token_for(member, doc), "lock-A")
    FileLock.objects.filter(file=doc).update(expires=timezone.now() - timedelta(seconds=1))
    response = wopi.post(wopi_url(doc), token_for(owner, doc), **{"X-WOPI-Override": "GET_LOCK"})
    assert response["X-WOPI-Lock"] == ""
    lock_file(wopi, doc, token_for(owner, doc), "lock-B")
    held = FileLock.objects.get(file=doc)
    assert held.value == "lock-B" and held.locked_by == owner


def test_unlock_and_relock_swaps_the_lock_only_from_the_old_one(wopi, doc, member):
    token = token_for(member, doc)
    lock_file(wopi, doc, token, "lock-A")
    response = wopi.post(
        wopi_url(doc),
        token,
        **{"X-WOPI-Override": "LOCK", "X-WOPI-Lock": "lock-C", "X-WOPI-OldLock": "wrong"},
    )
    assert response.status_code == 409 and response["X-WOPI-Lock"] == "lock-A"
    response = wopi.post(
        wopi_url(doc),
        token,
        **{"X-WOPI-Override": "LOCK", "X-WOPI-Lock": "lock-C", "X-WOPI-OldLock": "lock-A"},
    )
    assert response.status_code == 200
    assert FileLock.objects.get(file=doc).value == "lock-C"


def test_unlock_and_relock_of_an_unlocked_file_conflicts(wopi, doc, member):
    response = wopi.post(
        wopi_url(doc),
        token_for(member, doc),
        **{"X-WOPI-Override": "LOCK", "X-WOPI-Lock": "new", "X-WOPI-OldLock": "old"},
    )
    assert response.status_code == 409 and response["X-WOPI-Lock"] == ""


@pytest.mark.parametrize("value", ["", "x" * 1025, "ключ"])
def test_a_missing_or_malformed_lock_is_a_bad_request(wopi, doc, member, value):
    headers = {"X-WOPI-Override": "LOCK"}
    if value:
        headers["X-WOPI-Lock"] = value.encode().decode("latin-1")
    response = wopi.post(wopi_url(doc), token_for(member, doc), **headers)
    assert response.status_code == 400
    assert not FileLock.objects.exists()


def test_a_lock_of_1024_characters_is_taken(wopi, doc, member):
    lock_file(wopi, doc, token_for(member, doc), "L" * 1024)
    assert len(FileLock.objects.get(file=doc).value) == 1024


def test_two_racing_lockers_cannot_both_win(collab, doc, member, owner):
    """The service's conditional statements: the second locker sees the first one's lock,
    however the rows stood when it started (here: an expired lock both could take)."""
    FileLock.objects.create(
        file=doc, value="stale", locked_by=member, expires=timezone.now() - timedelta(minutes=1)
    )
    assert locks.lock(collab, member, doc, "lock-A") == (True, "lock-A")
    assert locks.lock(collab, owner, doc, "lock-B") == (False, "lock-A")
    assert FileLock.objects.get(file=doc).value == "lock-A"


def test_a_view_only_token_cannot_lock(wopi, doc, member):
    response = wopi.post(
        wopi_url(doc),
        token_for(member, doc, tokens.VIEW),
        **{"X-WOPI-Override": "LOCK", "X-WOPI-Lock": "A"},
    )
    assert response.status_code == 401
    assert not FileLock.objects.exists()


def test_unknown_operations_are_not_implemented(wopi, doc, member):
    for override in ("RENAME_FILE", "DELETE", "PUT_USER_INFO", "NONSENSE", ""):
        response = wopi.post(wopi_url(doc), token_for(member, doc), **{"X-WOPI-Override": override})
        assert response.status_code == 501
    assert File.objects.filter(pk=doc.pk, deleted_at__isnull=True).exists()
    # Only to a caller with a valid token: the others learn nothing, not even that.
    response = wopi.post(wopi_url(doc), "forged", **{"X-WOPI-Override": "DELETE"})
    assert response.status_code == 401
    response = wopi.post(wopi_url(doc, contents=True), "forged", **{"X-WOPI-Override": "X"})
    assert response.status_code == 401


# --- PutFile ------------------------------------------------------------------------------------


def put(wopi, file, token, content, lock="lock-A"):
    return wopi.post(
        wopi_url(file, contents=True),
        token,
        content,
        **{"X-WOPI-Override": "PUT", "X-WOPI-Lock": lock},
    )


def test_every_save_is_a_new_version_by_its_author(wopi, doc, member, owner):
    lock_file(wopi, doc, token_for(member, doc), "lock-A")
    response = put(wopi, doc, token_for(member, doc), DOCX + b"one")
    assert response.status_code == 200
    assert response["X-WOPI-ItemVersion"] == "2"
    response = put(wopi, doc, token_for(owner, doc), DOCX + b"two")
    assert response["X-WOPI-ItemVersion"] == "3"

    versions = list(FileVersion.objects.filter(file=doc).order_by("number"))
    assert [(v.number, v.uploaded_by) for v in versions] == [(1, member), (2, member), (3, owner)]
    doc.refresh_from_db()
    assert doc.current_version == versions[-1]
    with versions[-1].blob.open("rb") as handle:
        assert handle.read() == DOCX + b"two"


def test_a_save_with_another_lock_conflicts_and_stores_nothing(wopi, doc, member, media):
    lock_file(wopi, doc, token_for(member, doc), "lock-A")
    blobs = media()
    response = put(wopi, doc, token_for(member, doc), DOCX + b"x", lock="lock-B")
    assert response.status_code == 409
    assert response["X-WOPI-Lock"] == "lock-A"
    assert FileVersion.objects.filter(file=doc).count() == 1
    assert media() == blobs


def test_a_save_of_an_unlocked_file_conflicts(wopi, doc, member):
    response = put(wopi, doc, token_for(member, doc), DOCX + b"x", lock="")
    assert response.status_code == 409
    assert response["X-WOPI-Lock"] == ""
    assert FileVersion.objects.filter(file=doc).count() == 1


def test_a_save_over_the_size_limit_is_413_and_stores_nothing(wopi, doc, member, settings, media):
    lock_file(wopi, doc, token_for(member, doc), "lock-A")
    blobs = media()
    settings.FILES_MAX_BYTES = 100
    response = put(wopi, doc, token_for(member, doc), b"x" * 101)
    assert response.status_code == 413
    assert FileVersion.objects.filter(file=doc).count() == 1
    assert media() == blobs


def test_a_body_over_the_limit_is_stopped_while_streaming(doc, collab, member, settings):
    """Without Content-Length (a chunked body) the limit is counted as the body streams."""
    from apps.files.wopi.services import RequestBody, save

    class Request:
        META = {}

        def __init__(self, data):
            self.data = data

        def read(self, size=-1):
            chunk, self.data = self.data[:size], self.data[size:]
            return chunk

    FileLock.objects.create(
        file=doc, value="A", locked_by=member, expires=timezone.now() + timedelta(minutes=5)
    )
    settings.FILES_MAX_BYTES = 1000
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        save(collab, member, doc, RequestBody(Request(b"x" * 5000)), "A")
    assert refused.value.code == "too_large"
    assert FileVersion.objects.filter(file=doc).count() == 1


def test_a_view_token_cannot_save(wopi, doc, member):
    lock_file(wopi, doc, token_for(member, doc), "lock-A")
    response = put(wopi, doc, token_for(member, doc, tokens.VIEW), DOCX + b"x")
    assert response.status_code == 401
    assert FileVersion.objects.filter(file=doc).count() == 1


# --- PutRelativeFile ----------------------------------------------------------------------------


def put_relative(wopi, file, token, content=b"%PDF-1.7\nnew", **headers):
    headers = {"X-WOPI-Override": "PUT_RELATIVE", **headers}
    return wopi.post(wopi_url(file), token, content, **headers)


def utf7(name: str) -> str:
    return name.encode("utf-7").decode("ascii")


def test_put_relative_with_an_extension_keeps_the_name(wopi, doc, member, collab):
    response = put_relative(wopi, doc, token_for(member, doc), **{"X-WOPI-SuggestedTarget": ".pdf"})
    assert response.status_code == 200
    answer = json.loads(response.content)
    assert answer["Name"] == "Report.pdf"
    new = File.objects.get(collab=collab, name="Report.pdf")
    assert new.folder_id == doc.folder_id
    assert new.current_version.uploaded_by == member
    assert answer["Url"].startswith(f"http://testserver{wopi_url(new)}?access_token=")
    # The answer's token opens the new file.
    new_token = answer["Url"].split("access_token=", 1)[1]
    assert wopi.get(wopi_url(new), new_token).status_code == 200


def test_a_suggested_name_that_is_taken_gets_a_number(wopi, doc, member, collab):
    token = token_for(member, doc)
    target = {"X-WOPI-SuggestedTarget": utf7("Report.docx")}
    names = [json.loads(put_relative(wopi, doc, token, **target).content)["Name"] for _ in "12"]
    assert names == ["Report (2).docx", "Report (3).docx"]


def test_names_come_in_utf7(wopi, doc, member, collab):
    response = put_relative(
        wopi, doc, token_for(member, doc), **{"X-WOPI-RelativeTarget": utf7("Отчёт + итог.docx")}
    )
    assert response.status_code == 200
    assert json.loads(response.content)["Name"] == "Отчёт + итог.docx"
    assert File.objects.filter(collab=collab, name="Отчёт + итог.docx").exists()


def test_a_relative_target_that_exists_is_409_with_a_free_name(wopi, doc, member):
    response = put_relative(
        wopi, doc, token_for(member, doc), **{"X-WOPI-RelativeTarget": "Report.docx"}
    )
    assert response.status_code == 409
    assert response["X-WOPI-ValidRelativeTarget"].encode().decode("utf-7") == "Report (2).docx"
    assert File.objects.filter(name__startswith="Report").count() == 1


def test_overwriting_a_relative_target_makes_a_new_version(wopi, doc, member):
    response = put_relative(
        wopi,
        doc,
        token_for(member, doc),
        DOCX + b"over",
        **{"X-WOPI-RelativeTarget": "Report.docx", "X-WOPI-OverwriteRelativeTarget": "true"},
    )
    assert response.status_code == 200
    doc.refresh_from_db()
    assert doc.current_version.number == 2 and doc.current_version.uploaded_by == member


def test_overwriting_a_locked_relative_target_conflicts(wopi, doc, member):
    lock_file(wopi, doc, token_for(member, doc), "lock-A")
    response = put_relative(
        wopi,
        doc,
        token_for(member, doc),
        **{"X-WOPI-RelativeTarget": "Report.docx", "X-WOPI-OverwriteRelativeTarget": "true"},
    )
    assert response.status_code == 409 and response["X-WOPI-Lock"] == "lock-A"
    assert FileVersion.objects.filter(file=doc).count() == 1


def test_a_relative_target_with_a_path_is_refused_with_a_valid_name(wopi, doc, member):
    response = put_relative(
        wopi, doc, token_for(member, doc), **{"X-WOPI-RelativeTarget": "../../etc/passwd"}
    )
    assert response.status_code == 400
    assert response["X-WOPI-ValidRelativeTarget"].encode().decode("utf-7") == "passwd"
    assert File.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-WOPI-SuggestedTarget": ".pdf", "X-WOPI-RelativeTarget": "a.pdf"}],
)
def test_put_relative_needs_exactly_one_target(wopi, doc, member, headers):
    assert put_relative(wopi, doc, token_for(member, doc), **headers).status_code == 501
    assert File.objects.count() == 1


def test_put_relative_needs_the_upload_right(wopi, doc, member, collab, owner):
    change_settings(collab, owner, features={"files": {"create": Level.MODERATORS}})
    token = token_for(member, doc)
    info = json.loads(wopi.get(wopi_url(doc), token).content)
    assert info["UserCanNotWriteRelative"] is True
    response = put_relative(wopi, doc, token, **{"X-WOPI-SuggestedTarget": ".pdf"})
    assert response.status_code == 501
    assert File.objects.count() == 1


def test_edit_rights_taken_away_make_an_edit_token_read_only(wopi, doc, member, collab, owner):
    token = token_for(member, doc)
    lock_file(wopi, doc, token, "lock-A")
    change_settings(collab, owner, features={"files": {"edit": Level.MODERATORS}})
    info = json.loads(wopi.get(wopi_url(doc), token).content)
    assert info["UserCanWrite"] is False
    assert put(wopi, doc, token, DOCX + b"x").status_code == 401
    assert FileVersion.objects.filter(file=doc).count() == 1


# --- Tokens that must be refused ----------------------------------------------------------------


def every_call(wopi, file, token):
    """Each operation with `token`; their status codes."""
    headers = {"X-WOPI-Lock": "lock-A"}
    return {
        "CheckFileInfo": wopi.get(wopi_url(file), token).status_code,
        "GetFile": wopi.get(wopi_url(file, contents=True), token).status_code,
        "PutFile": wopi.post(
            wopi_url(file, contents=True), token, DOCX, **{"X-WOPI-Override": "PUT", **headers}
        ).status_code,
        **{
            override: wopi.post(
                wopi_url(file), token, **{"X-WOPI-Override": override, **headers}
            ).status_code
            for override in ("LOCK", "GET_LOCK", "REFRESH_LOCK", "UNLOCK")
        },
        "PutRelativeFile": wopi.post(
            wopi_url(file),
            token,
            DOCX,
            **{"X-WOPI-Override": "PUT_RELATIVE", "X-WOPI-SuggestedTarget": ".docx"},
        ).status_code,
    }


def assert_all(codes: dict, expected: int) -> None:
    assert codes == dict.fromkeys(codes, expected)


def assert_untouched(doc) -> None:
    assert FileVersion.objects.filter(file=doc).count() == 1
    assert not FileLock.objects.exists()
    assert File.objects.filter(collab_id=doc.collab_id).count() == 1


def test_no_token_a_forged_one_and_an_expired_one_get_401(wopi, doc, member):
    assert_all(every_call(wopi, doc, ""), 401)
    good = token_for(member, doc)
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    assert_all(every_call(wopi, doc, forged), 401)
    expired = token_for(member, doc, now=0)
    assert_all(every_call(wopi, doc, expired), 401)
    # Signed with another salt (a token of another kind the portal signs): not a WOPI token.
    from django.core import signing

    payload = {"u": member.pk, "f": doc.pk, "c": doc.collab_id, "r": "edit", "e": 2**40}
    other = signing.dumps(payload)
    assert_all(every_call(wopi, doc, other), 401)
    assert_untouched(doc)


def test_a_token_for_another_file_gets_401(wopi, doc, member, collab):
    other = services.upload(collab, member, upload_of("Other.docx", DOCX))
    assert_all(every_call(wopi, doc, token_for(member, other)), 401)
    assert FileVersion.objects.filter(file=doc).count() == 1


def test_a_removed_members_token_dies_at_once(wopi, doc, member, collab, owner):
    token = token_for(member, doc)
    assert wopi.get(wopi_url(doc), token).status_code == 200
    remove_member(collab, owner, member)
    assert_all(every_call(wopi, doc, token), 401)
    assert FileVersion.objects.filter(file=doc).count() == 1


def test_a_deactivated_users_token_dies_at_once(wopi, doc, member):
    from apps.accounts.services import deactivate_user

    token = token_for(member, doc)
    assert wopi.get(wopi_url(doc), token).status_code == 200
    deactivate_user(member)
    assert_all(every_call(wopi, doc, token), 401)
    assert_untouched(doc)


def test_a_trashed_files_token_gets_404(wopi, doc, member, collab, owner):
    token = token_for(member, doc)
    services.trash(collab, owner, doc.pk)
    assert_all(every_call(wopi, doc, token), 404)
    assert FileVersion.objects.filter(file=doc).count() == 1


def test_a_guest_of_another_collab_gets_nothing(wopi, doc, outsider, other_collab, other_owner):
    # Their own file's token, on our file: 401; our file under their collab's URL: 404.
    theirs = services.upload(other_collab, other_owner, upload_of("Zeta.docx", DOCX))
    token = token_for(outsider, theirs)
    assert_all(every_call(wopi, doc, token), 401)
    response = wopi.get(wopi_url(doc, collab_id=other_collab.pk), token)
    assert response.status_code == 404
    # A token made (by a bug elsewhere) for them on our file: they are no member, 401.
    assert_all(every_call(wopi, doc, token_for(outsider, doc)), 401)
    assert_untouched(doc)


def test_a_file_of_another_collab_is_404(wopi, collab, member, other_collab, other_owner):
    theirs = services.upload(other_collab, other_owner, upload_of("Zeta.docx", DOCX))
    response = wopi.get(wopi_url(theirs, collab_id=collab.pk), token_for(other_owner, theirs))
    assert response.status_code == 404


def test_a_session_is_not_a_token(wopi, client, doc, member):
    client.force_login(member)
    assert wopi.get(wopi_url(doc), "").status_code == 401


def test_without_an_office_server_the_endpoints_do_not_exist(wopi, doc, member, settings):
    settings.WOPI_DISCOVERY_URL = ""
    assert_all(every_call(wopi, doc, token_for(member, doc)), 404)
