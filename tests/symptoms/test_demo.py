"""Demo pain logs: every coaching status is represented, and seeding twice changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from accounts.models import User
from plans.models import Enrollment, PlanEvent
from symptoms.demo import seed_pain_logs
from symptoms.models import PainLog

pytestmark = pytest.mark.django_db


def status(athlete: User) -> str:
    """The coaching status, as the group review page will derive it."""
    plan = Enrollment.objects.filter(athlete=athlete).first()
    if plan is None or not plan.runs.filter(status="done").exists():
        return "not started"
    if plan.status == "finished":
        return "finished"
    if plan.status == "awaiting_clearance":
        flag = athlete.pain_logs.filter(action__in=["see_clinician", "urgent_care"]).last()
        return "urgent" if flag.action == "urgent_care" else "needs clinician"
    if plan.status == "paused":
        return "paused"
    if plan.repeat_current_week:
        return "holding"
    kinds = ["rolled_back", "hold_set", "resumed", "cleared", "week_advanced"]
    last = plan.events.filter(kind__in=kinds).order_by("-pk").first()
    return "rolled back" if last and last.kind == "rolled_back" else "on track"


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 5, 6, 12, 0, tzinfo=UTC), datetime(2026, 5, 10, 23, 30, tzinfo=UTC)],
    ids=["wednesday", "sunday-night"],
)
def test_every_status_is_represented_once_seeded(time_machine, moment):
    time_machine.move_to(moment, tick=False)
    call_command("seed_demo")
    athletes = list(User.objects.filter(role="athlete").order_by("pk"))

    seed_pain_logs(athletes, moment.date())

    statuses = {a.email.split("@")[0]: status(a) for a in athletes}
    assert set(statuses.values()) == {
        "on track",
        "holding",
        "rolled back",
        "paused",
        "needs clinician",
        "urgent",
        "finished",
        "not started",
    }
    assert statuses["lena"] == "urgent"
    assert statuses["gus"] == "needs clinician"
    # Every verdict matches what it did to the plan; quiet logs changed nothing.
    pairs = set(PainLog.objects.values_list("action", "effect"))
    assert pairs <= {
        ("continue", "none"),
        ("hold", "hold"),
        ("roll_back", "roll_back"),
        ("pause", "pause"),
        ("see_clinician", "await_clearance"),
        ("urgent_care", "await_clearance"),
    }
    assert PainLog.objects.filter(kind="checkin").exists()
    assert not PainLog.objects.filter(created_at__gt=moment).exists()
    assert not PlanEvent.objects.filter(created_at__gt=moment).exists()
    assert all(log.athlete.health_consents.exists() for log in PainLog.objects.all())

    counts = (PainLog.objects.count(), PlanEvent.objects.count())
    seed_pain_logs(athletes, moment.date())
    assert (PainLog.objects.count(), PlanEvent.objects.count()) == counts
