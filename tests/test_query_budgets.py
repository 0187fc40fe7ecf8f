"""Query budgets of the athlete's busiest write: logging pain after a run (issue #8).

The review page, the export and the coach home have theirs in tests/coaching, Today and the
plan page in tests/plans. Budgets, not timings: the count must not grow with the history.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from plans.models import PlannedRun
from plans.services import run_complete
from symptoms.services import consent_give
from tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

# session, user, then in the transaction: lock the plan the run is on (finding whose run it is
# and reading the athlete's consent with it), the run as it is now, the pain of the two previous
# logs, a new revision of the training record, the insert (with its effect, when the plan stays
# as it is); BEGIN and COMMIT. A second log of the run is refused by the insert.
PAIN_LOG_BUDGET = 9


def _next_run(plan) -> PlannedRun:
    return plan.runs.filter(status=PlannedRun.Status.PLANNED).order_by("sequence").first()


@pytest.mark.parametrize("htmx", [True, False])
def test_logging_pain_keeps_to_its_budget_however_long_the_history(
    client, athlete, htmx, django_assert_max_num_queries
):
    plan = EnrollmentFactory(athlete=athlete)
    consent_give(athlete=athlete)
    client.force_login(athlete)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for logged in range(1, 9):
        run = _next_run(plan)
        run_complete(run=run, by=athlete)
        url = reverse("symptoms:log_for_run", args=[run.pk])
        if logged in (1, 8):
            with django_assert_max_num_queries(PAIN_LOG_BUDGET):
                response = client.post(url, {"pain": "0"}, **headers)
        else:
            response = client.post(url, {"pain": "0"}, **headers)
        assert response.status_code == (200 if htmx else 302)
        plan.refresh_from_db()
