"""The WOPI endpoints the office server calls, and the host page people open.

The endpoints (wopi/files/<id> and wopi/files/<id>/contents) are called server to server:
no session, no CSRF token, only the access token in the query (`access_token`), checked on
every request in this order, so a caller without a valid token learns nothing:

1. no office server configured: 404 (the endpoints do not exist);
2. a missing, malformed, forged or expired token: 401;
3. the office server's proof (X-WOPI-Proof) when its discovery publishes proof keys: 500 when
   it does not verify (as the WOPI documentation asks); 503 when the discovery cannot be read
   now. A discovery without proof keys (some Collabora and OnlyOffice setups) leaves the token
   as the only credential: the README says so, and the operator then keeps the endpoints
   reachable from the office server only;
4. the file, out of the trash, in the collab of the URL: 404;
5. the token made for that file and collab, its user active and still a member with the
   right (view; edit for every change): 401 otherwise. So a removed member's, a deactivated
   user's token and a token for a trashed file die at once.
"""

import base64
from dataclasses import dataclass
from datetime import UTC

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from apps.collabs.frame import render_frame
from apps.collabs.models import Collab
from apps.collabs.permissions import can, get_collab_for

from .. import services as files
from ..models import File
from ..streaming import FileStream
from . import discovery, locks, proofkeys, tokens
from . import services as wopi

# A proof that does not verify may mean the office server changed keys: the discovery is
# fetched again, at most once in this many seconds.
REFETCH_SECONDS = 60


@dataclass
class Access:
    user: object
    collab: Collab
    file: File
    token: tokens.Token
    raw: str
    can_write: bool


def _status(code: int, **headers) -> HttpResponse:
    response = HttpResponse(status=code)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _base_url() -> str:
    """Where the office server reaches the portal."""
    return (settings.WOPI_HOST_URL or settings.SITE_URL).rstrip("/")


def wopi_src(file: File) -> str:
    """The file's WOPI URL (WOPISrc), as the office server calls it."""
    path = reverse("files:wopi_file", kwargs={"collab_id": file.collab_id, "file_id": file.pk})
    return _base_url() + path


def _proof_ok(request, raw: str, found: discovery.Discovery) -> bool:
    urls = [_base_url() + request.get_full_path(), request.build_absolute_uri()]

    def check(keys: discovery.Discovery) -> bool:
        return proofkeys.genuine(
            current=keys.proof_key,
            old=keys.old_proof_key,
            access_token=raw,
            urls=urls,
            proof=request.headers.get("X-WOPI-Proof"),
            proof_old=request.headers.get("X-WOPI-ProofOld"),
            timestamp=request.headers.get("X-WOPI-TimeStamp"),
        )

    if check(found):
        return True
    if cache.add("files:wopi:proof-refetch", 1, REFETCH_SECONDS):
        fresh = discovery.get(force=True)
        if fresh is not None and fresh.proof_key is not None and fresh != found:
            return check(fresh)
    return False


def _authorize(request, collab_id: int, file_id: int, *, write: bool) -> Access | HttpResponse:
    if not discovery.configured():
        raise Http404
    raw = request.GET.get("access_token", "")
    token = tokens.read(raw)
    if token is None:
        return _status(401)
    found = discovery.get()
    if found is None:
        return _status(503)
    if found.proof_key is not None and not _proof_ok(request, raw, found):
        return _status(500)
    file = (
        File.objects.select_related("current_version", "collab", "collab__feature_settings")
        .filter(collab_id=collab_id, pk=file_id, deleted_at__isnull=True)
        .first()
    )
    if file is None:
        return _status(404)
    if token.file_id != file.pk or token.collab_id != file.collab_id:
        return _status(401)
    user = get_user_model().objects.filter(pk=token.user_id, is_active=True).first()
    collab = file.collab
    if user is None or not can(user, files.VIEW, collab):
        return _status(401)
    can_write = token.can_write and can(user, files.EDIT, collab)
    if write and not can_write:
        return _status(401)
    return Access(user, collab, file, token, raw, can_write)


def _conflict(current: str, reason: str) -> HttpResponse:
    return _status(409, X_WOPI_Lock=current, X_WOPI_LockFailureReason=reason)


def _item_version(response: HttpResponse, file: File) -> HttpResponse:
    if file.current_version is not None:
        response["X-WOPI-ItemVersion"] = str(file.current_version.number)
    response["Cache-Control"] = "no-store"
    return response


# --- /wopi/files/<id> ---------------------------------------------------------------------------

_FILE_OPERATIONS = {
    "LOCK": "lock",
    "GET_LOCK": "get_lock",
    "REFRESH_LOCK": "refresh_lock",
    "UNLOCK": "unlock",
    "PUT_RELATIVE": "put_relative",
}
_READ_ONLY = {"get_lock"}


@csrf_exempt
def wopi_file(request, collab_id: int, file_id: int):
    if request.method == "GET":
        operation = "check_file_info"
    elif request.method == "POST":
        override = request.headers.get("X-WOPI-Override", "").strip().upper()
        # RENAME_FILE, DELETE, PUT_USER_INFO...: not offered (501, to a valid caller only).
        operation = _FILE_OPERATIONS.get(override, "not_implemented")
    else:
        return _status(405, Allow="GET, POST")
    write = operation not in _READ_ONLY | {"check_file_info", "put_relative", "not_implemented"}
    access = _authorize(request, collab_id, file_id, write=write)
    if isinstance(access, HttpResponse):
        return access
    return _OPERATIONS[operation](request, access)


def check_file_info(request, access: Access) -> HttpResponse:
    file, version, user = access.file, access.file.current_version, access.user
    if version is None:
        return _status(404)
    info = {
        "BaseFileName": file.name,
        "OwnerId": str(file.created_by_id or ""),
        "Size": version.size,
        "UserId": str(user.pk),
        "UserFriendlyName": user.get_full_name(),
        "Version": str(version.number),
        "SHA256": _base64_sha256(version.sha256),
        "LastModifiedTime": version.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "UserCanWrite": access.can_write,
        "ReadOnly": not access.can_write,
        "UserCanNotWriteRelative": not can(user, files.UPLOAD, access.collab),
        "UserCanRename": False,
        "SupportsLocks": True,
        "SupportsGetLock": True,
        "SupportsExtendedLockLength": True,
        "SupportsUpdate": True,
        "SupportsRename": False,
        "SupportsDeleteFile": False,
        "SupportsUserInfo": False,
        "BreadcrumbBrandName": settings.SITE_NAME,
        "BreadcrumbFolderName": access.collab.name,
        "BreadcrumbDocName": file.name,
        "HostEditUrl": settings.SITE_URL + _host_page(file),
        # The editor tells the host page about itself (ready, saved) by postMessage.
        "PostMessageOrigin": discovery.origin(settings.SITE_URL),
    }
    return _item_version(JsonResponse(info), file)


def _base64_sha256(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def _host_page(file: File) -> str:
    return reverse("files:edit_online", kwargs={"collab_id": file.collab_id, "file_id": file.pk})


def _lock_header(request) -> str | None:
    value = request.headers.get("X-WOPI-Lock")
    return value if locks.valid(value) else None


def lock(request, access: Access) -> HttpResponse:
    value = _lock_header(request)
    if value is None:
        return _status(400)
    old = request.headers.get("X-WOPI-OldLock")
    if old is not None:  # UnlockAndRelock
        if not locks.valid(old):
            return _status(400)
        done, held = locks.relock(access.collab, access.user, access.file, old, value)
    else:
        done, held = locks.lock(access.collab, access.user, access.file, value)
    if not done:
        return _conflict(held, "The file is locked by another session.")
    return _item_version(_status(200), access.file)


def get_lock(request, access: Access) -> HttpResponse:
    response = _status(200)
    response["X-WOPI-Lock"] = locks.current(access.file)
    return _item_version(response, access.file)


def refresh_lock(request, access: Access) -> HttpResponse:
    value = _lock_header(request)
    if value is None:
        return _status(400)
    done, held = locks.refresh(access.collab, access.user, access.file, value)
    if not done:
        return _conflict(held, "The file is not locked with this lock.")
    return _item_version(_status(200), access.file)


def unlock(request, access: Access) -> HttpResponse:
    value = _lock_header(request)
    if value is None:
        return _status(400)
    done, held = locks.unlock(access.collab, access.user, access.file, value)
    if not done:
        return _conflict(held, "The file is not locked with this lock.")
    return _item_version(_status(200), access.file)


def _utf7(raw: str | None) -> str | None:
    """A header in UTF-7, as PutRelativeFile's names are sent; None when it is not."""
    if raw is None:
        return None
    try:
        return raw.encode("ascii").decode("utf-7")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def _to_utf7(name: str) -> str:
    return name.encode("utf-7").decode("ascii")


def put_relative(request, access: Access) -> HttpResponse:
    suggested_raw = request.headers.get("X-WOPI-SuggestedTarget")
    relative_raw = request.headers.get("X-WOPI-RelativeTarget")
    if (suggested_raw is None) == (relative_raw is None):  # neither, or both: not allowed
        return _status(501)
    if not can(access.user, files.UPLOAD, access.collab):
        return _status(501)  # as CheckFileInfo said: UserCanNotWriteRelative
    suggested, relative = _utf7(suggested_raw), _utf7(relative_raw)
    if suggested is None and relative is None:
        return _status(400)
    overwrite = request.headers.get("X-WOPI-OverwriteRelativeTarget", "").lower() == "true"
    body = wopi.RequestBody(request)
    try:
        new = wopi.save_as(
            access.collab,
            access.user,
            access.file,
            body,
            suggested=suggested,
            relative=relative,
            overwrite=overwrite,
        )
    except wopi.InvalidName as exc:
        return _status(400, X_WOPI_ValidRelativeTarget=_to_utf7(exc.suggestion))
    except wopi.NameTaken as exc:
        return _status(409, X_WOPI_ValidRelativeTarget=_to_utf7(exc.suggestion))
    except wopi.LockConflict as exc:
        return _conflict(exc.current, exc.reason)
    except ValidationError as exc:
        return _refused(exc)
    except PermissionDenied:
        return _status(401)
    right = tokens.EDIT if can(access.user, files.EDIT, access.collab) else tokens.VIEW
    raw, _token = tokens.issue(access.user, new, right)
    page = settings.SITE_URL + _host_page(new)
    return JsonResponse(
        {
            "Name": new.name,
            "Url": f"{wopi_src(new)}?access_token={raw}",
            "HostEditUrl": page,
            "HostViewUrl": page,
        }
    )


def _refused(exc: ValidationError) -> HttpResponse:
    if getattr(exc, "code", None) == "too_large":
        return _status(413)
    return _status(400)


# --- /wopi/files/<id>/contents ------------------------------------------------------------------


@csrf_exempt
def wopi_contents(request, collab_id: int, file_id: int):
    if request.method == "GET":
        access = _authorize(request, collab_id, file_id, write=False)
        if isinstance(access, HttpResponse):
            return access
        return get_file(request, access)
    if request.method == "POST":
        put = request.headers.get("X-WOPI-Override", "").strip().upper() == "PUT"
        access = _authorize(request, collab_id, file_id, write=put)
        if isinstance(access, HttpResponse):
            return access
        return put_file(request, access) if put else _status(501)
    return _status(405, Allow="GET, POST")


def get_file(request, access: Access) -> HttpResponse:
    version = access.file.current_version
    if version is None:
        return _status(404)
    largest = request.headers.get("X-WOPI-MaxExpectedSize", "")
    if largest.isascii() and largest.isdigit() and version.size > int(largest):
        return _status(412)
    try:
        handle = version.blob.storage.open(version.blob.name, "rb")
    except OSError:
        return _status(404)
    # Streamed a chunk at a time (also from object storage), never read whole (streaming.py).
    response = FileStream(handle, 0, version.size, content_type="application/octet-stream")
    response["Content-Length"] = str(version.size)
    return _item_version(response, access.file)


def put_file(request, access: Access) -> HttpResponse:
    sent = request.headers.get("X-WOPI-Lock", "")
    try:
        version = wopi.save(
            access.collab, access.user, access.file, wopi.RequestBody(request), sent
        )
    except wopi.LockConflict as exc:
        return _conflict(exc.current, exc.reason)
    except ValidationError as exc:
        return _refused(exc)
    except PermissionDenied:
        return _status(401)
    except Http404:  # trashed while the body came
        return _status(404)
    response = _status(200)
    response["X-WOPI-ItemVersion"] = str(version.number)
    response["Cache-Control"] = "no-store"
    return response


_OPERATIONS = {
    "not_implemented": lambda request, access: _status(501),
    "check_file_info": check_file_info,
    "lock": lock,
    "get_lock": get_lock,
    "refresh_lock": refresh_lock,
    "unlock": unlock,
    "put_relative": put_relative,
}


# --- The host page ------------------------------------------------------------------------------


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def applies(file: File) -> bool:
    """Whether "Edit online" fits the file: an office server is configured and its cached
    discovery opens the file's extension. No query, no network (a listing asks it per file)."""
    found = discovery.cached()
    return found is not None and found.action_for(extension(file.name)) is not None


@require_safe
@login_required
def edit_online(request, collab_id: int, file_id: int):
    collab = get_collab_for(request.user, collab_id)
    if not can(request.user, files.VIEW, collab) or not discovery.configured():
        raise Http404
    file = wopi.editable_file(collab, file_id)
    if file is None or file.current_version is None:
        raise Http404
    found = discovery.get()
    if found is None:
        return render_frame(
            request,
            "files/wopi/unavailable.html",
            collab,
            {"file": file, "reason": "down"},
            current="files",
            status=503,
        )
    may_edit = can(request.user, files.EDIT, collab)
    names = (discovery.EDIT, discovery.VIEW) if may_edit else (discovery.VIEW, discovery.EDIT)
    action = found.action_for(extension(file.name), names)
    if action is None:
        return render_frame(
            request,
            "files/wopi/unavailable.html",
            collab,
            {"file": file, "reason": "type"},
            current="files",
            status=404,
        )
    name, urlsrc = action
    right = tokens.EDIT if may_edit and name == discovery.EDIT else tokens.VIEW
    raw, token = tokens.issue(request.user, file, right)
    url = discovery.editor_url(urlsrc, wopi_src(file), request.LANGUAGE_CODE)
    response = render_frame(
        request,
        "files/wopi/edit.html",
        collab,
        {
            "file": file,
            "editor_url": url,
            "access_token": raw,
            "access_token_ttl": token.ttl_ms,
            "editing": right == tokens.EDIT,
            "download_url": reverse(
                "files:download", kwargs={"collab_id": collab.pk, "file_id": file.pk}
            ),
        },
        current="files",
    )
    # The page holds a token: no cache keeps it.
    response["Cache-Control"] = "no-store"
    # The editor's origin may be framed and posted to from this page, and from no other.
    office = discovery.origin(url)
    return csp_update({"frame-src": [office], "form-action": [office]})(lambda: response)()
