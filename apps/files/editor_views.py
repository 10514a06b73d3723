"""The built-in text editor's page (editor.py has the rules).

GET shows the file's text in a textarea to those who may edit files, read-only to those who
may only view them (as a shared document opens read-only for someone without the edit right,
rather than refusing them). POST either previews the Markdown (an htmx request gets the
preview's fragment; without JavaScript the page comes back with the preview under the text)
or saves; a refused save comes back with the person's text in the textarea, never lost.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.collabs.frame import render_frame
from apps.collabs.permissions import can, get_collab_for, require
from apps.core.inputs import parse_id

from . import editor, services
from .models import FileVersion

TEMPLATE = "files/editor.html"
# The versions listed under the editor, newest first.
VERSIONS_SHOWN = 10


def _versions(file) -> list[FileVersion]:
    return list(
        FileVersion.objects.filter(file=file)
        .select_related("uploaded_by")
        .order_by("-number")[:VERSIONS_SHOWN]
    )


def _page(request: HttpRequest, collab, doc: editor.Document, *, status: int = 200, **extra):
    file = doc.file
    context = {
        "file": file,
        "doc": doc,
        "version": file.current_version,
        "text": doc.text,
        "base": file.current_version.number if file.current_version else "",
        "newline": "crlf" if doc.newline == "\r\n" else "lf",
        "bom": doc.bom,
        "can_edit": can(request.user, services.EDIT, collab),
        "versions": _versions(file),
        "download_url": reverse(
            "files:download", kwargs={"collab_id": collab.pk, "file_id": file.pk}
        ),
        "edit_url": request.path,
        **extra,
    }
    return render_frame(request, TEMPLATE, collab, context, current="files", status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_text(request: HttpRequest, collab_id: int, file_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    file = editor.get_file(request.user, collab, file_id)
    if request.method != "POST":
        doc = editor.read_text(file)
        if not doc.problem and doc.markdown and not can(request.user, services.EDIT, collab):
            # Read-only: the document as it reads.
            return _page(request, collab, doc, preview=mark_safe(editor.render_preview(doc.text)))  # noqa: S308 (sanitized by nh3)
        return _page(request, collab, doc)

    if not can(request.user, services.EDIT, collab):
        raise PermissionDenied(_("You may view this file but not edit it."))
    text = request.POST.get("text", "")
    newline = "\r\n" if request.POST.get("newline") == "crlf" else "\n"
    bom = request.POST.get("bom") == "1"
    # What the person typed, shown again whatever happens below.
    doc = editor.Document(file, file.current_version, text=text, newline=newline, bom=bom)
    base = parse_id(request.POST.get("base", ""))
    kept = {"base": base or ""}

    if request.POST.get("action") == "preview":
        preview = mark_safe(editor.render_preview(text))  # noqa: S308 (sanitized by nh3)
        if request.htmx:
            return render(request, "files/_editor_preview.html", {"preview": preview})
        return _page(request, collab, doc, preview=preview, **kept)

    # "Save over it" (after a conflict) saves on top of the version that is current now.
    overwrite = parse_id(request.POST.get("overwrite", ""))
    try:
        version = editor.save_text(
            collab, request.user, file.pk, text, overwrite or base, newline=newline, bom=bom
        )
    except editor.StaleEdit as exc:
        newer = exc.current
        newer_doc = editor.read_text(file, newer) if newer is not None else None
        return _page(
            request,
            collab,
            doc,
            status=409,
            conflict=newer,
            newer_text=newer_doc.text if newer_doc and not newer_doc.problem else None,
            **kept,
        )
    except ValidationError as exc:
        return _page(request, collab, doc, status=400, error=" ".join(exc.messages), **kept)
    messages.success(
        request,
        _("Saved as version %(number)s.") % {"number": version.number},
    )
    # `saved` tells the page's script which draft (by the version it was made from) is safe.
    return redirect(f"{request.path}?saved={base or 0}")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def new_text(request: HttpRequest, collab_id: int) -> HttpResponse:
    """A new text file (Markdown unless the name says otherwise), written here and made on
    Create; then the editor, to go on."""
    collab = get_collab_for(request.user, collab_id)
    require(request.user, services.UPLOAD, collab)
    name = request.POST.get("name", _("Notes.md")) if request.method == "POST" else _("Notes.md")
    text = request.POST.get("text", "") if request.method == "POST" else ""
    error = ""
    if request.method == "POST":
        try:
            file = editor.create_text(collab, request.user, name, text)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Created %(name)s.") % {"name": file.name})
            return redirect("files:edit_text", collab_id=collab.pk, file_id=file.pk)
    return render_frame(
        request,
        "files/new_text.html",
        collab,
        {"name": name, "text": text, "error": error},
        current="files",
        status=400 if error else 200,
    )
