"""Redis stopped while a red flag is logged: the log is saved, the request succeeds, and the
coach's alert goes out through a real worker and a real SMTP server once Redis is back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.tasks import sweep_outbox
from symptoms.models import PainLog
from tests.factories import CoachFactory, MembershipFactory
from tests.notifications.conftest import (
    DOWN,
    broker_at,
    confirm_email,
    need_redis,
    smtp,  # noqa: F401 (a fixture)
)
from tests.realservices import celery_worker, drain
from tests.symptoms.conftest import do_runs

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_red_flag_logged_while_redis_is_down_reaches_the_coach_after_the_sweep(
    client,
    plan,
    smtp,  # noqa: F811
):
    need_redis()
    coach = CoachFactory(display_name="Alex Coach")
    confirm_email(coach)
    MembershipFactory(group__coach=coach, athlete=plan.athlete)
    (run,) = do_runs(plan, 1)
    client.force_login(plan.athlete)

    with broker_at(DOWN):
        response = client.post(
            reverse("symptoms:log_for_run", args=[run.pk]),
            {"pain": "3", "numbness_tingling": "on"},
        )
    assert response.status_code == 302
    assert PainLog.objects.get().action == "see_clinician"
    alert = OutboxMessage.objects.get(kind="coach_alert")
    assert alert.status == "pending"
    assert smtp.messages == []

    # Redis is back and the sweep's minute has passed.
    OutboxMessage.objects.filter(pk=alert.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=2)
    )
    with celery_worker():
        sweep_outbox.delay()
        smtp.wait_for(1)
        drain()
    (received,) = smtp.messages
    assert received["To"] == coach.email
    assert plan.athlete.display_name in received["Subject"]
    alert.refresh_from_db()
    assert alert.status == "sent"
