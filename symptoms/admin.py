"""Read-only views for operators: pain logs are health data and change only through services."""

from __future__ import annotations

from django.contrib import admin

from symptoms.models import ClinicianClearance, HealthDataConsent, PainLog


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PainLog)
class PainLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "athlete", "kind", "pain", "action", "effect"]
    list_filter = ["kind", "action", "effect"]
    search_fields = ["athlete__email", "athlete__display_name"]
    date_hierarchy = "created_at"
    list_select_related = ["athlete"]


@admin.register(HealthDataConsent)
class HealthDataConsentAdmin(ReadOnlyAdmin):
    list_display = ["athlete", "version", "given_at"]
    list_select_related = ["athlete"]


@admin.register(ClinicianClearance)
class ClinicianClearanceAdmin(ReadOnlyAdmin):
    list_display = ["athlete", "cleared_on", "clinician", "recorded_by_name", "created_at"]
    list_select_related = ["athlete"]
