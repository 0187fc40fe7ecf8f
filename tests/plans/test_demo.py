"""The demo seed puts athletes at different points of their plans, and only once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from plans.models import Enrollment, PlanEvent, PlannedRun

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 5, 6, 12, 0, tzinfo=UTC), datetime(2026, 5, 10, 23, 30, tzinfo=UTC)],
    ids=["wednesday", "sunday-night"],
)
def test_demo_athletes_are_at_different_points_of_their_plans(time_machine, moment):
    time_machine.move_to(moment, tick=False)
    call_command("seed_demo")
    plans = {e.athlete.email.split("@")[0]: e for e in Enrollment.objects.select_related("athlete")}

    assert "ian" not in plans
    assert {e.status for e in plans.values()} == {
        "active",
        "paused",
        "awaiting_clearance",
        "finished",
    }
    assert plans["dana"].repeat_current_week
    assert plans["kai"].status == "finished"
    assert plans["jo"].weekly_increase_cap * 100 == 5
    assert plans["bea"].start_date > moment.date()
    assert len({e.current_week for e in plans.values()}) >= 3
    assert PlannedRun.objects.filter(status="skipped").count() == 1
    # History is in time order: nothing recorded in the future.
    assert not PlanEvent.objects.filter(created_at__gt=moment).exists()
    assert not PlannedRun.objects.filter(completed_at__gt=moment).exists()

    counts = (Enrollment.objects.count(), PlannedRun.objects.count(), PlanEvent.objects.count())
    call_command("seed_demo")
    assert (
        Enrollment.objects.count(),
        PlannedRun.objects.count(),
        PlanEvent.objects.count(),
    ) == counts
