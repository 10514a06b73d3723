from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import AuditEvent, SitePolicy, User


@admin.action(description=_("Deactivate selected users (ends their sessions at once)"))
def deactivate_users(modeladmin, request, queryset):
    count = 0
    for user in queryset.filter(is_active=True):
        services.deactivate_user(user, actor=request.user)
        count += 1
    modeladmin.message_user(
        request,
        ngettext("%(count)d user deactivated.", "%(count)d users deactivated.", count)
        % {"count": count},
        messages.SUCCESS,
    )


@admin.action(description=_("Reactivate selected users"))
def reactivate_users(modeladmin, request, queryset):
    for user in queryset.filter(is_active=False):
        services.reactivate_user(user, actor=request.user)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["full_name", "email"]
    list_display = ["email", "full_name", "kind", "is_active", "is_staff", "date_joined"]
    list_filter = ["kind", "is_active", "is_staff", "is_superuser", "language"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["date_joined", "last_login", "deactivated_at"]
    actions = [deactivate_users, reactivate_users]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["full_name", "kind", "avatar", "timezone", "language"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined", "deactivated_at"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "kind", "password1", "password2"],
            },
        )
    ]

    def save_model(self, request, obj, form, change):
        # Unticking "active" in the form is a deactivation like any other: it must end the
        # user's sessions and be audited, so it goes through the service.
        if change and "is_active" in form.changed_data and not obj.is_active:
            obj.is_active = True
            super().save_model(request, obj, form, change)
            services.deactivate_user(obj, actor=request.user)
            obj.refresh_from_db()
            return
        if change and "is_active" in form.changed_data and obj.is_active:
            obj.is_active = False
            super().save_model(request, obj, form, change)
            services.reactivate_user(obj, actor=request.user)
            obj.refresh_from_db()
            return
        super().save_model(request, obj, form, change)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created", "action", "actor", "target_user", "collab_id"]
    list_filter = ["action"]
    search_fields = ["actor__email", "target_user__email"]
    date_hierarchy = "created"
    list_select_related = ["actor", "target_user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SitePolicy)
class SitePolicyAdmin(admin.ModelAdmin):
    """The one row: opened straight from the list, never added twice or deleted."""

    def changelist_view(self, request, extra_context=None):
        from django.shortcuts import redirect

        policy = SitePolicy.current()
        return redirect("admin:accounts_sitepolicy_change", policy.pk)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
