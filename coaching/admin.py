from __future__ import annotations

from django.contrib import admin

from coaching.models import CoachAction, CoachNote


@admin.register(CoachNote)
class CoachNoteAdmin(admin.ModelAdmin):
    list_display = ["coach", "athlete", "created_at", "updated_at"]
    list_select_related = ["coach", "athlete"]
    raw_id_fields = ["coach", "athlete"]


@admin.register(CoachAction)
class CoachActionAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is written by the app, never by hand."""

    list_display = ["created_at", "coach_name", "kind", "group", "athlete"]
    list_filter = ["kind"]
    list_select_related = ["group", "athlete"]
    search_fields = ["coach_name", "reason"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
