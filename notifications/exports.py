"""What the notifications app holds about a person, for their data download."""

from __future__ import annotations

from typing import Any

from accounts.data_rights import fields
from notifications.models import NotificationPreference, OutboxMessage


def user_export(user) -> dict[str, Any]:
    preference = NotificationPreference.objects.filter(user=user).first()
    return {
        "preferences": None
        if preference is None
        else fields(
            preference,
            "id",
            "run_reminder",
            "checkin_invite",
            "missed_run_nudge",
            "pause_over",
            "coach_digest",
            "reminder_time",
            "updated_at",
        ),
        "emails": [
            fields(
                m,
                "id",
                "kind",
                "to_email",
                "subject",
                "body_text",
                "status",
                "suppressed_reason",
                "created_at",
                "sent_at",
            )
            for m in OutboxMessage.objects.filter(recipient=user).order_by("pk")
        ],
    }
