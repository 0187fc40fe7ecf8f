from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.models import Membership, TrainingGroup, User
from plans.models import Enrollment, PlanEvent, PlannedRun
from plans.services import local_today, run_complete
from symptoms.models import PainLog
from symptoms.services import consent_give, pain_log_record
from tests.factories import (
    _HASHED,
    CoachFactory,
    EnrollmentFactory,
    GroupFactory,
    MembershipFactory,
    UserFactory,
)

# Monday 4 May 2026, 09:00 in London (BST).
MONDAY_MORNING = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
MONDAY = date(2026, 5, 4)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(MONDAY_MORNING, tick=False)
    return time_machine


@pytest.fixture
def group(db) -> TrainingGroup:
    return GroupFactory(coach=CoachFactory(display_name="Casey Coach"), name="Monday beginners")


def later(clock, **delta) -> None:
    clock.move_to(datetime.now(UTC) + timedelta(**delta), tick=False)


def next_run(enrollment: Enrollment) -> PlannedRun:
    return enrollment.runs.filter(status="planned").order_by("sequence").first()


def do_runs(enrollment: Enrollment, count: int) -> list[PlannedRun]:
    done = [run_complete(run=next_run(enrollment), by=enrollment.athlete) for _ in range(count)]
    enrollment.refresh_from_db()
    return done


def log(run: PlannedRun, **fields) -> PainLog:
    athlete = run.enrollment.athlete
    consent_give(athlete=athlete)
    return pain_log_record(athlete=athlete, run=run, **fields)


def member(group: TrainingGroup, status: str, name: str = "") -> User:
    """An athlete in `group` whose plan is in `status` (a coaching status), made through the
    real services (the clock fixture must be on)."""
    athlete = UserFactory(display_name=name or status.replace("_", " ").title())
    MembershipFactory(group=group, athlete=athlete)
    if status == "no_plan":
        return athlete
    if status == "not_started":
        EnrollmentFactory(athlete=athlete, start_date=local_today(athlete) + timedelta(days=7))
        return athlete
    plan = EnrollmentFactory(athlete=athlete)
    if status == "on_track":
        (run,) = do_runs(plan, 1)
        log(run, pain=0)
    elif status == "holding":
        (run,) = do_runs(plan, 1)
        log(run, pain=2, eased_after_warmup=False)
    elif status == "rolled_back":
        do_runs(plan, 3)
        (run,) = do_runs(plan, 1)
        log(run, pain=5, eased_after_warmup=True)
    elif status == "paused":
        (run,) = do_runs(plan, 1)
        log(run, pain=3, sharp=True)
    elif status == "needs_clinician":
        (run,) = do_runs(plan, 1)
        log(run, pain=3, radiating=True)
    elif status == "urgent":
        (run,) = do_runs(plan, 1)
        log(run, pain=2, bladder_bowel=True)
    elif status == "finished":
        do_runs(plan, 12)
    else:
        raise ValueError(status)
    return athlete


# --- Many athletes, fast: rows written in bulk, as the services would leave them -------------

CROWD_KINDS = (
    "no_plan",
    "on_track",
    "holding",
    "rolled_back",
    "paused",
    "needs_clinician",
    "urgent",
    "finished",
)


def crowd(group: TrainingGroup, count: int, now: datetime) -> list[User]:
    """`count` athletes in `group`, cycling through every status, each with runs, plan events
    and a few pain logs: enough variety that any per-athlete query would show in a count."""
    stamp = f"{group.pk}-{count}"
    athletes = User.objects.bulk_create(
        User(
            email=f"crowd{stamp}-{i}@example.com",
            display_name=f"Crowd {i:03d}",
            password=_HASHED,
            time_zone=("Europe/London", "America/New_York", "Asia/Tokyo")[i % 3],
        )
        for i in range(count)
    )
    Membership.objects.bulk_create(Membership(group=group, athlete=a) for a in athletes)
    kinds = {a.pk: CROWD_KINDS[i % len(CROWD_KINDS)] for i, a in enumerate(athletes)}
    start = now.date() - timedelta(days=14)
    plans = Enrollment.objects.bulk_create(
        Enrollment(
            athlete=a,
            start_date=start,
            run_weekdays="0,2,4",
            weekly_increase_cap=Decimal("0.10"),
            status={
                "paused": "paused",
                "needs_clinician": "awaiting_clearance",
                "urgent": "awaiting_clearance",
                "finished": "finished",
            }.get(kinds[a.pk], "active"),
            current_week=2,
            training_week=2,
            repeat_current_week=kinds[a.pk] == "holding",
            paused_until=now.date() + timedelta(days=5) if kinds[a.pk] == "paused" else None,
            finished_at=now if kinds[a.pk] == "finished" else None,
            created_at=now - timedelta(days=14),
        )
        for a in athletes
        if kinds[a.pk] != "no_plan"
    )
    segments = [{"kind": "warmup", "seconds": 300}, {"kind": "jog", "seconds": 60}]
    runs = []
    for plan in plans:
        for n in range(1, 4):
            runs.append(
                PlannedRun(
                    enrollment=plan,
                    training_week=1,
                    week_number=1,
                    run_number=n,
                    sequence=n,
                    scheduled_date=start + timedelta(days=2 * n),
                    status="done",
                    completed_at=now - timedelta(days=14 - 2 * n),
                    segments=segments,
                )
            )
        if plan.status == "active":
            for n in range(1, 4):
                runs.append(
                    PlannedRun(
                        enrollment=plan,
                        training_week=2,
                        week_number=2,
                        run_number=n,
                        sequence=3 + n,
                        scheduled_date=now.date() + timedelta(days=2 * n - 4),
                        segments=segments,
                    )
                )
    PlannedRun.objects.bulk_create(runs)
    events = []
    for plan in plans:
        kind = kinds[plan.athlete_id]
        events.append(PlanEvent(enrollment=plan, kind="started", week_number=1))
        events.append(PlanEvent(enrollment=plan, kind="week_advanced", week_number=2))
        extra = {
            "rolled_back": "rolled_back",
            "holding": "hold_set",
            "paused": "paused",
            "needs_clinician": "awaiting_clearance",
            "urgent": "awaiting_clearance",
        }.get(kind)
        if extra:
            events.append(PlanEvent(enrollment=plan, kind=extra, week_number=2))
    PlanEvent.objects.bulk_create(events)
    logs = []
    for i, a in enumerate(athletes):
        for n in range(8):  # more than the trend shows
            action = "continue"
            if n == 7 and kinds[a.pk] == "urgent":
                action = "urgent_care"
            elif n == 7 and kinds[a.pk] == "needs_clinician":
                action = "see_clinician"
            logs.append(
                PainLog(
                    athlete=a,
                    kind="checkin",
                    pain=(i + n) % 5,
                    action=action,
                    created_at=now - timedelta(days=8 - n),
                )
            )
    PainLog.objects.bulk_create(logs)
    return athletes
