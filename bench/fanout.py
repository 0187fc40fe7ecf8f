"""Reminder fan-out: one beat tick with 100,000 athletes due at once, against the floor.

What it measures, and why. Every 5 minutes the beat task ``plans.send_reminders`` calls
``plans.reminders.reminders_send``: it selects everyone whose local reminder time falls in the
tick's window, writes one outbox row per email (``email_send_once_bulk``) and publishes one
Celery send task per row to Redis (``enqueue_sends``). The worst tick is the one where a whole
population has the same local reminder time (07:30 in one big country, say). This script
builds 100,000 athletes who are all due at one tick, runs that tick against the bench's
PostgreSQL and real Redis broker, and reports:

- seconds for the whole tick, and per 10,000 athletes;
- how many SQL queries it took, in total and per batch of people (the tick is meant to cost a
  fixed number of queries per batch, never per person);
- the floor: pushing the same number of messages of the same size straight to Redis with a
  redis-py pipeline (LPUSH), which no Celery publishing can beat. The ratio says how much the
  tick costs on top of the bare transport.

Goals (issue #8): the tick for 100,000 athletes in under 10 seconds, and within 5x the floor.

The athletes: ``fanout-<n>@bench.invalid``, each with a confirmed address, email preferences
with a reminder time, an active 3-runs-a-week plan (Monday, Wednesday, Friday) that starts on
the tick's day and its week-1 runs, and the "started" event. They are spread over 13 time
zones and 12 reminder times (within the tick's one-hour look-back), so the tick deals with 156
(time zone, reminder time) pairs, not one. The tick runs at a fixed moment (Wednesday
2026-06-10 13:00 UTC, a run day everywhere in those zones) because ``reminders_send`` takes the
moment as an argument: the data then stays valid, and is built once and reused by later runs
(about 30 s to build). Nobody else in the bench data is due at that moment; the rows the tick
writes are deleted, and its Redis queue emptied, before and after each run, so every run
measures the same work.

Run it alone with ``python -m bench.fanout`` (about a minute once the data exists).
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bench.env import REDIS_URL, setup_django

COUNT = 100_000
EMAIL_PREFIX = "fanout-"
EMAIL_DOMAIN = "bench.invalid"
EMAIL_LIKE = f"{EMAIL_PREFIX}%@{EMAIL_DOMAIN}"
# A Wednesday. At 13:00 UTC it is Wednesday, between 06:00 and 22:00, in every zone below.
TICK = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)
ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
)
MINUTES_BACK = tuple(range(0, 60, 5))  # reminder times in the tick's one-hour look-back
RUN_WEEKDAYS = "0,2,4"
CAP = "0.10"
WEEKS = 4
QUEUE = "celery"  # Celery's default queue: where enqueue_sends publishes
FLOOR_KEY = "bench:fanout:floor"
GOAL_SECONDS = 10.0
GOAL_RATIO = 5.0


def say(message: str) -> None:
    print(f"[fanout] {message}", flush=True)


# ---- the athletes ---------------------------------------------------------------------------


def athlete(n: int) -> tuple[str, str, time]:
    """Athlete n's address, time zone and local reminder time (due at TICK)."""
    zone = ZONES[n % len(ZONES)]
    back = MINUTES_BACK[(n // len(ZONES)) % len(MINUTES_BACK)]
    local = (TICK - timedelta(minutes=back)).astimezone(ZoneInfo(zone))
    return f"{EMAIL_PREFIX}{n}@{EMAIL_DOMAIN}", zone, local.time().replace(tzinfo=None)


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    """COPY rows into a table: the fastest way PostgreSQL takes many rows."""
    names = ", ".join(f'"{column}"' for column in columns)
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _counts(cursor) -> tuple[int, int, int]:
    cursor.execute(
        """
        SELECT count(DISTINCT u.id), count(DISTINCT e.id), count(DISTINCT r.enrollment_id)
        FROM accounts_user u
        LEFT JOIN plans_enrollment e ON e.athlete_id = u.id AND e.finished_at IS NULL
        LEFT JOIN plans_plannedrun r ON r.enrollment_id = e.id AND r.status = 'planned'
        WHERE u.email LIKE %s
        """,
        [EMAIL_LIKE],
    )
    return cursor.fetchone()


def _current(cursor) -> bool:
    """Do the stored zones and reminder times match this script's (for a sample of people)?"""
    sample = [athlete(n) for n in range(1, len(ZONES) * len(MINUTES_BACK) + 1)]
    cursor.execute(
        "SELECT u.email, u.time_zone, p.reminder_time FROM accounts_user u "
        "JOIN notifications_notificationpreference p ON p.user_id = u.id "
        "WHERE u.email = ANY(%s)",
        [[email for email, _, _ in sample]],
    )
    return sorted(cursor.fetchall()) == sorted(sample)


def _wipe(cursor) -> None:
    fanout = "SELECT id FROM accounts_user WHERE email LIKE %s"
    enrollments = f"SELECT id FROM plans_enrollment WHERE athlete_id IN ({fanout})"
    for statement in (
        f"DELETE FROM notifications_outboxmessage WHERE recipient_id IN ({fanout})",
        f"DELETE FROM plans_planevent WHERE enrollment_id IN ({enrollments})",
        f"DELETE FROM plans_plannedrun WHERE enrollment_id IN ({enrollments})",
        f"DELETE FROM plans_enrollment WHERE athlete_id IN ({fanout})",
        f"DELETE FROM notifications_notificationpreference WHERE user_id IN ({fanout})",
        f"DELETE FROM account_emailaddress WHERE user_id IN ({fanout})",
        "DELETE FROM accounts_user WHERE email LIKE %s",
    ):
        cursor.execute(statement, [EMAIL_LIKE])


def ensure_athletes() -> None:
    """Build the 100,000 athletes unless they are all there already (then: nothing to do)."""
    from django.db import connection, transaction

    from plans.models import PlannedRun
    from plans.progression import build_program
    from plans.schedule import parse_weekdays, run_dates

    with connection.cursor() as cursor:
        if _counts(cursor) == (COUNT, COUNT, COUNT) and _current(cursor):
            say(f"reusing the {COUNT:,} athletes already in the database")
            return
    started = clock.perf_counter()
    say(f"building {COUNT:,} athletes (COPY; once, reused by later runs)")
    day = TICK.date()
    created = TICK - timedelta(days=1)
    program = build_program(len(parse_weekdays(RUN_WEEKDAYS)), Decimal(CAP), WEEKS)
    week1 = program.weeks[0].runs
    dates = run_dates(len(week1), parse_weekdays(RUN_WEEKDAYS), day)
    people = [athlete(n) for n in range(1, COUNT + 1)]
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own cursor, for COPY
        _wipe(cursor)
        _copy(
            cursor,
            "accounts_user",
            (
                "password",
                "is_superuser",
                "is_staff",
                "is_active",
                "date_joined",
                "email",
                "display_name",
                "time_zone",
                "role",
            ),
            (
                ("!", False, False, True, created, email, f"Fanout {n}", zone, "athlete")
                for n, (email, zone, _) in enumerate(people, start=1)
            ),
        )
        cursor.execute("SELECT email, id FROM accounts_user WHERE email LIKE %s", [EMAIL_LIKE])
        ids = dict(cursor.fetchall())
        _copy(
            cursor,
            "account_emailaddress",
            ("email", "verified", "primary", "user_id"),
            ((email, True, True, ids[email]) for email, _, _ in people),
        )
        _copy(
            cursor,
            "notifications_notificationpreference",
            (
                "run_reminder",
                "checkin_invite",
                "missed_run_nudge",
                "pause_over",
                "coach_digest",
                "reminder_time",
                "updated_at",
                "user_id",
            ),
            ((True, True, True, True, True, at, created, ids[email]) for email, _, at in people),
        )
        _copy(
            cursor,
            "plans_enrollment",
            (
                "start_date",
                "run_weekdays",
                "weekly_increase_cap",
                "weeks_planned",
                "status",
                "current_week",
                "training_week",
                "repeat_current_week",
                "created_at",
                "athlete_id",
            ),
            (
                (day, RUN_WEEKDAYS, CAP, WEEKS, "active", 1, 1, False, created, ids[email])
                for email, _, _ in people
            ),
        )
        cursor.execute(
            "SELECT e.id FROM plans_enrollment e JOIN accounts_user u ON u.id = e.athlete_id "
            "WHERE u.email LIKE %s AND e.finished_at IS NULL",
            [EMAIL_LIKE],
        )
        enrollment_ids = [row[0] for row in cursor.fetchall()]
        segments = [PlannedRun.snapshot(run) for run in week1]
        _copy(
            cursor,
            "plans_plannedrun",
            (
                "enrollment_id",
                "training_week",
                "week_number",
                "run_number",
                "sequence",
                "scheduled_date",
                "status",
                "segments",
                "note",
            ),
            (
                (pk, 1, 1, run.number, run.number, dates[i], "planned", _json(segments[i]), "")
                for pk in enrollment_ids
                for i, run in enumerate(week1)
            ),
        )
        _copy(
            cursor,
            "plans_planevent",
            ("enrollment_id", "kind", "week_number", "actor_name", "reason", "created_at", "data"),
            ((pk, "started", 1, "", "", created, "{}") for pk in enrollment_ids),
        )
    with connection.cursor() as cursor:
        for table in (
            "accounts_user",
            "account_emailaddress",
            "notifications_notificationpreference",
            "plans_enrollment",
            "plans_plannedrun",
            "plans_planevent",
        ):
            cursor.execute(f"ANALYZE {table}")
        assert _counts(cursor) == (COUNT, COUNT, COUNT), _counts(cursor)
    say(f"built in {clock.perf_counter() - started:.1f} s")


def _json(value) -> str:
    import json

    return json.dumps(value)


# ---- a clean slate between runs -------------------------------------------------------------


def reset(client) -> None:
    """Delete what a tick at TICK wrote (outbox rows) and empty the broker queue."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM notifications_outboxmessage WHERE dedupe_key LIKE %s",
            [f"%:{TICK.date().isoformat()}"],
        )
        cursor.execute(
            "DELETE FROM notifications_outboxmessage WHERE dedupe_key LIKE %s",
            [f"%:{(TICK.date() - timedelta(days=1)).isoformat()}"],
        )
        cursor.execute("VACUUM ANALYZE notifications_outboxmessage")
    client.delete(QUEUE, FLOOR_KEY)


# ---- the measurements -----------------------------------------------------------------------


@dataclass
class Tick:
    seconds: float
    enqueue_seconds: float
    queries: int
    batches: int
    sent: dict[str, int]
    queued: int
    message_bytes: int


def measure_tick(client) -> Tick:
    """Run the tick at TICK once, timing it, counting its queries and the time publishing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import notifications.services as services
    from plans.reminders import BATCH_SIZE, reminders_send

    spent = [0.0]
    publish: Callable = services.enqueue_sends

    def timed_enqueue(ids, **kwargs):
        start = clock.perf_counter()
        try:
            return publish(ids, **kwargs)
        finally:
            spent[0] += clock.perf_counter() - start

    services.enqueue_sends = timed_enqueue
    try:
        with CaptureQueriesContext(connection) as queries:
            start = clock.perf_counter()
            sent = reminders_send(now=TICK)
            seconds = clock.perf_counter() - start
    finally:
        services.enqueue_sends = publish
    queued = client.llen(QUEUE)
    sample = client.lindex(QUEUE, 0) or b""
    return Tick(
        seconds=seconds,
        enqueue_seconds=spent[0],
        queries=len(queries),
        batches=-(-COUNT // BATCH_SIZE),
        sent=sent,
        queued=queued,
        message_bytes=len(sample),
    )


def measure_floor(client, message: bytes, count: int = COUNT, batch: int = 500) -> float:
    """Seconds to LPUSH ``count`` copies of a real Celery message with redis-py pipelines of
    ``batch`` commands (the size enqueue_sends publishes in): the bare transport cost."""
    client.delete(FLOOR_KEY)
    start = clock.perf_counter()
    pipe = client.pipeline(transaction=False)
    for i in range(1, count + 1):
        pipe.lpush(FLOOR_KEY, message)
        if i % batch == 0:
            pipe.execute()
    pipe.execute()
    seconds = clock.perf_counter() - start
    assert client.llen(FLOOR_KEY) == count
    client.delete(FLOOR_KEY)
    return seconds


# ---- the report -----------------------------------------------------------------------------


def main() -> str:
    import redis

    setup_django(production=True)  # as bench/run.py sets it up
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL.startswith("redis"):
        raise RuntimeError("The fan-out bench needs the Redis broker (REDIS_URL), not eager mode.")
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    ensure_athletes()
    reset(client)
    say(f"tick at {TICK.isoformat()} with {COUNT:,} athletes due")
    try:
        tick = measure_tick(client)
        say(
            f"tick: {tick.seconds:.2f} s ({tick.enqueue_seconds:.2f} s publishing), "
            f"{tick.queries} queries, {tick.queued:,} messages queued, sent {tick.sent}"
        )
        message = client.lindex(QUEUE, 0)
        if message is None:
            raise RuntimeError("The tick queued nothing: is the data due at TICK?")
        client.delete(QUEUE)
        floor = measure_floor(client, message)
        say(f"floor: {floor:.2f} s for {COUNT:,} LPUSHes of {len(message)} bytes")
    finally:
        reset(client)
    run_reminders = tick.sent.get("run_reminder", 0)
    per_10k = tick.seconds / (COUNT / 10_000)
    ratio = tick.seconds / floor
    publish_ratio = tick.enqueue_seconds / floor
    rest = tick.seconds - tick.enqueue_seconds
    lines = [
        f"## Reminder fan-out: one tick with {COUNT:,} athletes due",
        "",
        "PostgreSQL + Redis broker on this machine; the beat tick `reminders_send` at a moment "
        f"when all {COUNT:,} `fanout-*` athletes are due (13 time zones x 12 reminder times).",
        "",
        "| Measure | Value |",
        "|---|---|",
        f"| Run-day reminders written and enqueued | {run_reminders:,} "
        f"({tick.queued:,} messages in the queue) |",
        f"| Whole tick (selection + outbox rows + publishing) | {tick.seconds:.2f} s |",
        f"| ... per 10,000 athletes | {per_10k:.2f} s |",
        f"| ... selection and outbox rows (PostgreSQL) | {rest:.2f} s |",
        f"| ... publishing the send tasks (Celery to Redis) | {tick.enqueue_seconds:.2f} s |",
        f"| SQL queries | {tick.queries:,} in all, {tick.queries / tick.batches:.1f} per batch "
        f"of {COUNT // tick.batches} people ({tick.batches} batches) |",
        f"| Floor: redis-py pipelined LPUSH of {COUNT:,} messages of {tick.message_bytes:,} "
        f"bytes | {floor:.2f} s |",
        f"| Whole tick / floor | {ratio:.1f}x |",
        f"| Publishing / floor | {publish_ratio:.1f}x |",
        "",
        f"- Goal: the tick for {COUNT:,} athletes under {GOAL_SECONDS:.0f} s: "
        f"{'met' if tick.seconds < GOAL_SECONDS else 'NOT met'} ({tick.seconds:.2f} s).",
        f"- Goal: the tick within {GOAL_RATIO:.0f}x the floor: "
        f"{'met' if ratio <= GOAL_RATIO else 'NOT met'} ({ratio:.1f}x; publishing alone "
        f"{publish_ratio:.1f}x).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(main())
