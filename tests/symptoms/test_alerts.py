"""The coach alert behind a red flag: written with the log, sent only after it commits."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import OutboxMessage
from symptoms.models import PainLog
from symptoms.services import pain_log_record
from tests.factories import CoachFactory, MembershipFactory
from tests.notifications.conftest import DOWN, broker_at, confirm_email
from tests.symptoms.conftest import do_runs

pytestmark = pytest.mark.django_db


@pytest.fixture
def coach(athlete):
    coach = CoachFactory(display_name="Alex Coach")
    confirm_email(coach)
    MembershipFactory(group__coach=coach, athlete=athlete)
    return coach


@pytest.fixture
def published(monkeypatch):
    from notifications.tasks import send_outbox_message

    ids: list[int] = []
    monkeypatch.setattr(
        send_outbox_message, "apply_async", lambda args, **options: ids.append(args[0])
    )
    return ids


def test_the_alert_leaves_only_after_the_log_is_committed(
    plan, coach, published, django_capture_on_commit_callbacks
):
    (run,) = do_runs(plan, 1)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        log = pain_log_record(athlete=plan.athlete, run=run, pain=2, leg_weakness=True)
    assert published == []
    for callback in callbacks:
        callback()

    message = OutboxMessage.objects.get(kind="coach_alert")
    assert published == [message.pk]
    assert message.dedupe_key == f"coach_alert:{coach.pk}:log:{log.pk}"
    assert "asked to see a clinician" in message.subject


def test_a_red_flag_log_is_saved_when_redis_is_down(
    client, plan, coach, django_capture_on_commit_callbacks
):
    (run,) = do_runs(plan, 1)
    client.force_login(plan.athlete)

    with broker_at(DOWN), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("symptoms:log_for_run", args=[run.pk]), {"pain": "1", "saddle_numbness": "on"}
        )

    assert response.status_code == 302
    assert PainLog.objects.get().action == "urgent_care"
    plan.refresh_from_db()
    assert plan.status == "awaiting_clearance"
    # The sweep sends it once Redis is back.
    assert OutboxMessage.objects.get(kind="coach_alert").status == "pending"
