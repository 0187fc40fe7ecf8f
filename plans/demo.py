"""Demo plans for `seed_demo`: athletes at different points of their plans.

Each plan is replayed through the services (started some weeks ago, runs done on their run
days in the early evening), so its rows and events are exactly what real use leaves behind.
An athlete who already has a plan is left alone: seeding twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from plans import services
from plans.models import Enrollment


@dataclass(frozen=True)
class Scenario:
    weeks_ago: int  # the plan started on the Monday this many weeks back (0: this week)
    runs: int  # runs done since, each on its run day (fewer if the calendar runs out)
    weekdays: tuple[int, ...] = (0, 2, 4)
    skip_run: int | None = None  # skip this run (1-based) once before doing it
    then: str = ""  # what happened after the last run: hold, roll_back, pause, clearance, cap
    reason: str = ""


# Keyed by the local part of the demo email address.
SCENARIOS: dict[str, Scenario] = {
    "athlete": Scenario(weeks_ago=2, runs=4),
    "alex": Scenario(weeks_ago=2, runs=2),  # fell behind: missed runs shift the schedule
    "bea": Scenario(weeks_ago=-1, runs=0),  # starts next Monday
    "carlos": Scenario(weeks_ago=2, runs=5),
    "dana": Scenario(
        weeks_ago=2, runs=4, then="hold", reason="Mild pain (2/10) that did not ease."
    ),
    "eli": Scenario(
        weeks_ago=3, runs=8, then="roll_back", reason="Moderate pain (5/10) after the run."
    ),
    "fatima": Scenario(weeks_ago=2, runs=3, then="pause", reason="Sharp pain during the run."),
    "gus": Scenario(
        weeks_ago=2,
        runs=5,
        then="clearance",
        reason="Pain spreading into the left leg: see a clinician before running again.",
    ),
    "hana": Scenario(weeks_ago=3, runs=7, skip_run=5),
    "jo": Scenario(
        weeks_ago=1, runs=2, then="cap", reason="Returning from a knee niggle: build up slowly."
    ),
    "kai": Scenario(weeks_ago=5, runs=12),  # finished
    "lena": Scenario(weeks_ago=4, runs=7, weekdays=(1, 5)),
    # ian has not started a plan
}


def seed_demo_plans(*, coach: User, athletes: list[User]) -> None:
    now = timezone.now()
    for athlete in athletes:
        scenario = SCENARIOS.get(athlete.email.split("@")[0])
        if scenario is None or Enrollment.objects.filter(athlete=athlete).exists():
            continue
        _replay(athlete, coach, scenario, now)


def _replay(athlete: User, coach: User, scenario: Scenario, now: datetime) -> None:
    zone = services.zone_of(athlete)
    today = services.local_today(athlete, now)
    start = today - timedelta(days=today.weekday() + 7 * scenario.weeks_ago)
    started = min(now, datetime.combine(start, time(8), zone))
    enrollment = services.enrollment_start(
        athlete=athlete,
        start_date=start,
        weekdays=scenario.weekdays,
        cap="0.10",
        today=min(today, start),
        now=started,
    )
    done = 0
    skipped = False
    while done < scenario.runs:
        run = enrollment.runs.filter(status="planned").order_by("sequence").first()
        if run is None or run.scheduled_date > today:
            break
        at = min(now - timedelta(minutes=1), datetime.combine(run.scheduled_date, time(18), zone))
        if scenario.skip_run == done + 1 and not skipped:
            services.run_skip(run=run, by=athlete, note="Too busy today", now=at)
            skipped = True
            continue
        services.run_complete(run=run, by=athlete, actual_seconds=run.total_seconds, now=at)
        done += 1
    _then(enrollment, coach, scenario, today)


def _then(enrollment: Enrollment, coach: User, scenario: Scenario, today) -> None:
    common = {"enrollment_id": enrollment.pk, "reason": scenario.reason}
    last = enrollment.runs.filter(status="done").order_by("-sequence").first()
    about = {"run_id": last.pk} if last else {}
    if scenario.then == "hold":
        services.plan_hold(by=None, **common, **about)
    elif scenario.then == "roll_back":
        services.plan_roll_back(by=None, **common, **about)
    elif scenario.then == "pause":
        services.plan_pause(by=None, until=today + timedelta(days=7), **common, **about)
    elif scenario.then == "clearance":
        services.plan_await_clearance(by=None, **common, **about)
    elif scenario.then == "cap":
        services.plan_set_cap(by=coach, cap=Decimal("0.05"), **common)
