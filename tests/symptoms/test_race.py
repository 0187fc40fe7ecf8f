"""Two logs racing for the same plan on PostgreSQL: applied one after the other, consistently.

Each test holds the first log's transaction open after it has locked the plan, checks that the
second is waiting on that lock, then lets the first commit.
"""

from __future__ import annotations

import threading
import time as clock

import pytest
from django.db import connection, connections, transaction

from plans.models import PlanEvent
from plans.services import run_complete
from symptoms.models import PainLog
from symptoms.services import consent_give, pain_log_record
from tests.conftest import need
from tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def need_postgres() -> None:
    need("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL")


def plan_in_week_2(athlete, runs_in_week_2: int):
    consent_give(athlete=athlete)
    plan = EnrollmentFactory(athlete=athlete)
    done = []
    for _ in range(3 + runs_in_week_2):
        run = plan.runs.filter(status="planned").order_by("sequence").first()
        done.append(run_complete(run=run, by=athlete))
    plan.refresh_from_db()
    assert plan.current_week == 2
    return plan, done[3:]


def race(first_fields: dict, second_fields: dict) -> dict:
    """Record two logs: the first holds its transaction open until the second is blocked."""
    results: dict[str, PainLog] = {}
    errors: list[BaseException] = []
    applied, commit = threading.Event(), threading.Event()

    def log(name: str, fields: dict, hold: bool) -> None:
        try:
            with transaction.atomic():
                results[name] = pain_log_record(**fields)
                if hold:
                    applied.set()
                    assert commit.wait(10)
        except BaseException as exc:  # reported on the test's thread
            errors.append(exc)
            applied.set()
        finally:
            connections.close_all()

    first = threading.Thread(target=log, args=("first", first_fields, True))
    first.start()
    assert applied.wait(10)
    second = threading.Thread(target=log, args=("second", second_fields, False))
    second.start()
    deadline = clock.monotonic() + 10
    with connection.cursor() as cursor:
        while clock.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE '%%FROM \"plans_enrollment\"%%FOR UPDATE%%'"
            )
            if cursor.fetchone()[0]:
                break
            clock.sleep(0.02)
        else:
            commit.set()
            pytest.fail("the second log never waited for the first one's lock on the plan")
    commit.set()
    first.join(10)
    second.join(10)
    assert not errors, errors
    return results


@pytest.mark.parametrize("order", ["earlier run first", "later run first"])
def test_two_moderate_logs_for_one_week_roll_back_once(athlete, order):
    need_postgres()
    plan, (run_1, run_2) = plan_in_week_2(athlete, 2)
    fields = [
        {"athlete": athlete, "run": run_1, "pain": 5},
        {"athlete": athlete, "run": run_2, "pain": 6},
    ]
    if order == "later run first":
        fields.reverse()

    results = race(*fields)

    plan.refresh_from_db()
    assert (plan.status, plan.current_week) == ("active", 1)
    assert plan.events.filter(kind=PlanEvent.Kind.ROLLED_BACK).count() == 1
    effects = sorted(PainLog.objects.values_list("effect", flat=True))
    assert effects == ["kept", "roll_back"]
    assert results["first"].effect == "roll_back"
    assert PainLog.objects.filter(applied_at=None).count() == 0
    # One open week, with all its runs, and nothing left behind from week 2.
    open_runs = plan.runs.filter(status="planned")
    assert open_runs.count() == 3
    assert set(open_runs.values_list("training_week", "week_number")) == {(plan.training_week, 1)}


def test_a_red_flag_racing_a_moderate_log_ends_waiting_for_a_clinician(athlete):
    need_postgres()
    plan, (run_1, run_2) = plan_in_week_2(athlete, 2)

    race(
        {"athlete": athlete, "run": run_1, "pain": 5},
        {"athlete": athlete, "run": run_2, "pain": 3, "numbness_tingling": True},
    )

    plan.refresh_from_db()
    assert plan.status == "awaiting_clearance"
    assert not plan.runs.filter(status="planned").exists()
    kinds = list(
        plan.events.filter(source_log_id__isnull=False)
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == [PlanEvent.Kind.ROLLED_BACK, PlanEvent.Kind.AWAITING_CLEARANCE]


def test_the_same_run_logged_twice_at_once_saves_one_log(athlete):
    need_postgres()
    plan, (run,) = plan_in_week_2(athlete, 1)

    results = race(
        {"athlete": athlete, "run": run, "pain": 5},
        {"athlete": athlete, "run": run, "pain": 9},
    )

    assert results["first"].pk == results["second"].pk
    assert not results["second"].created
    assert PainLog.objects.get().pain == 5
    assert plan.events.filter(kind=PlanEvent.Kind.ROLLED_BACK).count() == 1
