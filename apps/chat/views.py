"""Chat pages and actions. Each view: access (permissions.py), act (services.py), respond.
Every action also works as a plain form POST (no JavaScript): POST, redirect, reload."""

import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.collabs import features
from apps.collabs.frame import render_frame, render_tab
from apps.collabs.models import Membership
from apps.collabs.permissions import get_collab_for
from apps.collabs.readers import Reader, language_of_request, reader_for
from apps.core.inputs import parse_id, query_text

from . import history, services
from .access import visible_messages
from .links import links_page
from .markup import mention_syntax, render_message
from .models import ALLOWED_REACTIONS, MAX_BODY_LENGTH, ReadState
from .partials import reader_may
from .presenters import load_attachments, present, with_related
from .search import results as search_results


def _reader(request: HttpRequest, collab) -> Reader:
    return reader_for(request.user, collab, language_of_request(request))


def _seen_by(collab, user) -> list[dict]:
    """Read markers of the other current members, for "seen by" under the last messages."""
    members = Membership.objects.current().filter(collab=collab).exclude(user=user)
    rows = ReadState.objects.filter(
        collab=collab, user__in=members.values("user_id"), last_read_id__gt=0
    ).values_list("user_id", "user__full_name", "last_read_id")
    return [{"id": uid, "name": name, "last": last} for uid, name, last in rows]


def chat_panel_context(request: HttpRequest, collab) -> dict:
    """The chat part of the collab page (registered with collabs' page sections)."""
    target = parse_id(request.GET.get("message"))
    limit = services.page_size()
    if target is not None:
        window = history.around(request.user, collab, target, limit)
    else:
        window = history.opening(request.user, collab, limit)
    pinned_count = visible_messages(request.user, collab).filter(pinned_at__isnull=False).count()
    reader = _reader(request, collab)
    draft = request.session.get("chat_draft") or {}
    if draft:
        del request.session["chat_draft"]
    reply = None
    reply_id = parse_id(request.GET.get("reply"))
    if reply_id is not None:
        original = (
            visible_messages(request.user, collab)
            .filter(pk=reply_id, kind="user", deleted_at__isnull=True)
            .select_related("author")
            .first()
        )
        if original is not None:
            reply = {"id": original.pk, "author_name": original.author.full_name}
    return {
        "chat": {
            # Changes after this moment reach the page by catch-up if the socket is late.
            "rendered_at": timezone.now().isoformat(),
            # A fresh id per rendered composer: submitting the same form twice sends once.
            "client_id": uuid.uuid4().hex,
            "draft": draft.get("body", "") if draft.get("collab") == collab.pk else "",
            "reply": reply,
            "window": window,
            "reader": reader,
            "seen_by": json.dumps(_seen_by(collab, request.user)),
            "max_length": MAX_BODY_LENGTH,
            "pinned_count": pinned_count,
            "target": target,
            "reactions": ALLOWED_REACTIONS,
            # What the shared "⋯" menu offers this reader (partials.reader_may).
            "may": reader_may(reader),
            # The shared "⋯" menu's feature items ("Create task"), as allowed: each with its
            # address, to which the script adds the message (features.Item.url).
            "message_actions": [
                (item, item.url(collab.pk)) for item in features.message_actions(reader.rights)
            ],
            # The paperclip menu: what installed features let the person attach or start.
            "composer_items": [
                (item, item.url(collab.pk)) for item in features.composer_items(reader.rights)
            ],
        }
    }


def _back_to_chat(collab, message_id: int | None = None) -> HttpResponse:
    url = reverse("collabs:detail", args=[collab.pk])
    if message_id:
        url += f"?message={message_id}#m{message_id}"
    return redirect(url)


def _done(request: HttpRequest, collab, message_id: int) -> HttpResponse:
    """After an action on a message: the script's request gets 204 (the change reaches the
    page over the socket), a plain form goes back to the message."""
    if request.htmx:
        return HttpResponse(status=204)
    return _back_to_chat(collab, message_id)


def _error(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, str(exc) or _("You may not do that."))


# /collabs/<id>/chat/


def _direction(request: HttpRequest, params) -> str:
    if not request.htmx:
        return ""
    if "after" in params:
        return "after"
    if params.get("before") or "around" in params:
        return "before"
    return ""


@login_required
def history_page(request: HttpRequest, collab_id: int) -> HttpResponse:
    """A page of history: ?before=<id> (scrolling back), ?after=<id> or ?around=<id>."""
    collab = get_collab_for(request.user, collab_id)
    limit = services.page_size()
    params = request.GET
    bad = HttpResponse(_("Bad message number."), status=400)
    if "after" in params or "around" in params:
        anchor = parse_id(params.get("after", params.get("around")), minimum=0)
        if anchor is None:
            return bad
        if "after" in params:
            window = history.after(request.user, collab, anchor, limit)
        else:
            window = history.around(request.user, collab, anchor, limit)
    else:
        before = parse_id(params["before"]) if params.get("before") else None
        if params.get("before") and before is None:
            return bad
        window = history.before(request.user, collab, before, limit)
    ctx = {
        "chat": {"window": window, "reader": _reader(request, collab)},
        # An htmx page goes above (older) or below (newer) what is shown: one link, not both.
        # The newest page asked for with no anchor replaces what is shown (chat.js, "Jump to
        # latest" from an older window): it stands alone, like the page itself.
        "direction": _direction(request, params),
    }
    if request.htmx:
        return render(request, "chat/_history.html", {"collab": collab, **ctx})
    return render_frame(request, "chat/history.html", collab, ctx, current="chat")


@login_required
@require_POST
def send(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    try:
        message = services.send_message(
            collab,
            request.user,
            request.POST.get("body", ""),
            reply_to_id=_message_id(request.POST.get("reply_to")),
            client_id=request.POST.get("client_id", ""),
        )
    except (ValidationError, services.RateLimited) as exc:
        _error(request, exc)
        # What was typed is kept: the page puts it back into the composer.
        request.session["chat_draft"] = {
            "collab": collab.pk,
            "body": request.POST.get("body", "")[: MAX_BODY_LENGTH * 2],
        }
        return _back_to_chat(collab)
    return _back_to_chat(collab, message.pk)


def _message_or_404(request: HttpRequest, collab, message_id: int):
    """A message of this collab that the user may read; 404 otherwise, as for a collab."""
    message = visible_messages(request.user, collab).filter(pk=message_id).first()
    if message is None:
        raise Http404
    return message


def _message_id(value) -> int | None:
    """An optional message number from a form: None when empty, an error when not a number."""
    if value in (None, ""):
        return None
    number = parse_id(value)
    if number is None:
        raise ValidationError(_("Bad message number."))
    return number


@login_required
def edit(request: HttpRequest, collab_id: int, message_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    message = _message_or_404(request, collab, message_id)
    if message.author_id != request.user.pk or message.is_system or message.is_deleted:
        raise PermissionDenied
    if request.htmx:
        return _edit_in_place(request, collab, message)
    if request.method == "POST":
        try:
            services.edit_message(
                collab,
                request.user,
                message.pk,
                request.POST.get("body", ""),
                base_version=request.POST.get("version", ""),
            )
        except ValidationError as exc:
            _error(request, exc)
            return render_frame(
                request,
                "chat/edit.html",
                collab,
                {"message": message, "body": request.POST.get("body", "")},
                status=409 if isinstance(exc, services.StaleEdit) else 400,
            )
        return _back_to_chat(collab, message.pk)
    return render_frame(
        request, "chat/edit.html", collab, {"message": message, "body": message.body}
    )


@login_required
def actions(request: HttpRequest, collab_id: int, message_id: int) -> HttpResponse:
    """A message's actions as a page of real forms: where its "⋯" link leads without
    JavaScript (with it, the page's shared menu opens instead). Only what this reader may do
    with this message; each form posts to the action's own view, which checks it again."""
    collab = get_collab_for(request.user, collab_id)
    message = _message_or_404(request, collab, message_id)
    if message.is_system or message.is_deleted:
        raise Http404
    reader = _reader(request, collab)
    own = message.author_id == request.user.pk
    load_attachments([message])
    return render_frame(
        request,
        "chat/actions.html",
        collab,
        {
            "message": present(message),
            "reader": reader,
            "own": own,
            "can_post": reader.can_post,
            "can_delete": own or reader.can_moderate,
            "reactions": ALLOWED_REACTIONS,
            "feature_actions": [
                (item, item.url(collab.pk, message.pk))
                for item in features.message_actions(reader.rights)
            ],
        },
    )


@login_required
@require_POST
def delete(request: HttpRequest, collab_id: int, message_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    _message_or_404(request, collab, message_id)
    try:
        services.delete_message(collab, request.user, message_id)
    except ValidationError as exc:
        _error(request, exc)
    return _done(request, collab, message_id)


@login_required
@require_POST
def react(request: HttpRequest, collab_id: int, message_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    _message_or_404(request, collab, message_id)
    try:
        services.toggle_reaction(collab, request.user, message_id, request.POST.get("emoji", ""))
    except ValidationError as exc:
        _error(request, exc)
    return _done(request, collab, message_id)


@login_required
@require_POST
def pin(request: HttpRequest, collab_id: int, message_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    _message_or_404(request, collab, message_id)
    try:
        services.set_pinned(collab, request.user, message_id, request.POST.get("pinned") == "1")
    except ValidationError as exc:
        _error(request, exc)
    return _done(request, collab, message_id)


@login_required
@require_POST
def mark_read(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    try:
        last_id = parse_id(request.POST.get("last_id"), minimum=0)
        if last_id is None:
            raise ValidationError(_("Bad message number."))
        services.mark_read(collab, request.user, last_id)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return HttpResponse(status=204)


@login_required
def pinned(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    rows = list(
        with_related(
            visible_messages(request.user, collab)
            .filter(pinned_at__isnull=False)
            .order_by("-pinned_at")
        )[:100]
    )
    load_attachments(rows)
    return render_frame(
        request,
        "chat/pinned.html",
        collab,
        {"items": [present(m) for m in rows], "reader": _reader(request, collab)},
        current="pinned",
    )


@login_required
def search(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    query = query_text(request.GET.get("q", ""))
    results = search_results(visible_messages(request.user, collab), query) if query else []
    return render_frame(
        request,
        "chat/search.html",
        collab,
        {"query": query, "results": results},
        current="search",
    )


@login_required
def revisions(request: HttpRequest, collab_id: int, message_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    message = _message_or_404(request, collab, message_id)
    return render_frame(
        request,
        "chat/revisions.html",
        collab,
        {"message": message, "revisions": _rendered_revisions(collab, message)},
    )


@login_required
def links(request: HttpRequest, collab_id: int) -> HttpResponse:
    """The Links tab: every link posted in the chat, newest first, each with a jump to its
    message. ?before=<id> for older ones (the tab's "earlier links" adds them in place)."""
    collab = get_collab_for(request.user, collab_id)
    before = parse_id(request.GET.get("before")) if request.GET.get("before") else None
    if request.GET.get("before") and before is None:
        return HttpResponse(_("Bad link number."), status=400)
    ctx = {"page": links_page(request.user, collab, before_id=before), "collab": collab}
    if request.htmx and before is not None:
        return render(request, "chat/_links_items.html", ctx)
    return render_tab(request, collab, "links", "chat/_links_tab.html", ctx, title=_("Links"))


# --- Writing: edit in place, mention autocomplete (static/js/inline-edit.js, composer.js) ---


def _edit_in_place(request: HttpRequest, collab, message) -> HttpResponse:
    """The in-place editor's side of the edit page (requests with HX-Request): GET gives the
    raw body and its version as JSON; POST saves through the same service as the page. The new
    text reaches every page (this one too) as the "changed" live event, so a save answers 204;
    a refusal answers JSON {"error", "stale"} (409 when the message changed meanwhile), and the
    editor keeps what was typed."""
    if request.method == "GET":
        return JsonResponse({"body": message.body, "version": message.updated.isoformat()})
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        services.edit_message(
            collab,
            request.user,
            message.pk,
            request.POST.get("body", ""),
            base_version=request.POST.get("version", ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        stale = isinstance(exc, services.StaleEdit)
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return JsonResponse(
            {"error": text or _("You may not do that."), "stale": stale},
            status=409 if stale else 400,
        )
    return HttpResponse(status=204)


def _rendered_revisions(collab, message) -> list[dict]:
    """The earlier texts of a message, newest first, each rendered as messages are (Markdown,
    sanitized, mentions with the members' current names), with when it was written: the time
    the text before it was replaced, or the message's own time for the first."""
    revisions = list(message.revisions.all())
    if message.is_deleted or not revisions:
        return []
    members = []
    if any("@" in revision.body for revision in revisions):
        members = list(
            Membership.objects.current()
            .filter(collab=collab)
            .values_list("user_id", "user__full_name")
        )
    written = [older.created for older in revisions[1:]] + [message.created]
    return [
        {
            "html": render_message(revision.body, members).html,
            "written": when,
            "replaced": revision.created,
        }
        for revision, when in zip(revisions, written, strict=True)
    ]


MENTION_CANDIDATES_LIMIT = 8


@login_required
def mention_candidates(request: HttpRequest, collab_id: int) -> JsonResponse:
    """Who `@q` may mention: current members of the collab (not the asker) whose first or last
    name (any word of the name) starts with q, case-insensitively in any script. 404 for
    whoever may not read the collab (the access layer).

    The names are matched here, not in SQL: SQLite's LIKE and lower() fold ASCII only, and
    "@ан" must find "Анна". One query for the member list (id, name, kind, avatar: a few bytes
    a member, so a 1,000-member collab is still a small read), whatever the collab's size."""
    collab = get_collab_for(request.user, collab_id)
    query = query_text(request.GET.get("q", ""), limit=60).casefold()
    rows = (
        Membership.objects.current()
        .filter(collab=collab)
        .exclude(user=request.user)
        .values_list("user_id", "user__full_name", "user__kind", "user__avatar")
        .order_by("user__full_name", "user_id")
    )
    first, later = [], []
    for user_id, name, kind, avatar in rows.iterator(chunk_size=2000):
        words = name.casefold().split()
        if not query or (words and words[0].startswith(query)):
            first.append((user_id, name, kind, avatar))
        elif any(word.startswith(query) for word in words[1:]) or name.casefold().startswith(query):
            later.append((user_id, name, kind, avatar))
        if len(first) >= MENTION_CANDIDATES_LIMIT:
            break
    found = (first + later)[:MENTION_CANDIDATES_LIMIT]
    return JsonResponse(
        {
            "members": [
                {
                    "id": user_id,
                    "name": name,
                    "initials": "".join(part[0] for part in name.split()[:2]).upper(),
                    "guest": kind == User.Kind.GUEST,
                    "avatar": reverse("users:user_avatar", args=[user_id]) if avatar else "",
                    "insert": mention_syntax(user_id, name),
                }
                for user_id, name, kind, avatar in found
            ]
        }
    )
