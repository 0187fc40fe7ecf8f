"""The send task and the sweep, called directly, against a real SMTP server on loopback."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from config.celery import app
from notifications.delivery import (
    MAX_CLAIMS,
    PURGE_AFTER,
    SENDING_LEASE,
    DeliveryRefused,
    outbox_purge,
    outbox_retry,
    outbox_sweep,
)
from notifications.models import Kind, OutboxMessage
from notifications.services import email_send_once
from notifications.tasks import MAX_RETRIES, retry_delay, send_outbox_message, sweep_outbox
from tests.notifications.conftest import free_port

pytestmark = pytest.mark.django_db

Status = OutboxMessage.Status


def reminder(user, day="2026-11-23") -> OutboxMessage:
    return email_send_once(
        recipient=user,
        kind=Kind.RUN_REMINDER,
        dedupe_key=f"run_reminder:{user.pk}:{day}",
        template="run_reminder",
        context={"run_title": f"Run on {day}", "run_url": "http://testserver/today/"},
    )


def test_it_sends_text_and_html_with_one_click_unsubscribe_headers(runner, smtp, published):
    message = reminder(runner)
    assert send_outbox_message(message.pk) == "sent"
    (received,) = smtp.wait_for(1)
    assert received["To"] == runner.email
    assert received["Subject"] == "Today's run: Run on 2026-11-23"
    assert received["Message-ID"] == message.message_id
    # A long header is folded onto the next line; unfolded, it is the address in <>.
    assert received["List-Unsubscribe"].strip() == f"<{message.unsubscribe_url}>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "Open today's run" in text and message.unsubscribe_url in text
    assert '<a href="http://testserver/today/">' in html
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 1, "")
    assert message.sent_at is not None


def test_running_the_send_task_twice_delivers_once(runner, smtp, published):
    message = reminder(runner)
    assert send_outbox_message(message.pk) == "sent"
    assert send_outbox_message(message.pk) == "not pending"
    assert len(smtp.messages) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_a_row_another_worker_holds_is_left_alone(runner, smtp, published):
    message = reminder(runner)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, claimed_at=timezone.now()
    )
    assert send_outbox_message(message.pk) == "not pending"
    assert smtp.messages == []


def test_suppressed_and_missing_rows_are_not_sent(smtp, published):
    from tests.factories import UserFactory

    suppressed = reminder(UserFactory())  # unconfirmed address
    assert send_outbox_message(suppressed.pk) == "not pending"
    assert send_outbox_message(999_999) == "not pending"
    assert smtp.messages == []


def test_a_temporary_smtp_failure_puts_the_row_back_for_a_later_try(runner, smtp, published):
    smtp.reply = "451 4.3.0 Try again later"
    message = reminder(runner)
    # Called directly, Celery's retry re-raises the SMTP error.
    with pytest.raises(smtplib.SMTPDataError):
        send_outbox_message(message.pk)
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert "Try again later" in message.last_error
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=20)
    smtp.reply = "250 OK"
    assert send_outbox_message(message.pk) == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)


def test_celery_retries_with_back_off_and_the_last_try_gives_up(runner, smtp, published):
    smtp.reply = "451 4.3.0 Try again later"
    message = reminder(runner)
    with pytest.raises(Retry) as retry:
        send_outbox_message.apply(args=(message.pk,), retries=2, throw=True)
    assert retry.value.when == 120
    assert OutboxMessage.objects.get(pk=message.pk).status == Status.PENDING
    with pytest.raises(smtplib.SMTPDataError):
        send_outbox_message.apply(args=(message.pk,), retries=MAX_RETRIES, throw=True)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.attempts == 2
    assert len(smtp.messages) == 2  # each try reached the server, none was accepted


def test_a_server_that_is_down_is_retried(runner, published, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    message = reminder(runner)
    with pytest.raises(ConnectionRefusedError):
        send_outbox_message(message.pk)
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert "ConnectionRefusedError" in message.last_error


def test_an_address_the_server_refuses_for_good_is_not_retried(runner, smtp, published):
    smtp.rcpt_reply = "550 5.1.1 No such mailbox"
    message = reminder(runner)
    with pytest.raises(DeliveryRefused, match="No such mailbox"):
        send_outbox_message.apply(args=(message.pk,), throw=True)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 1)


def test_a_bug_marks_the_row_failed_and_is_raised(runner, smtp, published, monkeypatch):
    def broken(self):
        raise KeyError("bug")

    monkeypatch.setattr(EmailMultiAlternatives, "send", broken)
    message = reminder(runner)
    with pytest.raises(KeyError):
        send_outbox_message(message.pk)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert "KeyError" in message.last_error


def test_retries_back_off_exponentially():
    assert [retry_delay(n) for n in range(MAX_RETRIES)] == [30, 60, 120, 240, 480]


def age(message, **fields):
    OutboxMessage.objects.filter(pk=message.pk).update(**fields)


def test_the_sweep_enqueues_pending_rows_older_than_a_minute(runner, published):
    old, young = reminder(runner, "2026-11-23"), reminder(runner, "2026-11-24")
    published.clear()
    age(old, next_attempt_at=timezone.now() - timedelta(minutes=2))
    assert sweep_outbox() == 1
    assert published == [old.pk]
    # Not again on the next tick while the workers catch up.
    assert sweep_outbox() == 0
    assert published == [old.pk]
    assert young.pk not in published


def test_the_sweep_reclaims_rows_whose_worker_died(runner, smtp, published):
    dead, alive = reminder(runner, "2026-11-23"), reminder(runner, "2026-11-24")
    published.clear()
    now = timezone.now()
    age(dead, status=Status.SENDING, claimed_at=now - SENDING_LEASE - timedelta(seconds=1))
    age(alive, status=Status.SENDING, claimed_at=now - SENDING_LEASE + timedelta(minutes=1))
    assert outbox_sweep(min_age=timedelta(minutes=1)) == 1
    assert published == [dead.pk]
    dead.refresh_from_db()
    assert dead.status == Status.PENDING
    assert "worker sending it was lost" in dead.last_error
    assert send_outbox_message(dead.pk) == "sent"
    alive.refresh_from_db()
    assert alive.status == Status.SENDING


def test_the_sweep_gives_up_on_a_row_that_keeps_killing_workers(runner, published):
    message = reminder(runner)
    age(
        message,
        status=Status.SENDING,
        claimed_at=timezone.now() - SENDING_LEASE * 2,
        attempts=MAX_CLAIMS,
    )
    outbox_sweep(min_age=timedelta(minutes=1))
    message.refresh_from_db()
    assert message.status == Status.FAILED


def test_the_sweep_works_in_batches(runner, published):
    rows = [reminder(runner, f"2026-11-{day}") for day in range(10, 17)]
    published.clear()
    OutboxMessage.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert outbox_sweep(min_age=timedelta(minutes=1), batch_size=3, max_batches=2) == 6
    assert set(published) < {r.pk for r in rows}
    # The next tick takes the one left over, and not the six it just enqueued.
    assert outbox_sweep(min_age=timedelta(minutes=1), batch_size=3) == 1
    assert sorted(published) == sorted(r.pk for r in rows)


def test_failed_rows_can_be_sent_again(runner, smtp, published):
    message = reminder(runner)
    age(message, status=Status.FAILED, attempts=6, last_error="x")
    assert outbox_retry([message.pk]) == 1
    assert send_outbox_message(message.pk) == "sent"


def test_old_finished_rows_are_purged(runner, published):
    sent, waiting = reminder(runner, "2026-01-01"), reminder(runner, "2026-01-02")
    old = timezone.now() - PURGE_AFTER - timedelta(days=1)
    age(sent, status=Status.SENT, sent_at=old, created_at=old)
    age(waiting, created_at=old)
    assert outbox_purge() == 1
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [waiting.pk]


def test_the_beat_schedule_runs_the_sweep_every_few_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-sweep-outbox"]
    assert entry["task"] == "notifications.sweep_outbox"
    assert entry["task"] in app.tasks
    assert entry["schedule"].minute == set(range(0, 60, 2))
    purge = settings.CELERY_BEAT_SCHEDULE["notifications-purge-outbox"]["task"]
    assert purge in app.tasks
    assert app.conf.timezone == "UTC"


@pytest.fixture
def embedded_mode():
    """`make run` without Redis: tasks run in-process as soon as the transaction commits."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def test_in_the_embedded_mode_the_email_goes_out_in_process(
    runner, embedded_mode, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = reminder(runner)
    (sent,) = mailoutbox
    assert sent.subject == "Today's run: Run on 2026-11-23"
    assert sent.alternatives[0].mimetype == "text/html"
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_the_admin_lists_the_outbox_and_sends_failed_messages_again(
    admin_client, runner, smtp, published
):
    message = reminder(runner)
    age(message, status=Status.FAILED, attempts=6, last_error="SMTPDataError: 451")
    assert admin_client.get("/admin/notifications/outboxmessage/").status_code == 200
    page = admin_client.get(f"/admin/notifications/outboxmessage/{message.pk}/change/")
    assert page.status_code == 200
    assert admin_client.get("/admin/notifications/notificationpreference/").status_code == 200
    response = admin_client.post(
        "/admin/notifications/outboxmessage/",
        {"action": "send_again", "_selected_action": [message.pk]},
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == Status.PENDING
