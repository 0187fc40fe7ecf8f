"""What the coaching app holds about a person, for their data download.

Coach notes are the coach's private working notes (DESIGN: "a note only its author sees"). The
athlete's download says that each note about them exists, who wrote it and when, but not what
it says; the coach's download holds the full text of the notes they wrote. Both go when either
account goes.
"""

from __future__ import annotations

from typing import Any

from accounts.data_rights import fields
from coaching.models import CoachAction, CoachNote


def user_export(user) -> dict[str, Any]:
    return {
        "notes_about_you": [
            {
                **fields(n, "id", "created_at", "updated_at"),
                "by": n.coach.display_name,
                "text": "(a coach's private working note: its text is not included)",
            }
            for n in CoachNote.objects.filter(athlete=user).select_related("coach").order_by("pk")
        ],
        "actions_about_you": [
            fields(a, "id", "kind", "coach_name", "reason", "created_at")
            for a in CoachAction.objects.filter(athlete=user).order_by("pk")
        ],
        "notes_you_wrote": [
            fields(n, "id", "athlete_id", "body", "created_at", "updated_at")
            for n in CoachNote.objects.filter(coach=user).order_by("pk")
        ],
        "your_actions_as_coach": [
            fields(a, "id", "kind", "group_id", "athlete_id", "reason", "data", "created_at")
            for a in CoachAction.objects.filter(coach=user).order_by("pk")
        ],
    }
