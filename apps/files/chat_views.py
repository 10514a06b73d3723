"""Sending files in the chat (chat.py): the paperclip's "Upload files".

GET shows a page with a plain file form (the paperclip's link without JavaScript); POST takes
one or several files, each sent as its own message. static/js/uploads.js sends one file per
request with `Accept: application/json` (progress bar, cancel) and gets JSON back:
201 {"message": id} or 4xx {"error": "<what to tell the person>"}.

A request larger than the limit is refused before its body is read. An upload cancelled or
cut off never reaches the view (the server drops the half-received body), so nothing is
stored for it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.chat.services import RateLimited
from apps.collabs.frame import render_frame
from apps.collabs.permissions import get_collab_for, require

from . import chat, services

# Room for the multipart envelope and the other fields around the file.
_ENVELOPE = 64 * 1024


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _too_large_text() -> str:
    return _("The file is too large: the limit is %(limit)s.") % {
        "limit": filesizeformat(settings.FILES_MAX_BYTES)
    }


def _refuse(request: HttpRequest, collab, text: str, status: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": text}, status=status)
    messages.error(request, text)
    return redirect("files:chat_upload", collab_id=collab.pk)


@login_required
@require_http_methods(["GET", "POST"])
def chat_upload(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "chat.post_message", collab)
    require(request.user, services.UPLOAD, collab)
    if request.method == "GET":
        return render_frame(
            request,
            "files/chat_upload.html",
            collab,
            {"max_bytes": settings.FILES_MAX_BYTES},
            current="chat",
        )
    length = request.META.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > settings.FILES_MAX_BYTES * 8 + _ENVELOPE:
        # Far over any sensible batch: refused without reading the body.
        return _refuse(request, collab, _too_large_text(), 413)
    # The script sends one file per request: one over the limit is refused unread too.
    if (
        _wants_json(request)
        and length.isdigit()
        and int(length) > settings.FILES_MAX_BYTES + _ENVELOPE
    ):
        return _refuse(request, collab, _too_large_text(), 413)
    uploads = request.FILES.getlist("file")
    if not uploads:
        return _refuse(request, collab, _("Choose a file to send."), 400)
    sent = []
    client_id = request.POST.get("client_id", "")
    for number, uploaded in enumerate(uploads):
        try:
            message = chat.send(
                collab,
                request.user,
                uploaded,
                # One id per file of the batch: a resent batch sends nothing twice.
                client_id=f"{client_id[:56]}:{number}" if client_id else "",
            )
        except ValidationError as exc:
            status = 413 if uploaded.size > settings.FILES_MAX_BYTES else 400
            text = " ".join(exc.messages)
            if len(uploads) > 1:
                text = _("“%(name)s”: %(error)s") % {"name": uploaded.name, "error": text}
            if _wants_json(request) or not sent:
                return _refuse(request, collab, text, status)
            messages.error(request, text)
            continue
        except RateLimited as exc:
            return _refuse(request, collab, str(exc), 429)
        sent.append(message)
    if _wants_json(request):
        return JsonResponse({"message": sent[0].pk}, status=201)
    url = reverse("collabs:detail", args=[collab.pk])
    return redirect(f"{url}?message={sent[-1].pk}#m{sent[-1].pk}")
