"""Faults injected into real services, through the whole Django stack.

1. Redis dies (SIGKILL, no persistence) in the middle of a burst of 200 pain logs: every
   request still succeeds and shows its verdict, every log and plan change is saved once, and
   once Redis is back the outbox sweep and a real worker deliver every due coach alert to a
   real SMTP server exactly once -- including those that were sitting in Redis when it died.
2. The database connection is killed mid-request, after the first write of the transaction
   (what a database restart looks like to a running request): the athlete gets a 503 page
   saying nothing was saved, nothing is half-written, and sending the form again works.

A Celery worker SIGKILLed mid-send is tested in tests/notifications/test_worker_killed.py.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time as clock
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.tasks import sweep_outbox
from plans.models import Enrollment, PlanEvent, PlannedRun
from plans.services import run_complete
from symptoms.models import Effect, PainLog
from symptoms.services import consent_give
from tests.conftest import need
from tests.factories import CoachFactory, EnrollmentFactory, MembershipFactory, UserFactory
from tests.notifications.conftest import (
    broker_at,
    confirm_email,
    free_port,
    need_redis,
    smtp,  # noqa: F401 (a fixture)
)
from tests.realservices import celery_worker, drain

Status = OutboxMessage.Status
HTMX = {"HTTP_HX_REQUEST": "true"}
# A log's effect that changes the plan writes exactly one event naming the log; others none.
CHANGES_THE_PLAN = {
    Effect.HOLD,
    Effect.ROLL_BACK,
    Effect.PAUSE,
    Effect.AWAIT_CLEARANCE,
    Effect.RESUME,
}


def need_postgresql() -> None:
    need("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL")


def next_run(plan: Enrollment) -> PlannedRun:
    return plan.runs.filter(status="planned").order_by("sequence").first()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- 1. Redis killed during a burst of pain logs -------------------------------------------------

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
ATHLETES = 20
LOGS_EACH = 10
BURST = ATHLETES * LOGS_EACH  # 200 submissions
KILL_AFTER = 60

# What each submission answers, by (athlete + run) % 5: one in five is a red flag.
ANSWERS = [
    {"pain": "3", "numbness_tingling": "on"},  # see a clinician: the coaches are alerted
    {"pain": "1", "eased_after_warmup": "yes"},  # carry on
    {"pain": "4", "eased_after_warmup": "no"},  # hold
    {"pain": "6", "sharp": "on"},  # roll back or pause
    {"pain": "2"},  # carry on
]
RED_FLAG_ACTIONS = {"see_clinician", "urgent_care"}


class PrivateRedis:
    """A redis-server of our own on a free port: ours to kill without disturbing anyone."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        command += ["--logfile", str(self.directory / "redis.log")]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = clock.monotonic() + 10
        while not self._answers():
            if self.process.poll() is not None or clock.monotonic() > deadline:
                log = (self.directory / "redis.log").read_text(errors="replace")
                raise AssertionError(f"redis-server did not start:\n{log}")
            clock.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no save; what was queued in memory is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def queued(self) -> int:
        """Tasks waiting in Celery's default queue."""
        with self.client() as client:
            return client.llen("celery")

    @contextmanager
    def client(self) -> Iterator[redis.Redis]:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            yield client
        finally:
            client.close()

    def _answers(self) -> bool:
        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.RedisError:
            return False


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    need_postgresql()
    need_redis()  # the worker's result backend, for drain()
    need("redis-server", Path(REDIS_SERVER).exists(), "install redis-server (Debian: redis)")
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """broker_at, closing the broker connections we opened (a socket left open to the GC is a
    ResourceWarning, and warnings are errors)."""
    with broker_at(url) as app:
        try:
            yield
        finally:
            app.pool.force_close_all()
            app.amqp.producer_pool.force_close_all()


def athletes_with_coaches() -> tuple[list, dict[int, list[int]], dict[int, list[int]]]:
    """Twenty consenting athletes, each in a group of their own coach, with LOGS_EACH runs done.

    Athlete 0 is also in a head coach's group (two alerts per red flag); athlete 1 also has a
    coach whose address is not confirmed (the alert row is written, suppressed, never sent).
    Returns the athletes, and per athlete the coaches an alert must reach / must not reach.
    """
    athletes, due, suppressed = [], {}, {}
    head_coach = CoachFactory(display_name="Head Coach")
    confirm_email(head_coach)
    unconfirmed = CoachFactory(display_name="Unconfirmed Coach")
    for n in range(ATHLETES):
        athlete = UserFactory()
        consent_give(athlete=athlete)
        coach = CoachFactory()
        confirm_email(coach)
        MembershipFactory(group__coach=coach, athlete=athlete)
        due[athlete.pk], suppressed[athlete.pk] = [coach.pk], []
        if n == 0:
            MembershipFactory(group__coach=head_coach, athlete=athlete)
            due[athlete.pk].append(head_coach.pk)
        if n == 1:
            MembershipFactory(group__coach=unconfirmed, athlete=athlete)
            suppressed[athlete.pk].append(unconfirmed.pk)
        plan = EnrollmentFactory(athlete=athlete)
        athlete.done = [run_complete(run=next_run(plan), by=athlete) for _ in range(LOGS_EACH)]
        athletes.append(athlete)
    return athletes, due, suppressed


def wait_for_mail(inbox, count: int, timeout: float = 30) -> None:
    deadline = clock.monotonic() + timeout
    while len(inbox.messages) < count and clock.monotonic() < deadline:
        clock.sleep(0.05)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_redis_killed_during_a_burst_of_200_logs_loses_no_log_and_no_alert(
    private_redis,
    smtp,  # noqa: F811
):
    athletes, due_to, suppressed_to = athletes_with_coaches()
    clients = {athlete.pk: signed_in(athlete) for athlete in athletes}
    # Round robin over the athletes, each logging their runs in order.
    burst = [
        (athletes[i % ATHLETES], athletes[i % ATHLETES].done[i // ATHLETES], i)
        for i in range(BURST)
    ]

    failed: list[str] = []
    verdicts_shown = 0
    queued_when_killed = None
    with publishing_to(private_redis.url):
        for athlete, run, i in burst:
            if i == KILL_AFTER:
                queued_when_killed = private_redis.queued()
                private_redis.kill()
            client = clients[athlete.pk]
            answers = ANSWERS[(i % ATHLETES + i // ATHLETES) % len(ANSWERS)]
            url = reverse("symptoms:log_for_run", args=[run.pk])
            if i % 2:  # htmx: the form swaps itself for the verdict fragment
                response = client.post(url, answers, **HTMX)
                page = response
            else:  # no JavaScript: post, then follow the redirect to the verdict page
                response = client.post(url, answers)
                page = client.get(response["Location"]) if response.status_code == 302 else None
            if not 200 <= response.status_code < 400:
                failed.append(f"#{i}: {response.status_code}")
            elif page is not None and b'class="pain-verdict' in page.content:
                verdicts_shown += 1
            else:
                failed.append(f"#{i}: no verdict shown")
        assert private_redis.process is None, "Redis was never killed"

        # Redis is down. Every athlete got their answer and every log is saved, once.
        assert failed == [], f"{len(failed)} of {BURST} requests failed: {failed[:10]}"
        assert verdicts_shown == BURST
        logs = list(PainLog.objects.all())
        assert len(logs) == BURST, f"lost logs: {BURST - len(logs)}"
        assert {(log.athlete_id, log.run_id) for log in logs} == {
            (athlete.pk, run.pk) for athlete, run, _ in burst
        }
        assert all(log.applied_at is not None for log in logs)
        events = Counter(
            PlanEvent.objects.filter(source_log_id__isnull=False).values_list(
                "source_log_id", flat=True
            )
        )
        for log in logs:
            expected = 1 if log.effect in CHANGES_THE_PLAN else 0
            assert events[log.pk] == expected, (log.pk, log.action, log.effect, events[log.pk])
        assert sum(events.values()) == sum(1 for log in logs if log.effect in CHANGES_THE_PLAN)
        effects = Counter(log.effect for log in logs)
        assert len(effects) >= 4, effects  # a real mix: carry on, hold, roll back, red flag...

        red_flags = [log for log in logs if log.action in RED_FLAG_ACTIONS]
        due_keys = {
            f"coach_alert:{coach}:log:{log.pk}"
            for log in red_flags
            for coach in due_to[log.athlete_id]
        }
        suppressed_keys = {
            f"coach_alert:{coach}:log:{log.pk}"
            for log in red_flags
            for coach in suppressed_to[log.athlete_id]
        }
        assert len(red_flags) == BURST // len(ANSWERS)
        alerts = OutboxMessage.objects.filter(kind="coach_alert")
        assert set(alerts.values_list("dedupe_key", flat=True)) == due_keys | suppressed_keys
        assert (
            set(alerts.filter(status=Status.PENDING).values_list("dedupe_key", flat=True))
            == due_keys
        )
        assert (
            set(alerts.filter(status=Status.SUPPRESSED).values_list("dedupe_key", flat=True))
            == suppressed_keys
        )
        # Those enqueued before the kill were waiting in Redis, and died with it.
        assert queued_when_killed and queued_when_killed > 0, queued_when_killed
        assert smtp.messages == []

        # Redis comes back, empty, on the same port; the sweep's minute passes.
        private_redis.start()
        assert private_redis.queued() == 0
        alerts.filter(status=Status.PENDING).update(
            next_attempt_at=timezone.now() - timedelta(minutes=2)
        )
        with celery_worker():
            sweep_outbox.delay()
            wait_for_mail(smtp, len(due_keys))  # a shortfall is counted below, as lost
            sweep_outbox.delay()  # the next tick finds nothing left to send
            drain()
            drain()  # and whatever that tick enqueued has run too (one solo worker: FIFO)

    by_message_id = dict(alerts.values_list("message_id", "dedupe_key"))
    received = Counter(by_message_id.get(m["Message-ID"], m["Message-ID"]) for m in smtp.messages)
    lost = len(due_keys - set(received))
    duplicated = sum(count - 1 for count in received.values())
    unexpected = set(received) - due_keys
    figures = (
        f"{BURST} logs, Redis killed after {KILL_AFTER} with {queued_when_killed} alert(s) "
        f"queued in it; {len(due_keys)} alerts due, {len(smtp.messages)} delivered: "
        f"lost={lost} duplicated={duplicated} unexpected={len(unexpected)}; "
        f"effects of the logs: {dict(effects)}"
    )
    assert (lost, duplicated, unexpected) == (0, 0, set()), figures
    assert set(received) == due_keys, figures
    sent = alerts.filter(dedupe_key__in=due_keys)
    assert set(sent.values_list("status", "attempts")) == {(Status.SENT, 1)}, figures
    addressed_to = dict(sent.values_list("message_id", "recipient__email"))
    assert all(m["To"] == addressed_to[m["Message-ID"]] for m in smtp.messages)


# --- 2. The database connection killed in the middle of a request --------------------------------

FRIENDLY = "We could not save that. Nothing was changed. Please try again."


@dataclass(frozen=True)
class KillPoint:
    """Where to kill the request's connection: just after (or before) the first statement that
    starts with `sql`, and names `param` among its parameters if given."""

    sql: str
    param: str | None = None
    before: bool = False

    def matches(self, sql: str, params) -> bool:
        return sql.startswith(self.sql) and (
            self.param is None or self.param in [str(p) for p in params or ()]
        )


def terminate(pid: int) -> None:
    """Kill a backend from a second connection: to its client this is a database restart."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as other:
        # Waits (up to 5 s) until the backend has really gone.
        (gone,) = other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()
    assert gone, f"backend {pid} was not terminated"


@contextmanager
def connection_killed(point: KillPoint) -> Iterator[list[dict]]:
    """While the block runs, kill this thread's database connection (the test client runs
    the request on it) at `point`, once. Yields what was killed: pid and transaction state."""
    killed: list[dict] = []

    def wrapper(execute, sql, params, many, context):
        due = not killed and point.matches(sql, params)
        if due and point.before:
            killed.append(kill())
        result = execute(sql, params, many, context)
        if due and not point.before:
            killed.append(kill())
        return result

    def kill() -> dict:
        pid = connection.connection.info.backend_pid
        terminate(pid)
        return {"pid": pid, "in_transaction": connection.in_atomic_block}

    with connection.execute_wrapper(wrapper):
        yield killed


def assert_friendly_503(response, where: str) -> None:
    body = response.content.decode()
    assert response.status_code == 503, (where, response.status_code, body[:500])
    assert FRIENDLY in body, where
    assert response["Retry-After"].isdigit(), where
    assert response["Content-Type"].startswith("text/html"), where
    for leak in ("Traceback", "OperationalError", "terminating connection", "psycopg"):
        assert leak not in body, (where, leak)
    # The dead connection was dropped, so the next query (the next request) opens a new one.
    assert connection.connection is None, where


@pytest.fixture
def published(monkeypatch) -> list[int]:
    """The outbox ids handed to the broker (recorded, not published)."""
    from notifications.tasks import send_outbox_message

    ids: list[int] = []
    monkeypatch.setattr(
        send_outbox_message, "apply_async", lambda args, **options: ids.append(args[0])
    )
    return ids


def plan_state(plan: Enrollment) -> dict:
    plan.refresh_from_db()
    return {
        "status": plan.status,
        "current_week": plan.current_week,
        "training_week": plan.training_week,
        "repeat_current_week": plan.repeat_current_week,
        "events": list(plan.events.order_by("pk").values_list("pk", "kind")),
        "runs": list(plan.runs.order_by("pk").values_list("pk", "status", "sequence")),
    }


# The first write of the transaction, then later ones: the log, the plan's change, the alert.
PAIN_LOG_KILL_POINTS = {
    "after the log row is inserted": KillPoint('INSERT INTO "symptoms_painlog"'),
    "after the plan event is inserted": KillPoint('INSERT INTO "plans_planevent"'),
    "after the coach alert row is inserted": KillPoint('INSERT INTO "notifications_outboxmessage"'),
}


@pytest.mark.django_db(transaction=True)
def test_the_database_dying_mid_pain_log_gives_an_error_page_and_saves_nothing(published):
    need_postgresql()
    answers = {"pain": "3", "numbness_tingling": "on"}  # a red flag: log, plan event, alert
    scenarios = [(name, point, {}) for name, point in PAIN_LOG_KILL_POINTS.items()]
    scenarios.append(
        (
            "htmx, after the plan event",
            PAIN_LOG_KILL_POINTS["after the plan event is inserted"],
            HTMX,
        )
    )
    for where, point, headers in scenarios:
        athlete = UserFactory()
        consent_give(athlete=athlete)
        coach = CoachFactory()
        confirm_email(coach)
        MembershipFactory(group__coach=coach, athlete=athlete)
        plan = EnrollmentFactory(athlete=athlete)
        run = run_complete(run=next_run(plan), by=athlete)
        client = signed_in(athlete)
        url = reverse("symptoms:log_for_run", args=[run.pk])
        before = plan_state(plan)
        published.clear()

        with connection_killed(point) as killed:
            response = client.post(url, answers, **headers)
        assert killed == [{"pid": killed[0]["pid"], "in_transaction": True}], where
        assert_friendly_503(response, where)
        assert published == [], where  # nothing committed, so no alert was enqueued

        # Seen on a new connection: nothing of the request's transaction is left.
        assert not PainLog.objects.filter(athlete=athlete).exists(), where
        assert not OutboxMessage.objects.filter(recipient=coach).exists(), where
        assert plan_state(plan) == before, where
        run.refresh_from_db()
        assert run.status == "done", where

        # Sent again, it is saved once, with its plan change and its alert.
        response = client.post(url, answers, **headers)
        assert response.status_code == (200 if headers else 302), where
        log = PainLog.objects.get(athlete=athlete)
        assert (log.run_id, log.action, log.effect) == (run.pk, "see_clinician", "await_clearance")
        assert PlanEvent.objects.filter(source_log_id=log.pk).count() == 1, where
        (alert,) = OutboxMessage.objects.filter(recipient=coach)
        assert published == [alert.pk], where
        assert plan_state(plan)["status"] == "awaiting_clearance", where


# Week 1's last run: the click that writes the most (the run, two events, week 2's runs).
MARK_DONE_KILL_POINTS = {
    "after the run row is updated": KillPoint('UPDATE "plans_plannedrun"'),
    "after the run-completed event": KillPoint('INSERT INTO "plans_planevent"', "run_completed"),
    "after the week-advanced event": KillPoint('INSERT INTO "plans_planevent"', "week_advanced"),
    # Outside any transaction: the view's first query, before anything is written.
    "before the view's first query": KillPoint('SELECT "plans_plannedrun"', before=True),
}


@pytest.mark.django_db(transaction=True)
def test_the_database_dying_mid_mark_done_gives_an_error_page_and_saves_nothing():
    need_postgresql()
    for where, point in MARK_DONE_KILL_POINTS.items():
        athlete = UserFactory()
        plan = EnrollmentFactory(athlete=athlete)
        run_complete(run=next_run(plan), by=athlete)
        run_complete(run=next_run(plan), by=athlete)
        run = next_run(plan)
        client = signed_in(athlete)
        url = reverse("plans:run_done", args=[run.pk])
        before = plan_state(plan)

        with connection_killed(point) as killed:
            response = client.post(url, {"note": "Easy"})
        assert len(killed) == 1, where
        assert killed[0]["in_transaction"] is not point.before, where
        assert_friendly_503(response, where)
        assert plan_state(plan) == before, where  # not done, no event, week 2 not opened

        response = client.post(url, {"note": "Easy"})
        assert response.status_code == 302, where
        run.refresh_from_db()
        assert run.status == "done", where
        assert run.events.filter(kind=PlanEvent.Kind.RUN_COMPLETED).count() == 1, where
        plan.refresh_from_db()
        assert plan.current_week == 2, where
        assert plan.events.filter(kind=PlanEvent.Kind.WEEK_ADVANCED).count() == 1, where


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("where", "point"),
    [
        ("loading the session", KillPoint('SELECT "django_session"', before=True)),
        ("loading the signed-in person", KillPoint('SELECT "accounts_user"', before=True)),
    ],
)
def test_the_database_dying_before_the_view_gives_the_same_503(where, point):
    """In a middleware, before any view: Django's error handling, then the 503 page."""
    need_postgresql()
    athlete = UserFactory()
    plan = EnrollmentFactory(athlete=athlete)
    client = signed_in(athlete)
    client.raise_request_exception = False  # answer as to a browser, not re-raised here
    url = reverse("plans:run_done", args=[next_run(plan).pk])
    before = plan_state(plan)
    with connection_killed(point) as killed:
        response = client.post(url, {"note": "Easy"})
    assert len(killed) == 1, where
    assert_friendly_503(response, where)
    assert plan_state(plan) == before, where
    assert client.post(url, {"note": "Easy"}).status_code == 302, where


def test_the_error_pages_render_without_the_database(monkeypatch):
    """The 503 and 500 pages need no request context: they render with every query refused."""
    from django.db.backends.utils import CursorWrapper
    from django.template.loader import render_to_string

    def refused(*args, **kwargs):
        raise AssertionError("the error page queried the database")

    monkeypatch.setattr(CursorWrapper, "execute", refused)
    assert FRIENDLY in render_to_string("503.html")
    assert "Something went wrong" in render_to_string("500.html")
