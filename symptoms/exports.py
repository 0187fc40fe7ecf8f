"""What the symptoms app holds about a person, for their data download and account deletion."""

from __future__ import annotations

from typing import Any

from accounts.data_rights import fields
from symptoms.models import (
    SYMPTOM_FIELDS,
    ClinicianClearance,
    HealthDataConsent,
    PainDataRead,
    PainLog,
)


def user_export(user) -> dict[str, Any]:
    return {
        "consents": [
            fields(c, "id", "version", "given_at")
            for c in HealthDataConsent.objects.filter(athlete=user).order_by("pk")
        ],
        "pain_logs": [
            fields(
                g,
                "id",
                "kind",
                "enrollment_id",
                "run_id",
                "created_at",
                "pain",
                *SYMPTOM_FIELDS,
                "eased_after_warmup",
                "where",
                "note",
                "action",
                "reasons",
                "effect",
                "effect_note",
                "applied_at",
            )
            for g in PainLog.objects.filter(athlete=user).order_by("pk")
        ],
        "clearances": [
            fields(
                c,
                "id",
                "enrollment_id",
                "cleared_on",
                "clinician",
                "note",
                "recorded_by_name",
                "created_at",
            )
            for c in ClinicianClearance.objects.filter(athlete=user).order_by("pk")
        ],
        # Which coach looked at your pain data, and when.
        "pain_data_reads": [
            fields(r, "id", "coach_name", "page", "read_at")
            for r in PainDataRead.objects.filter(athlete=user).order_by("pk")
        ],
        # As a coach: whose pain data you looked at (the athlete by id only).
        "pain_data_you_read": [
            fields(r, "id", "athlete_id", "page", "read_at")
            for r in PainDataRead.objects.filter(coach=user).order_by("pk")
        ],
        "clearances_you_recorded_for_others": [
            fields(c, "id", "athlete_id", "cleared_on", "created_at")
            for c in ClinicianClearance.objects.filter(recorded_by=user).exclude(athlete=user)
        ],
    }


def erase_coach_alerts(user) -> None:
    """Coach alerts about this person's logs sit in their coaches' outboxes, keyed by log id:
    they describe the person's red flags, so they go with the person."""
    from notifications.models import OutboxMessage

    log_ids = list(PainLog.objects.filter(athlete=user).values_list("pk", flat=True))
    keys = [f":log:{pk}" for pk in log_ids]
    for start in range(0, len(keys), 500):
        query = None
        for key in keys[start : start + 500]:
            q = OutboxMessage.objects.filter(kind="coach_alert", dedupe_key__endswith=key)
            query = q if query is None else query | q
        if query is not None:
            query.delete()
