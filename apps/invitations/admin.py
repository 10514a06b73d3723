from django.contrib import admin

from .models import Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "label",
        "collab",
        "channel",
        "invited_by",
        "created",
        "delivery",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["channel", "delivery"]
    search_fields = ["email", "name", "collab__name"]
    # The token digest is never shown or edited; invitations change through the services.
    readonly_fields = [f.name for f in Invitation._meta.fields if f.name != "id"]
    exclude = ["token_hash"]

    def has_add_permission(self, request) -> bool:
        return False
