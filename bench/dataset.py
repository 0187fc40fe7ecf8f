"""The benchmark data: one coach with groups of 5, 50 and 500 athletes, weeks into their plans.

How it is made, so that it is both realistic and quick to build:

1. A handful of *template* athletes (bench-template-NN@example.com, in no group) live through
   a story each, replayed through the real services with the clock moved back (time-machine):
   plans started weeks ago, runs done on their run days, a pain log after each, check-ins,
   and the verdicts the triage rules give (holds, roll-backs, pauses, red flags, a finished
   plan). Their rows are exactly what real use leaves behind.
2. The 555 group athletes are created with bulk_create, and each gets a copy of one
   template's rows (plan, runs, plan events, pain logs, consent), ids remapped, also with
   bulk_create. The templates are dealt out in a fixed order, so every group has a realistic
   mix: most on track (some behind), a few holding, rolled back, paused, waiting for a
   clinician, urgent, finished or not started.

The first LOAD_ATHLETES athletes of the 500 group are the ones the benchmarks log in as and
write for (runs done, pain logged). `reset_athletes` gives them their template's rows back, so
every benchmark run starts from the same state; nobody else's rows are ever changed.

ensure_dataset() builds all this once; later calls find it and return at once. It is built
again when DATA_VERSION changes or the data is more than MAX_AGE old (plans drift: runs fall
overdue as the days pass).
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

GROUP_SIZES = (5, 50, 500)
COACH_EMAIL = "bench-coach@example.com"
COACH_PASSWORD = "bench coach password, not a secret"
ATHLETE_PASSWORD = "bench athlete password, not a secret"
LOAD_ATHLETES = 40  # in the 500 group: the ones benchmarks sign in as and write for
DATA_VERSION = 1
MAX_AGE = timedelta(days=7)
ATHLETE_EMAIL = "bench-athlete-{:04d}@example.com"
TEMPLATE_EMAIL = "bench-template-{:02d}@example.com"


@dataclass(frozen=True)
class Dataset:
    coach_id: int
    coach_email: str
    coach_password: str
    groups: dict[int, int]  # group size -> group id
    athletes: dict[int, list[int]]  # group size -> athlete ids, in email order
    athlete_password: str  # every bench athlete's password
    # Athletes the benchmarks may sign in as and write for: (id, email), reset per run.
    load_athletes: list[tuple[int, str]] = field(default_factory=list)
    built_at: datetime | None = None

    @property
    def load_athlete_ids(self) -> list[int]:
        return [pk for pk, _ in self.load_athletes]


# --- Stories -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """One athlete's plan so far. Pains cycle over the runs; `last` is the last run's report."""

    weeks_ago: int  # the plan started on the Monday this many weeks back (-1: next Monday)
    runs: int  # runs done (fewer if the calendar runs out first)
    pains: tuple[int, ...] = (0, 1, 1, 0)
    weekdays: tuple[int, ...] = (0, 2, 4)
    last: dict[str, Any] = field(default_factory=dict)
    last_at: int | None = None  # the run `last` is reported after (default: the final one)
    skip_run: int | None = None  # this run (1-based) is skipped once before it is done
    checkin_after: tuple[int, ...] = ()  # a morning check-in (pain 0) after these runs
    resume: bool = False  # after a pause, check in (pain 0) on its last day and go on
    plan: bool = True  # False: signed up, no plan yet
    time_zone: str = "Europe/London"


STORIES: tuple[Story, ...] = (
    # 0-4: on track at different weeks; 3 has fallen behind (missed runs show on the page).
    Story(weeks_ago=1, runs=3, pains=(0, 1, 0)),
    Story(weeks_ago=2, runs=6, pains=(0, 1, 1, 0, 1, 0), checkin_after=(2,)),
    Story(weeks_ago=3, runs=9, pains=(1, 0, 0, 1, 1, 0, 0, 1, 0)),
    Story(weeks_ago=2, runs=3, pains=(1, 0, 1)),
    Story(weeks_ago=2, runs=6, skip_run=4, pains=(0, 0, 1, 1, 0, 0)),
    # 5 holding, 6 rolled back, 7 paused this week, 8 paused and back running.
    Story(weeks_ago=2, runs=5, last={"pain": 2, "eased_after_warmup": False, "where": ["centre"]}),
    Story(weeks_ago=3, runs=8, last={"pain": 5, "eased_after_warmup": True, "where": ["right"]}),
    Story(weeks_ago=1, runs=2, last={"pain": 4, "sharp": True, "where": ["left"]}),
    Story(
        weeks_ago=4,
        runs=6,
        pains=(0, 1, 0),
        resume=True,
        last={"pain": 4, "sharp": True},
        last_at=3,
    ),
    # 9 needs a clinician, 10 urgent.
    Story(
        weeks_ago=2,
        runs=4,
        last={"pain": 4, "radiating": True, "where": ["buttocks", "left"], "note": "Down my leg."},
    ),
    Story(weeks_ago=3, runs=6, last={"pain": 3, "saddle_numbness": True, "where": ["centre"]}),
    # 11 finished, 12 starts next Monday, 13 no plan yet.
    Story(weeks_ago=5, runs=12, pains=(0, 1, 1, 0, 2, 1, 0, 0, 1, 0, 0, 0)),
    Story(weeks_ago=-1, runs=0),
    Story(weeks_ago=0, runs=0, plan=False),
    # 14 two runs a week with check-ins, 15 on track in another time zone.
    Story(weeks_ago=3, runs=5, weekdays=(1, 5), checkin_after=(1, 3)),
    Story(weeks_ago=2, runs=5, pains=(1, 1, 0, 0, 1), time_zone="America/New_York"),
)
# The order templates are dealt to athletes: each 20 athletes get 9 on track (2 of them
# behind), 1 holding, 1 rolled back, 2 paused, 1 needs clinician, 1 urgent, 1 finished,
# 1 not started, 1 without a plan. The first five (the 5 group) see one of the main kinds each.
DEAL = (0, 5, 9, 3, 12, 1, 7, 2, 11, 14, 0, 6, 3, 10, 1, 4, 8, 2, 13, 15)
# Load athletes all follow story 1: on track, in week 3 with runs to do.
LOAD_STORY = 1


# --- Building ----------------------------------------------------------------------------------


def ensure_dataset(*, verbose: bool = True) -> Dataset:
    """The bench data set, built if missing or stale. Django must be set up (bench.env)."""
    found = _existing()
    if found is not None:
        return found
    started = timezone.now()
    _say(verbose, "Building the bench data set (once) ...")
    _delete_all()
    templates = _build_templates()
    _say(verbose, f"  {len(templates)} template athletes replayed through the services")
    dataset = _build_groups(templates)
    # A live database has planner statistics (autovacuum keeps them); freshly bulk-loaded
    # tables have none until autovacuum gets round to them, and plans chosen blind are slow.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = (timezone.now() - started).total_seconds()
    _say(verbose, f"  {sum(len(v) for v in dataset.athletes.values())} athletes in {seconds:.0f}s")
    return dataset


def reset_athletes(athlete_ids: list[int]) -> None:
    """Give these athletes their template's plan and logs back (what the benchmarks wrote
    for them goes). Their sessions stay."""
    from accounts.models import User

    templates = _templates()
    athletes = list(User.objects.filter(pk__in=athlete_ids))
    with transaction.atomic():
        _delete_plans(athlete_ids)
        _clone([(a, templates[LOAD_STORY]) for a in athletes])


def _say(verbose: bool, text: str) -> None:
    if verbose:
        print(text, flush=True)


def _coach_name() -> str:
    return f"Bench Coach (data v{DATA_VERSION})"


def _existing() -> Dataset | None:
    from accounts.models import Membership, TrainingGroup, User

    coach = User.objects.filter(email=COACH_EMAIL).first()
    if coach is None or coach.display_name != _coach_name():
        return None
    if timezone.now() - coach.date_joined > MAX_AGE:
        return None
    groups = {}
    athletes = {}
    for size in GROUP_SIZES:
        group = TrainingGroup.objects.filter(coach=coach, name=f"Bench {size}").first()
        if group is None:
            return None
        ids = list(
            Membership.objects.filter(group=group)
            .order_by("athlete__email")
            .values_list("athlete_id", flat=True)
        )
        if len(ids) != size:
            return None
        groups[size] = group.pk
        athletes[size] = ids
    if len(_templates()) != len(STORIES):
        return None
    return _dataset(coach, groups, athletes)


def _dataset(coach, groups: dict[int, int], athletes: dict[int, list[int]]) -> Dataset:
    from accounts.models import User

    load_ids = athletes[500][:LOAD_ATHLETES]
    emails = dict(User.objects.filter(pk__in=load_ids).values_list("pk", "email"))
    return Dataset(
        coach_id=coach.pk,
        coach_email=COACH_EMAIL,
        coach_password=COACH_PASSWORD,
        groups=groups,
        athletes=athletes,
        athlete_password=ATHLETE_PASSWORD,
        load_athletes=[(pk, emails[pk]) for pk in load_ids],
        built_at=coach.date_joined,
    )


def _delete_all() -> None:
    from accounts.models import TrainingGroup, User

    bench = User.objects.filter(email__startswith="bench-", email__endswith="@example.com")
    ids = list(bench.values_list("pk", flat=True))
    with transaction.atomic():
        TrainingGroup.objects.filter(coach__in=ids).delete()
        _delete_plans(ids)
        bench.delete()


def _delete_plans(athlete_ids: list[int]) -> None:
    from plans.models import Enrollment
    from symptoms.models import HealthDataConsent, PainLog

    PainLog.objects.filter(athlete_id__in=athlete_ids).delete()
    Enrollment.objects.filter(athlete_id__in=athlete_ids).delete()
    HealthDataConsent.objects.filter(athlete_id__in=athlete_ids).delete()


def _templates() -> list:
    from accounts.models import User

    emails = [TEMPLATE_EMAIL.format(i) for i in range(len(STORIES))]
    found = {u.email: u for u in User.objects.filter(email__in=emails)}
    return [found[e] for e in emails if e in found]


def _names():
    first = ["Ada", "Ben", "Chloe", "Dev", "Ema", "Finn", "Grace", "Hugo", "Isla", "Jamal"]
    first += ["Kira", "Leo", "Maya", "Nico", "Olu", "Priya", "Quinn", "Rosa", "Sami", "Tom"]
    last = ["Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Iqbal"]
    last += ["Jones", "Kowalski", "Lopez", "Murphy", "Nowak", "Okafor", "Patel", "Rossi"]
    last += ["Smith", "Tanaka", "Walsh", "Young", "Zhang", "Brown"]
    return itertools.cycle(f"{f} {s}" for s, f in itertools.product(last, first))


def _build_templates() -> list:
    from accounts.models import User

    password = make_password(ATHLETE_PASSWORD)
    templates = []
    for i, story in enumerate(STORIES):
        user = User.objects.create(
            email=TEMPLATE_EMAIL.format(i),
            display_name=f"Template {i}",
            time_zone=story.time_zone,
            password=password,
            date_joined=timezone.now() - timedelta(weeks=max(story.weeks_ago, 0) + 1),
        )
        _replay(user, story)
        templates.append(user)
    return templates


def _replay(athlete, story: Story) -> None:
    """Live the story through the services, each step at its own moment in the past."""
    import time_machine

    from plans import services as plans
    from plans.models import Enrollment, PlannedRun
    from symptoms import services as symptoms

    if not story.plan:
        return
    now = timezone.now()
    zone = plans.zone_of(athlete)
    today = plans.local_today(athlete, now)
    start = today - timedelta(days=today.weekday() + 7 * story.weeks_ago)
    started = min(now, datetime.combine(start - timedelta(days=2), time(20), zone))

    def at(moment: datetime):
        return time_machine.travel(moment, tick=False)

    with at(started):
        enrollment = plans.enrollment_start(
            athlete=athlete,
            start_date=start,
            weekdays=story.weekdays,
            cap="0.10",
            today=plans.local_today(athlete),
        )
        symptoms.consent_give(athlete=athlete)
    done = 0
    skipped = False
    pains = itertools.cycle(story.pains)
    while done < story.runs:
        enrollment.refresh_from_db()
        if enrollment.status == Enrollment.Status.PAUSED and story.resume:
            back = datetime.combine(enrollment.paused_until, time(8), zone)
            if back >= now:
                break
            with at(back):
                symptoms.pain_log_record(athlete=athlete, pain=0, submission=uuid.uuid4())
            continue
        run = enrollment.runs.filter(status=PlannedRun.Status.PLANNED).first()
        if run is None:
            break
        moment = datetime.combine(run.scheduled_date, time(18), zone)
        if moment > now - timedelta(hours=1):
            break
        if story.skip_run == done + 1 and not skipped:
            with at(moment):
                plans.run_skip(run=run, by=athlete, note="Too busy today")
            skipped = True
            continue
        with at(moment):
            plans.run_complete(run=run, by=athlete, actual_seconds=run.total_seconds)
        done += 1
        report = {"pain": next(pains)}
        if story.last and done == (story.last_at or story.runs):
            report = dict(story.last)
        if "eased_after_warmup" not in report and report["pain"]:
            report["eased_after_warmup"] = True
        with at(moment + timedelta(minutes=20)):
            symptoms.pain_log_record(athlete=athlete, run=run, **report)
        if done in story.checkin_after:
            with at(moment + timedelta(hours=14)):
                symptoms.pain_log_record(athlete=athlete, pain=0, submission=uuid.uuid4())


def _build_groups(templates: list) -> Dataset:
    from allauth.account.models import EmailAddress

    from accounts.models import Invite, Membership, TrainingGroup, User

    password = make_password(ATHLETE_PASSWORD)
    names = _names()
    joined = timezone.now() - timedelta(weeks=6)
    with transaction.atomic():
        coach = User.objects.create(
            email=COACH_EMAIL,
            display_name=_coach_name(),
            role=User.Role.COACH,
            password=make_password(COACH_PASSWORD),
        )
        EmailAddress.objects.create(user=coach, email=COACH_EMAIL, verified=True, primary=True)
        users = []
        number = 0
        for size in GROUP_SIZES:
            for _ in range(size):
                story = STORIES[DEAL[number % len(DEAL)]]
                users.append(
                    User(
                        email=ATHLETE_EMAIL.format(number),
                        display_name=next(names),
                        time_zone=story.time_zone,
                        password=password,
                        date_joined=joined,
                    )
                )
                number += 1
        User.objects.bulk_create(users, batch_size=1000)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
            batch_size=1000,
        )
        groups: dict[int, int] = {}
        athletes: dict[int, list[int]] = {}
        members = []
        offset = 0
        for size in GROUP_SIZES:
            group = TrainingGroup.objects.create(
                coach=coach, name=f"Bench {size}", created_at=joined
            )
            Invite.objects.create(group=group, created_at=joined)
            chunk = users[offset : offset + size]
            members += [Membership(group=group, athlete=u, joined_at=joined) for u in chunk]
            groups[size] = group.pk
            athletes[size] = [u.pk for u in chunk]
            offset += size
        Membership.objects.bulk_create(members, batch_size=1000)
        load = set(athletes[500][:LOAD_ATHLETES])
        pairs = []
        for number, user in enumerate(users):
            story = LOAD_STORY if user.pk in load else DEAL[number % len(DEAL)]
            pairs.append((user, templates[story]))
        _clone(pairs)
    return _dataset(coach, groups, athletes)


def _clone(pairs: list[tuple[Any, Any]]) -> None:
    """Copy each template athlete's plan rows to the paired athlete, in bulk."""
    from plans.models import Enrollment, PlanEvent, PlannedRun
    from symptoms.models import HealthDataConsent, PainLog

    template_ids = {t.pk for _, t in pairs}
    plans_of = _by(Enrollment.objects.filter(athlete_id__in=template_ids), "athlete_id")
    runs_of = _by(PlannedRun.objects.filter(enrollment__athlete_id__in=template_ids), "athlete")
    events_of = _by(
        PlanEvent.objects.filter(enrollment__athlete_id__in=template_ids).order_by("pk"), "athlete"
    )
    logs_of = _by(PainLog.objects.filter(athlete_id__in=template_ids).order_by("pk"), "athlete_id")
    consents_of = _by(HealthDataConsent.objects.filter(athlete_id__in=template_ids), "athlete_id")

    def copy(obj, **changes):
        values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
        values.pop("id")
        values.update(changes)
        return type(obj)(**values)

    # Enrollments, then runs, logs and events: each step needs the ids the last one made.
    new_plans = [(a, e, copy(e, athlete_id=a.pk)) for a, t in pairs for e in plans_of[t.pk]]
    Enrollment.objects.bulk_create([n for _, _, n in new_plans], batch_size=2000)
    plan_id = {(a.pk, e.pk): n.pk for a, e, n in new_plans}

    new_runs = [
        (a, r, copy(r, enrollment_id=plan_id[a.pk, r.enrollment_id]))
        for a, t in pairs
        for r in runs_of[t.pk]
    ]
    PlannedRun.objects.bulk_create([n for _, _, n in new_runs], batch_size=2000)
    run_id = {(a.pk, r.pk): n.pk for a, r, n in new_runs}

    new_logs = [
        (
            a,
            log,
            copy(
                log,
                athlete_id=a.pk,
                enrollment_id=log.enrollment_id and plan_id[a.pk, log.enrollment_id],
                run_id=log.run_id and run_id[a.pk, log.run_id],
                submission=log.submission and uuid.uuid4(),
            ),
        )
        for a, t in pairs
        for log in logs_of[t.pk]
    ]
    PainLog.objects.bulk_create([n for _, _, n in new_logs], batch_size=2000)
    log_id = {(a.pk, log.pk): n.pk for a, log, n in new_logs}

    new_events = [
        copy(
            e,
            enrollment_id=plan_id[a.pk, e.enrollment_id],
            run_id=e.run_id and run_id[a.pk, e.run_id],
            source_log_id=e.source_log_id and log_id[a.pk, e.source_log_id],
            actor_id=a.pk if e.actor_id == t.pk else e.actor_id,
            actor_name=str(a)[:80] if e.actor_id == t.pk else e.actor_name,
        )
        for a, t in pairs
        for e in events_of[t.pk]
    ]
    PlanEvent.objects.bulk_create(new_events, batch_size=2000)
    HealthDataConsent.objects.bulk_create(
        [copy(c, athlete_id=a.pk) for a, t in pairs for c in consents_of[t.pk]], batch_size=2000
    )


def _by(queryset, key: str) -> dict[int, list]:
    """Rows grouped by their athlete id (`key`: a field, or "athlete" through the plan)."""
    found: dict[int, list] = {}
    if key == "athlete":
        queryset = queryset.annotate(_athlete=F("enrollment__athlete_id"))
        key = "_athlete"
    for row in queryset:
        found.setdefault(getattr(row, key), []).append(row)
    return _Default(found)


class _Default(dict):
    def __missing__(self, key):
        return []
