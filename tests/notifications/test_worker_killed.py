"""A worker SIGKILLed in the middle of a batch: nothing is lost, and the only duplicate is the
message it was sending when it died (the window delivery.py documents)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time as clock
from collections import Counter
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from notifications.delivery import SENDING_LEASE, outbox_sweep
from notifications.models import Kind, OutboxMessage
from notifications.services import OutboxItem, email_send_once_bulk
from tests.conftest import need
from tests.notifications.conftest import need_redis

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
Status = OutboxMessage.Status


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_worker(name: str, smtp_port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),  # the test database, which this test commits to
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "SITE_URL": settings.SITE_URL,
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork"]
    command += ["--concurrency=1", "--loglevel=WARNING", "-n", f"{name}-{os.getpid()}@%h"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    with log.open("ab") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )


def stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def wait_for(condition, timeout: float = 30) -> bool:
    deadline = clock.monotonic() + timeout
    while clock.monotonic() < deadline:
        if condition():
            return True
        clock.sleep(0.1)
    return False


def wait_until(condition, what: str, timeout: float = 30) -> None:
    deadline = clock.monotonic() + timeout
    while clock.monotonic() < deadline:
        if condition():
            return
        clock.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def forget_unacked(ids: set[int]) -> None:
    """Drop the dead worker's unacknowledged message for our rows from Redis.

    Redis would hand it out again after the visibility timeout (an hour), to whatever worker
    runs then; in this test the sweep has already done that job, so clean up after ourselves.
    """
    with redis.Redis.from_url(settings.REDIS_URL) as r:
        for tag, raw in r.hgetall("unacked").items():
            message = json.loads(raw)[0]
            if message["headers"].get("task") != "notifications.send_outbox_message":
                continue
            args = json.loads(base64.b64decode(message["body"]))[0]
            if args and args[0] in ids:
                r.hdel("unacked", tag)
                r.zrem("unacked_index", tag)


def test_a_worker_killed_mid_batch_loses_nothing(smtp, runner, tmp_path):
    need_redis()
    need("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL")
    log = tmp_path / "worker.log"
    items = [
        OutboxItem(
            recipient=runner,
            kind=Kind.RUN_REMINDER,
            dedupe_key=f"run_reminder:{runner.pk}:2026-11-{10 + n}",
            template="run_reminder",
            context={"run_title": f"Run {n}", "run_url": "http://testserver/today/"},
        )
        for n in range(1, 7)
    ]
    with transaction.atomic():
        assert email_send_once_bulk(items) == 6
    rows = {m.subject: m.pk for m in OutboxMessage.objects.all()}
    held = "Today's run: Run 3"
    smtp.hold_subject = held  # the server takes the message, then sits on its reply
    first = start_worker("doomed", smtp.port, log)
    try:
        if not smtp.holding.wait(timeout=30):
            pytest.fail("the worker never got to message 3:\n" + log.read_text())
        stop(first, signal.SIGKILL)  # the whole worker, mid-send, no goodbye
    finally:
        stop(first, signal.SIGKILL)
        smtp.release.set()

    status = dict(OutboxMessage.objects.values_list("subject", "status"))
    assert status.pop(held) == Status.SENDING
    assert set(status.values()) <= {Status.SENT, Status.PENDING}

    second = start_worker("restarted", smtp.port, log)
    try:
        sent = OutboxMessage.objects.filter(status=Status.SENT)
        wait_until(lambda: sent.count() == 5, "the restarted worker to finish the batch")
        # The message the dead worker was sending waits for its lease to run out...
        assert OutboxMessage.objects.get(pk=rows[held]).status == Status.SENDING
        OutboxMessage.objects.filter(pk=rows[held]).update(
            claimed_at=timezone.now() - SENDING_LEASE - timedelta(seconds=1)
        )
        # ...and then the sweep hands it to the live worker.
        assert outbox_sweep(min_age=timedelta(minutes=1)) == 1
        wait_until(lambda: sent.count() == 6, "the sweep to resend the lost message")
    finally:
        stop(second)
        forget_unacked(set(rows.values()))

    received = Counter(m["Subject"] for m in smtp.messages)
    assert set(received) == set(rows)  # nothing lost
    # The server had accepted message 3 when the worker died without recording it: that
    # one arrives twice. Every other message arrives once.
    assert received.pop(held) == 2
    assert set(received.values()) == {1}
    assert OutboxMessage.objects.get(pk=rows[held]).attempts == 2


def test_a_worker_killed_mid_reminder_batch_leaves_no_reminder_unsent(smtp, tmp_path):
    """The beat tick hands a batch of athletes to a worker, which dies half-way through it
    (its outbox insert held on a lock). Nothing was written; the next tick of the look-back
    hands them out again and each athlete gets exactly one reminder. The dead worker's batch,
    redelivered an hour later, adds nothing."""
    from plans.tasks import fan_out_to_workers, send_reminder_batch
    from tests.plans.test_reminders_real import athlete_due_now

    need_redis()
    need("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL")
    log = tmp_path / "worker.log"
    athletes = [athlete_due_now()[0] for _ in range(12)]
    tick = timezone.now()
    # One session holds the lock; another watches (a transaction sees pg_stat_activity as it
    # was when it first looked, so the holder could not).
    with (
        psycopg.connect(database_url(), autocommit=False) as holder,
        psycopg.connect(database_url(), autocommit=True) as watcher,
    ):
        # Reads go on; the batch's insert into the outbox waits for the lock.
        holder.execute("LOCK TABLE notifications_outboxmessage IN SHARE ROW EXCLUSIVE MODE")
        assert fan_out_to_workers(tick)["run_reminder"] == 12
        doomed = start_worker("doomed", smtp.port, log)
        try:
            if not wait_for(lambda: waiting_insert(watcher), 60):
                pytest.fail("the batch never reached its insert:\n" + log.read_text())
            stop(doomed, signal.SIGKILL)  # the whole worker, mid-batch
            # The database drops the dead client's session (done here at once, so the held
            # insert cannot slip through when the lock goes).
            watcher.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO \"notif%%'"
            )
        finally:
            stop(doomed, signal.SIGKILL)
            holder.rollback()
    assert not OutboxMessage.objects.exists()  # the batch wrote nothing

    second = start_worker("restarted", smtp.port, log)
    try:
        # The next tick, five minutes on, still looks back over the reminder time.
        assert fan_out_to_workers(tick + timedelta(minutes=5))["run_reminder"] == 12
        wait_until(lambda: len(smtp.messages) == 12, "the twelve reminders", 60)
        # Redis hands the dead worker's batch out again after its visibility timeout.
        ids = sorted(a.pk for a in athletes)
        day = OutboxMessage.objects.values_list("dedupe_key", flat=True)[0].rsplit(":", 1)[1]
        send_reminder_batch.delay("run_reminder", day, ids, tick.isoformat())
        wait_until(lambda: not redis_queue_length(), "the redelivered batch to run")
        clock.sleep(1)
    finally:
        stop(second)
        forget_unacked_batches()
    assert Counter(m["To"] for m in smtp.messages) == Counter(a.email for a in athletes)
    assert OutboxMessage.objects.count() == OutboxMessage.objects.filter(status=Status.SENT).count()
    assert OutboxMessage.objects.count() == 12


def waiting_insert(holder) -> bool:
    return bool(
        holder.execute(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE 'INSERT INTO \"notif%%'"
        ).fetchone()
    )


def redis_queue_length() -> int:
    with redis.Redis.from_url(settings.REDIS_URL) as r:
        return r.llen("celery")


def forget_unacked_batches() -> None:
    """Drop the dead worker's unacknowledged reminder batch from Redis (see forget_unacked)."""
    with redis.Redis.from_url(settings.REDIS_URL) as r:
        for tag, raw in r.hgetall("unacked").items():
            if json.loads(raw)[0]["headers"].get("task") == "plans.send_reminder_batch":
                r.hdel("unacked", tag)
                r.zrem("unacked_index", tag)
