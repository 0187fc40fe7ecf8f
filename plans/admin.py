"""Plans in the admin, for looking only: every change goes through plans.services."""

from __future__ import annotations

from django.contrib import admin

from plans.models import Enrollment, PlanEvent, PlannedRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = ["athlete", "status", "current_week", "weeks_planned", "start_date"]
    list_filter = ["status"]
    search_fields = ["athlete__email", "athlete__display_name"]
    raw_id_fields = ["athlete"]


@admin.register(PlannedRun)
class PlannedRunAdmin(ReadOnlyAdmin):
    list_display = ["enrollment", "sequence", "week_number", "run_number", "status"]
    list_filter = ["status"]
    raw_id_fields = ["enrollment"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlanEvent)
class PlanEventAdmin(ReadOnlyAdmin):
    list_display = ["enrollment", "kind", "week_number", "actor_name", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["enrollment", "actor", "run"]

    def has_delete_permission(self, request, obj=None):
        return False  # history goes only with its plan
