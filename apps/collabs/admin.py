from django.contrib import admin
from django.db.models import Count, Q

from apps.accounts.admin import UserAdmin

from .models import Collab, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "collab"
    extra = 0
    # A membership is ended (left_at, left_reason), never deleted: the history of who was in
    # a collab when stays, and ending it closes the member's sockets (receivers.py).
    can_delete = False
    fields = ["user", "role", "joined_at", "left_at", "left_reason"]
    readonly_fields = ["joined_at"]
    autocomplete_fields = ["user"]
    show_change_link = True


@admin.register(Collab)
class CollabAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "members", "created"]
    list_filter = ["created", "post_level", "invite_level"]
    search_fields = ["name", "description", "owner__email", "owner__full_name"]
    autocomplete_fields = ["owner"]
    list_select_related = ["owner"]
    date_hierarchy = "created"
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_members=Count("memberships", filter=Q(memberships__left_at__isnull=True)))
        )

    @admin.display(ordering="_members")
    def members(self, obj):
        return obj._members


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "collab", "role", "joined_at", "left_at", "left_reason"]
    list_filter = ["role", "left_reason", ("left_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__full_name", "collab__name"]
    autocomplete_fields = ["user", "collab", "added_by"]
    list_select_related = ["user", "collab"]
    date_hierarchy = "joined_at"

    def has_delete_permission(self, request, obj=None) -> bool:
        # Ended, never deleted (see MembershipInline): set "left at" instead.
        return False


class UserMembershipInline(admin.TabularInline):
    """A user's collabs, past and present, on their admin page."""

    model = Membership
    fk_name = "user"
    extra = 0
    can_delete = False  # see MembershipInline
    fields = ["collab", "role", "joined_at", "left_at", "left_reason"]
    readonly_fields = ["joined_at"]
    autocomplete_fields = ["collab"]
    show_change_link = True


# accounts sits below collabs and never imports it; collabs adds its inline to the user admin.
UserAdmin.inlines = [*UserAdmin.inlines, UserMembershipInline]
