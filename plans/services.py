"""Writes that change a plan.

Each function runs in one transaction with the enrollment row locked (select_for_update) and
writes an append-only PlanEvent for every change it makes. Failures the athlete or coach can act
on raise PlanError with a sentence to show them; nothing is saved half-way.

Decisions, in the runner's and the physio's terms:

* The plan advances by completed runs. A skipped run is not dropped: the slot is kept (marked
  skipped, with its date) and the same run comes again on the next run day, so a week is done
  only when all its runs are *done*. Skipping shifts the schedule; it never skips training.
* One run a day at most in the schedule: after a run is done or skipped, the next is placed on
  a later run day (an athlete may still do it early; the schedule then follows them).
* A verdict (hold, roll-back, pause, clearance) applies to the week of the run it is about
  (`run_id`). A log usually arrives just after the last run of a week, when the plan has
  already opened the next week: if nothing has happened in that new week yet, the plan first
  steps back to the run's week (its runs all done), then applies the verdict. So moderate pain
  after run 3 of week 3 sends the athlete to week 2, as it would after run 2.
* Hold: the week is repeated once its runs are done (at once if they are all done already).
* Roll-back: back one program week (week 1 restarts week 1). The week being left keeps its
  done runs; its remaining runs are cancelled (or removed, if that week had not begun).
* Pause / awaiting clearance: the open week is taken off the plan; resuming opens a new week
  `weeks_back` weeks before the one where it stopped (default one, never before week 1).
* Cap change: only lower, during a plan. The week number stays; runs not yet done take the new
  program's shape for that week. Under a lower cap no week of the program is larger than
  before (tests check this), so the weeks to come stay within the new cap of what was run.
"""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, F, Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from plans import hooks, schedule
from plans.models import MAX_CAP, MIN_CAP, Enrollment, PlanEvent, PlannedRun, TrainingRecord
from plans.progression import Program, build_program

UNDO_WINDOW = timedelta(minutes=15)
NEXT_BLOCK_WEEKS = 4
MAX_ACTUAL_SECONDS = 5 * 3600
NOTE_MAX_LENGTH = 280

Kind = PlanEvent.Kind
Status = Enrollment.Status
RunStatus = PlannedRun.Status


class PlanError(Exception):
    """A change the plan cannot take; the message is written for the person who asked."""


def record_changed(athlete_id: int, now: datetime | None = None) -> None:
    """Give the athlete's training record a new revision (see TrainingRecord). Call it inside
    the transaction that changes their plans, runs, plan events or pain logs: every service
    here does, through `_locked` or at its start, and so do the symptoms services."""
    TrainingRecord.objects.bulk_create(
        [
            TrainingRecord(
                athlete_id=athlete_id, revision=uuid.uuid4(), changed_at=now or timezone.now()
            )
        ],
        update_conflicts=True,
        unique_fields=["athlete"],
        update_fields=["revision", "changed_at"],
    )


# --- Helpers shared with the read side --------------------------------------------------------


def zone_of(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_today(user: User, now: datetime | None = None) -> date:
    """The date it is now where the athlete lives."""
    return (now or timezone.now()).astimezone(zone_of(user)).date()


def program_for(enrollment: Enrollment) -> Program:
    return build_program(
        enrollment.runs_per_week, enrollment.weekly_increase_cap, enrollment.weeks_planned
    )


def last_run_day(runs, zone: zoneinfo.ZoneInfo) -> date | None:
    """Local date of the latest run done or skipped, from rows already loaded."""
    moments = [r.completed_at or r.skipped_at for r in runs if r.completed_at or r.skipped_at]
    return max(moments).astimezone(zone).date() if moments else None


def say_date(day: date) -> str:
    """ "Friday 7 May": how the app names a day in sentences."""
    return f"{day:%A} {day.day} {day:%B}"


def current_enrollment(athlete: User) -> Enrollment | None:
    """The plan in progress, or else the one finished last."""
    return (
        Enrollment.objects.filter(athlete=athlete)
        .order_by(F("finished_at").desc(nulls_first=True), "-pk")
        .first()
    )


def undo_problem(run: PlannedRun, now: datetime) -> str | None:
    """Why a done run cannot be marked not done any more, or None if it still can."""
    if run.status != RunStatus.DONE:
        return "Only a run marked done can be undone."
    if now - run.completed_at > UNDO_WINDOW:
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        return (
            f"A run can be marked not done only within {minutes} minutes. Ask your coach if "
            "this one was a mistake."
        )
    if PlanEvent.objects.filter(run=run, source_log_id__isnull=False).exists():
        return "Your pain log for this run has already changed the plan, so it stays done."
    refusal = hooks.undo_refusal(run)
    if refusal:
        return refusal
    completed = PlanEvent.objects.filter(run=run, kind=Kind.RUN_COMPLETED).order_by("-pk").first()
    consequences = {Kind.WEEK_ADVANCED, Kind.WEEK_REPEATED, Kind.FINISHED}
    since = completed.pk if completed else 0
    later = PlanEvent.objects.filter(enrollment_id=run.enrollment_id, pk__gt=since)
    if later.exclude(run=run, kind__in=consequences).exists():
        return "Your plan has changed since this run, so it stays done."
    return None


# --- Starting ---------------------------------------------------------------------------------


def enrollment_start(
    *,
    athlete: User,
    start_date: date,
    weekdays: list[int] | tuple[int, ...],
    cap: Decimal | float | str,
    today: date,
    now: datetime | None = None,
) -> Enrollment:
    """Start a plan: week 1's runs go on the chosen weekdays from the start date.

    `now` (default: the clock) lets the demo seed replay a plan started in the past.
    """
    try:
        days = schedule.check_weekdays(weekdays)
        schedule.check_start_date(start_date, today)
    except ValueError as exc:
        raise PlanError(str(exc)) from None
    checked_cap = _checked_cap(cap)
    with transaction.atomic():
        # Serialise two starts by the same person (a double click): the second sees the first.
        User.objects.select_for_update().filter(pk=athlete.pk).first()
        record_changed(athlete.pk, now)
        if Enrollment.objects.filter(athlete=athlete, finished_at=None).exists():
            raise PlanError("You already have a plan in progress.")
        enrollment = Enrollment.objects.create(
            athlete=athlete,
            start_date=start_date,
            run_weekdays=schedule.format_weekdays(days),
            weekly_increase_cap=checked_cap,
            created_at=now or timezone.now(),
        )
        _make_week_runs(enrollment, today)
        _event(
            enrollment,
            Kind.STARTED,
            at=enrollment.created_at,
            by=athlete,
            reason=(
                f"{enrollment.weeks_planned} weeks, runs on "
                f"{_join(enrollment.weekday_names)}, weekly running grows by at most "
                f"{enrollment.cap_percent}%."
            ),
            data={"start_date": start_date.isoformat(), "weekdays": list(days)},
        )
    return enrollment


# --- Runs -------------------------------------------------------------------------------------


def run_complete(
    *,
    run: PlannedRun,
    by: User,
    actual_seconds: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> PlannedRun:
    """Mark the next run done. Doing it twice changes nothing; the last run of a week moves on.

    `now` (default: the clock) lets the demo seed replay runs done in the past.
    """
    note = _checked_note(note)
    if actual_seconds is not None and not (
        isinstance(actual_seconds, int) and 0 < actual_seconds <= MAX_ACTUAL_SECONDS
    ):
        raise PlanError("The time you ran must be between 1 minute and 5 hours.")
    with transaction.atomic():
        enrollment = _locked(run.enrollment_id)
        run = PlannedRun.objects.select_for_update().get(pk=run.pk)
        if run.status == RunStatus.DONE:
            return run
        _check_is_next(enrollment, run)
        now = now or timezone.now()
        today = local_today(enrollment.athlete, now)
        run.status = RunStatus.DONE
        run.completed_at = now
        run.actual_seconds = actual_seconds
        run.note = note
        run.save(update_fields=["status", "completed_at", "actual_seconds", "note"])
        _event(enrollment, Kind.RUN_COMPLETED, at=now, by=by, run=run, reason=note)
        if enrollment.runs.filter(status=RunStatus.PLANNED).exists():
            _place(enrollment, today)
        else:
            _finish_week(enrollment, run, now)
    return run


def run_skip(
    *, run: PlannedRun, by: User, note: str = "", now: datetime | None = None
) -> PlannedRun:
    """Not today: the slot is kept as skipped and the same run comes on the next run day."""
    note = _checked_note(note)
    with transaction.atomic():
        enrollment = _locked(run.enrollment_id)
        run = PlannedRun.objects.select_for_update().get(pk=run.pk)
        if run.status == RunStatus.SKIPPED:
            return run
        _check_is_next(enrollment, run)
        now = now or timezone.now()
        today = local_today(enrollment.athlete, now)
        # Make room for the make-up right after this run. One row at a time, last first, so
        # the unique sequence never clashes mid-way (PostgreSQL checks it row by row).
        later = enrollment.runs.filter(sequence__gt=run.sequence).order_by("-sequence")
        for other in later:
            other.sequence += 1
            other.save(update_fields=["sequence"])
        run.status = RunStatus.SKIPPED
        run.skipped_at = now
        run.note = note
        run.save(update_fields=["status", "skipped_at", "note"])
        PlannedRun.objects.create(
            enrollment=enrollment,
            training_week=run.training_week,
            week_number=run.week_number,
            run_number=run.run_number,
            sequence=run.sequence + 1,
            scheduled_date=today,
            segments=run.segments,
        )
        _event(enrollment, Kind.RUN_SKIPPED, at=now, by=by, run=run, reason=note)
        _place(enrollment, today)
    return run


def run_undo(*, run: PlannedRun, by: User, now: datetime | None = None) -> PlannedRun:
    """Take back a mistaken "done" within the window, while nothing has followed from it.

    Undoing twice changes nothing. If the run had finished its week, the week it opened is
    removed again (or the plan reopened, if it had finished the plan).
    """
    now = now or timezone.now()
    with transaction.atomic():
        enrollment = _locked(run.enrollment_id)
        run = PlannedRun.objects.select_for_update().get(pk=run.pk)
        if run.status == RunStatus.PLANNED:
            return run
        problem = undo_problem(run, now)
        if problem:
            raise PlanError(problem)
        completed = enrollment.events.filter(run=run, kind=Kind.RUN_COMPLETED).order_by("-pk")
        followed = set(
            enrollment.events.filter(pk__gt=completed.first().pk).values_list("kind", flat=True)
        )
        if Kind.FINISHED in followed:
            if _other_open_plan(enrollment):
                raise PlanError("You have started a new plan since, so this run stays done.")
            enrollment.status = Status.ACTIVE
            enrollment.finished_at = None
        if followed & {Kind.WEEK_ADVANCED, Kind.WEEK_REPEATED}:
            enrollment.runs.filter(
                training_week=enrollment.training_week, status=RunStatus.PLANNED
            ).delete()
            enrollment.training_week -= 1
            enrollment.current_week = run.week_number
            enrollment.repeat_current_week = Kind.WEEK_REPEATED in followed
        enrollment.save()
        run.status = RunStatus.PLANNED
        run.completed_at = None
        run.actual_seconds = None
        run.note = ""
        run.save(update_fields=["status", "completed_at", "actual_seconds", "note"])
        _event(enrollment, Kind.RUN_UNDONE, at=now, by=by, run=run)
        _place(enrollment, local_today(enrollment.athlete, now))
    return run


# --- Plan changes (called by the symptoms and coaching layers) ---------------------------------


def plan_hold(
    *,
    enrollment_id: int,
    by: User | None,
    reason: str,
    run_id: int | None = None,
    source_log_id: int | None = None,
    data: dict | None = None,
) -> Enrollment:
    """Repeat the current week once its runs are done."""
    with transaction.atomic():
        enrollment = _locked(enrollment_id)
        if _already_applied(enrollment, Kind.HOLD_SET, source_log_id):
            return enrollment
        settled = _settle_on_run_week(enrollment, run_id)
        _require(enrollment, Status.ACTIVE)
        if settled:  # the held week's runs are all done already: repeat it now
            enrollment.repeat_current_week = False
            _open_week(enrollment, enrollment.current_week, local_today(enrollment.athlete))
        else:
            enrollment.repeat_current_week = True
            enrollment.save()
        _event(
            enrollment,
            Kind.HOLD_SET,
            by=by,
            reason=reason,
            run_id=run_id,
            source_log_id=source_log_id,
            data=data,
        )
    return enrollment


def plan_roll_back(
    *,
    enrollment_id: int,
    by: User | None,
    reason: str,
    run_id: int | None = None,
    source_log_id: int | None = None,
    data: dict | None = None,
) -> Enrollment:
    """Back one week from the current one (week 1 restarts week 1)."""
    with transaction.atomic():
        enrollment = _locked(enrollment_id)
        if _already_applied(enrollment, Kind.ROLLED_BACK, source_log_id):
            return enrollment
        settled = _settle_on_run_week(enrollment, run_id)
        _require(enrollment, Status.ACTIVE)
        from_week = enrollment.current_week
        if not settled:
            _close_week(enrollment)
        enrollment.repeat_current_week = False
        _open_week(enrollment, max(1, from_week - 1), local_today(enrollment.athlete))
        _event(
            enrollment,
            Kind.ROLLED_BACK,
            by=by,
            reason=reason,
            run_id=run_id,
            source_log_id=source_log_id,
            data={**(data or {}), "from_week": from_week},
        )
    return enrollment


def plan_pause(
    *,
    enrollment_id: int,
    by: User | None,
    reason: str,
    until: date,
    run_id: int | None = None,
    source_log_id: int | None = None,
    data: dict | None = None,
) -> Enrollment:
    """No runs before `until`; after that the plan waits for `plan_resume` (a check-in)."""
    with transaction.atomic():
        enrollment = _locked(enrollment_id)
        if _already_applied(enrollment, Kind.PAUSED, source_log_id):
            return enrollment
        if enrollment.status == Status.AWAITING_CLEARANCE:
            raise PlanError("The plan is waiting for a clinician's clearance already.")
        if until <= local_today(enrollment.athlete):
            raise PlanError("A pause must last until a day after today.")
        if enrollment.status == Status.PAUSED:
            enrollment.paused_until = max(enrollment.paused_until, until)
        else:
            settled = _settle_on_run_week(enrollment, run_id)
            _require(enrollment, Status.ACTIVE)
            if not settled:
                _close_week(enrollment)
            enrollment.status = Status.PAUSED
            enrollment.paused_until = until
            enrollment.repeat_current_week = False
        enrollment.save()
        _event(
            enrollment,
            Kind.PAUSED,
            by=by,
            reason=reason,
            run_id=run_id,
            source_log_id=source_log_id,
            data={**(data or {}), "until": enrollment.paused_until.isoformat()},
        )
    return enrollment


def plan_await_clearance(
    *,
    enrollment_id: int,
    by: User | None,
    reason: str,
    run_id: int | None = None,
    source_log_id: int | None = None,
    data: dict | None = None,
) -> Enrollment:
    """Stop the plan until a clinician's clearance is recorded (`plan_resume(cleared_on=...)`).

    Works from any state: a red flag after the last run reopens a finished plan, so the next
    block cannot start before the clearance.
    """
    with transaction.atomic():
        enrollment = _locked(enrollment_id)
        if _already_applied(enrollment, Kind.AWAITING_CLEARANCE, source_log_id):
            return enrollment
        if enrollment.status != Status.AWAITING_CLEARANCE:
            settled = _settle_on_run_week(enrollment, run_id)
            if enrollment.status == Status.FINISHED:
                if _other_open_plan(enrollment):
                    raise PlanError("This plan is finished and a newer one is in progress.")
                enrollment.finished_at = None
            elif enrollment.status == Status.ACTIVE and not settled:
                _close_week(enrollment)
            enrollment.status = Status.AWAITING_CLEARANCE
            enrollment.paused_until = None
            enrollment.repeat_current_week = False
            enrollment.save()
        _event(
            enrollment,
            Kind.AWAITING_CLEARANCE,
            by=by,
            reason=reason,
            run_id=run_id,
            source_log_id=source_log_id,
            data=data,
        )
    return enrollment


def plan_resume(
    *,
    enrollment_id: int,
    by: User | None,
    reason: str,
    weeks_back: int = 1,
    cleared_on: date | None = None,
    source_log_id: int | None = None,
    data: dict | None = None,
) -> Enrollment:
    """End a pause (not before its last day) or, with `cleared_on`, a wait for clearance.

    Opens a new week `weeks_back` weeks before the one where the plan stopped (0: the same
    week again from its first run; never before week 1).
    """
    if isinstance(weeks_back, bool) or not isinstance(weeks_back, int) or weeks_back < 0:
        raise PlanError("Weeks back must be a whole number, 0 or more.")
    with transaction.atomic():
        enrollment = _locked(enrollment_id)
        if _already_applied(enrollment, Kind.RESUMED, source_log_id) or _already_applied(
            enrollment, Kind.CLEARED, source_log_id
        ):
            return enrollment
        kind = Kind.CLEARED if enrollment.status == Status.AWAITING_CLEARANCE else Kind.RESUMED
        today = local_today(enrollment.athlete)
        extra: dict = {"weeks_back": weeks_back}
        if enrollment.status == Status.PAUSED:
            if today < enrollment.paused_until:
                raise PlanError(
                    f"The rest lasts until {say_date(enrollment.paused_until)}; the plan can "
                    "resume from then."
                )
        elif enrollment.status == Status.AWAITING_CLEARANCE:
            if cleared_on is None:
                raise PlanError(
                    "Only a clinician's clearance restarts this plan: record the date they "
                    "cleared running."
                )
            if cleared_on > today:
                raise PlanError("The clearance date cannot be in the future.")
            extra["cleared_on"] = cleared_on.isoformat()
        else:
            raise PlanError("The plan is not paused.")
        enrollment.status = Status.ACTIVE
        enrollment.paused_until = None
        _open_week(enrollment, max(1, enrollment.current_week - weeks_back), today)
        _event(
            enrollment,
            kind,
            by=by,
            reason=reason,
            source_log_id=source_log_id,
            data={**(data or {}), **extra},
        )
    return enrollment


def plan_set_cap(
    *, enrollment_id: int, by: User, cap: Decimal | float | str, reason: str
) -> Enrollment:
    """A coach lowers the weekly increase cap. Runs not yet done take the new shape."""
    new_cap = _checked_cap(cap)
    reason = _required_reason(reason)
    with transaction.atomic():
        enrollment = _locked(enrollment_id)
        old_cap = enrollment.weekly_increase_cap
        if new_cap == old_cap:
            return enrollment
        if new_cap > old_cap:
            raise PlanError(
                f"During a plan the cap can only go down (it is {enrollment.cap_percent}% now): "
                "a higher cap would let the coming weeks grow faster than the weeks already run."
            )
        enrollment.weekly_increase_cap = new_cap
        enrollment.save(update_fields=["weekly_increase_cap"])
        week = program_for(enrollment).weeks[enrollment.current_week - 1]
        for run in enrollment.runs.filter(status=RunStatus.PLANNED):
            run.segments = PlannedRun.snapshot(week.runs[run.run_number - 1])
            run.save(update_fields=["segments"])
        _event(
            enrollment,
            Kind.CAP_CHANGED,
            by=by,
            reason=reason,
            data={"from": str(old_cap), "to": str(new_cap)},
        )
    return enrollment


def plan_extend(*, enrollment_id: int, by: User, weeks: int = NEXT_BLOCK_WEEKS) -> Enrollment:
    """The next block: more weeks of continuous running growing at the cap, after finishing."""
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 12:
        raise PlanError("A block is 1 to 12 weeks.")
    with transaction.atomic():
        enrollment = _locked(enrollment_id)
        if enrollment.status != Status.FINISHED:
            raise PlanError("The next block starts once this plan is finished.")
        if _other_open_plan(enrollment):
            raise PlanError("You already have a plan in progress.")
        enrollment.weeks_planned += weeks
        enrollment.status = Status.ACTIVE
        enrollment.finished_at = None
        _open_week(enrollment, enrollment.current_week + 1, local_today(enrollment.athlete))
        _event(
            enrollment,
            Kind.EXTENDED,
            by=by,
            reason=f"{weeks} more weeks, up to week {enrollment.weeks_planned}.",
            data={"weeks": weeks},
        )
    return enrollment


def plan_move_to_week(*, enrollment_id: int, by: User, week: int, reason: str) -> Enrollment:
    """A coach puts the athlete on another week, e.g. to undo a roll-back they disagree with.

    Any week up to the one after the furthest week the athlete has completed.
    """
    reason = _required_reason(reason)
    with transaction.atomic():
        enrollment = _locked(enrollment_id)
        _require(enrollment, Status.ACTIVE)
        furthest = min(_furthest_completed_week(enrollment) + 1, enrollment.weeks_planned)
        if isinstance(week, bool) or not isinstance(week, int) or not 1 <= week <= furthest:
            raise PlanError(f"Pick a week from 1 to {furthest}: no further than they have reached.")
        from_week = enrollment.current_week
        _close_week(enrollment)
        enrollment.repeat_current_week = False
        _open_week(enrollment, week, local_today(enrollment.athlete))
        _event(
            enrollment,
            Kind.OVERRIDE,
            by=by,
            reason=reason,
            data={"from_week": from_week, "to_week": week},
        )
    return enrollment


def plan_hold_cancel(*, enrollment_id: int, by: User, reason: str) -> Enrollment:
    """A coach cancels a hold that has not taken effect yet."""
    reason = _required_reason(reason)
    with transaction.atomic():
        enrollment = _locked(enrollment_id)
        if not enrollment.repeat_current_week:
            return enrollment
        enrollment.repeat_current_week = False
        enrollment.save(update_fields=["repeat_current_week"])
        _event(enrollment, Kind.OVERRIDE, by=by, reason=reason, data={"hold_cancelled": True})
    return enrollment


# --- Internals --------------------------------------------------------------------------------


def _locked(enrollment_id: int) -> Enrollment:
    """The plan, locked for a change: its athlete's training record gets a new revision."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("athlete")
        .get(pk=enrollment_id)
    )
    record_changed(enrollment.athlete_id)
    return enrollment


def _event(
    enrollment: Enrollment,
    kind: str,
    *,
    at: datetime | None = None,
    by: User | None = None,
    reason: str = "",
    run: PlannedRun | None = None,
    run_id: int | None = None,
    source_log_id: int | None = None,
    data: dict | None = None,
) -> PlanEvent:
    return PlanEvent.objects.create(
        enrollment=enrollment,
        kind=kind,
        week_number=enrollment.current_week,
        actor=by,
        actor_name=str(by)[:80] if by else "",
        reason=reason,
        run_id=run.pk if run else run_id,
        source_log_id=source_log_id,
        data=data or {},
        created_at=at or timezone.now(),
    )


def _already_applied(enrollment: Enrollment, kind: str, source_log_id: int | None) -> bool:
    """The same log applied twice (a task that ran twice) changes the plan once."""
    return (
        source_log_id is not None
        and enrollment.events.filter(kind=kind, source_log_id=source_log_id).exists()
    )


def _require(enrollment: Enrollment, status: str) -> None:
    if enrollment.status == status:
        return
    messages = {
        Status.ACTIVE: "The plan is running.",
        Status.PAUSED: "The plan is paused.",
        Status.AWAITING_CLEARANCE: "The plan is waiting for a clinician's clearance.",
        Status.FINISHED: "The plan is finished.",
    }
    raise PlanError(messages[enrollment.status])


def _check_is_next(enrollment: Enrollment, run: PlannedRun) -> None:
    if enrollment.status == Status.PAUSED:
        raise PlanError("Your plan is paused, so no runs for now. Rest and check in later.")
    if enrollment.status == Status.AWAITING_CLEARANCE:
        raise PlanError("Your plan is paused until a clinician has cleared you to run.")
    if run.status != RunStatus.PLANNED:
        raise PlanError("This run is no longer on your plan.")
    following = enrollment.runs.filter(status=RunStatus.PLANNED).order_by("sequence").first()
    if following is None or following.pk != run.pk:
        raise PlanError("That is not your next run. Open Today to see the one that is.")


def _other_open_plan(enrollment: Enrollment) -> bool:
    return (
        Enrollment.objects.filter(athlete_id=enrollment.athlete_id, finished_at=None)
        .exclude(pk=enrollment.pk)
        .exists()
    )


def _make_week_runs(enrollment: Enrollment, today: date) -> None:
    """The open training week's runs: the program week's runs, on the next run days."""
    week = program_for(enrollment).weeks[enrollment.current_week - 1]
    first = (enrollment.runs.aggregate(last=Max("sequence"))["last"] or 0) + 1
    start = schedule.first_free_day(enrollment.start_date, today, _last_run_day(enrollment))
    days = schedule.run_dates(len(week.runs), enrollment.weekdays, start)
    PlannedRun.objects.bulk_create(
        PlannedRun(
            enrollment=enrollment,
            training_week=enrollment.training_week,
            week_number=week.number,
            run_number=run.number,
            sequence=first + index,
            scheduled_date=day,
            segments=PlannedRun.snapshot(run),
        )
        for index, (run, day) in enumerate(zip(week.runs, days, strict=True))
    )


def _open_week(enrollment: Enrollment, week: int, today: date) -> None:
    enrollment.current_week = week
    enrollment.training_week += 1
    enrollment.save()
    _make_week_runs(enrollment, today)


def _close_week(enrollment: Enrollment) -> None:
    """Take the open week's remaining runs off the plan.

    If the week had begun, its remaining runs are kept as cancelled; if not, they go, and the
    next week opened takes its training week number.
    """
    week_runs = enrollment.runs.filter(training_week=enrollment.training_week)
    planned = week_runs.filter(status=RunStatus.PLANNED)
    if week_runs.exclude(status=RunStatus.PLANNED).exists():
        planned.update(status=RunStatus.CANCELLED)
    elif planned.exists():
        planned.delete()
        enrollment.training_week -= 1
        enrollment.save(update_fields=["training_week"])


def _finish_week(enrollment: Enrollment, run: PlannedRun, now: datetime) -> None:
    """All of the open week's runs are done: repeat it, move on, or finish the plan."""
    today = local_today(enrollment.athlete, now)
    week = enrollment.current_week
    done = f"All {enrollment.runs_per_week} runs of week {week} done"
    if enrollment.repeat_current_week:
        enrollment.repeat_current_week = False
        _open_week(enrollment, week, today)
        _event(
            enrollment,
            Kind.WEEK_REPEATED,
            run=run,
            at=now,
            reason=f"{done}. As planned after a hold, week {week} comes once more.",
        )
    elif week >= enrollment.weeks_planned:
        enrollment.status = Status.FINISHED
        enrollment.finished_at = now
        enrollment.save()
        _event(
            enrollment,
            Kind.FINISHED,
            run=run,
            at=now,
            reason=f"{done}: that is the whole plan.",
        )
    else:
        _open_week(enrollment, week + 1, today)
        _event(
            enrollment,
            Kind.WEEK_ADVANCED,
            run=run,
            at=now,
            reason=f"{done}: on to week {week + 1}.",
        )


def _settle_on_run_week(enrollment: Enrollment, run_id: int | None) -> bool:
    """Step back to the week of the run a verdict is about, if the plan just moved past it.

    True when the plan now stands at the end of that run's week, with no week open: the plan
    had opened the next week (or finished) and nothing has happened since.
    """
    if run_id is None:
        return False
    run = enrollment.runs.filter(pk=run_id).first()
    if run is None:
        raise PlanError("That run is not part of this plan.")
    if enrollment.status == Status.FINISHED:
        if run.training_week != enrollment.training_week or _other_open_plan(enrollment):
            return False
        enrollment.status = Status.ACTIVE
        enrollment.finished_at = None
        enrollment.save()
        return True
    if enrollment.status != Status.ACTIVE or run.training_week != enrollment.training_week - 1:
        return False
    week_runs = enrollment.runs.filter(training_week=enrollment.training_week)
    if week_runs.exclude(status=RunStatus.PLANNED).exists():
        return False  # the athlete has already got going in the new week
    week_runs.delete()
    enrollment.training_week -= 1
    enrollment.current_week = run.week_number
    enrollment.repeat_current_week = False
    enrollment.save()
    return True


def _place(enrollment: Enrollment, today: date) -> None:
    """Put the planned runs on the next run days: a missed day shifts them, never drops one."""
    planned = list(enrollment.runs.filter(status=RunStatus.PLANNED).order_by("sequence"))
    start = schedule.first_free_day(enrollment.start_date, today, _last_run_day(enrollment))
    for run, day in zip(
        planned, schedule.run_dates(len(planned), enrollment.weekdays, start), strict=True
    ):
        if run.scheduled_date != day:
            run.scheduled_date = day
            run.save(update_fields=["scheduled_date"])


def _last_run_day(enrollment: Enrollment) -> date | None:
    moment = (
        enrollment.runs.filter(status__in=[RunStatus.DONE, RunStatus.SKIPPED])
        .annotate(at=Coalesce("completed_at", "skipped_at"))
        .aggregate(last=Max("at"))["last"]
    )
    return moment.astimezone(zone_of(enrollment.athlete)).date() if moment else None


def _furthest_completed_week(enrollment: Enrollment) -> int:
    complete = (
        enrollment.runs.filter(status=RunStatus.DONE)
        .values("training_week", "week_number")
        .annotate(done=Count("pk"))
        .filter(done__gte=enrollment.runs_per_week)
        .aggregate(furthest=Max("week_number"))["furthest"]
    )
    return complete or 0


def _checked_cap(value: Decimal | float | str) -> Decimal:
    try:
        cap = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise PlanError("The weekly increase cap must be a number from 1% to 10%.") from None
    if not MIN_CAP <= cap <= MAX_CAP or cap != Decimal(str(value)):
        raise PlanError("The weekly increase cap must be a whole percentage from 1% to 10%.")
    return cap


def _checked_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise PlanError(f"Keep the note to {NOTE_MAX_LENGTH} characters.")
    return note


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise PlanError("Please give a reason: the athlete and other coaches will see it.")
    return reason


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
