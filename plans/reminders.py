"""Who gets a run-day reminder, a missed-run nudge or a pause-over invitation at a beat tick.

A tick runs every 5 minutes on a crontab, in UTC, in two steps, with a fixed number of queries
per kind or per batch of people, never per person:

1. The tick itself (``reminders_fan_out``; the beat task ``plans.tasks.send_reminders``): one
   query reads the distinct (time zone, reminder time) pairs of athletes with an open plan, and
   ``notifications.localtime`` says which pairs have their local reminder time inside this
   tick's window, and on which local date. Then per kind one query reads the ids of the people
   behind those pairs who would receive that kind (``wants_email``: switched on and address
   confirmed), whose plan is in the right state and could have a run that day, and whose email
   for the day is not in the outbox yet. They are handed out in batches of ``BATCH_SIZE``.
2. Each batch, on a worker (``reminder_batch_send``): the people are read again, those whose
   email exists are dropped, a few queries load their plans (open enrollment, planned rows,
   last run day, when the plan last started); the decisions below (plain Python, no queries)
   pick who gets what; ``email_send_once_bulk`` writes the outbox rows and enqueues the sends
   after commit.

``reminders_send`` runs both steps in one process (tests, the shell).

How "due" is decided, at local date ``d`` (the date of the reminder time in the window):

- run-day reminder: the first run of ``upcoming_runs`` as things stand on ``d`` falls on
  ``d``. So: the plan is active (not paused, awaiting clearance or finished), ``d`` is one of
  the athlete's run days, the plan has started, and no run was done or skipped on ``d`` yet
  (one run a day: a run done at 06:00 means no reminder at 07:30).
- missed-run nudge, at the reminder time on ``d`` about ``d - 1``: recomputed, not read from
  ``PlannedRun.scheduled_date`` (that date is only rewritten when a run is done, skipped or
  undone, so after a missed day it goes stale). A run was due on ``d - 1`` and missed when the
  first upcoming run as things stand on ``d - 1`` falls on ``d - 1`` -- which already means no
  run was done or skipped since -- and the plan was running at ``d - 1``'s reminder time
  (started, resumed, cleared or extended before it), so someone who starts a plan in the
  evening is not nudged about it next morning. No nudge on a day whose run-day reminder goes
  out: that email names the same run (the tick writes reminders first, so someone whose
  reminder row for the day exists is dropped before their plan is loaded).
- pause-over invitation: the plan is paused and its minimum rest ends on ``d``
  (``Enrollment.paused_until``); keyed by that date, so a pause that is extended invites once
  more, on its new last day.

Catching up: a tick looks back ``LOOKBACK_MINUTES``, so one that never ran (workers down, a
message that expired) is made up by the next; the outbox key carries the local date and keeps
it to one email per person, kind and day. With every tick running, each email goes out in the
first tick at or after its local time.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import reduce
from itertools import islice
from operator import or_
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from notifications.localtime import due_date, reminder_instant
from notifications.models import Kind, OutboxMessage
from notifications.services import (
    OutboxItem,
    absolute_url,
    email_send_once_bulk,
    wants_email,
    with_reminder_time,
)
from plans.models import Enrollment, PlanEvent, PlannedRun
from plans.overview import Upcoming, upcoming_runs_from

log = logging.getLogger(__name__)

TICK_MINUTES = 5  # the beat entry's crontab(minute="*/5") must match
LOOKBACK_MINUTES = 60  # how long a missed tick can be made up for
BATCH_SIZE = 500
# The check-in page belongs to the symptoms layer: plans names its URL, never imports it.
CHECKIN_URL_NAME = "symptoms:checkin"

Status = Enrollment.Status
RunStatus = PlannedRun.Status
# Events after which a plan is running again (its runs placed from that day on).
RUNNING_FROM = (
    PlanEvent.Kind.STARTED,
    PlanEvent.Kind.RESUMED,
    PlanEvent.Kind.CLEARED,
    PlanEvent.Kind.EXTENDED,
)

T = TypeVar("T")
Due = dict[tuple[str, time], date]  # (stored time zone, reminder time) -> local date due


# ---- who is due at this tick (reusable by the layers above) ------------------------------


def zone_name(stored: str) -> str:
    """The zone to compute in: the stored name, or UTC for one zoneinfo does not know.

    Forms refuse unknown zones; this keeps one bad row from stopping everyone's tick, and
    matches ``plans.services.zone_of``, which shows such a person their dates in UTC.
    """
    try:
        ZoneInfo(stored)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return stored


def due_of(
    pairs: Iterable[tuple[str, time]], now: datetime, *, lookback_minutes: int = LOOKBACK_MINUTES
) -> Due:
    """Which (stored time zone, reminder time) pairs are due at this tick, with their local
    date. Pure: the tick's timing, simulated over a year in the tests."""
    due: Due = {}
    for zone, at in set(pairs):
        day = due_date(
            now,
            zone_name(zone),
            at,
            tick_minutes=TICK_MINUTES,
            lookback_minutes=lookback_minutes,
        )
        if day is not None:
            due[(zone, at)] = day
    return due


def due_pairs_of(
    users: QuerySet[User], now: datetime, *, lookback_minutes: int = LOOKBACK_MINUTES
) -> Due:
    """The (time zone, reminder time) pairs among ``users`` due at this tick. One query."""
    pairs = with_reminder_time(users.order_by()).values_list("time_zone", "reminder_at").distinct()
    return due_of(pairs, now, lookback_minutes=lookback_minutes)


def people_with(users: QuerySet[User], due: Due) -> list[tuple[User, date]]:
    """The people in ``users`` behind the due pairs, each with their local date. One query.

    Each user carries ``reminder_at`` (their local reminder time) and any annotation the
    queryset had.
    """
    if not due:
        return []
    times: dict[str, list[time]] = defaultdict(list)
    for zone, at in due:
        times[zone].append(at)
    match = reduce(or_, (Q(time_zone=zone, reminder_at__in=ats) for zone, ats in times.items()))
    found = with_reminder_time(users).filter(match).order_by("pk")
    return [(user, due[(user.time_zone, user.reminder_at)]) for user in found]


def people_due(
    users: QuerySet[User], now: datetime, *, lookback_minutes: int = LOOKBACK_MINUTES
) -> list[tuple[User, date]]:
    """Who in ``users`` has their local reminder time in this tick's window, and on which
    local date: the building block for any "at the person's reminder time" email. Two
    queries, whatever the number of people.

    Pass a queryset already narrowed to the people who would get the email (``wants_email``
    and the state the kind needs); then build one ``OutboxItem`` per person whose local date
    qualifies, keyed with ``dedupe_key``, and hand them to ``email_send_once_bulk``.
    """
    return people_with(users, due_pairs_of(users, now, lookback_minutes=lookback_minutes))


def dedupe_key(kind: str, user_id: int, day: date) -> str:
    """The outbox key of a once-a-day email: "<kind>:<recipient id>:<local date>"."""
    return f"{kind}:{user_id}:{day.isoformat()}"


def chunked(items: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def existing_keys(keys: Iterable[str]) -> set[str]:
    """Which of these outbox keys are taken already. One query."""
    return set(
        OutboxMessage.objects.filter(dedupe_key__in=set(keys)).values_list("dedupe_key", flat=True)
    )


def unsent(
    kind: str,
    people: Sequence[tuple[User, date]],
    key_day: Callable[[date], date] = lambda day: day,
) -> list[tuple[User, date]]:
    """Drop the people whose email of this kind for that day exists already. One query.

    ``key_day`` maps the due local date to the date in the key (default: the same).
    """
    taken = existing_keys(dedupe_key(kind, user.pk, key_day(day)) for user, day in people)
    return [(u, d) for u, d in people if dedupe_key(kind, u.pk, key_day(d)) not in taken]


# ---- the decisions: plain Python on rows already loaded ---------------------------------


@dataclass
class PlanState:
    """What the decisions need to know about one open plan, loaded in bulk."""

    enrollment: Enrollment  # with .athlete set
    planned: list[PlannedRun]  # its planned rows only
    last_day: date | None  # local date of the latest run done or skipped
    running_since: datetime | None = None  # latest start, resume, clearance or extension


def run_due_on(plan: PlanState, day: date) -> Upcoming | None:
    """The run due on local ``day`` as things stand, or None (not a run day for this plan)."""
    first = upcoming_runs_from(plan.enrollment, plan.planned, day, plan.last_day, limit=1)
    return first[0] if first and first[0].date == day else None


def run_missed_on(plan: PlanState, day: date, at: time) -> Upcoming | None:
    """The run that was due on ``day`` and neither done nor skipped (nor anything since).

    Only if the plan was already running at that day's reminder time ``at``.
    """
    if plan.running_since is None:
        return None
    zone = zone_name(plan.enrollment.athlete.time_zone)
    if plan.running_since > reminder_instant(zone, day, at):
        return None
    return run_due_on(plan, day)


def nudge_on(plan: PlanState, day: date, at: time, *, gets_run_reminder: bool) -> Upcoming | None:
    """The missed run to nudge about at the reminder time on ``day`` (about ``day - 1``)."""
    if gets_run_reminder and run_due_on(plan, day) is not None:
        return None  # today's run-day reminder names the same run
    return run_missed_on(plan, day - timedelta(days=1), at)


def pause_ends_on(enrollment: Enrollment, day: date) -> bool:
    return enrollment.status == Status.PAUSED and enrollment.paused_until == day


# ---- loading plans in bulk --------------------------------------------------------------


def plans_of(users: Sequence[User], *, with_running_since: bool = False) -> dict[int, PlanState]:
    """The open plans of these people, by user id: three queries (four with running_since)."""
    by_id = {user.pk: user for user in users}
    enrollments = list(Enrollment.objects.filter(athlete_id__in=list(by_id), finished_at=None))
    ids = [e.pk for e in enrollments]
    planned: dict[int, list[PlannedRun]] = defaultdict(list)
    for run in PlannedRun.objects.filter(enrollment_id__in=ids, status=RunStatus.PLANNED):
        planned[run.enrollment_id].append(run)
    last_moments = dict(
        PlannedRun.objects.filter(
            enrollment_id__in=ids, status__in=[RunStatus.DONE, RunStatus.SKIPPED]
        )
        .order_by()
        .values("enrollment_id")
        .annotate(at=Max(Coalesce("completed_at", "skipped_at")))
        .values_list("enrollment_id", "at")
    )
    since: dict[int, datetime] = {}
    if with_running_since:
        since = dict(
            PlanEvent.objects.filter(enrollment_id__in=ids, kind__in=RUNNING_FROM)
            .order_by()
            .values("enrollment_id")
            .annotate(at=Max("created_at"))
            .values_list("enrollment_id", "at")
        )
    plans: dict[int, PlanState] = {}
    for enrollment in enrollments:
        athlete = by_id[enrollment.athlete_id]
        enrollment.athlete = athlete
        moment = last_moments.get(enrollment.pk)
        last_day = (
            moment.astimezone(ZoneInfo(zone_name(athlete.time_zone))).date() if moment else None
        )
        plans[athlete.pk] = PlanState(
            enrollment, planned[enrollment.pk], last_day, since.get(enrollment.pk)
        )
    return plans


def _athletes(kind: str, status: str, *plan_q: Q, **plan) -> QuerySet[User]:
    """People who would receive ``kind`` and whose open plan is in ``status`` (and matches
    ``plan_q``/``plan``, conditions on that same plan)."""
    conditions = {f"enrollments__{name}": value for name, value in plan.items()}
    return User.objects.filter(
        wants_email(kind),
        *plan_q,
        enrollments__finished_at=None,
        enrollments__status=status,
        **conditions,
    )


def _has_run_day(days: Iterable[date]) -> Q:
    """Plans that could have a run on one of these local dates: one of their run days, and
    not before their start (runs are only ever placed so). The decisions say which run."""
    return reduce(
        or_,
        (
            Q(
                enrollments__run_weekdays__contains=str(day.weekday()),
                enrollments__start_date__lte=day,
            )
            for day in days
        ),
    )


def _open_plans() -> QuerySet[User]:
    """Everyone a plans reminder might go to: a superset, to find the due pairs once."""
    return User.objects.filter(
        enrollments__finished_at=None, enrollments__status__in=[Status.ACTIVE, Status.PAUSED]
    )


# ---- the three kinds ------------------------------------------------------------------


def _run_title(run: Upcoming) -> str:
    return f"Week {run.week_number}, run {run.run_number}"


def _url(name: str, *args) -> str:
    return absolute_url(reverse(name, args=args))


def checkin_url() -> str:
    try:
        return _url(CHECKIN_URL_NAME)
    except NoReverseMatch:  # the symptoms layer is not installed: Today explains the pause
        return _url("plans:today")


def run_reminder_items(chunk: Sequence[tuple[User, date]], now: datetime) -> Iterator[OutboxItem]:
    """Run-day reminders for people due now whose email for the day is not written yet."""
    kind = Kind.RUN_REMINDER
    plans = plans_of([user for user, _ in chunk])
    for user, day in chunk:
        plan = plans.get(user.pk)
        run = run_due_on(plan, day) if plan else None
        if run is None:
            continue
        run_url = _url("plans:run_timer", run.run.pk) if run.run else _url("plans:today")
        yield OutboxItem(
            recipient=user,
            kind=kind,
            dedupe_key=dedupe_key(kind, user.pk, day),
            template="run_reminder",
            context={
                "run_title": _run_title(run),
                "run_summary": run.main_set,
                "run_url": run_url,
            },
        )


def missed_run_nudge_items(
    chunk: Sequence[tuple[User, date]], now: datetime
) -> Iterator[OutboxItem]:
    """Nudges about yesterday's run, for people due now (each user has ``gets_run_reminder``)."""
    kind = Kind.MISSED_RUN_NUDGE
    # People whose run-day reminder for the day is written already: it names the same run,
    # so no nudge goes with it, and their plans are not even loaded. (Without that row the
    # decision below still says so; this only saves the work.)
    reminded = existing_keys(
        dedupe_key(Kind.RUN_REMINDER, user.pk, day) for user, day in chunk if user.gets_run_reminder
    )
    chunk = [
        (user, day)
        for user, day in chunk
        if dedupe_key(Kind.RUN_REMINDER, user.pk, day) not in reminded
    ]
    if not chunk:
        return
    plans = plans_of([user for user, _ in chunk], with_running_since=True)
    for user, day in chunk:
        plan = plans.get(user.pk)
        run = (
            nudge_on(plan, day, user.reminder_at, gets_run_reminder=user.gets_run_reminder)
            if plan
            else None
        )
        if run is None:
            continue
        yield OutboxItem(
            recipient=user,
            kind=kind,
            # Keyed by the day that was missed: one nudge per missed run day.
            dedupe_key=dedupe_key(kind, user.pk, day - ONE_DAY),
            template="missed_run_nudge",
            context={"run_title": _run_title(run), "run_url": _url("plans:today")},
        )


def pause_over_items(chunk: Sequence[tuple[User, date]], now: datetime) -> Iterator[OutboxItem]:
    """Invitations to check in, for people whose pause ends on their local date now."""
    kind = Kind.PAUSE_OVER
    ids = [user.pk for user, _ in chunk]
    enrollments = {
        e.athlete_id: e for e in Enrollment.objects.filter(athlete_id__in=ids, finished_at=None)
    }
    for user, day in chunk:
        enrollment = enrollments.get(user.pk)
        if enrollment is None or not pause_ends_on(enrollment, day):
            continue
        yield OutboxItem(
            recipient=user,
            kind=kind,
            dedupe_key=dedupe_key(kind, user.pk, enrollment.paused_until),
            template="pause_over",
            context={"checkin_url": checkin_url()},
        )


def _run_reminder_people(now: datetime, days: set[date]) -> QuerySet[User]:
    return _athletes(Kind.RUN_REMINDER, Status.ACTIVE, _has_run_day(days))


def _nudge_people(now: datetime, days: set[date]) -> QuerySet[User]:
    # About the day before: only plans that could have had a run then.
    yesterdays = {day - ONE_DAY for day in days}
    return _athletes(Kind.MISSED_RUN_NUDGE, Status.ACTIVE, _has_run_day(yesterdays)).annotate(
        gets_run_reminder=Case(
            When(wants_email(Kind.RUN_REMINDER), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def _pause_over_people(now: datetime, days: set[date]) -> QuerySet[User]:
    # Local dates are within a day of UTC's: only pauses ending about now can be due.
    today = now.date()
    window = (today - timedelta(days=2), today + timedelta(days=2))
    return _athletes(Kind.PAUSE_OVER, Status.PAUSED, paused_until__range=window)


@dataclass(frozen=True)
class ReminderKind:
    """One kind of "at your reminder time" email, in the two steps of the fan-out.

    ``people(now, days)``: everyone who might get it, narrowed in SQL (preferences, a
    confirmed address, the plan's state); ``key_day`` maps the local date due to the date in
    the outbox key; ``items(chunk, now)``: the decisions for a batch of people, loaded in
    bulk, as the ``OutboxItem`` of each one who gets the email.
    """

    kind: str
    people: Callable[[datetime, set[date]], QuerySet[User]]
    items: Callable[[Sequence[tuple[User, date]], datetime], Iterable[OutboxItem]]
    key_day: Callable[[date], date] = lambda day: day


ONE_DAY = timedelta(days=1)
REMINDER_KINDS: dict[str, ReminderKind] = {
    Kind.RUN_REMINDER: ReminderKind(Kind.RUN_REMINDER, _run_reminder_people, run_reminder_items),
    Kind.MISSED_RUN_NUDGE: ReminderKind(
        Kind.MISSED_RUN_NUDGE, _nudge_people, missed_run_nudge_items, lambda day: day - ONE_DAY
    ),
    Kind.PAUSE_OVER: ReminderKind(Kind.PAUSE_OVER, _pause_over_people, pause_over_items),
}


def due_ids(reminder: ReminderKind, due: Due, now: datetime) -> dict[date, list[int]]:
    """The ids of the people due for this kind at this tick whose email is not written yet,
    by local date. One query, whatever their number: the outbox keys are matched in SQL
    (an index probe each), so a tick repeating in the look-back finds nobody again.
    """
    if not due:
        return {}
    by_day: dict[date, dict[str, list[time]]] = defaultdict(lambda: defaultdict(list))
    for (zone, at), day in due.items():
        by_day[day][zone].append(at)
    match = Q()
    for day, times in by_day.items():
        prefix = f"{reminder.kind}:"
        suffix = f":{reminder.key_day(day).isoformat()}"
        written = OutboxMessage.objects.filter(
            dedupe_key=Concat(Value(prefix), Cast(OuterRef("pk"), CharField()), Value(suffix))
        )
        pairs = reduce(or_, (Q(time_zone=zone, reminder_at__in=ats) for zone, ats in times.items()))
        match |= pairs & ~Exists(written)
    found: dict[date, list[int]] = defaultdict(list)
    rows = (
        with_reminder_time(reminder.people(now, set(by_day)))
        .filter(match)
        .order_by("pk")
        .values_list("pk", "time_zone", "reminder_at")
    )
    for pk, zone, at in rows:
        found[due[(zone, at)]].append(pk)
    return dict(found)


def reminder_batch_send(kind: str, day: date, ids: Sequence[int], *, now: datetime) -> int:
    """The second step of the fan-out, on a worker: decide for this batch of people (their
    local date ``day``) and write their emails to the outbox, which sends them once.

    A constant number of queries for the batch. Safe to run twice: the people whose email
    exists are dropped first, and the outbox keys make each email once. The people are read
    again, so someone who turned the kind off (or paused) since the tick gets nothing.
    """
    reminder = REMINDER_KINDS[kind]
    users = with_reminder_time(reminder.people(now, {day})).filter(pk__in=list(ids))
    chunk = unsent(kind, [(user, day) for user in users.order_by("pk")], reminder.key_day)
    if not chunk:
        return 0
    return email_send_once_bulk(reminder.items(chunk, now), batch_size=BATCH_SIZE)


# ---- the tick -----------------------------------------------------------------------------

# Kinds owned by the layers above (check-in invitations, coach digests) plug into the same
# tick: a selector takes the tick's moment and yields the OutboxItems due now, in bulk.
Selector = Callable[[datetime], Iterable[OutboxItem]]
_selectors: dict[str, Selector] = {}


BUILT_IN = (Kind.RUN_REMINDER, Kind.MISSED_RUN_NUDGE, Kind.PAUSE_OVER)


def register_selector(name: str, selector: Selector) -> Selector:
    """Add a kind to the tick (from an AppConfig.ready()); the same name replaces it."""
    if name in BUILT_IN:
        raise ValueError(f"{name!r} is the plans layer's own; register under another name.")
    _selectors[name] = selector
    return selector


def unregister_selector(name: str) -> None:
    _selectors.pop(name, None)


def selectors() -> dict[str, Selector]:
    return dict(_selectors)


Publish = Callable[[str, date, list[int]], object]  # (kind, local date, ids)
PublishSelector = Callable[[str], object]  # the name of a registered selector


def reminders_fan_out(
    *, now: datetime, publish: Publish, publish_selector: PublishSelector
) -> dict[str, int]:
    """The beat tick's own work: who is due now, by kind, in batches for the workers.

    Per kind one query gives the ids of the people due whose email is not written yet;
    ``publish`` is called once per batch of up to ``BATCH_SIZE`` of them (with their local
    date), and ``publish_selector`` once per kind registered by a layer above. Nothing is
    rendered or written here: the batches do that (``reminder_batch_send``), in parallel on
    the workers. Returns how many people each kind's batches hold. A kind that fails does
    not stop the others; the first failure is raised once all have run.
    """
    due = due_pairs_of(_open_plans(), now)
    queued: dict[str, int] = {}
    failures: list[Exception] = []
    for kind, reminder in REMINDER_KINDS.items():
        queued[str(kind)] = 0
        if not due:  # nobody's reminder time in this window (most ticks): no more queries
            continue
        try:
            for day, ids in due_ids(reminder, due, now).items():
                for batch in chunked(ids, BATCH_SIZE):
                    publish(str(kind), day, batch)
                    queued[str(kind)] += len(batch)
        except Exception as exc:
            log.exception("Reminder tick at %s: %s failed", now.isoformat(), kind)
            failures.append(exc)
    for name in selectors():
        try:
            publish_selector(name)
        except Exception as exc:
            log.exception("Reminder tick at %s: %s failed", now.isoformat(), name)
            failures.append(exc)
    if failures:
        raise failures[0]
    return queued


def reminders_send(*, now: datetime) -> dict[str, int]:
    """One whole tick in this process: the fan-out with each batch run at once; returns the
    sends enqueued per kind. For tests, the shell and a machine without workers; the beat
    task publishes the batches to the workers instead (``plans.tasks``).

    Safe to run twice, or beside another tick: the outbox keys make each email once. A kind
    that fails does not stop the others; the first failure is raised once all have run.
    """
    sent: dict[str, int] = {str(kind): 0 for kind in REMINDER_KINDS}

    def run_batch(kind: str, day: date, ids: list[int]) -> None:
        sent[kind] += reminder_batch_send(kind, day, ids, now=now)

    def run_selector(name: str) -> None:
        sent[name] = selector_send(name, now=now)

    reminders_fan_out(now=now, publish=run_batch, publish_selector=run_selector)
    return sent


def selector_send(name: str, *, now: datetime) -> int:
    """A kind registered by a layer above, run whole: its selector, then the outbox."""
    selector = _selectors.get(name)
    if selector is None:  # unregistered since the tick: nothing to do
        return 0
    return email_send_once_bulk(selector(now), batch_size=BATCH_SIZE)
