from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plans.models import Enrollment, PlannedRun
from plans.services import run_complete
from symptoms.services import consent_give
from tests.factories import EnrollmentFactory

# Monday 4 May 2026, 09:00 in London (BST).
MONDAY_MORNING = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(MONDAY_MORNING, tick=False)
    return time_machine


@pytest.fixture
def plan(clock, athlete) -> Enrollment:
    consent_give(athlete=athlete)
    return EnrollmentFactory(athlete=athlete)


def next_run(enrollment: Enrollment) -> PlannedRun:
    return enrollment.runs.filter(status="planned").order_by("sequence").first()


def do_runs(enrollment: Enrollment, count: int) -> list[PlannedRun]:
    """Mark the next `count` runs done, one after the other; return them."""
    done = []
    for _ in range(count):
        done.append(run_complete(run=next_run(enrollment), by=enrollment.athlete))
    enrollment.refresh_from_db()
    return done


def later(clock, **delta) -> None:
    clock.move_to(datetime.now(UTC) + timedelta(**delta), tick=False)
