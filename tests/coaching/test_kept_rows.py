"""Rows the review keeps between requests are never stale.

A kept row is reused while its key holds: the athlete's memberships, name, email, time zone,
training record revision and local date. The replay below drives random histories through every
service that changes what a row shows (runs, pain logs, check-ins, clearances, coach changes,
new plans, profile edits, joining and leaving, account deletion, the clock) and after every
step compares the rows as kept with rows computed from nothing. A service that changed an
athlete's record without a new revision would show here as a stale row.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import fields
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.data_rights import account_delete
from accounts.models import Membership, User
from accounts.services import group_create, membership_join, membership_leave
from coaching import services as coaching
from coaching.review import athlete_rows, forget_kept_rows
from plans import services as plans
from plans.models import Enrollment, PlannedRun
from symptoms import services as symptoms
from tests.coaching.conftest import do_runs, later, log, member, next_run
from tests.factories import CoachFactory, EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db

REFUSALS = (plans.PlanError, symptoms.SymptomsError, coaching.CoachingError)


def _differences(kept, fresh) -> list[str]:
    kept_by = {r.athlete_id: r for r in kept}
    fresh_by = {r.athlete_id: r for r in fresh}
    if kept_by.keys() != fresh_by.keys():
        return [f"athletes {sorted(kept_by)} kept, {sorted(fresh_by)} fresh"]
    found = []
    for pk, row in fresh_by.items():
        for f in fields(row):
            if f.compare and getattr(kept_by[pk], f.name) != getattr(row, f.name):
                found.append(
                    f"athlete {pk} {f.name}: kept {getattr(kept_by[pk], f.name)!r}, "
                    f"fresh {getattr(row, f.name)!r}"
                )
    return found


class History:
    """Four athletes in two groups of one coach, changed at random through the services."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.coach = CoachFactory(display_name="Casey Coach")
        self.groups = [group_create(coach=self.coach, name=f"Group {n}") for n in (1, 2)]
        self.invites = {g.pk: g.invites.get(revoked_at=None).token for g in self.groups}
        self.athletes: list[User] = []
        for n, status in enumerate(["on_track", "holding", "no_plan", "rolled_back"]):
            athlete = member(self.groups[n % 2], status, name=f"Athlete {n}")
            self.athletes.append(athlete)
        membership_join(athlete=self.athletes[0], token=self.invites[self.groups[1].pk])

    def group_ids(self) -> list[int]:
        return [g.pk for g in self.groups]

    def step(self) -> str:
        athlete = self.random.choice(self.athletes)
        name = self.random.choice(self.STEPS)
        # A refused change changes nothing, which is worth checking too.
        with contextlib.suppress(*REFUSALS):
            getattr(self, name)(athlete)
        return f"{name}({athlete.display_name})"

    STEPS = (
        "run_done",
        "run_done",
        "run_skipped",
        "run_undone",
        "pain_logged",
        "pain_logged",
        "checked_in",
        "red_flag",
        "cleared",
        "week_moved",
        "hold_cancelled",
        "cap_lowered",
        "plan_started",
        "plan_extended",
        "renamed",
        "moved_zone",
        "left_or_joined",
        "time_passed",
        "time_passed",
        "deleted",
    )

    def _plan(self, athlete: User) -> Enrollment | None:
        return plans.current_enrollment(athlete)

    def run_done(self, athlete: User) -> None:
        plan = self._plan(athlete)
        if plan is not None and next_run(plan) is not None:
            do_runs(plan, 1)

    def run_skipped(self, athlete: User) -> None:
        plan = self._plan(athlete)
        if plan is not None and next_run(plan) is not None:
            plans.run_skip(run=next_run(plan), by=athlete)

    def _last_done(self, athlete: User) -> PlannedRun | None:
        return (
            PlannedRun.objects.filter(enrollment__athlete=athlete, status="done")
            .order_by("-completed_at", "-sequence")
            .first()
        )

    def run_undone(self, athlete: User) -> None:
        run = self._last_done(athlete)
        if run is not None:
            plans.run_undo(run=run, by=athlete)

    def pain_logged(self, athlete: User) -> None:
        run = self._last_done(athlete)
        if run is not None:
            pain = self.random.choice([0, 1, 2, 3, 5, 7])
            log(run, pain=pain, sharp=pain >= 7, eased_after_warmup=self.random.random() < 0.5)

    def checked_in(self, athlete: User) -> None:
        symptoms.consent_give(athlete=athlete)
        symptoms.pain_log_record(athlete=athlete, pain=self.random.choice([0, 1, 4]))

    def red_flag(self, athlete: User) -> None:
        symptoms.consent_give(athlete=athlete)
        flag = self.random.choice(["radiating", "bladder_bowel", "leg_weakness"])
        symptoms.pain_log_record(athlete=athlete, pain=3, **{flag: True})

    def cleared(self, athlete: User) -> None:
        coaching.coach_record_clearance(
            coach=self.coach,
            athlete=athlete,
            cleared_on=plans.local_today(athlete),
            clinician="Dr Patel, GP",
        )

    def week_moved(self, athlete: User) -> None:
        week = self.random.randint(1, 4)
        coaching.coach_move_week(
            coach=self.coach, athlete=athlete, week=week, reason="Back to where it felt fine."
        )

    def hold_cancelled(self, athlete: User) -> None:
        coaching.coach_cancel_hold(coach=self.coach, athlete=athlete, reason="Felt fine after.")

    def cap_lowered(self, athlete: User) -> None:
        cap = self.random.choice([Decimal("0.05"), Decimal("0.08")])
        coaching.coach_lower_cap(coach=self.coach, athlete=athlete, cap=cap, reason="Go gently.")

    def plan_started(self, athlete: User) -> None:
        if not Enrollment.objects.filter(athlete=athlete, finished_at=None).exists():
            EnrollmentFactory(athlete=athlete)

    def plan_extended(self, athlete: User) -> None:
        plan = self._plan(athlete)
        if plan is not None:
            plans.plan_extend(enrollment_id=plan.pk, by=athlete)

    def renamed(self, athlete: User) -> None:
        first = athlete.display_name.split(" (")[0]
        athlete.display_name = f"{first} ({self.random.randint(1, 99)})"
        athlete.save(update_fields=["display_name"])

    def moved_zone(self, athlete: User) -> None:
        athlete.time_zone = self.random.choice(["Pacific/Auckland", "America/Los_Angeles"])
        athlete.save(update_fields=["time_zone"])

    def left_or_joined(self, athlete: User) -> None:
        group = self.random.choice(self.groups)
        if Membership.objects.filter(athlete=athlete, group=group).exists():
            membership_leave(athlete=athlete, group_id=group.pk)
        else:
            membership_join(athlete=athlete, token=self.invites[group.pk])

    def time_passed(self, athlete: User) -> None:
        later(self.clock, hours=self.random.choice([1, 5, 11, 26, 50]))

    def deleted(self, athlete: User) -> None:
        if len(self.athletes) > 2 and self.random.random() < 0.3:
            self.athletes.remove(athlete)
            account_delete(user=athlete)
            replacement = UserFactory(display_name=f"Athlete {len(self.athletes) + 10}")
            membership_join(athlete=replacement, token=self.invites[self.groups[0].pk])
            self.athletes.append(replacement)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_rows_match_rows_computed_afresh_after_every_change(clock, seed):
    history = History(seed)
    history.clock = clock
    forget_kept_rows()
    athlete_rows(history.group_ids(), now=timezone.now())  # every row kept
    steps = []
    for _ in range(45):
        steps.append(history.step())
        now = timezone.now()
        kept = athlete_rows(history.group_ids(), now=now)
        forget_kept_rows()
        fresh = athlete_rows(history.group_ids(), now=now)  # and these are kept for the next
        assert not _differences(kept, fresh), (steps, _differences(kept, fresh))


def test_a_group_seen_before_is_read_in_one_query_and_a_change_recomputes_one_row(clock, group):
    athletes = [member(group, status) for status in ("on_track", "holding", "paused")]
    first = athlete_rows([group.pk], now=timezone.now())

    with CaptureQueriesContext(connection) as seen_again:
        again = athlete_rows([group.pk], now=timezone.now())
    assert len(seen_again) == 1
    assert [a is b for a, b in zip(first, again, strict=True)] == [True, True, True]

    do_runs(athletes[0].enrollments.get(), 1)  # one athlete's record changes
    with CaptureQueriesContext(connection) as after_change:
        changed = athlete_rows([group.pk], now=timezone.now())
    assert len(after_change) == 6  # the memberships, then 5 for the one changed row
    assert [a is b for a, b in zip(first, changed, strict=True)] == [False, True, True]
    assert changed[0].runs_done == first[0].runs_done + 1


def test_a_new_day_is_a_new_row(clock, group):
    member(group, "on_track", name="Day Counter")
    (before,) = athlete_rows([group.pk], now=timezone.now())
    later(clock, days=3)
    (after,) = athlete_rows([group.pk], now=timezone.now())
    assert after is not before
    assert (after.today - before.today).days == 3
    assert after.missed_runs > before.missed_runs


def test_kept_rows_are_bounded(clock, group, monkeypatch):
    from coaching import review

    monkeypatch.setattr(review, "ROWS_KEPT", 20)
    for n in range(3):
        member(group, "no_plan", name=f"Athlete {n}")
    for hours in range(0, 24 * 12, 24):  # a new day, so new keys, twelve times
        athlete_rows([group.pk], now=timezone.now() + timedelta(hours=hours))
        assert len(review._kept) <= 20
