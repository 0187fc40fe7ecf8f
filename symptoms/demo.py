"""Demo pain logs for `seed_demo`, after the demo plans: every coaching status shows up.

On track (athlete, alex, carlos, hana, jo), holding (dana), rolled back (eli), paused
(fatima), needs clinician (gus), urgent (lena), finished (kai), not started (bea, ian).

The demo plans (plans.demo) already made some plan changes without a log behind them. For
those, the log that explains the change is written as history, with the verdict the rules
give; where no change was made yet, the last log goes through the service and makes it. Logs
before the last are quiet ones (continue). An athlete who has any pain log is left alone, so
seeding twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import cycle

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from plans.models import Enrollment, PlanEvent, PlannedRun
from plans.services import current_enrollment, record_changed
from symptoms.models import SYMPTOM_FIELDS, Effect, PainLog
from symptoms.services import consent_give, describe_plan_change, pain_log_record
from symptoms.triage import PainReport, assess

Kind = PlanEvent.Kind
# A plan change the demo plans made without a log, and the effect it stands for.
UNEXPLAINED = {
    Kind.HOLD_SET: Effect.HOLD,
    Kind.ROLLED_BACK: Effect.ROLL_BACK,
    Kind.PAUSED: Effect.PAUSE,
    Kind.AWAITING_CLEARANCE: Effect.AWAIT_CLEARANCE,
}


@dataclass(frozen=True)
class Story:
    pains: tuple[int, ...]  # the quiet logs, oldest first (repeated if there are more runs)
    last: dict = field(default_factory=dict)  # the last run's report, when it changes the plan
    morning_checkin_after: tuple[int, ...] = ()  # runs (1-based) followed by a check-in


# Keyed by the local part of the demo email address, like plans.demo.SCENARIOS.
STORIES: dict[str, Story] = {
    "athlete": Story((0, 1, 1, 0), morning_checkin_after=(2,)),
    "alex": Story((1, 0)),
    "carlos": Story((0, 0, 1, 1, 0), morning_checkin_after=(3,)),
    "dana": Story((0, 1, 1), last={"pain": 2, "eased_after_warmup": False, "where": ["centre"]}),
    "eli": Story(
        (0, 1, 1, 0, 2, 1, 1),
        last={"pain": 5, "eased_after_warmup": True, "where": ["centre", "right"]},
    ),
    "fatima": Story((1, 1), last={"pain": 4, "sharp": True, "where": ["left"]}),
    "gus": Story(
        (0, 1, 1, 2),
        last={
            "pain": 4,
            "radiating": True,
            "where": ["buttocks", "left"],
            "note": "It ran down the back of my left leg.",
        },
    ),
    "hana": Story((0, 0, 1, 0, 1, 0, 0)),
    "jo": Story((1, 1)),
    "kai": Story((0, 1, 1, 0, 2, 1, 0, 0, 1, 0, 0, 0)),
    "lena": Story(
        (0, 1, 0, 1, 1, 0),
        last={"pain": 3, "saddle_numbness": True, "where": ["centre"]},
    ),
    # bea starts next week and ian has no plan: no logs.
}


def seed_pain_logs(athletes: list[User], today: date) -> None:
    """Give the demo athletes their pain logs (once). `today` is the seeding date (UTC)."""
    now = timezone.now()
    for athlete in athletes:
        story = STORIES.get(athlete.email.split("@")[0])
        if story is None or PainLog.objects.filter(athlete=athlete).exists():
            continue
        enrollment = current_enrollment(athlete)
        if enrollment is None:
            continue
        with transaction.atomic():
            record_changed(athlete.pk, now)  # these logs are written here, not by a service
            _tell(athlete, enrollment, story, today, now)


def _tell(athlete: User, enrollment: Enrollment, story: Story, today: date, now: datetime):
    runs = [
        run
        for run in enrollment.runs.filter(status=PlannedRun.Status.DONE).order_by("sequence")
        if run.completed_at.date() <= today
    ]
    if not runs:
        return
    consent_give(athlete=athlete, now=enrollment.created_at)
    quiet = runs[:-1] if story.last else runs
    reports: list[PainReport] = []
    for number, (run, pain) in enumerate(zip(quiet, cycle(story.pains)), start=1):
        report = PainReport(pain=pain, eased_after_warmup=True if pain else None)
        _history(athlete, enrollment, run, report, reports, now)
        reports.append(report)
        if number in story.morning_checkin_after:
            morning = run.completed_at + timedelta(hours=14)
            if morning < now:
                _history(athlete, enrollment, None, PainReport(pain=0), [], now, at=morning)
    if not story.last:
        return
    final = runs[-1]
    made = enrollment.events.filter(run=final, kind__in=list(UNEXPLAINED), source_log_id=None)
    change = made.order_by("-pk").first()
    if change is None:
        pain_log_record(athlete=athlete, run=final, **story.last)
        return
    details = dict(story.last)
    where, note = details.pop("where", []), details.pop("note", "")
    log = _history(athlete, enrollment, final, PainReport(**details), reports, now)
    effect = UNEXPLAINED[change.kind]
    PainLog.objects.filter(pk=log.pk).update(
        where=where,
        note=note,
        effect=effect,
        effect_note=describe_plan_change(effect, enrollment),
        created_at=min(change.created_at, log.created_at),
        applied_at=change.created_at,
    )


def _history(
    athlete: User,
    enrollment: Enrollment,
    run: PlannedRun | None,
    report: PainReport,
    previous: list[PainReport],
    now: datetime,
    at: datetime | None = None,
) -> PainLog:
    """A log written as it would have been at the time, changing nothing now."""
    verdict = assess(report, previous[-2:] if run else [])
    moment = at or min(run.completed_at + timedelta(minutes=25), now)
    return PainLog.objects.create(
        athlete=athlete,
        enrollment=enrollment,
        run=run,
        kind=PainLog.Kind.RUN if run else PainLog.Kind.CHECKIN,
        pain=report.pain,
        eased_after_warmup=report.eased_after_warmup,
        **{name: getattr(report, name) for name in SYMPTOM_FIELDS},
        created_at=moment,
        action=verdict.action,
        reasons=list(verdict.reasons),
        rules=list(verdict.rules),
        effect=Effect.NONE,
        effect_note="Your plan carries on as it was.",
        applied_at=moment,
    )
