"""A year of reminder ticks in time zones with and without daylight saving.

Two parts, as the tick is built: the decisions (which local day is due at a tick, is a run due
that day, was one missed, does a pause end) are plain Python, so the whole of 2026 is
simulated at every 5-minute tick (105,120 of them) without a database; then the real tick,
database and all, runs at every tick of the days around each daylight-saving change and must
send exactly what the rules say.

What the rules say is written out here on its own (``expected``), from dates and weekdays
alone, not from the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from notifications.localtime import reminder_instant
from notifications.models import Kind, OutboxMessage
from notifications.services import preferences_save
from plans import reminders
from plans.models import Enrollment, PlannedRun
from plans.progression import build_program
from plans.reminders import (
    LOOKBACK_MINUTES,
    PlanState,
    dedupe_key,
    due_of,
    nudge_on,
    pause_ends_on,
    reminders_send,
    run_due_on,
)
from tests.factories import EnrollmentFactory, UserFactory
from tests.notifications.conftest import confirm_email

TICK = timedelta(minutes=reminders.TICK_MINUTES)
REMINDER, NUDGE, PAUSE_OVER = Kind.RUN_REMINDER, Kind.MISSED_RUN_NUDGE, Kind.PAUSE_OVER


@dataclass(frozen=True)
class Profile:
    """One athlete: where they live, when they want reminding, and what they do."""

    name: str
    zone: str
    at: time
    weekdays: tuple[int, ...]
    runs: bool = False  # runs every run day, after the reminder; otherwise never runs
    pause: tuple[date, int] | None = None  # paused at local noon that day, for n days
    unsubscribe: date | None = None  # stops run-day reminders at local noon that day

    def local(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=ZoneInfo(self.zone)).astimezone(UTC)

    def instant(self, day: date) -> datetime:
        return reminder_instant(self.zone, day, self.at)


# Reminder times chosen to land in each zone's spring gap or autumn fold (or both).
PROFILES = [
    # 01:30 does not exist on 29 March and happens twice on 25 October.
    Profile("london-night", "Europe/London", time(1, 30), (0, 2, 4)),
    # 02:30 does not exist on 8 March; paused over that day, the rest ends on it.
    Profile(
        "new-york-gap", "America/New_York", time(2, 30), (6, 2, 4), pause=(date(2026, 3, 1), 7)
    ),
    # 01:30 happens twice on 1 November; Saturday and Sunday back to back, and Wednesday.
    Profile("new-york-fold", "America/New_York", time(1, 30), (5, 6, 2)),
    # Lord Howe moves by half an hour: 02:15 is in October's gap, 01:45 in April's fold.
    Profile(
        "lord-howe-gap", "Australia/Lord_Howe", time(2, 15), (6, 1, 3), unsubscribe=date(2026, 9, 1)
    ),
    Profile("lord-howe-fold", "Australia/Lord_Howe", time(1, 45), (6, 0, 3)),
    Profile("kolkata", "Asia/Kolkata", time(7, 30), (0, 2, 4), pause=(date(2026, 6, 10), 14)),
    # Chatham's 03:00 is in September's gap and April's fold.
    Profile("chatham", "Pacific/Chatham", time(3, 0), (6, 2, 4), runs=True),
]
ZONES = {p.zone for p in PROFILES}
assert {
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
} <= ZONES


# ---- what should happen, from the rules alone --------------------------------------------


@dataclass
class Story:
    """What happens to one athlete, as instants: the plan's start, pause and unsubscribing."""

    profile: Profile
    start: date  # the plan's first day (local)
    started_at: datetime
    paused_at: datetime | None = None
    resumed_at: datetime | None = None  # the evening of the pause's last day
    paused_until: date | None = None
    unsubscribed_at: datetime | None = None

    @classmethod
    def of(cls, profile: Profile, start: date, started_at: datetime) -> Story:
        story = cls(profile, start, started_at)
        if profile.pause:
            first, days = profile.pause
            story.paused_at = profile.local(first, 12)
            story.paused_until = first + timedelta(days=days)
            story.resumed_at = profile.local(story.paused_until, 20)
        if profile.unsubscribe:
            story.unsubscribed_at = profile.local(profile.unsubscribe, 12)
        return story

    def paused(self, at: datetime) -> bool:
        return self.paused_at is not None and self.paused_at <= at < self.resumed_at

    def wants_reminders(self, at: datetime) -> bool:
        return self.unsubscribed_at is None or at < self.unsubscribed_at

    def running_since(self, at: datetime) -> datetime:
        return self.resumed_at if self.resumed_at and self.resumed_at <= at else self.started_at

    def run_day(self, day: date) -> bool:
        return day >= self.start and day.weekday() in self.profile.weekdays


def expected(story: Story, days) -> set[tuple[str, date]]:
    """(kind, date in the key) of every email the athlete should get for these local days."""
    p = story.profile
    due: set[tuple[str, date]] = set()
    for day in days:
        at = p.instant(day)
        if story.paused(at):
            if day == story.paused_until:
                due.add((PAUSE_OVER, day))
            continue
        reminded = story.run_day(day) and story.wants_reminders(at)
        if reminded:
            due.add((REMINDER, day))
        before = day - timedelta(days=1)
        missed = (
            not p.runs
            and story.run_day(before)
            and not story.paused(p.instant(before))
            and story.running_since(at) <= p.instant(before)
        )
        if missed and not reminded:
            due.add((NUDGE, before))
    return due


def day_of(kind: str, key_day: date) -> date:
    """The local day an email goes out on, from the date in its key."""
    return key_day + timedelta(days=1) if kind == NUDGE else key_day


# ---- the pure simulation: the whole year, every tick -------------------------------------


@dataclass
class Athlete:
    """The simulation's stand-in for one athlete's rows: unsaved model instances."""

    pk: int
    story: Story
    plan: PlanState
    wants_reminders: bool = True
    events: list = field(default_factory=list)  # (instant, action), in order


def unsaved_athlete(pk: int, story: Story) -> Athlete:
    p = story.profile
    user = User(pk=pk, time_zone=p.zone, email=f"{p.name}@example.com")
    enrollment = Enrollment(
        pk=pk,
        athlete=user,
        start_date=story.start,
        run_weekdays=",".join(str(d) for d in sorted(p.weekdays)),
        weekly_increase_cap=Decimal("0.10"),
    )
    week = build_program(len(p.weekdays), Decimal("0.10"), 4).weeks[0]
    planned = [
        PlannedRun(
            enrollment=enrollment,
            training_week=1,
            week_number=1,
            run_number=run.number,
            sequence=run.number,
            scheduled_date=story.start,
            segments=PlannedRun.snapshot(run),
        )
        for run in week.runs
    ]
    athlete = Athlete(pk, story, PlanState(enrollment, planned, None, story.started_at))
    if story.paused_at:
        athlete.events += [(story.paused_at, "pause"), (story.resumed_at, "resume")]
    if story.unsubscribed_at:
        athlete.events.append((story.unsubscribed_at, "unsubscribe"))
    athlete.events.sort()
    return athlete


def apply_events(athlete: Athlete, now: datetime) -> None:
    enrollment = athlete.plan.enrollment
    while athlete.events and athlete.events[0][0] <= now:
        moment, action = athlete.events.pop(0)
        if action == "pause":
            enrollment.status = Enrollment.Status.PAUSED
            enrollment.paused_until = athlete.story.paused_until
        elif action == "resume":
            enrollment.status = Enrollment.Status.ACTIVE
            enrollment.paused_until = None
            athlete.plan.running_since = moment
        else:
            athlete.wants_reminders = False


def simulate(athletes: list[Athlete], start: datetime, end: datetime) -> dict[str, datetime]:
    """Every tick from `start` to `end`: the tick's decisions, with the outbox as a dict."""
    outbox: dict[str, datetime] = {}

    def sent(kind: str, athlete: Athlete, key_day: date) -> bool:
        return dedupe_key(kind, athlete.pk, key_day) in outbox

    def send(kind: str, athlete: Athlete, key_day: date, now: datetime) -> None:
        outbox.setdefault(dedupe_key(kind, athlete.pk, key_day), now)

    by_pair: dict[tuple[str, time], list[Athlete]] = {}
    for athlete in athletes:
        p = athlete.story.profile
        by_pair.setdefault((p.zone, p.at), []).append(athlete)
    now = start
    while now <= end:
        for athlete in athletes:
            apply_events(athlete, now)
        for pair, day in due_of(by_pair, now).items():
            for athlete in by_pair[pair]:
                plan = athlete.plan
                # As the tick does: people whose email for the day exists are dropped first.
                if (
                    athlete.wants_reminders
                    and not sent(REMINDER, athlete, day)
                    and run_due_on(plan, day) is not None
                ):
                    send(REMINDER, athlete, day, now)
                    if athlete.story.profile.runs:
                        plan.last_day = day  # they run later that day
                eve = day - timedelta(days=1)
                if not sent(NUDGE, athlete, eve) and nudge_on(
                    plan, day, pair[1], gets_run_reminder=athlete.wants_reminders
                ):
                    send(NUDGE, athlete, eve, now)
                if not sent(PAUSE_OVER, athlete, day) and pause_ends_on(plan.enrollment, day):
                    send(PAUSE_OVER, athlete, day, now)
        now += TICK
    return outbox


def test_a_year_of_ticks_sends_each_email_once_on_its_local_day_within_a_tick():
    year = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    started_at = datetime(2025, 12, 27, 12, 0, tzinfo=UTC)
    athletes = [
        unsaved_athlete(pk, Story.of(p, date(2025, 12, 28), started_at))
        for pk, p in enumerate(PROFILES, start=1)
    ]
    outbox = simulate(
        athletes, datetime(2025, 12, 29, 0, 0, tzinfo=UTC), datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
    )
    sent: dict[int, dict[tuple[str, date], datetime]] = {a.pk: {} for a in athletes}
    for key, moment in outbox.items():
        kind, pk, key_day = key.split(":")
        sent[int(pk)][(kind, date.fromisoformat(key_day))] = moment
    for athlete in athletes:
        p = athlete.story.profile
        mine = {
            email: moment for email, moment in sent[athlete.pk].items() if day_of(*email) in year
        }
        # Exactly what the rules say: one per kind and local day (the keys are unique), on
        # run days only, none while paused, none after unsubscribing.
        assert set(mine) == expected(athlete.story, year), p.name
        for (kind, key_day), moment in mine.items():
            late = moment - p.instant(day_of(kind, key_day))
            assert timedelta(0) <= late < TICK, (p.name, kind, key_day, late)

    def count(name: str, kind: str) -> int:
        pk = next(a.pk for a in athletes if a.story.profile.name == name)
        return sum(1 for k, d in sent[pk] if k == kind and day_of(k, d) in year)

    def run_days(weekdays, days) -> int:
        return sum(1 for d in days if d.weekday() in weekdays)

    # Sanity: the year really was lived. Three runs a week, a nudge after each missed run
    # day unless the next day brings the run-day reminder itself.
    eves = [d - timedelta(days=1) for d in year]
    assert count("london-night", REMINDER) == run_days((0, 2, 4), year) == 156
    assert count("london-night", NUDGE) == run_days((0, 2, 4), eves)
    assert count("chatham", NUDGE) == 0  # runs every run day
    assert count("chatham", REMINDER) == run_days((6, 2, 4), year)
    assert count("new-york-fold", NUDGE) == run_days((6, 2), eves)  # not after Saturday
    assert count("new-york-gap", PAUSE_OVER) == count("kolkata", PAUSE_OVER) == 1
    assert count("kolkata", REMINDER) == run_days((0, 2, 4), year) - 6  # two weeks' rest
    # Unsubscribed at noon on Tuesday 1 September: that morning's reminder was the last.
    unsubscribed = [d for d in year if d <= date(2026, 9, 1)]
    assert count("lord-howe-gap", REMINDER) == run_days((6, 1, 3), unsubscribed)


def test_the_tick_s_catch_up_is_one_hour():
    assert LOOKBACK_MINUTES == 60


# ---- the real tick, around each daylight-saving change -----------------------------------

# 2026's changes, all on a Sunday: New York, London, Lord Howe and Chatham (same day),
# Chatham, Lord Howe, London, New York.
CHANGES = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 9, 27),
    date(2026, 10, 4),
    date(2026, 10, 25),
    date(2026, 11, 1),
]
DB_PROFILES = [Profile(p.name, p.zone, p.at, p.weekdays) for p in PROFILES if not p.runs] + [
    Profile("london-evening", "Europe/London", time(23, 55), (5, 6, 1))
]


def floor_tick(moment: datetime) -> datetime:
    return datetime.fromtimestamp(moment.timestamp() // TICK.seconds * TICK.seconds, tz=UTC)


def ticks_that_matter(profiles, first: datetime, last: datetime) -> list[datetime]:
    """Around each reminder time: the tick before, the one that holds it and the next; and
    every half hour besides, where nothing new may be sent."""
    ticks = set()
    for p in profiles:
        local = first.astimezone(ZoneInfo(p.zone)).date()
        for n in range(-1, 5):
            holding = floor_tick(p.instant(local + timedelta(days=n)) - timedelta(seconds=1)) + TICK
            ticks |= {holding - TICK, holding, holding + TICK}
    moment = first
    while moment <= last:
        ticks.add(moment)
        moment += 6 * TICK
    return sorted(t for t in ticks if first <= t <= last)


def quiet_tick(after: datetime, profiles) -> datetime:
    """The first tick after `after` whose look-back holds nobody's reminder time."""
    lookback = timedelta(minutes=LOOKBACK_MINUTES)
    tick = floor_tick(after)
    while True:
        tick += TICK
        days = {
            tick.astimezone(ZoneInfo(p.zone)).date() + timedelta(days=n)
            for p in profiles
            for n in (-1, 0, 1)
        }
        if not any(tick - lookback < p.instant(day) <= tick for p in profiles for day in days):
            return tick


@pytest.mark.django_db
@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_the_real_tick_around_a_daylight_saving_change_sends_what_the_rules_say(
    change, time_machine
):
    # From Saturday morning (UTC) to Monday noon: the Sunday of the change everywhere, and
    # the Monday that follows (the nudges about that Sunday).
    created_at = datetime.combine(change - timedelta(days=1), time(4), tzinfo=UTC)
    time_machine.move_to(created_at, tick=False)
    stories: dict[int, Story] = {}
    for p in DB_PROFILES:
        athlete = UserFactory(time_zone=p.zone)
        confirm_email(athlete)
        preferences_save(user=athlete, choices={}, reminder_time=p.at)
        plan = EnrollmentFactory(athlete=athlete, weekdays=p.weekdays)
        stories[athlete.pk] = Story.of(p, plan.start_date, created_at)
    first = quiet_tick(created_at, DB_PROFILES)
    last = datetime.combine(change + timedelta(days=1), time(12), tzinfo=UTC)
    for tick in ticks_that_matter(DB_PROFILES, first, last):
        late = tick + timedelta(seconds=7)  # beat fires a little late
        time_machine.move_to(late, tick=False)
        reminders_send(now=late)
    sent: dict[int, dict[tuple[str, date], datetime]] = {pk: {} for pk in stories}
    for row in OutboxMessage.objects.all():
        kind, pk, key_day = row.dedupe_key.split(":")
        sent[int(pk)][(kind, date.fromisoformat(key_day))] = row.created_at
    for pk, story in stories.items():
        p = story.profile
        local = first.astimezone(ZoneInfo(p.zone)).date()
        days = [local + timedelta(days=n) for n in range(-1, 5)]
        days = [d for d in days if first < p.instant(d) <= last]
        assert set(sent[pk]) == expected(story, days), p.name
        for (kind, key_day), moment in sent[pk].items():
            late = moment - p.instant(day_of(kind, key_day))
            assert timedelta(0) <= late < TICK, (p.name, kind, key_day, late)
    # Every change is on a Sunday: everyone running on Sundays got that day's reminder, and
    # those running Saturdays too got no nudge about Saturday on the Sunday.
    for pk, story in stories.items():
        runs_sunday = 6 in story.profile.weekdays
        assert ((REMINDER, change) in sent[pk]) == runs_sunday, story.profile.name
