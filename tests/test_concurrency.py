"""Integrity under concurrency, on PostgreSQL, through the whole Django stack.

Real threads, each with its own database connection and its own signed-in test client, wait
at a barrier and then post at once: repeated pain logs, two logs racing for one plan, a
double-clicked "mark done" and a double-clicked invite. Each scenario runs a few rounds so a
lost race is likely to show. tests/symptoms/test_race.py orders two logs deterministically at
the service level; here the requests really overlap and go through the views.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from accounts.models import Membership
from plans.models import Enrollment, PlanEvent, PlannedRun
from plans.services import run_complete
from symptoms.models import PainLog
from symptoms.services import consent_give
from tests.conftest import need
from tests.factories import EnrollmentFactory, InviteFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 3
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _postgres_only():
    need("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def at_once(requests: list[Callable[[], object]]) -> list[int]:
    """Run each request on its own thread, all released together; return the status codes.

    A request that raised (Django's test client re-raises a view's exception) fails the test.
    """
    barrier = threading.Barrier(len(requests))
    statuses: list[int | None] = [None] * len(requests)
    errors: list[BaseException] = []

    def worker(index: int, request: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            statuses[index] = request().status_code
        except BaseException as exc:  # reported on the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=item) for item in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    assert not errors, errors
    assert all(status is not None and 200 <= status < 400 for status in statuses), statuses
    return statuses


def post(user, url: str, data: dict, *, htmx: bool = False) -> Callable[[], object]:
    client = signed_in(user)  # signed in here, so the threads only make the request
    headers = HTMX if htmx else {}
    return lambda: client.post(url, data, **headers)


def next_run(plan: Enrollment) -> PlannedRun:
    return plan.runs.filter(status="planned").order_by("sequence").first()


def plan_in_week_2(runs_in_week_2: int) -> tuple[Enrollment, list[PlannedRun]]:
    """A consenting athlete's plan in week 2, with that many of week 2's runs done."""
    athlete = UserFactory()
    consent_give(athlete=athlete)
    plan = EnrollmentFactory(athlete=athlete)
    done = [run_complete(run=next_run(plan), by=athlete) for _ in range(3 + runs_in_week_2)]
    plan.refresh_from_db()
    assert plan.current_week == 2
    return plan, done[3:]


def pain_url(run: PlannedRun) -> str:
    return reverse("symptoms:log_for_run", args=[run.pk])


def end_state(plan: Enrollment) -> dict:
    plan.refresh_from_db()
    return {
        "status": plan.status,
        "current_week": plan.current_week,
        "repeat_current_week": plan.repeat_current_week,
        "event_kinds": Counter(plan.events.values_list("kind", flat=True)),
        "open_runs": plan.runs.filter(status="planned").count(),
        "effects": Counter(
            PainLog.objects.filter(enrollment=plan).values_list("effect", flat=True)
        ),
    }


# --- 1. The same pain log sent ten times at once ------------------------------------------------


def test_ten_identical_pain_logs_at_once_save_one_log_and_change_the_plan_once():
    sent = 0
    for _ in range(ROUNDS):
        plan, (run,) = plan_in_week_2(1)
        events_before = plan.events.count()
        answers = {"pain": "5", "note": "Tight after the hill", "eased_after_warmup": "no"}
        # Half plain form posts (redirect to the verdict), half htmx (the verdict fragment).
        requests = [post(plan.athlete, pain_url(run), answers, htmx=bool(i % 2)) for i in range(10)]

        at_once(requests)
        sent += len(requests)

        log = PainLog.objects.get(athlete=plan.athlete)  # exactly one
        assert (log.run_id, log.pain, log.effect) == (run.pk, 5, "roll_back")
        assert log.applied_at is not None
        assert PlanEvent.objects.filter(source_log_id=log.pk).count() == 1
        assert plan.events.filter(source_log_id__isnull=False).count() == 1
        assert plan.events.count() == events_before + 1
        plan.refresh_from_db()
        assert (plan.status, plan.current_week) == ("active", 1)
    assert sent == 10 * ROUNDS
    assert PainLog.objects.count() == ROUNDS  # no duplicates anywhere


# --- 2. Two different logs racing for one plan --------------------------------------------------

PAIRS = {
    "two moderate logs in one week": ({"pain": "5"}, {"pain": "6"}),
    "a moderate log and a red flag": ({"pain": "5"}, {"pain": "3", "numbness_tingling": "on"}),
}


@pytest.mark.parametrize("pair", PAIRS.values(), ids=PAIRS.keys())
def test_two_logs_racing_for_one_plan_end_as_if_applied_in_sequence(pair):
    answers_1, answers_2 = pair

    def in_sequence(first: int) -> dict:
        plan, runs = plan_in_week_2(2)
        order = [(runs[0], answers_1), (runs[1], answers_2)]
        if first == 1:
            order.reverse()
        for run, answers in order:
            assert post(plan.athlete, pain_url(run), answers)().status_code == 302
        return end_state(plan)

    # Either log may win the race; the end state must be that of one of the two orders.
    sequential = [in_sequence(0), in_sequence(1)]
    for _ in range(ROUNDS):
        plan, (run_1, run_2) = plan_in_week_2(2)

        at_once(
            [
                post(plan.athlete, pain_url(run_1), answers_1),
                post(plan.athlete, pain_url(run_2), answers_2, htmx=True),
            ]
        )

        assert PainLog.objects.filter(enrollment=plan).count() == 2
        assert not PainLog.objects.filter(enrollment=plan, applied_at=None).exists()
        assert end_state(plan) in sequential, (end_state(plan), sequential)


# --- 3. A double-clicked "mark done" ------------------------------------------------------------


@pytest.mark.parametrize("clicks", [2, 10])
def test_a_run_marked_done_many_times_at_once_is_done_once(clicks):
    athlete = UserFactory()
    plan = EnrollmentFactory(athlete=athlete)
    # Three rounds: runs 1 and 2 of week 1, then run 3, which also finishes the week.
    for done_so_far in range(1, ROUNDS + 1):
        run = next_run(plan)
        url = reverse("plans:run_done", args=[run.pk])
        at_once([post(athlete, url, {"note": "Easy"}, htmx=bool(i % 2)) for i in range(clicks)])

        run.refresh_from_db()
        assert run.status == "done"
        assert run.events.filter(kind=PlanEvent.Kind.RUN_COMPLETED).count() == 1
        completed = plan.events.filter(kind=PlanEvent.Kind.RUN_COMPLETED)
        assert completed.count() == done_so_far
        assert plan.runs.filter(status="done").count() == done_so_far
    plan.refresh_from_db()
    assert plan.current_week == 2
    assert plan.events.filter(kind=PlanEvent.Kind.WEEK_ADVANCED).count() == 1
    assert not plan.runs.filter(training_week=plan.training_week, status="done").exists()


# --- 4. An invite link double-clicked -----------------------------------------------------------


def test_joining_a_group_many_times_at_once_makes_one_membership():
    for _ in range(ROUNDS):
        athlete = UserFactory()
        invite = InviteFactory()
        url = reverse("accounts:join", args=[invite.token])

        at_once([post(athlete, url, {"token": invite.token}) for _ in range(10)])

        assert Membership.objects.filter(athlete=athlete).count() == 1
        assert Membership.objects.get(athlete=athlete).group_id == invite.group_id
