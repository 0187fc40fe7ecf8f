"""The outbox services: one row per key, suppression, enqueue after commit, Redis down."""

from __future__ import annotations

import logging
import time as clock
from datetime import time

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from notifications import services
from notifications.models import Kind, NotificationPreference, OutboxMessage
from notifications.services import (
    OutboxItem,
    email_send_once,
    email_send_once_bulk,
    preferences_save,
    wants_email,
    with_reminder_time,
)
from tests.factories import CoachFactory, UserFactory
from tests.notifications.conftest import DOWN, broker_at, confirm_email

pytestmark = pytest.mark.django_db

Status = OutboxMessage.Status
RUN = {"run_title": "Week 1, run 2", "run_summary": "5 x (1 min jog + 2 min walk)"}


def remind(user, day="2026-11-23", **extra):
    return email_send_once(
        recipient=user,
        kind=Kind.RUN_REMINDER,
        dedupe_key=f"run_reminder:{user.pk}:{day}",
        template="run_reminder",
        context={**RUN, "run_url": "http://testserver/today/", **extra},
    )


def test_it_renders_the_email_and_enqueues_it_after_commit(
    runner, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        message = remind(runner)
        assert published == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert published == [message.pk]
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.to_email == runner.email
    assert message.subject == "Today's run: Week 1, run 2"
    assert "Hello Sam Runner," in message.body_text
    assert "5 x (1 min jog + 2 min walk)" in message.body_text
    assert "training guidance, not a diagnosis" in message.body_text
    assert "<strong>Week 1, run 2</strong>" in message.body_html
    assert message.unsubscribe_url.startswith("http://127.0.0.1:8000/unsubscribe/")
    assert message.unsubscribe_url in message.body_text
    assert message.unsubscribe_url in message.body_html
    assert message.message_id.startswith("<") and message.message_id.endswith("@127.0.0.1>")


def test_the_same_key_twice_makes_one_row_and_one_send(
    runner, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = remind(runner)
        second = remind(runner, run_title="Something else")
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1
    assert published == [first.pk]


def test_nothing_is_enqueued_when_the_transaction_rolls_back(
    runner, published, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        remind(runner)
        raise RuntimeError("the caller failed")
    assert published == []
    assert not OutboxMessage.objects.exists()


def test_a_kind_turned_off_is_suppressed_and_not_enqueued(
    runner, published, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=runner, run_reminder=False)
    with django_capture_on_commit_callbacks(execute=True):
        message = remind(runner)
    assert message.status == Status.SUPPRESSED
    assert message.suppressed_reason == OutboxMessage.Suppressed.TURNED_OFF
    assert message.body_text == ""
    assert published == []
    # The key is taken: turning reminders back on later that day does not send this one.
    assert remind(runner).pk == message.pk


def test_an_unconfirmed_address_gets_nothing(published, django_capture_on_commit_callbacks):
    unconfirmed = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        message = remind(unconfirmed)
    assert message.status == Status.SUPPRESSED
    assert message.suppressed_reason == OutboxMessage.Suppressed.UNVERIFIED
    assert published == []


def alert(coach, log_id=123):
    return email_send_once(
        recipient=coach,
        kind=Kind.COACH_ALERT,
        dedupe_key=f"coach_alert:{coach.pk}:log:{log_id}",
        template="coach_alert",
        context={"athlete_name": "Sam", "urgent": False, "athlete_url": "http://x/a/1/"},
    )


def test_coach_alerts_go_out_even_with_every_other_email_off(
    confirmed_coach, published, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=confirmed_coach, coach_digest=False)
    with django_capture_on_commit_callbacks(execute=True):
        message = alert(confirmed_coach)
    assert message.status == Status.PENDING
    assert published == [message.pk]
    assert message.subject == "Safety alert: Sam was asked to see a clinician"
    assert message.unsubscribe_url == ""  # cannot be turned off, so no unsubscribe link
    assert "cannot be turned off" in message.body_text


def test_coach_alerts_are_not_sent_to_an_unconfirmed_address(published):
    # They name an athlete and a red flag: health data about someone else.
    message = alert(CoachFactory())
    assert message.status == Status.SUPPRESSED
    assert message.suppressed_reason == OutboxMessage.Suppressed.UNVERIFIED


def test_an_unknown_kind_is_refused(runner):
    with pytest.raises(ValueError, match="not a kind of email"):
        email_send_once(
            recipient=runner, kind="spam", dedupe_key="spam:1", template="run_reminder", context={}
        )


def test_losing_the_race_for_the_key_returns_the_winner_and_keeps_the_transaction(
    runner, published, monkeypatch, django_capture_on_commit_callbacks
):
    winner = remind(runner)
    # The other request inserted between our look-up and our insert.
    monkeypatch.setattr(services, "_existing", lambda key: None)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        loser = remind(runner)
        # The caller's transaction is still usable after the IntegrityError.
        assert User.objects.filter(pk=runner.pk).exists()
    assert loser.pk == winner.pk
    assert OutboxMessage.objects.count() == 1
    assert published == []


def test_other_integrity_errors_are_not_mistaken_for_the_race(runner, monkeypatch):
    build = services._build

    def broken_build(*args, **kwargs):
        message = build(*args, **kwargs)
        message.status = "lost"  # breaks a check constraint, not the unique key
        return message

    monkeypatch.setattr(services, "_build", broken_build)
    with pytest.raises(IntegrityError):
        remind(runner)


def test_a_broker_that_cannot_be_reached_leaves_the_row_pending(
    runner, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.WARNING, logger="notifications.services")
    started = clock.monotonic()
    with broker_at(DOWN), django_capture_on_commit_callbacks(execute=True):
        message = remind(runner)
    assert clock.monotonic() - started < 5  # a bounded wait, not a hung request
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.attempts == 0
    assert "left pending for the sweep" in caplog.text


def test_other_enqueue_errors_are_not_swallowed(
    runner, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications.tasks import send_outbox_message

    def broken(*args, **kwargs):
        raise TypeError("a bug, not an outage")

    monkeypatch.setattr(send_outbox_message, "apply_async", broken)
    with pytest.raises(TypeError), django_capture_on_commit_callbacks(execute=True):
        remind(runner)


def items_for(users, day="2026-11-23"):
    return [
        OutboxItem(
            recipient=u,
            kind=Kind.RUN_REMINDER,
            dedupe_key=f"run_reminder:{u.pk}:{day}",
            template="run_reminder",
            context={**RUN, "run_url": "http://testserver/today/"},
        )
        for u in users
    ]


def confirmed_athletes(n):
    users = UserFactory.create_batch(n)
    for user in users:
        confirm_email(user)
    return users


def test_the_bulk_form_costs_the_same_queries_for_3_or_30_people(
    published, django_assert_num_queries, django_capture_on_commit_callbacks
):
    few, many = confirmed_athletes(3), confirmed_athletes(30)
    with django_assert_num_queries(5), django_capture_on_commit_callbacks(execute=True):
        assert email_send_once_bulk(items_for(few)) == 3
    with django_assert_num_queries(5), django_capture_on_commit_callbacks(execute=True):
        assert email_send_once_bulk(items_for(many)) == 30
    assert len(published) == 33
    assert OutboxMessage.objects.filter(status=Status.PENDING).count() == 33


def test_a_tick_run_twice_creates_and_enqueues_nothing_new(
    published, django_assert_num_queries, django_capture_on_commit_callbacks
):
    users = confirmed_athletes(4)
    with django_capture_on_commit_callbacks(execute=True):
        email_send_once_bulk(items_for(users))
    published.clear()
    with django_assert_num_queries(1), django_capture_on_commit_callbacks(execute=True):
        assert email_send_once_bulk(items_for(users) + items_for(users)) == 0
    assert published == []
    assert OutboxMessage.objects.count() == 4


def test_the_bulk_form_suppresses_like_the_single_one(
    published, django_capture_on_commit_callbacks
):
    keen, off = confirmed_athletes(2)
    NotificationPreference.objects.create(user=off, run_reminder=False)
    unconfirmed = UserFactory()
    # The same address confirmed by someone else does not count.
    with django_capture_on_commit_callbacks(execute=True):
        queued = email_send_once_bulk(items_for([keen, off, unconfirmed]), batch_size=2)
    assert queued == 1
    rows = {m.recipient_id: m for m in OutboxMessage.objects.all()}
    assert rows[keen.pk].status == Status.PENDING
    assert rows[off.pk].suppressed_reason == OutboxMessage.Suppressed.TURNED_OFF
    assert rows[unconfirmed.pk].suppressed_reason == OutboxMessage.Suppressed.UNVERIFIED
    assert published == [rows[keen.pk].pk]


def test_turning_a_kind_off_suppresses_what_is_still_queued(runner, published):
    queued = remind(runner)
    alert_row = alert(CoachFactory())  # someone else's, untouched
    preferences_save(user=runner, choices={Kind.RUN_REMINDER: False})
    queued.refresh_from_db()
    assert queued.status == Status.SUPPRESSED
    assert queued.suppressed_reason == OutboxMessage.Suppressed.TURNED_OFF
    assert OutboxMessage.objects.get(pk=alert_row.pk).status == Status.SUPPRESSED  # unverified


def test_coach_alerts_cannot_be_switched_off(runner):
    with pytest.raises(ValueError, match="cannot be turned on or off"):
        preferences_save(user=runner, choices={Kind.COACH_ALERT: False})


def test_a_tick_can_select_who_wants_a_kind_and_their_reminder_time(runner):
    off = UserFactory()
    confirm_email(off)
    NotificationPreference.objects.create(user=off, run_reminder=False, reminder_time=time(6))
    early = UserFactory()
    confirm_email(early)
    NotificationPreference.objects.create(user=early, reminder_time=time(6, 15))
    UserFactory()  # unconfirmed
    wanting = with_reminder_time(User.objects.filter(wants_email(Kind.RUN_REMINDER)))
    assert {(u.pk, u.reminder_at) for u in wanting} == {
        (runner.pk, time(7, 30)),
        (early.pk, time(6, 15)),
    }
    off_users = User.objects.filter(wants_email(Kind.COACH_ALERT))
    assert set(off_users) == {runner, off, early}
