from django.contrib import admin

from .models import PeriodicRun


@admin.register(PeriodicRun)
class PeriodicRunAdmin(admin.ModelAdmin):
    """What the periodic runner ran, when and where (kept two days; core.periodic)."""

    list_display = ["job", "slot", "runner", "started_at", "finished_at", "error"]
    list_filter = ["job"]
    readonly_fields = [f.name for f in PeriodicRun._meta.fields if f.name != "id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
