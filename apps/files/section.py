"""The collab's Files section: the pages people use to browse and manage the collab's files.

- `section` (the root) and `folder`: the folders, then the files of one folder, with
  breadcrumbs, a list or a grid (remembered in a cookie), sorting by name, date or size,
  search by name across the whole collab and keyset pagination ("More": a cursor on the sort
  key and the id, so the hundredth page costs what the first does). Two queries whatever the
  number of files: the collab's folders (for the breadcrumbs, the subfolders and the move
  targets) and one page of files with their current version and uploader.
- Managing: a new folder, rename, move and delete (to the trash, after a confirm page) for
  files; rename and delete (when empty) for folders; the trash with restore.
- `upload`: a plain multipart form (one file or several) and, for the JavaScript uploader,
  the same URL answering JSON when asked with `Accept: application/json`:
  201 `{"files": [{"id", "name", "url"}]}`; 400 / 413 / 403 `{"error": "<message>"}`.

Every page works without JavaScript; every change goes through apps/files/services.py.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from apps.collabs.frame import render_frame
from apps.collabs.permissions import can, get_collab_for, require, rights_of
from apps.core.inputs import parse_id, query_text

from . import actions, icons, services
from .models import File, Folder

PAGE_SIZE = 50
VIEW_COOKIE = "files_view"
VIEWS = ("list", "grid")
# A sort: its query value, its label, the expression compared and its first direction.
SORTS = {
    "name": (gettext_lazy("Name"), Lower("name"), "asc"),
    "date": (gettext_lazy("Date"), F("created"), "desc"),
    "size": (gettext_lazy("Size"), F("current_version__size"), "desc"),
}
DEFAULT_SORT = "date"


# --- Small helpers ------------------------------------------------------------------------------


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def file_url(file: File) -> str:
    """The file's own page."""
    return actions.file_url("files:file", file.collab_id, file.pk)


def icon_kind(file: File) -> str:
    """image, pdf, audio, video, document, sheet, slides, archive, text or file."""
    version = file.current_version
    return icons.icon_kind(file.name, version.content_type if version else "")


def _safe_next(request: HttpRequest) -> str | None:
    """A local URL to go back to (from ?next= or the form), or None."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _folder_url(collab_id: int, folder_id: int | None) -> str:
    if folder_id is None:
        return reverse("files:section", kwargs={"collab_id": collab_id})
    return reverse("files:folder", kwargs={"collab_id": collab_id, "folder_id": folder_id})


# --- The collab's folders -----------------------------------------------------------------------


class FolderTree:
    """All the folders of a collab, read in one query: the breadcrumbs of any folder, the
    subfolders of one, the folders a file may move to. (Folders are made by people, a few
    dozen at most per collab; files are what grows.)"""

    def __init__(self, collab) -> None:
        self.by_id = {
            f.pk: f for f in Folder.objects.filter(collab=collab).order_by(Lower("name"), "pk")
        }

    def get(self, folder_id) -> Folder | None:
        return self.by_id.get(folder_id)

    def ancestry(self, folder: Folder | None) -> list[Folder]:
        """The folder and its parents, the top first."""
        chain, seen = [], set()
        while folder is not None and folder.pk not in seen:
            seen.add(folder.pk)
            chain.append(folder)
            folder = self.by_id.get(folder.parent_id)
        return chain[::-1]

    def path(self, folder: Folder) -> str:
        return " / ".join(f.name for f in self.ancestry(folder))

    def children(self, folder: Folder | None) -> list[Folder]:
        parent_id = folder.pk if folder else None
        return [f for f in self.by_id.values() if f.parent_id == parent_id]

    def choices(self) -> list[tuple[int, str]]:
        return sorted(
            ((f.pk, self.path(f)) for f in self.by_id.values()), key=lambda c: c[1].lower()
        )


# --- Listing: sort, search, keyset pagination ---------------------------------------------------


@dataclass(frozen=True)
class Listing:
    sort: str
    order: str
    view: str
    query: str

    @property
    def descending(self) -> bool:
        return self.order == "desc"

    def params(self, **changes) -> str:
        """The query string of this listing with `changes`, defaults left out."""
        values = {"sort": self.sort, "order": self.order, "view": self.view, "q": self.query}
        values.update(changes)
        default_order = SORTS[values["sort"]][2]
        clean = {
            "q": values["q"],
            "sort": values["sort"] if values["sort"] != DEFAULT_SORT else "",
            "order": values["order"] if values["order"] != default_order else "",
            "view": values["view"] if values["view"] == "grid" else "",
            "after": values.get("after", ""),
        }
        query = urlencode({k: v for k, v in clean.items() if v})
        return f"?{query}" if query else "?"


def _listing(request: HttpRequest) -> tuple[Listing, bool]:
    """The listing asked for; whether the view was chosen now (to remember it)."""
    sort = request.GET.get("sort")
    sort = sort if sort in SORTS else DEFAULT_SORT
    order = request.GET.get("order")
    order = order if order in ("asc", "desc") else SORTS[sort][2]
    chosen = request.GET.get("view")
    view = chosen if chosen in VIEWS else request.COOKIES.get(VIEW_COOKIE)
    view = view if view in VIEWS else "list"
    query = " ".join(services.clean_name(query_text(request.GET.get("q", ""), 200)).split())
    return Listing(sort, order, view, query), chosen in VIEWS


def _encode_cursor(value, pk: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, pk], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(raw: str, sort: str):
    """(value, pk) from a cursor, or None for one that is malformed (the first page then)."""
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, TypeError, binascii.Error):
        return None
    pk = parse_id(pk)
    if pk is None:
        return None
    if sort == "name" and isinstance(value, str):
        return value, pk
    if sort == "size" and isinstance(value, int) and not isinstance(value, bool):
        return value, pk
    if sort == "date" and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        return (moment, pk) if timezone.is_aware(moment) else None
    return None


def _keyset(qs, key_field: str, descending: bool, raw_cursor: str, sort: str):
    """Order `qs` by its annotated `key_field` then pk, starting after the cursor."""
    qs = qs.order_by(
        F(key_field).desc() if descending else F(key_field).asc(),
        "-pk" if descending else "pk",
    )
    cursor = _decode_cursor(raw_cursor, sort) if raw_cursor else None
    if cursor is not None:
        value, pk = cursor
        op = "lt" if descending else "gt"
        qs = qs.filter(
            Q(**{f"{key_field}__{op}": value}) | Q(**{key_field: value, f"pk__{op}": pk})
        )
    return qs, cursor is not None


def _page(qs, key_field: str) -> tuple[list, str | None]:
    rows = list(qs[: PAGE_SIZE + 1])
    if len(rows) <= PAGE_SIZE:
        return rows, None
    rows = rows[:PAGE_SIZE]
    last = rows[-1]
    return rows, _encode_cursor(getattr(last, key_field), last.pk)


def _sort_links(listing: Listing) -> list[dict]:
    links = []
    for key, (label, _expr, first) in SORTS.items():
        current = key == listing.sort
        order = ("asc" if listing.descending else "desc") if current else first
        if current:
            aria_sort = "descending" if listing.descending else "ascending"
            # "Name, sorted ascending: sort descending"
            name = _("%(label)s, sorted %(now)s: sort %(next)s") % {
                "label": label,
                "now": _("descending") if listing.descending else _("ascending"),
                "next": _("ascending") if listing.descending else _("descending"),
            }
        else:
            aria_sort = "none"
            name = _("Sort by %(label)s") % {"label": str(label).lower()}
        links.append(
            {
                "key": key,
                "label": label,
                "url": listing.params(sort=key, order=order),
                "current": current,
                "descending": current and listing.descending,
                "aria_sort": aria_sort,
                "name": name,
            }
        )
    return links


# --- The section and its folders ----------------------------------------------------------------


@login_required
def section(request: HttpRequest, collab_id: int, folder_id: int | None = None) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, services.VIEW, collab)
    tree = FolderTree(collab)
    folder = None
    if folder_id is not None:
        folder = tree.get(folder_id)
        if folder is None:
            raise Http404
    listing, chosen = _listing(request)
    rights = rights_of(request.user, collab)

    expression = SORTS[listing.sort][1]
    files = services.list_files(
        request.user, collab, folder=None if listing.query else folder, query=listing.query
    )
    if not listing.query and folder is None:
        files = files.filter(folder__isnull=True)
    files = (
        files.filter(current_version__isnull=False)
        .select_related("created_by")
        .annotate(sort_key=expression)
    )
    files, paged = _keyset(
        files, "sort_key", listing.descending, request.GET.get("after", ""), listing.sort
    )
    rows, cursor = _page(files, "sort_key")
    for f in rows:
        f.icon = icon_kind(f)
        f.url = file_url(f)
        f.actions = actions.actions_for(f, rights)
        f.folder_obj = tree.get(f.folder_id)
        f.folder_path = tree.path(f.folder_obj) if f.folder_obj else ""

    # Folders come first, on the first page only: those of this folder, or when searching
    # those whose names match, wherever they are.
    if paged:
        folders = []
    elif listing.query:
        needle = listing.query.lower()
        folders = [f for f in tree.by_id.values() if needle in f.name.lower()]
    else:
        folders = tree.children(folder)
    if listing.sort == "name" and listing.descending:
        folders = folders[::-1]
    for f in folders:
        f.path = tree.path(f)
        f.url = _folder_url(collab.pk, f.pk)

    more_url = listing.params(after=cursor) if cursor else ""
    context = {
        "folder": folder,
        "crumbs": tree.ancestry(folder),
        "folders": folders,
        "files": rows,
        "listing": listing,
        "sort_links": _sort_links(listing),
        "more_url": more_url,
        "paged": paged,
        "first_url": listing.params(),
        "list_url": listing.params(view="list"),
        "grid_url": listing.params(view="grid"),
        "upload_url": reverse("files:upload", kwargs={"collab_id": collab.pk}),
        "max_bytes": settings.FILES_MAX_BYTES,
        "here": request.get_full_path(),
    }
    if request.htmx and paged:
        # "More" with htmx: the next rows and the next "More", in place of this one.
        context.update(collab=collab, cperms={name.replace(".", "__"): True for name in rights})
        response = TemplateResponse(request, "files/_rows.html", context)
    else:
        response = render_frame(request, "files/section.html", collab, context, current="files")
    patch_vary_headers(response, ["HX-Request"])
    if chosen:
        response.set_cookie(
            VIEW_COOKIE,
            listing.view,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    return response


# --- Folders ------------------------------------------------------------------------------------


class NameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=services.MAX_NAME)


def _own_folder_or_404(collab, folder_id) -> Folder:
    folder = Folder.objects.filter(collab=collab, pk=folder_id).first()
    if folder is None:
        raise Http404
    return folder


def _posted_folder(collab, raw) -> Folder | None:
    """The folder named by a form field ("" for the top level); ValidationError for a folder
    that is not the collab's (or not a folder at all)."""
    if raw in (None, ""):
        return None
    folder_id = parse_id(raw)
    folder = Folder.objects.filter(collab=collab, pk=folder_id).first() if folder_id else None
    if folder is None:
        raise ValidationError(_("Choose a folder of this collab."))
    return folder


@login_required
@require_POST
def folder_new(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, services.UPLOAD, collab)
    try:
        parent = _posted_folder(collab, request.POST.get("parent"))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("files:section", collab_id=collab.pk)
    back = _folder_url(collab.pk, parent.pk if parent else None)
    form = NameForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the new folder a name (at most 200 characters)."))
        return redirect(back)
    try:
        created = services.create_folder(collab, request.user, form.cleaned_data["name"], parent)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(back)
    messages.success(request, _("The folder “%(name)s” is made.") % {"name": created.name})
    return redirect(_folder_url(collab.pk, created.pk))


def _rename_page(request, collab, target, rename, done: str, back: str, next_url=None):
    """The rename form of a file or a folder (`rename`: the service), back to `back` when
    done."""
    form = NameForm(request.POST or None, initial={"name": target.name})
    if request.method == "POST" and form.is_valid():
        try:
            rename(collab, request.user, target.pk, form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            messages.success(request, done)
            return redirect(back)
    context = {"form": form, "target": target, "is_folder": isinstance(target, Folder)}
    context.update(back=back, next=next_url)
    return render_frame(request, "files/rename.html", collab, context, current="files")


@login_required
def folder_rename(request: HttpRequest, collab_id: int, folder_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, services.EDIT, collab)
    folder = _own_folder_or_404(collab, folder_id)
    back = _folder_url(collab.pk, folder.parent_id)
    return _rename_page(
        request, collab, folder, services.rename_folder, _("The folder is renamed."), back
    )


@login_required
def folder_delete(request: HttpRequest, collab_id: int, folder_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, services.DELETE, collab)
    folder = Folder.objects.filter(collab=collab, pk=folder_id).first()
    if folder is None:
        if request.method == "POST":  # deleted a moment ago (a second click): done already
            messages.info(request, _("The folder is deleted."))
            return redirect("files:section", collab_id=collab.pk)
        raise Http404
    back = _folder_url(collab.pk, folder.parent_id)
    error = ""
    if request.method == "POST":
        try:
            services.delete_folder(collab, request.user, folder.pk)
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            messages.success(
                request, _("The folder “%(name)s” is deleted.") % {"name": folder.name}
            )
            return redirect(back)
    return render_frame(
        request,
        "files/delete.html",
        collab,
        {"target": folder, "is_folder": True, "back": back, "error": error},
        current="files",
        status=400 if error else 200,
    )


# --- Files: rename, move, delete, trash, restore ------------------------------------------------


def _live_file(collab, file_id) -> File:
    file = File.objects.filter(collab=collab, pk=file_id, deleted_at__isnull=True).first()
    if file is None:
        raise Http404
    return file


def _back_for(request: HttpRequest, file: File) -> str:
    return _safe_next(request) or _folder_url(file.collab_id, file.folder_id)


@login_required
def rename(request: HttpRequest, collab_id: int, file_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, services.EDIT, collab)
    file = _live_file(collab, file_id)
    back = _back_for(request, file)
    return _rename_page(
        request,
        collab,
        file,
        services.rename,
        _("The file is renamed."),
        back,
        next_url=_safe_next(request),
    )


class MoveForm(forms.Form):
    folder = forms.TypedChoiceField(label=gettext_lazy("Move to"), required=False, empty_value="")

    def __init__(self, *args, tree: FolderTree, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tree = tree
        self.fields["folder"].choices = [("", _("Files (the top level)")), *tree.choices()]
        self.fields["folder"].error_messages["invalid_choice"] = _(
            "Choose a folder of this collab."
        )

    def clean_folder(self) -> Folder | None:
        raw = self.cleaned_data["folder"]
        if raw == "":
            return None
        folder = self.tree.get(parse_id(raw))
        if folder is None:
            raise ValidationError(_("Choose a folder of this collab."))
        return folder


@login_required
def move(request: HttpRequest, collab_id: int, file_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, services.EDIT, collab)
    file = _live_file(collab, file_id)
    back = _back_for(request, file)
    tree = FolderTree(collab)
    form = MoveForm(request.POST or None, tree=tree, initial={"folder": file.folder_id or ""})
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["folder"]
        try:
            services.move(collab, request.user, file.pk, target)
        except ValidationError as exc:
            form.add_error("folder", exc)
        else:
            messages.success(
                request,
                _("“%(name)s” is moved to %(folder)s.")
                % {"name": file.name, "folder": tree.path(target) if target else _("Files")},
            )
            # Back where the person was (the file's old folder); the message says where it went.
            return redirect(back)
    return render_frame(
        request,
        "files/move.html",
        collab,
        {"form": form, "target": file, "back": back, "next": _safe_next(request)},
        current="files",
    )


@login_required
def delete(request: HttpRequest, collab_id: int, file_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, services.DELETE, collab)
    file = File.objects.filter(collab=collab, pk=file_id).first()
    if file is None:
        raise Http404
    back = _folder_url(collab.pk, file.folder_id)
    if file.in_trash:
        # A second click on Delete, or an old page: it is there already.
        messages.info(request, _("“%(name)s” is in the trash.") % {"name": file.name})
        return redirect(back)
    if request.method == "POST":
        services.trash(collab, request.user, file.pk)
        messages.success(
            request,
            _("“%(name)s” is moved to the trash. It can be restored for %(days)s days.")
            % {"name": file.name, "days": services.TRASH_DAYS},
        )
        return redirect(back)
    return render_frame(
        request,
        "files/delete.html",
        collab,
        {
            "target": file,
            "is_folder": False,
            "back": _back_for(request, file),
            "days": services.TRASH_DAYS,
        },
        current="files",
    )


@login_required
def trash(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, services.DELETE, collab)
    files = (
        services.list_files(request.user, collab, trash=True)
        .filter(current_version__isnull=False)
        .select_related("deleted_by")
        .annotate(sort_key=F("deleted_at"))
    )
    files, paged = _keyset(files, "sort_key", True, request.GET.get("after", ""), "date")
    rows, cursor = _page(files, "sort_key")
    tree = FolderTree(collab)
    for f in rows:
        f.icon = icon_kind(f)
        f.purge_on = f.deleted_at + timedelta(days=services.TRASH_DAYS)
        folder = tree.get(f.folder_id)
        f.folder_path = tree.path(folder) if folder else ""
    more_url = "?" + urlencode({"after": cursor}) if cursor else ""
    return render_frame(
        request,
        "files/trash.html",
        collab,
        {"files": rows, "more_url": more_url, "paged": paged, "days": services.TRASH_DAYS},
        current="files",
    )


@login_required
@require_POST
def restore(request: HttpRequest, collab_id: int, file_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, services.DELETE, collab)
    file = services.restore(collab, request.user, file_id)
    messages.success(
        request,
        _("“%(name)s” is restored to %(folder)s.")
        % {
            "name": file.name,
            "folder": FolderTree(collab).path(file.folder) if file.folder_id else _("Files"),
        },
    )
    return redirect("files:trash", collab_id=collab.pk)


# --- Uploading ----------------------------------------------------------------------------------


class UploadRefused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _upload_all(request: HttpRequest, collab) -> tuple[list[File], list[tuple[str, str, int]]]:
    """Each posted file through services.upload: those stored, and (name, error, status) for
    those refused. Raises UploadRefused for a request that cannot be served at all."""
    if not can(request.user, services.UPLOAD, collab):
        raise UploadRefused(_("You may not upload files in this collab."), 403)
    try:
        folder = _posted_folder(collab, request.POST.get("folder"))
    except ValidationError as exc:
        raise UploadRefused(_error_text(exc), 400) from exc
    uploads = request.FILES.getlist("file")
    if not uploads:
        raise UploadRefused(_("Choose a file to upload."), 400)
    stored, refused = [], []
    for uploaded in uploads:
        try:
            stored.append(services.upload(collab, request.user, uploaded, folder))
        except ValidationError as exc:
            status = 413 if exc.code == "too_large" else 400
            refused.append((services.clean_name(uploaded.name), _error_text(exc), status))
    return stored, refused


@login_required
@require_POST
def upload(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    as_json = wants_json(request)
    try:
        stored, refused = _upload_all(request, collab)
    except UploadRefused as exc:
        if as_json:
            return JsonResponse({"error": exc.message}, status=exc.status)
        if exc.status == 403:
            raise PermissionDenied from exc
        messages.error(request, exc.message)
        return redirect(_safe_next(request) or _folder_url(collab.pk, None))

    if as_json:
        done = [{"id": f.pk, "name": f.name, "url": file_url(f)} for f in stored]
        if refused:
            # The uploader sends one file per request; several: the first refusal, named,
            # and the files stored before it.
            name, error, status = refused[0]
            if len(refused) + len(stored) > 1:
                error = _("“%(name)s”: %(error)s") % {"name": name, "error": error}
            return JsonResponse(
                {"error": error, **({"files": done} if done else {})}, status=status
            )
        body = {"files": done}
        return JsonResponse(body, status=201)

    if len(stored) == 1:
        messages.success(request, _("“%(name)s” is uploaded.") % {"name": stored[0].name})
    elif stored:
        count = len(stored)
        messages.success(
            request,
            ngettext("%(count)d file is uploaded.", "%(count)d files are uploaded.", count)
            % {"count": count},
        )
    for name, error, _status in refused:
        messages.error(
            request,
            _("“%(name)s” is not uploaded: %(error)s") % {"name": name, "error": error},
        )
    folder_id = stored[0].folder_id if stored else parse_id(request.POST.get("folder") or "")
    return redirect(_safe_next(request) or _folder_url(collab.pk, folder_id))
