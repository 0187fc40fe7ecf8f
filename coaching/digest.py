"""The coach's weekly digest: at their local reminder time on Monday, where each athlete in
each of their groups stands. It joins the plans reminder tick."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse

from accounts.models import TrainingGroup, User
from coaching.review import athlete_rows
from notifications.models import Kind
from notifications.services import OutboxItem, wants_email
from plans.reminders import chunked, dedupe_key, people_due, unsent

KIND = Kind.COACH_DIGEST
MONDAY = 0


def coach_digests(now: datetime) -> Iterator[OutboxItem]:
    """One digest per coach with a live group, on their local Monday; a constant number of
    queries per batch of coaches (their groups' rows are computed together)."""
    live_group = TrainingGroup.objects.filter(coach=OuterRef("pk"), archived_at=None)
    coaches = User.objects.filter(wants_email(KIND), role=User.Role.COACH).filter(
        Exists(live_group)
    )
    for chunk in chunked(people_due(coaches, now)):
        chunk = unsent(KIND, [(coach, day) for coach, day in chunk if day.weekday() == MONDAY])
        if not chunk:
            continue
        groups = list(
            TrainingGroup.objects.filter(
                coach_id__in=[coach.pk for coach, _ in chunk], archived_at=None
            ).order_by("name")
        )
        rows_by_group = defaultdict(list)
        for row in athlete_rows([g.pk for g in groups], now=now):
            for group_id in row.group_ids:
                rows_by_group[group_id].append(row)
        groups_by_coach = defaultdict(list)
        for group in groups:
            groups_by_coach[group.coach_id].append(group)
        for coach, day in chunk:
            yield OutboxItem(
                recipient=coach,
                kind=KIND,
                dedupe_key=dedupe_key(KIND, coach.pk, day),
                template="coach_digest",
                context={
                    "week_of": day,
                    "groups": [
                        {
                            "name": group.name,
                            "url": settings.SITE_URL
                            + reverse("coaching:group_review", args=[group.pk]),
                            # Red flags and those needing attention first, as on the page.
                            "athletes": [
                                {
                                    "name": row.name,
                                    "status": row.status_label,
                                    "runs_done": row.runs_done,
                                    "runs_scheduled": row.runs_scheduled,
                                }
                                for row in sorted(
                                    rows_by_group[group.pk], key=lambda r: r.attention
                                )
                            ],
                        }
                        for group in groups_by_coach[coach.pk]
                    ],
                },
            )
