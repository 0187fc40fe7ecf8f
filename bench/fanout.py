"""Reminder fan-out: one beat tick with 100,000 athletes due at once, against the floor.

What it measures, and why. Every 5 minutes the beat task ``plans.send_reminders`` runs the
tick in two steps. The tick itself (``plans.tasks.fan_out_to_workers``) selects, per kind, the
ids of everyone whose local reminder time falls in the tick's window and whose email is not
written yet (one SQL query per kind), and publishes them to Redis as batch tasks of 500 ids.
The workers then run the batches (``plans.reminders.reminder_batch_send``): load those
people's plans, decide who gets what, write the outbox rows and publish one send task per
email. The worst tick is the one where a whole population has the same local reminder time
(07:30 in one big country, say). This script builds 100,000 athletes who are all due at one
tick, runs that tick against the bench's PostgreSQL and real Redis broker, and reports:

- seconds for the tick, and per 10,000 athletes, with its SQL queries (a fixed number per
  kind, never per person) and the batch messages it published;
- the floor: pushing one message per athlete (100,000 send-task messages, as the workers
  publish them) straight to Redis with redis-py pipelines (LPUSH), which no fan-out that
  reaches every athlete can beat. The goal ratio is the tick against this floor. For
  reference, also the floor for the tick's own messages (the same number of batch messages);
- the workers' share: ``BATCHES_TIMED`` batches run in this process, one after another, with
  the seconds and queries per batch of 500, and what that makes for all 100,000 in worker
  seconds (spread over however many worker processes run).

Goals (issue #8): the tick for 100,000 athletes in under 10 seconds, and within 5x the floor.

The athletes: ``fanout-<n>@bench.invalid``, each with a confirmed address, email preferences
with a reminder time, an active 3-runs-a-week plan (Monday, Wednesday, Friday) that starts on
the tick's day and its week-1 runs, and the "started" event. They are spread over 13 time
zones and 12 reminder times (within the tick's one-hour look-back), so the tick deals with 156
(time zone, reminder time) pairs, not one. The tick runs at a fixed moment (Wednesday
2026-06-10 13:00 UTC, a run day everywhere in those zones) because the tick takes the moment as
an argument: the data then stays valid, and is built once and reused by later runs
(about 30 s to build). Nobody else in the bench data is due at that moment; the rows the batches
write are deleted, and its Redis queue emptied, before and after each run, so every run
measures the same work.

Run it alone with ``python -m bench.fanout`` (about a minute once the data exists).
"""

from __future__ import annotations

import statistics
import time as clock
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
BATCHES_TIMED = 10  # the workers' share is measured on this many batches of the tick


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
    queries: int
    queued: dict[str, int]  # people in the batches, per kind
    messages: int  # batch messages published
    message_bytes: int


def measure_tick(client) -> tuple[Tick, bytes]:
    """Run the tick at TICK once (selection and publishing), timing it and counting its
    queries. Returns it with one of the batch messages it published."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plans.tasks import fan_out_to_workers

    with CaptureQueriesContext(connection) as queries:
        start = clock.perf_counter()
        queued = fan_out_to_workers(TICK)
        seconds = clock.perf_counter() - start
    published = client.lrange(QUEUE, 0, -1)
    if not published:
        raise RuntimeError("The tick queued nothing: is the data due at TICK?")
    size = round(statistics.mean(len(message) for message in published))
    tick = Tick(seconds, len(queries), queued, len(published), size)
    return tick, max(published, key=len)


@dataclass
class Batches:
    count: int
    seconds: list[float]
    queries: list[int]
    emails: int

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def measure_batches(client, count: int) -> tuple[Batches, bytes]:
    """The workers' share, in this process: the first ``count`` batches of the tick, one after
    another, each writing its outbox rows and publishing its send tasks to Redis. Returns
    the figures and one send-task message (what the workers publish per athlete)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plans.reminders import reminder_batch_send, reminders_fan_out

    published: list[tuple[str, object, list[int]]] = []
    reminders_fan_out(
        now=TICK,
        publish=lambda kind, day, ids: published.append((kind, day, ids)),
        publish_selector=lambda name: None,
    )
    client.delete(QUEUE)
    batches = Batches(count=min(count, len(published)), seconds=[], queries=[], emails=0)
    for kind, day, ids in published[:count]:
        with CaptureQueriesContext(connection) as queries:
            start = clock.perf_counter()
            batches.emails += reminder_batch_send(kind, day, ids, now=TICK)
            batches.seconds.append(clock.perf_counter() - start)
        batches.queries.append(len(queries))
    sample = client.lindex(QUEUE, 0)
    if sample is None:
        raise RuntimeError("The batches published no send task.")
    return batches, sample


def measure_floor(client, message: bytes, count: int = COUNT, batch: int = 500) -> float:
    """Seconds to LPUSH ``count`` copies of ``message`` with redis-py pipelines of ``batch``
    commands (as Celery publishes a batch's sends on one connection): the bare transport."""
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

    from plans.reminders import BATCH_SIZE

    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL.startswith("redis"):
        raise RuntimeError("The fan-out bench needs the Redis broker (REDIS_URL), not eager mode.")
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    ensure_athletes()
    reset(client)
    say(f"tick at {TICK.isoformat()} with {COUNT:,} athletes due")
    try:
        tick, batch_message = measure_tick(client)
        say(
            f"tick: {tick.seconds:.2f} s, {tick.queries} queries, {tick.messages:,} batch "
            f"messages of {tick.message_bytes:,} bytes, people per kind {tick.queued}"
        )
        batches, send_message = measure_batches(client, BATCHES_TIMED)
        say(
            f"batches: {batches.count} run in {sum(batches.seconds):.2f} s "
            f"(median {batches.median:.2f} s), {batches.emails:,} emails written and queued"
        )
        client.delete(QUEUE)
        floor = measure_floor(client, send_message)
        say(f"floor: {floor:.2f} s for {COUNT:,} LPUSHes of {len(send_message)} bytes")
        own_floor = measure_floor(client, batch_message, count=tick.messages)
        say(f"floor of the tick's own messages: {own_floor * 1000:.1f} ms")
    finally:
        reset(client)
    people = tick.queued.get("run_reminder", 0)
    per_10k = tick.seconds / (COUNT / 10_000)
    ratio = tick.seconds / floor
    per_batch_queries = statistics.median(batches.queries)
    worker_seconds = batches.median * tick.messages
    lines = [
        f"## Reminder fan-out: one tick with {COUNT:,} athletes due",
        "",
        "PostgreSQL + Redis broker on this machine; the beat tick (`plans.send_reminders`: "
        "`fan_out_to_workers`) at a moment when all "
        f"{COUNT:,} `fanout-*` athletes are due (13 time zones x 12 reminder times). The tick "
        f"selects the ids due per kind and publishes them as batch tasks of {BATCH_SIZE}; the "
        "workers run the batches (decide, write the outbox rows, publish one send per email).",
        "",
        "| Measure | Value |",
        "|---|---|",
        f"| Athletes due for a run-day reminder, handed out | {people:,} in {tick.messages:,} "
        f"batch messages of {tick.message_bytes:,} bytes on average |",
        f"| The tick (selection + publishing the batches) | {tick.seconds:.2f} s |",
        f"| ... per 10,000 athletes | {per_10k:.2f} s |",
        f"| ... SQL queries | {tick.queries} in all: the due pairs, then one per kind, "
        "whatever the number of people |",
        f"| Floor: redis-py pipelined LPUSH of {COUNT:,} send messages ({len(send_message):,} "
        f"bytes, one per athlete) | {floor:.2f} s |",
        f"| The tick / floor | {ratio:.1f}x |",
        f"| Floor of the tick's own {tick.messages:,} messages | {own_floor * 1000:.1f} ms |",
        f"| Workers: one batch of {BATCH_SIZE} (decide, write, publish the sends), median of "
        f"{batches.count} | {batches.median:.2f} s, {per_batch_queries:.0f} queries |",
        f"| Workers: all {tick.messages:,} batches | {worker_seconds:.0f} worker-seconds "
        f"({worker_seconds / 2:.0f} s of wall time on the compose file's 2 worker processes) |",
        "",
        f"- Goal: the tick for {COUNT:,} athletes under {GOAL_SECONDS:.0f} s: "
        f"{'met' if tick.seconds < GOAL_SECONDS else 'NOT met'} ({tick.seconds:.2f} s).",
        f"- Goal: the tick within {GOAL_RATIO:.0f}x the floor: "
        f"{'met' if ratio <= GOAL_RATIO else 'NOT met'} ({ratio:.1f}x).",
        "- The emails themselves are written by the workers after the tick, batch by batch; "
        "the last row above says how long that takes.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(main())
