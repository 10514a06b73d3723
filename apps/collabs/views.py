"""Collab pages. Each view: access (permissions.py), act (services.py), respond."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.accounts.verification import unverified
from apps.core.files import serve_image
from apps.core.inputs import parse_id, query_text

from . import registry, services
from .forms import (
    AddMemberForm,
    CollabForm,
    CollabSettingsForm,
    ExpiryForm,
    RoleForm,
    TransferForm,
)
from .frame import page_context, render_tab
from .models import Collab, Membership, Role
from .permissions import (
    can,
    can_create_collab,
    get_collab_for,
    member_actions,
    require,
    visible_users,
)
from .presence import online_user_ids
from .rail import collab_rows, rail_context, unread_total

ROLE_ORDER = Case(
    When(role=Role.OWNER, then=Value(0)),
    When(role=Role.MODERATOR, then=Value(1)),
    When(role=Role.MEMBER, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _current_members(collab: Collab):
    """Who is in the collab now, owner first, then moderators, members, guests."""
    return (
        Membership.objects.current()
        .filter(collab=collab)
        .select_related("user")
        .order_by(ROLE_ORDER, "user__full_name")
    )


# /collabs/


@login_required
def collab_list(request: HttpRequest) -> HttpResponse:
    show_hidden = request.GET.get("hidden") == "1"
    memberships = collab_rows(request.user, hidden=show_hidden)
    hidden_count = (
        0
        if show_hidden
        else Membership.objects.active().filter(user=request.user, hidden=True).count()
    )
    return render(
        request,
        "collabs/list.html",
        {
            "memberships": memberships,
            "show_hidden": show_hidden,
            "hidden_count": hidden_count,
            "can_create": can_create_collab(request.user),
            "list_templates": registry.list_templates(),
            "preview_templates": registry.preview_templates(),
            # For the page title, "(3) My collabs", and the top bar.
            "unread_total": 0 if show_hidden else unread_total(memberships),
            **({} if show_hidden else {"nav_total": unread_total(memberships)}),
        },
    )


@login_required
def rail(request: HttpRequest) -> HttpResponse:
    """The list of the person's collabs as the column beside a collab's pages shows it (the
    script loads it again when its counts may be off: a reconnect, reading elsewhere)."""
    current = parse_id(request.GET.get("current"))
    return render(request, "collabs/_rail.html", rail_context(request.user, current))


@login_required
def collab_create(request: HttpRequest) -> HttpResponse:
    if not can_create_collab(request.user):
        raise PermissionDenied
    posted = request.method == "POST"
    form = CollabForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        collab = services.create_collab(
            request.user,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            avatar=form.cleaned_data["avatar"],
        )
        messages.success(request, _("The collab “%(name)s” is created.") % {"name": collab.name})
        return redirect("collabs:detail", collab_id=collab.pk)
    return render(request, "collabs/create.html", {"form": form})


# /collabs/<id>/


@login_required
def collab_detail(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    ctx = page_context(request, collab, current="chat")
    ctx["section_templates"], section_context = registry.page_sections(request, collab)
    ctx.update(section_context)
    return render(request, "collabs/detail.html", ctx)


# The Members tab of the sidebar shows this many; the members page shows everyone.
TAB_MEMBERS = 50


@login_required
def members_tab(request: HttpRequest, collab_id: int) -> HttpResponse:
    """Who is in the collab, who of them is online now: online people first, then by role."""
    collab = get_collab_for(request.user, collab_id)
    current = Membership.objects.current().filter(collab=collab)
    online = online_user_ids(current.values_list("user_id", flat=True))
    # The one looking is online: their page is open, though its socket may not have come up
    # yet (the tab loads as the page opens), and no page hears of its own person's presence.
    online.add(request.user.pk)
    shown = list(_current_members(collab)[:TAB_MEMBERS])
    for m in shown:
        m.online = m.user_id in online
    shown.sort(key=lambda m: not m.online)  # stable: the role order stays within each group
    return render_tab(
        request,
        collab,
        "members",
        "collabs/_members_tab.html",
        {
            "tab_members": shown,
            "online_count": len(online),
            "member_total": current.count(),
            "can_manage": can(request.user, "collabs.add_employees", collab),
        },
        title=_("Members"),
    )


@login_required
def collab_settings(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "collabs.change_settings", collab)
    is_owner = can(request.user, "collabs.change_role", collab)
    posted = request.method == "POST"
    form = CollabSettingsForm(
        request.POST if posted else None, request.FILES if posted else None, instance=collab
    )
    if not is_owner:
        form.fields["settings_level"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # The form changed the instance in place on validation; the services compare
            # against the stored row, so give them a fresh copy.
            services.update_settings(
                get_collab_for(request.user, collab_id),
                request.user,
                name=data["name"],
                description=data["description"],
                avatar=data["avatar"] if "avatar" in request.FILES else None,
                features=form.feature_levels(),
                **{name: data[name] for name in services.SETTINGS_FIELDS},
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do that."))
        else:
            messages.success(request, _("Settings saved."))
            return redirect("collabs:settings", collab_id=collab.pk)
    return render(
        request,
        "collabs/settings.html",
        page_context(request, collab, current="settings", form=form),
    )


@login_required
def members(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    ctx = page_context(request, collab, current="members")
    # Whether each address is proven, in the same query: the moderators and the owner see the
    # addresses, an unproven one marked (apps.accounts.verification).
    ctx["members"] = list(
        _current_members(collab).annotate(email_unverified=unverified("user_id", "user__email"))
    )
    for member in ctx["members"]:
        member.actions = member_actions(request.user, collab, member)
    if ctx["cperms"]["collabs__add_employees"]:
        ctx["search"] = query_text(request.GET.get("q", ""), 100)
        ctx["add_form"] = AddMemberForm(collab=collab, search=ctx["search"])
    ctx["role_choices"] = RoleForm.base_fields["role"].choices
    ctx["section_templates"], section_context = registry.page_sections(request, collab, "members")
    ctx.update(section_context)
    return render(request, "collabs/members.html", ctx)


@login_required
@require_POST
def member_add(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "collabs.add_employees", collab)
    form = AddMemberForm(request.POST, collab=collab)
    if form.is_valid():
        try:
            services.add_member(collab, request.user, form.cleaned_data["user"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("%(name)s is added.") % {"name": form.cleaned_data["user"]})
    else:
        messages.error(request, _("Pick an employee who is not in the collab yet."))
    return redirect("collabs:members", collab_id=collab.pk)


def _member_user(collab: Collab, user_id: int) -> User:
    """A current member of the collab, or 404."""
    membership = get_object_or_404(
        Membership.objects.active().select_related("user"), collab=collab, user_id=user_id
    )
    return membership.user


@login_required
@require_POST
def member_role(request: HttpRequest, collab_id: int, user_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "collabs.change_role", collab)
    user = _member_user(collab, user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pick a role."))
    else:
        try:
            services.change_role(collab, request.user, user, form.cleaned_data["role"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("%(name)s's role is changed.") % {"name": user})
    return redirect("collabs:members", collab_id=collab.pk)


@login_required
@require_POST
def member_expiry(request: HttpRequest, collab_id: int, user_id: int) -> HttpResponse:
    """The date a guest's access ends (empty: never), in the actor's time zone."""
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "collabs.remove_member", collab)
    user = _member_user(collab, user_id)
    form = ExpiryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pick a date, or leave it empty for no end."))
        return redirect("collabs:members", collab_id=collab.pk)
    day = form.cleaned_data["until"]
    until = (
        timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())
        if day
        else None
    )
    try:
        services.set_guest_expiry(collab, request.user, user, until)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("collabs:members", collab_id=collab.pk)


@login_required
@require_POST
def member_remove(request: HttpRequest, collab_id: int, user_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "collabs.remove_member", collab)
    user = _member_user(collab, user_id)
    try:
        services.remove_member(collab, request.user, user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("%(name)s is removed from the collab.") % {"name": user})
    return redirect("collabs:members", collab_id=collab.pk)


@login_required
def leave(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "collabs.leave", collab)
    if request.method == "POST":
        services.leave_collab(collab, request.user)
        messages.success(request, _("You left “%(name)s”.") % {"name": collab.name})
        return redirect("collabs:list")
    return render(request, "collabs/leave.html", page_context(request, collab))


@login_required
@require_POST
def pin(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    services.set_pinned(collab, request.user, request.POST.get("pinned") == "1")
    return _back(request, collab)


@login_required
@require_POST
def hide(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    hidden = request.POST.get("hidden") == "1"
    services.set_hidden(collab, request.user, hidden)
    if hidden:
        messages.success(request, _("“%(name)s” is hidden from your list.") % {"name": collab.name})
        return redirect("collabs:list")
    return _back(request, collab)


def _back(request: HttpRequest, collab: Collab) -> HttpResponse:
    if request.POST.get("next") == "list":
        return redirect("collabs:list")
    return redirect("collabs:detail", collab_id=collab.pk)


@login_required
def transfer(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "collabs.transfer_ownership", collab)
    form = TransferForm(
        request.POST if request.method == "POST" else None, collab=collab, actor=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_ownership(collab, request.user, form.cleaned_data["new_owner"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                _("%(name)s now owns the collab; you are a moderator.")
                % {"name": form.cleaned_data["new_owner"]},
            )
            return redirect("collabs:members", collab_id=collab.pk)
    return render(request, "collabs/transfer.html", page_context(request, collab, form=form))


@login_required
def delete(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "collabs.delete_collab", collab)
    remaining = services.remaining_content(collab)
    if request.method == "POST":
        try:
            services.delete_collab(collab, request.user)
        except services.CollabNotEmpty as exc:
            remaining = exc.remaining
        else:
            messages.success(
                request, _("The collab “%(name)s” is deleted.") % {"name": collab.name}
            )
            return redirect("collabs:list")
    return render(
        request, "collabs/delete.html", page_context(request, collab, remaining=remaining)
    )


# Pictures: served through the access layer, whatever the storage.


@login_required
def collab_avatar(request: HttpRequest, collab_id: int) -> HttpResponse:
    collab = get_collab_for(request.user, collab_id)
    return serve_image(collab.avatar)


@login_required
def user_avatar(request: HttpRequest, user_id: int) -> HttpResponse:
    user = visible_users(request.user).filter(pk=user_id).first()
    if user is None:
        raise Http404
    return serve_image(user.avatar)
