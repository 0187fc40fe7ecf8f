"""Real services end to end: Redis, a Celery worker, and an SMTP server receiving the mail."""

from __future__ import annotations

import re
import time as clock
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import Kind, NotificationPreference, OutboxMessage
from notifications.services import email_send_once
from notifications.tasks import send_outbox_message, sweep_outbox
from tests.notifications.conftest import DOWN, broker_at, need_redis
from tests.realservices import celery_worker, drain

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

Status = OutboxMessage.Status


def remind(user) -> OutboxMessage:
    with transaction.atomic():
        return email_send_once(
            recipient=user,
            kind=Kind.RUN_REMINDER,
            dedupe_key=f"run_reminder:{user.pk}:2026-11-23",
            template="run_reminder",
            context={"run_title": "Week 2, run 1", "run_url": "http://testserver/today/"},
        )


def test_a_real_worker_delivers_one_email_with_a_working_unsubscribe_link(smtp, runner, client):
    need_redis()
    with celery_worker():
        message = remind(runner)
        smtp.wait_for(1)
        # The send task twice more, and the same service call again: still one email.
        send_outbox_message.delay(message.pk)
        send_outbox_message.delay(message.pk)
        assert remind(runner).pk == message.pk
        drain()
    assert len(smtp.messages) == 1
    (received,) = smtp.messages
    assert received["Subject"] == "Today's run: Week 2, run 1"
    assert received["Message-ID"] == message.message_id
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "Week 2, run 1" in text and "<strong>Week 2, run 1</strong>" in html
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)

    link = re.search(r"Stop these emails \(one click\): (\S+)", text).group(1)
    assert received["List-Unsubscribe"].strip() == f"<{link}>"
    assert f'href="{link}"' in html
    path = urlsplit(link).path
    assert "Stop these emails?" in client.get(path).content.decode()
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not NotificationPreference.objects.get(user=runner).run_reminder


def test_redis_down_at_enqueue_then_the_sweep_delivers(smtp, runner):
    need_redis()
    started = clock.monotonic()
    with broker_at(DOWN):
        message = remind(runner)  # the caller's request carries on
    assert clock.monotonic() - started < 5
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert smtp.messages == []
    # Redis is back, and a minute has passed.
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=2)
    )
    with celery_worker():
        sweep_outbox.delay()
        smtp.wait_for(1)
        sweep_outbox.delay()  # a second tick finds nothing to do
        drain()
    assert len(smtp.messages) == 1
    message.refresh_from_db()
    assert message.status == Status.SENT
