"""What the Today and Plan pages (and the calendar feed and reminders) read.

Dates of runs still to come are placed live from `today`, so a page never shows a run as due
on a day that has passed: a missed day has already shifted it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import User
from plans import schedule
from plans.models import Enrollment, PlanEvent, PlannedRun
from plans.progression import Exercise, Segment, Week, describe_main_set
from plans.services import (
    NEXT_BLOCK_WEEKS,
    current_enrollment,
    last_run_day,
    local_today,
    program_for,
    undo_problem,
    zone_of,
)

Status = Enrollment.Status
RunStatus = PlannedRun.Status
PAUSE_KINDS = (PlanEvent.Kind.PAUSED, PlanEvent.Kind.AWAITING_CLEARANCE)


@dataclass(frozen=True)
class Upcoming:
    """A run still to come: a row already made (`run`), or one of a later week (`run` None)."""

    date: date
    week_number: int
    run_number: int
    segments: tuple[Segment, ...]
    run: PlannedRun | None
    again: bool = False  # a later time through the week being run now (after a hold)

    @property
    def main_set(self) -> str:
        return describe_main_set(self.segments)

    @property
    def total_seconds(self) -> int:
        return sum(s.seconds for s in self.segments)


def upcoming_runs(
    enrollment: Enrollment, runs: list[PlannedRun], today: date, limit: int | None = None
) -> list[Upcoming]:
    """The runs to come, in order, with their dates as things stand today.

    `runs` are the plan's rows (all of them). Nothing is to come while a plan is paused or
    finished. Later weeks assume each week is done as planned (a pending hold repeats one).
    """
    if enrollment.status != Status.ACTIVE:
        return []
    last_day = last_run_day(runs, zone_of(enrollment.athlete))
    return upcoming_runs_from(enrollment, runs, today, last_day, limit)


def upcoming_runs_from(
    enrollment: Enrollment,
    runs: list[PlannedRun],
    today: date,
    last_day: date | None,
    limit: int | None = None,
) -> list[Upcoming]:
    """`upcoming_runs` for callers that load only the planned rows and the last run day.

    `last_day` is the local date of the latest run done or skipped (None: none yet). The
    reminder tick uses this to load a few rows per athlete instead of their whole history.
    """
    if enrollment.status != Status.ACTIVE:
        return []
    slots: list[tuple[int, int, tuple[Segment, ...], PlannedRun | None, bool]] = [
        (r.week_number, r.run_number, r.segment_list, r, False)
        for r in sorted(runs, key=lambda r: r.sequence)
        if r.status == RunStatus.PLANNED
    ]
    program = None  # built only when weeks not made yet are needed: most calls never do
    for week in schedule.weeks_ahead(
        enrollment.current_week, enrollment.weeks_planned, enrollment.repeat_current_week
    ):
        if limit is not None and len(slots) >= limit:
            break
        program = program or program_for(enrollment)
        again = week == enrollment.current_week
        slots += [(week, r.number, r.segments, None, again) for r in program.weeks[week - 1].runs]
    slots = slots[:limit] if limit is not None else slots
    start = schedule.first_free_day(enrollment.start_date, today, last_day)
    days = schedule.run_dates(len(slots), enrollment.weekdays, start)
    return [Upcoming(day, *slot) for day, slot in zip(days, slots, strict=True)]


# --- Today ------------------------------------------------------------------------------------


@dataclass
class TodayView:
    state: str  # "none", or an Enrollment.Status value
    enrollment: Enrollment | None = None
    today: date | None = None
    next: Upcoming | None = None
    after: list[Upcoming] = field(default_factory=list)
    week: Week | None = None  # the program week of the next run: strength work, notes
    done_today: PlannedRun | None = None  # the run finished today, if any
    can_undo: bool = False
    pause_event: PlanEvent | None = None  # why the plan is paused
    runs_per_week: int = 0
    next_block_weeks: int = NEXT_BLOCK_WEEKS

    @property
    def next_is_today(self) -> bool:
        return self.next is not None and self.next.date == self.today


def today_for(athlete: User, today: date, now: datetime | None = None) -> TodayView:
    """Everything the Today page shows: the next run and what follows, or why there is none."""
    enrollment = current_enrollment(athlete)
    if enrollment is None:
        return TodayView(state="none", today=today)
    enrollment.athlete = athlete
    runs = list(enrollment.runs.all())
    upcoming = upcoming_runs(enrollment, runs, today, limit=4)
    view = TodayView(
        state=enrollment.status,
        enrollment=enrollment,
        today=today,
        next=upcoming[0] if upcoming else None,
        after=upcoming[1:],
        runs_per_week=enrollment.runs_per_week,
    )
    if view.next is not None:
        view.week = program_for(enrollment).weeks[view.next.week_number - 1]
    zone = zone_of(athlete)
    done = [r for r in runs if r.status == RunStatus.DONE]
    latest = max(done, key=lambda r: (r.completed_at, r.sequence), default=None)
    if latest is not None and latest.completed_at.astimezone(zone).date() == today:
        view.done_today = latest
        view.can_undo = undo_problem(latest, now or timezone.now()) is None
    if enrollment.status in (Status.PAUSED, Status.AWAITING_CLEARANCE):
        view.pause_event = enrollment.events.filter(kind__in=PAUSE_KINDS).order_by("-pk").first()
    return view


# --- The whole plan ---------------------------------------------------------------------------


@dataclass
class RunLine:
    """One row of a week's table: a run done, skipped, cancelled, or to come."""

    week_number: int
    run_number: int
    status: str  # a PlannedRun.Status value
    status_label: str
    date: date | None
    run: PlannedRun | None = None


@dataclass
class Visit:
    """One time through a program week: the first, a repeat, or one still to come."""

    label: str
    lines: list[RunLine]


@dataclass
class WeekView:
    number: int
    main_set: str
    volume_seconds: int
    change: Fraction | None  # against the week before; None for week 1
    notes: list[str]
    strength: tuple[Exercise, ...]
    is_current: bool
    is_past: bool
    visits: list[Visit] = field(default_factory=list)

    @property
    def change_percent(self) -> float | None:
        return None if self.change is None else float(self.change) * 100


@dataclass
class PlanOverview:
    enrollment: Enrollment
    today: date
    weeks: list[WeekView]
    events: list[PlanEvent]
    runs_done: int
    runs_total: int


def plan_overview(enrollment: Enrollment, *, today: date | None = None) -> PlanOverview:
    """All weeks (volume, change against the week before, notes, strength, runs) and history.

    Weeks already behind the athlete show what they ran; the current week and later ones show
    the program at today's cap.
    """
    today = today or local_today(enrollment.athlete)
    runs = list(enrollment.runs.all())
    events = list(enrollment.events.select_related("actor").order_by("-created_at", "-pk"))
    program = program_for(enrollment)
    upcoming = upcoming_runs(enrollment, runs, today)
    finished = enrollment.status == Status.FINISHED
    zone = zone_of(enrollment.athlete)
    weeks: list[WeekView] = []
    for week in program.weeks:
        past = week.number < enrollment.current_week or (
            finished and week.number <= enrollment.current_week
        )
        ran = [r for r in runs if r.week_number == week.number and r.status == RunStatus.DONE]
        segments, volume, notes = week.runs[0].segments, week.volume_seconds, week.notes
        if past and ran:
            last = max(ran, key=lambda r: r.sequence)
            if last.segments != PlannedRun.snapshot(week.runs[0]):
                segments = last.segment_list
                volume = last.main_seconds * enrollment.runs_per_week
                notes = ["Run as planned before the weekly increase cap was lowered."]
        previous = weeks[-1].volume_seconds if weeks else None
        weeks.append(
            WeekView(
                number=week.number,
                main_set=describe_main_set(segments),
                volume_seconds=volume,
                change=Fraction(volume, previous) - 1 if previous else None,
                notes=notes,
                strength=week.strength,
                is_current=week.number == enrollment.current_week and not finished,
                is_past=past,
                visits=_visits(week.number, runs, upcoming, enrollment.runs_per_week, zone),
            )
        )
    done = sum(1 for r in runs if r.status == RunStatus.DONE)
    return PlanOverview(
        enrollment=enrollment,
        today=today,
        weeks=weeks,
        events=events,
        runs_done=done,
        runs_total=done + len(upcoming),
    )


def _visits(
    week_number: int,
    runs: list[PlannedRun],
    upcoming: list[Upcoming],
    runs_per_week: int,
    zone: ZoneInfo,
) -> list[Visit]:
    dates = {u.run.pk: u.date for u in upcoming if u.run is not None}
    by_training_week: dict[int, list[RunLine]] = {}
    for run in sorted(runs, key=lambda r: r.sequence):
        if run.week_number != week_number:
            continue
        by_training_week.setdefault(run.training_week, []).append(
            RunLine(
                week_number=run.week_number,
                run_number=run.run_number,
                status=run.status,
                status_label=run.get_status_display(),
                date=_run_date(run, dates, zone),
                run=run,
            )
        )
    visits = [
        Visit(label="First time" if index == 0 else "Again", lines=lines)
        for index, lines in enumerate(by_training_week.values())
    ]
    later = [u for u in upcoming if u.run is None and u.week_number == week_number]
    for start in range(0, len(later), runs_per_week):
        lines = [
            RunLine(u.week_number, u.run_number, RunStatus.PLANNED, "To come", u.date)
            for u in later[start : start + runs_per_week]
        ]
        visits.append(Visit(label="First time" if not visits else "Again", lines=lines))
    return visits


def _run_date(run: PlannedRun, upcoming_dates: dict[int, date], zone: ZoneInfo) -> date | None:
    if run.status == RunStatus.DONE:
        return run.completed_at.astimezone(zone).date()
    if run.status == RunStatus.SKIPPED:
        return run.skipped_at.astimezone(zone).date()
    if run.status == RunStatus.PLANNED:
        return upcoming_dates.get(run.pk, run.scheduled_date)
    return run.scheduled_date
