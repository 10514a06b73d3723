"""Files in the admin: read-only, for finding what a collab holds (names, sizes, versions, the
trash). Changes go through the services (the system messages, the live events, the blobs),
so the admin neither adds, edits nor deletes; the content itself is never offered here."""

from django.contrib import admin

from .models import File, FileVersion


class ReadOnly:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class VersionInline(ReadOnly, admin.TabularInline):
    model = FileVersion
    fields = ("number", "size", "content_type", "sha256", "uploaded_by", "created")
    readonly_fields = fields
    extra = 0


@admin.register(File)
class FileAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "collab", "created_by", "created", "deleted_at")
    list_filter = (("deleted_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "collab__name")
    list_select_related = ("collab", "created_by")
    fields = ("name", "collab", "folder", "created_by", "created", "deleted_at", "deleted_by")
    readonly_fields = fields
    inlines = (VersionInline,)
