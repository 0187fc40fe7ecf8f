"""Recording pain logs and clearances, and applying verdicts to the plan.

Each write runs in one transaction with the plan (Enrollment) row locked, so two logs for the
same plan are applied one after the other, the second seeing what the first did. Failures the
athlete can act on raise SymptomsError with a sentence to show them; nothing is saved half-way.

Decisions, in the runner's and the physio's terms (DESIGN.md section 4):

* Earlier reports: the worsening-trend rule is about "three runs in a row", so the reports
  behind a run log are the athlete's run logs for runs done before this one, oldest first
  (across plans: it is the same back). Check-ins are not runs: they never count as earlier
  reports, and a check-in is assessed on its own (the trend cannot fire on it).
* Late logs: a log may arrive after the plan has already stepped back for a later run (two
  tabs, or logging old runs in a batch). A hold, roll-back or pause is then not applied again
  if, since this run was done, the plan already took a step at least as big in answer to pain;
  the log is kept and says so. Red flags always apply. So two moderate logs for two runs of
  the same week roll the plan back once, whichever is saved first.
* Check-ins: allowed at any time. During a pause they are refused before the pause's minimum
  rest ends; from then, pain 0-2 with none of the warning signs ends the pause one week back,
  a red flag sends the plan to wait for a clinician, a pause-level answer starts another
  7 days of rest, and anything else leaves the plan paused (check in again later). While a
  plan waits for a clearance, a check-in changes nothing unless it raises a red flag: only a
  recorded clearance restarts it.
* Consent: no log is stored before the athlete has agreed (HealthDataConsent, current version).
* Coach alerts: for see_clinician and urgent_care, one outbox row per coach is written in the
  log's own transaction (so an alert cannot be lost between commit and send); the email leaves
  only after commit (notifications.email_send_once enqueues with on_commit).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from accounts.authorizers import coach_can_see
from accounts.models import User
from plans import services as plans
from plans.models import Enrollment, PlanEvent, PlannedRun
from symptoms.models import (
    CONSENT_VERSION,
    SYMPTOM_FIELDS,
    ClinicianClearance,
    Effect,
    HealthDataConsent,
    PainDataRead,
    PainLog,
)
from symptoms.triage import PainReport, Verdict, assess, severity

CONSENT_NEEDED = "Before your first log, please agree to us storing it and your coaches seeing it."
PAUSE_DAYS = 7
RESUME_MAX_PAIN = 2
NOTE_MAX_LENGTH = 1000
CLINICIAN_MAX_LENGTH = 120
CLEARANCE_NOTE_MAX_LENGTH = 1000
# Every yes/no answer except the run-only ones: any of these keeps a pause going.
WARNING_SIGNS = tuple(name for name in SYMPTOM_FIELDS if name != "altered_stride")

Kind = PainLog.Kind
Status = Enrollment.Status
Event = PlanEvent.Kind

# How big a step each plan event was, in triage terms, when it answered pain.
_RESPONSE_SEVERITY = {
    Event.HOLD_SET: severity("hold"),
    Event.ROLLED_BACK: severity("roll_back"),
    Event.PAUSED: severity("pause"),
    Event.RESUMED: severity("pause"),  # a pause that ended one week back
    Event.AWAITING_CLEARANCE: severity("see_clinician"),
    Event.CLEARED: severity("see_clinician"),
}


class SymptomsError(Exception):
    """A log or clearance we cannot take; the message is written for the person who asked.

    `field` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConsentRequired(SymptomsError):
    """The athlete has not agreed to us storing health data yet."""


class RunNotFound(SymptomsError):
    """No such run on the athlete's plans (someone else's run is answered the same way)."""


# --- Consent ----------------------------------------------------------------------------------


def has_consent(athlete: User) -> bool:
    return HealthDataConsent.objects.filter(athlete=athlete, version=CONSENT_VERSION).exists()


def consent_give(*, athlete: User, now: datetime | None = None) -> HealthDataConsent:
    """Record the athlete's agreement to the current wording. Giving it twice changes nothing."""
    consent, _ = HealthDataConsent.objects.get_or_create(
        athlete=athlete,
        version=CONSENT_VERSION,
        defaults={"given_at": now or timezone.now()},
    )
    return consent


# --- Pain logs --------------------------------------------------------------------------------


def pain_log_record(
    *,
    athlete: User,
    pain: int,
    run: PlannedRun | None = None,
    run_id: int | None = None,
    sharp: bool = False,
    swelling: bool = False,
    spasms: bool = False,
    radiating: bool = False,
    numbness_tingling: bool = False,
    leg_weakness: bool = False,
    bladder_bowel: bool = False,
    saddle_numbness: bool = False,
    persists_at_rest: bool = False,
    eased_after_warmup: bool | None = None,
    altered_stride: bool = False,
    where: Iterable[str] = (),
    note: str = "",
    submission: uuid.UUID | None = None,
    now: datetime | None = None,
) -> PainLog:
    """Save a pain log (after `run`, given as the run or its `run_id`, or a check-in without
    one) and apply its verdict.

    Returns the log, with `created` False when it already existed: a second log for the same
    run, or a check-in submitted twice (same `submission`), returns the first and changes
    nothing. Raises ConsentRequired, RunNotFound (not a run of the athlete's) or SymptomsError;
    then nothing is saved.
    """
    now = now or timezone.now()
    if run is not None:
        run_id = run.pk
    kind = Kind.RUN if run_id is not None else Kind.CHECKIN
    if kind == Kind.CHECKIN and (eased_after_warmup is not None or altered_stride):
        raise SymptomsError("Warming up and how you ran are only asked after a run.")
    try:
        report = PainReport(
            pain=pain,
            sharp=sharp,
            swelling=swelling,
            spasms=spasms,
            radiating=radiating,
            numbness_tingling=numbness_tingling,
            leg_weakness=leg_weakness,
            bladder_bowel=bladder_bowel,
            saddle_numbness=saddle_numbness,
            persists_at_rest=persists_at_rest,
            eased_after_warmup=eased_after_warmup,
            altered_stride=altered_stride,
        )
    except ValueError:
        raise SymptomsError(
            "Pain must be a whole number from 0 (none) to 10 (the worst).", field="pain"
        ) from None
    except TypeError as exc:
        raise SymptomsError(f"Answer each question with yes or no ({exc}).") from None
    places = _checked_where(where)
    note = _checked_note(note, NOTE_MAX_LENGTH)

    # A second log of the same run, or a check-in sent twice (a double click, another tab, a
    # race), fails its insert: ours rolls back whole, then the first one is the answer.
    try:
        with transaction.atomic():
            if run_id is not None:
                enrollment = _locked_for_run(run_id, athlete)
                if not enrollment.consented:
                    raise ConsentRequired(CONSENT_NEEDED)
                run = PlannedRun.objects.get(pk=run_id)  # as it is now that the plan is ours
                # A run logged already is caught by the one-log-per-run constraint at the
                # insert (below): asking first cost a query on every log. Its run stays done
                # (undo is refused once a log exists), so the check below cannot hide it.
                if run.status != PlannedRun.Status.DONE:
                    raise SymptomsError(
                        "This run is not marked done yet. Mark it done first, then tell us how "
                        "your back felt."
                    )
                previous = _previous_run_logs(athlete, run)
            else:
                if not has_consent(athlete):
                    raise ConsentRequired(CONSENT_NEEDED)
                found = plans.current_enrollment(athlete)
                enrollment = _locked(found.pk) if found is not None else None
                if submission is not None:
                    existing = PainLog.objects.filter(
                        athlete=athlete, submission=submission
                    ).first()
                    if existing is not None:
                        return _seen(existing)
                _check_checkin_allowed(enrollment, plans.local_today(athlete, now))
                previous = []

            verdict = assess(report, previous)
            log = PainLog(
                athlete=athlete,
                enrollment=enrollment,
                run=run,
                kind=kind,
                where=places,
                note=note,
                submission=submission,
                created_at=now,
                action=verdict.action,
                reasons=list(verdict.reasons),
                rules=list(verdict.rules),
                pain=report.pain,
                eased_after_warmup=report.eased_after_warmup,
                # Applied in this same transaction, so it is never seen unapplied.
                applied_at=now,
                **{name: getattr(report, name) for name in SYMPTOM_FIELDS},
            )
            plans.record_changed(athlete.pk, now)
            _apply(log, verdict, enrollment, now)
            if verdict.is_red_flag:
                _alert_coaches(log)
    except IntegrityError:
        winner = _same_log(athlete, run, submission)
        if winner is None:  # the error was about something else
            raise
        return _seen(winner)
    log.created = True
    return log


def _seen(log: PainLog) -> PainLog:
    log.created = False
    return log


def _same_log(athlete: User, run: PlannedRun | None, submission: uuid.UUID | None):
    if run is not None:
        return PainLog.objects.filter(run=run).first()
    if submission is not None:
        return PainLog.objects.filter(athlete=athlete, submission=submission).first()
    return None


def _locked(enrollment_id: int) -> Enrollment:
    return Enrollment.objects.select_for_update(of=("self",)).get(pk=enrollment_id)


def _locked_for_run(run_id: int, athlete: User) -> Enrollment:
    """The plan `run_id` is on, locked, if it is the athlete's, with `consented`: whether they
    have given the current consent. One query for what took three (the run's owner, the
    consent, the lock), on every log after a run."""
    try:
        return _PLANS_WITH_CONSENT.get(runs__pk=run_id, athlete=athlete)
    except Enrollment.DoesNotExist:
        raise RunNotFound("That run is not on your plan.") from None


# Built once: resolving the Exists took longer than running the query. Never evaluated itself
# (every use filters, so works on a copy), it holds no rows.
_PLANS_WITH_CONSENT = Enrollment.objects.select_for_update(of=("self",)).annotate(
    consented=Exists(
        HealthDataConsent.objects.filter(athlete_id=OuterRef("athlete_id"), version=CONSENT_VERSION)
    )
)


def _previous_run_logs(athlete: User, run: PlannedRun) -> list[PainReport]:
    """The pain of the two latest run logs for runs done before this one, oldest first (the
    trend rule looks no further back, and at nothing but the pain)."""
    done_at = connection.ops.adapt_datetimefield_value(run.completed_at)
    with connection.cursor() as cursor:
        cursor.execute(
            _PREVIOUS_RUN_PAINS,
            [athlete.pk, Kind.RUN.value, done_at, done_at, run.enrollment_id, run.sequence],
        )
        pains = [pain for (pain,) in cursor.fetchall()]
    return [PainReport(pain=pain) for pain in reversed(pains)]


# SQL, not the ORM, on the busiest write there is: building this join and its OR through the
# ORM took four times as long as running it. "Before" is by when the runs were done (ties: the
# same plan's order), not when they were logged. The tests on the trend rule hold it to that.
_PREVIOUS_RUN_PAINS = f"""
    SELECT l.pain FROM {PainLog._meta.db_table} l
    JOIN {PlannedRun._meta.db_table} r ON r.id = l.run_id
    WHERE l.athlete_id = %s AND l.kind = %s AND (
        r.completed_at < %s
        OR (r.completed_at = %s AND r.enrollment_id = %s AND r."sequence" < %s)
    )
    ORDER BY r.completed_at DESC, r."sequence" DESC
    LIMIT 2
"""  # noqa: S608 - table names from the models; every value is a parameter


def _check_checkin_allowed(enrollment: Enrollment | None, today: date) -> None:
    if enrollment is None or enrollment.status != Status.PAUSED:
        return
    if today < enrollment.paused_until:
        raise SymptomsError(
            f"Your rest lasts until {plans.say_date(enrollment.paused_until)}. Check in from "
            "then: your back needs at least that long to settle."
        )


def settled_after_pause(report: PainReport) -> bool:
    """A pause ends with pain 0-2 and none of the warning signs."""
    return report.pain <= RESUME_MAX_PAIN and not any(
        getattr(report, name) for name in WARNING_SIGNS
    )


def _apply(log: PainLog, verdict: Verdict, enrollment: Enrollment | None, now: datetime) -> None:
    """Save the new log with what its verdict did to the plan. A verdict that changes nothing
    is known before the insert (one query); a change needs the log's id for its plan event,
    so the log is saved first and its effect after."""
    decided = _plan_change(log, verdict, enrollment, plans.local_today(log.athlete, now))
    if isinstance(decided, _PlanChange):
        log.save(force_insert=True)
        effect, note = _call(decided, source_log_id=log.pk)
        log.effect, log.effect_note = effect, note or describe_plan_change(effect, enrollment)
        log.save(update_fields=["effect", "effect_note"])
    else:
        log.effect, log.effect_note = decided
        log.save(force_insert=True)


@dataclass(frozen=True)
class _PlanChange:
    """A plans service to call for a verdict, once the log it comes from has an id."""

    effect: str
    service: Callable[..., object]
    arguments: dict


def _plan_change(
    log: PainLog, verdict: Verdict, enrollment: Enrollment | None, today: date
) -> tuple[str, str] | _PlanChange:
    """The plans service the verdict asks for, or, when the plan stays as it is, (effect, a
    sentence about it)."""
    if enrollment is None:
        return Effect.NONE, "You have no plan yet, so there is nothing to change."
    action = verdict.action
    common = {
        "enrollment_id": enrollment.pk,
        "by": None,
        "reason": _event_reason(log, verdict),
        "data": {"action": action, "rules": list(verdict.rules), "pain": log.pain},
    }
    about = {"run_id": log.run_id} if log.run_id else {}
    status = enrollment.status

    if verdict.is_red_flag:
        return _PlanChange(Effect.AWAIT_CLEARANCE, plans.plan_await_clearance, {**common, **about})
    if status == Status.AWAITING_CLEARANCE:
        return Effect.KEPT, "Your plan stays paused until a clinician's clearance is recorded."
    if status == Status.PAUSED and log.kind == Kind.CHECKIN:
        if settled_after_pause(log.report):
            common["reason"] = (
                f"Check-in: pain {log.pain}/10 and none of the warning signs, so running "
                "starts again, one week back."
            )
            return _PlanChange(Effect.RESUME, plans.plan_resume, {"weeks_back": 1, **common})
        if action == "pause":
            until = today + timedelta(days=PAUSE_DAYS)
            return _PlanChange(Effect.PAUSE, plans.plan_pause, {"until": until, **common})
        return Effect.KEPT, (
            f"Your plan stays paused: to start again, your pain needs to be "
            f"{RESUME_MAX_PAIN} or less with none of the warning signs. Check in again once "
            "it has settled."
        )
    if action == "continue":
        return Effect.NONE, "Your plan carries on as it was."
    if log.run_id and _already_answered(enrollment, log.run_id, action):
        return Effect.KEPT, (
            "Your plan has already stepped back since this run, so this log does not move it again."
        )
    if action == "pause":
        until = today + timedelta(days=PAUSE_DAYS)
        return _PlanChange(Effect.PAUSE, plans.plan_pause, {"until": until, **common, **about})
    if action == "roll_back":
        return _PlanChange(Effect.ROLL_BACK, plans.plan_roll_back, {**common, **about})
    return _PlanChange(Effect.HOLD, plans.plan_hold, {**common, **about})


def describe_plan_change(effect: str, enrollment: Enrollment) -> str:
    """The plan as the change left it, in a sentence kept with the log."""
    enrollment.refresh_from_db()
    week = enrollment.current_week
    if effect == Effect.HOLD:
        if enrollment.repeat_current_week:
            return f"Once this week's runs are done, you do week {week} once more."
        return f"You do week {week} again, starting with your next run."
    if effect == Effect.ROLL_BACK:
        return f"Your plan is now at week {week}, starting again from its first run."
    if effect == Effect.PAUSE:
        return (
            f"No running until {plans.say_date(enrollment.paused_until)}. From that day, check "
            f"in: with pain of {RESUME_MAX_PAIN} or less and none of the warning signs, your "
            "plan restarts one week back."
        )
    if effect == Effect.AWAIT_CLEARANCE:
        return (
            "Your plan is paused until a doctor or physiotherapist clears you to run and you "
            "or your coach record it. Then it restarts one week back."
        )
    return f"Your plan starts again at week {week}."  # resumed


def _call(change: _PlanChange, **more) -> tuple[str, str]:
    """Run one plans service in a savepoint; if the plan cannot take it, keep the log."""
    try:
        with transaction.atomic():
            change.service(**change.arguments, **more)
    except plans.PlanError as exc:
        return Effect.KEPT, f"Your plan was not changed: {exc}"
    return change.effect, ""


def _already_answered(enrollment: Enrollment, run_id: int, action: str) -> bool:
    """Has the plan, since this run was done, already stepped back at least this far?"""
    completed = (
        enrollment.events.filter(run_id=run_id, kind=Event.RUN_COMPLETED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if completed is None:
        return False
    later = enrollment.events.filter(pk__gt=completed, kind__in=list(_RESPONSE_SEVERITY))
    needed = severity(action)
    return any(_RESPONSE_SEVERITY[kind] >= needed for kind in later.values_list("kind", flat=True))


def _event_reason(log: PainLog, verdict: Verdict) -> str:
    """What the Plan page says about the change: the log, then the rules that fired."""
    if log.run_id:
        run = log.run
        head = f"Pain log after week {run.week_number}, run {run.run_number}: {log.pain}/10."
    else:
        head = f"Check-in: pain {log.pain}/10."
    return " ".join([head, *verdict.reasons])


def _checked_where(where: Iterable[str]) -> list[str]:
    chosen = set(where or ())
    unknown = chosen - set(PainLog.Where.values)
    if unknown:
        raise SymptomsError("Pick where it hurt from the list.", field="where")
    return [value for value in PainLog.Where.values if value in chosen]


def _checked_note(note: str, limit: int) -> str:
    note = (note or "").strip()
    if len(note) > limit:
        raise SymptomsError(f"Keep the note to {limit} characters.", field="note")
    return note


# --- Coach alerts -----------------------------------------------------------------------------


def _red_flag_since(enrollment: Enrollment) -> PlanEvent | None:
    """The event that started the current wait for a clearance."""
    last_cleared = (
        enrollment.events.filter(kind=Event.CLEARED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return (
        enrollment.events.filter(kind=Event.AWAITING_CLEARANCE, pk__gt=last_cleared or 0)
        .order_by("pk")
        .first()
    )


def coaches_of(athlete: User) -> list[User]:
    """The coaches of the athlete's current (not archived) groups."""
    return list(
        User.objects.filter(
            coached_groups__memberships__athlete=athlete,
            coached_groups__archived_at=None,
        )
        .distinct()
        .order_by("pk")
    )


def _alert_coaches(log: PainLog) -> None:
    """One outbox row per coach, in the log's transaction; the send goes after commit."""
    from notifications.models import Kind as EmailKind
    from notifications.services import email_send_once

    athlete = log.athlete
    context = {
        "athlete_name": athlete.display_name or str(athlete),
        "urgent": log.action == "urgent_care",
        "athlete_url": settings.SITE_URL + reverse("symptoms:athlete_history", args=[athlete.pk]),
    }
    for coach in coaches_of(athlete):
        email_send_once(
            recipient=coach,
            kind=EmailKind.COACH_ALERT,
            dedupe_key=f"coach_alert:{coach.pk}:log:{log.pk}",
            template="coach_alert",
            context=context,
        )


def alert_coaches(log_id: int) -> int:
    """Alert the coaches about a red-flag log (again): safe to call twice. Returns how many
    coaches there are. For a task or a repair script; pain_log_record does this itself."""
    log = PainLog.objects.select_related("athlete").get(pk=log_id)
    if not log.is_red_flag:
        return 0
    with transaction.atomic():
        _alert_coaches(log)
    return len(coaches_of(log.athlete))


# --- Clearance --------------------------------------------------------------------------------


def clearance_record(
    *,
    athlete: User,
    recorded_by: User,
    cleared_on: date,
    clinician: str,
    note: str = "",
    now: datetime | None = None,
) -> ClinicianClearance:
    """A clinician cleared the athlete to run: record it and restart the plan one week back.

    The athlete, or a coach of theirs, records it. Only while the plan waits for a clearance.
    """
    now = now or timezone.now()
    if recorded_by.pk != athlete.pk and not coach_can_see(recorded_by, athlete.pk):
        raise SymptomsError("Only the athlete or one of their coaches can record a clearance.")
    clinician = (clinician or "").strip()
    if not clinician:
        raise SymptomsError(
            "Say who cleared you: their name or role, like “Dr Patel, GP”.", field="clinician"
        )
    if len(clinician) > CLINICIAN_MAX_LENGTH:
        raise SymptomsError(
            f"Keep who cleared you to {CLINICIAN_MAX_LENGTH} characters.", field="clinician"
        )
    note = _checked_note(note, CLEARANCE_NOTE_MAX_LENGTH)
    if not isinstance(cleared_on, date) or isinstance(cleared_on, datetime):
        raise SymptomsError("Enter the date you were cleared.", field="cleared_on")
    today = plans.local_today(athlete, now)
    if cleared_on > today:
        raise SymptomsError("The clearance date cannot be in the future.", field="cleared_on")

    with transaction.atomic():
        found = Enrollment.objects.filter(athlete=athlete, finished_at=None).first()
        if found is None:
            raise SymptomsError("There is no plan waiting for a clearance.")
        enrollment = _locked(found.pk)
        if enrollment.status != Status.AWAITING_CLEARANCE:
            raise SymptomsError("The plan is not waiting for a clinician's clearance.")
        stopped = _red_flag_since(enrollment)
        if stopped is not None:
            since = stopped.created_at.astimezone(plans.zone_of(athlete)).date()
            if cleared_on < since:
                raise SymptomsError(
                    f"The clearance must be from after the warning sign, on or after "
                    f"{plans.say_date(since)}.",
                    field="cleared_on",
                )
        clearance = ClinicianClearance.objects.create(
            athlete=athlete,
            enrollment=enrollment,
            cleared_on=cleared_on,
            clinician=clinician,
            note=note,
            recorded_by=recorded_by,
            recorded_by_name=str(recorded_by)[:80],
            created_at=now,
        )
        try:
            plans.plan_resume(
                enrollment_id=enrollment.pk,
                by=recorded_by,
                reason=(
                    f"Cleared to run by {clinician} on {plans.say_date(cleared_on)}: running "
                    "starts again, one week back."
                ),
                weeks_back=1,
                cleared_on=cleared_on,
                data={"clearance_id": clearance.pk},
            )
        except plans.PlanError as exc:
            raise SymptomsError(str(exc)) from None
    return clearance


def pain_data_read_record(*, coach: User, athlete: User, page: str) -> PainDataRead:
    """Audit a coach's read of an athlete's pain data (called by each coach page showing it)."""
    return PainDataRead.objects.create(
        coach=coach, coach_name=str(coach)[:80], athlete=athlete, page=page
    )


# A group page read again within this window is the same read: the coach refreshing, sorting
# or filtering the review page does not add a row per athlete each time.
GROUP_READ_WINDOW = timedelta(hours=1)


def pain_data_reads_record(*, coach: User, athlete_ids: Iterable[int], page: str) -> int:
    """Audit a coach's read of several athletes' pain data at once (a group page): one row
    per athlete, unless this coach read that athlete on this page within the last
    ``GROUP_READ_WINDOW``. Two queries whatever their number. Returns how many were recorded.
    """
    now = timezone.now()
    ids = list(dict.fromkeys(athlete_ids))
    if not ids:
        return 0
    # All of this coach's reads on this page in the window, not "of these athletes": a list
    # of 500 ids cost more to send than the few extra rows of other groups cost to read.
    recent = set(
        PainDataRead.objects.filter(coach=coach, page=page, read_at__gt=now - GROUP_READ_WINDOW)
        .order_by()
        .values_list("athlete_id", flat=True)
    )
    name = str(coach)[:80]
    reads = [
        PainDataRead(coach=coach, coach_name=name, athlete_id=pk, page=page, read_at=now)
        for pk in ids
        if pk not in recent
    ]
    # A list, not a generator: bulk_create sees an empty list and skips its transaction (an
    # empty generator cost a BEGIN and a COMMIT on every page view read again within the hour).
    if reads:
        PainDataRead.objects.bulk_create(reads)
    return len(reads)
