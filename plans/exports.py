"""What the plans app holds about a person, for their data download."""

from __future__ import annotations

from typing import Any

from accounts.data_rights import fields
from plans.models import CalendarFeed, Enrollment, PlanEvent, PlannedRun, TrainingRecord


def user_export(user) -> dict[str, Any]:
    enrollments = Enrollment.objects.filter(athlete=user).order_by("pk")
    runs = PlannedRun.objects.filter(enrollment__athlete=user).order_by("enrollment_id", "sequence")
    events = PlanEvent.objects.filter(enrollment__athlete=user).order_by("pk")
    return {
        "plans": [
            fields(
                e,
                "id",
                "start_date",
                "run_weekdays",
                "weekly_increase_cap",
                "weeks_planned",
                "status",
                "current_week",
                "training_week",
                "repeat_current_week",
                "paused_until",
                "created_at",
                "finished_at",
            )
            for e in enrollments
        ],
        "runs": [
            fields(
                r,
                "id",
                "enrollment_id",
                "training_week",
                "week_number",
                "run_number",
                "sequence",
                "scheduled_date",
                "status",
                "segments",
                "completed_at",
                "skipped_at",
                "actual_seconds",
                "note",
            )
            for r in runs
        ],
        # Who changed the plan is given by name only (`by`): never another person's account id.
        "plan_events": [
            {
                **fields(
                    e,
                    "id",
                    "enrollment_id",
                    "kind",
                    "week_number",
                    "reason",
                    "created_at",
                    "run_id",
                    "source_log_id",
                    "data",
                ),
                "by": e.by,
            }
            for e in events.select_related("actor")
        ],
        # The person's changes to other people's plans are theirs too, but those plans are not:
        # only the ids and what they did.
        "plan_changes_made_for_others": [
            fields(e, "id", "kind", "created_at")
            for e in PlanEvent.objects.filter(actor=user).exclude(enrollment__athlete=user)
        ],
        "calendar_feeds": [
            fields(f, "id", "token", "created_at", "revoked_at")
            for f in CalendarFeed.objects.filter(athlete=user).order_by("pk")
        ],
        # When the person's plans, runs or pain logs last changed (its id is theirs).
        "training_record": [
            {"id": r.pk, **fields(r, "revision", "changed_at")}
            for r in TrainingRecord.objects.filter(athlete=user)
        ],
    }
