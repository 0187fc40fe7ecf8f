"""One row per athlete, from real plans and logs: statuses, week, adherence, pain, activity;
and a number of queries that does not grow with the group."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.review import athlete_rows, count_by_status, search_rows, sort_rows
from plans.services import plan_move_to_week, run_skip
from tests.coaching.conftest import MONDAY, crowd, do_runs, later, log, member, next_run
from tests.factories import CoachFactory, EnrollmentFactory, GroupFactory, MembershipFactory

pytestmark = pytest.mark.django_db

STATUSES = [
    "on_track",
    "holding",
    "rolled_back",
    "paused",
    "needs_clinician",
    "urgent",
    "finished",
    "not_started",
]


def rows_by_name(group) -> dict:
    return {r.name: r for r in athlete_rows([group.pk], now=timezone.now())}


def test_it_gives_every_status_from_real_plans_and_logs(clock, group):
    for status in STATUSES:
        member(group, status)
    member(group, "no_plan", name="No Plan")
    rows = rows_by_name(group)
    assert {name: r.status for name, r in rows.items()} == {
        "On Track": "on_track",
        "Holding": "holding",
        "Rolled Back": "rolled_back",
        "Paused": "paused",
        "Needs Clinician": "needs_clinician",
        "Urgent": "urgent",
        "Finished": "finished",
        "Not Started": "not_started",
        "No Plan": "not_started",
    }
    ordered = [r.status for r in sort_rows(list(rows.values()), "attention")]
    assert ordered[:2] == ["urgent", "needs_clinician"]
    assert ordered[-1] == "finished"


def test_a_roll_back_is_over_once_a_week_is_completed(clock, group):
    athlete = member(group, "rolled_back")
    plan = athlete.enrollments.get()
    assert plan.current_week == 1
    do_runs(plan, 3)
    (row,) = athlete_rows([group.pk], now=timezone.now())
    assert (row.status, row.week, row.run) == ("on_track", 2, 1)


def test_a_coach_moving_the_week_ends_a_roll_back(clock, group):
    athlete = member(group, "rolled_back")
    plan = athlete.enrollments.get()
    plan_move_to_week(enrollment_id=plan.pk, by=group.coach, week=2, reason="It was a one-off.")
    (row,) = athlete_rows([group.pk], now=timezone.now())
    assert (row.status, row.week) == ("on_track", 2)


def test_urgent_is_the_worst_red_flag_since_the_last_clearance(clock, group):
    athlete = member(group, "urgent")
    plan = athlete.enrollments.get()
    # A later check-in with a lesser red flag does not make it less urgent.
    from symptoms.services import clearance_record, pain_log_record

    later(clock, hours=2)
    pain_log_record(athlete=athlete, pain=1, numbness_tingling=True)
    assert athlete_rows([group.pk], now=timezone.now())[0].status == "urgent"
    later(clock, days=1)
    clearance_record(
        athlete=athlete, recorded_by=group.coach, cleared_on=MONDAY, clinician="Dr Patel"
    )
    (row,) = athlete_rows([group.pk], now=timezone.now())
    assert row.status == "on_track"
    later(clock, days=1)
    do_runs(plan, 1)
    log(plan.runs.filter(status="done").order_by("-sequence").first(), pain=1, radiating=True)
    assert athlete_rows([group.pk], now=timezone.now())[0].status == "needs_clinician"


def test_adherence_counts_done_against_due_so_far(clock, group):
    athlete = member(group, "no_plan")
    plan = EnrollmentFactory(athlete=athlete)  # Mon, Wed, Fri from Monday 4 May
    do_runs(plan, 1)  # Monday's run
    later(clock, days=2)
    run_skip(run=next_run(plan), by=athlete)  # Wednesday: skipped (comes again Friday)
    later(clock, days=6)  # the next Tuesday: Friday's and Monday's runs were missed
    (row,) = athlete_rows([group.pk], now=timezone.now())
    assert (row.runs_done, row.runs_skipped, row.missed_runs) == (1, 1, 2)
    assert (row.runs_scheduled, row.adherence_percent) == (4, 25)
    assert (row.week, row.run) == (1, 2)
    assert row.idle_days == 6  # last active on the Wednesday


def test_last_pain_and_trend_come_from_the_latest_logs(clock, group):
    athlete = member(group, "no_plan")
    plan = EnrollmentFactory(athlete=athlete)
    for pain in [0, 1, 0, 1, 1, 2, 1, 2]:  # mild pain that eased: the plan carries on
        (run,) = do_runs(plan, 1)
        log(run, pain=pain, eased_after_warmup=True)
        later(clock, hours=1)
    (row,) = athlete_rows([group.pk], now=timezone.now())
    assert row.pains == [0, 1, 1, 2, 1, 2]  # the latest six, oldest first
    assert (row.last_pain, row.trend, row.logs_total) == (2, "rising", 8)
    assert row.idle_days == 0


def test_a_coach_sees_only_members_and_an_athlete_in_two_groups_once(clock, group):
    both = member(group, "on_track", name="Both Groups")
    other_group = GroupFactory(coach=group.coach)
    MembershipFactory(group=other_group, athlete=both)
    outsider = member(GroupFactory(), "on_track", name="Somebody Else's")
    rows = athlete_rows([group.pk, other_group.pk], now=timezone.now())
    assert [(r.name, r.group_ids) for r in rows] == [("Both Groups", {group.pk, other_group.pk})]
    assert outsider.pk not in {r.athlete_id for r in rows}


def test_search_sort_and_count(clock, group):
    for status, name in [("paused", "Ann Lee"), ("on_track", "Bo Ann"), ("holding", "Cy Dee")]:
        member(group, status, name=name)
    rows = athlete_rows([group.pk], now=timezone.now())
    assert [r.name for r in search_rows(rows, "  ANN ")] == ["Ann Lee", "Bo Ann"]
    assert [r.name for r in search_rows(rows, "ann lee")] == ["Ann Lee"]
    assert [r.name for r in sort_rows(rows, "name")] == ["Ann Lee", "Bo Ann", "Cy Dee"]
    assert [r.name for r in sort_rows(rows, "-name")] == ["Cy Dee", "Bo Ann", "Ann Lee"]
    assert [r.name for r in sort_rows(rows, "attention")] == ["Ann Lee", "Cy Dee", "Bo Ann"]
    assert count_by_status(rows)["paused"] == 1
    with pytest.raises(ValueError):
        sort_rows(rows, "shoe_size")


def test_unknown_values_sort_last_in_either_direction(clock, group):
    member(group, "no_plan", name="Nobody Yet")
    member(group, "on_track", name="Runner")
    rows = athlete_rows([group.pk], now=timezone.now())
    for sort in ["pain", "-pain", "activity", "-activity", "adherence", "-adherence", "-week"]:
        assert sort_rows(rows, sort)[-1].name == "Nobody Yet", sort


# --- Query budget ------------------------------------------------------------------------------

# athlete_rows, for rows not kept yet: memberships, join dates, plans (with correlated counts),
# runs to come, recent pain logs, pain log totals. Six, for any number of athletes; then one.
ROWS_BUDGET = 6


@pytest.mark.parametrize("size", [5, 50, 500])
def test_rows_cost_the_same_six_queries_for_any_group_size_then_one(size):
    now = timezone.now()
    group = GroupFactory(coach=CoachFactory())
    crowd(group, size, now)
    with CaptureQueriesContext(connection) as queries:
        rows = athlete_rows([group.pk], now=now)
    assert len(rows) == size
    assert len(queries) == ROWS_BUDGET, [q["sql"][:120] for q in queries]
    with CaptureQueriesContext(connection) as queries:
        assert athlete_rows([group.pk], now=now) == rows
    assert len(queries) == 1
    statuses = count_by_status(rows)
    assert all(statuses.values()) or size < 8  # the crowd covers every status
    assert {r.status for r in rows if r.plan_status == "awaiting_clearance"} <= {
        "urgent",
        "needs_clinician",
    }


def test_the_crowd_gets_the_statuses_it_was_built_with():
    now = timezone.now()
    group = GroupFactory()
    crowd(group, 16, now - timedelta(minutes=1))
    rows = sorted(athlete_rows([group.pk], now=now), key=lambda r: r.name)
    assert [r.status for r in rows[:8]] == [
        "not_started",
        "on_track",
        "holding",
        "rolled_back",
        "paused",
        "needs_clinician",
        "urgent",
        "finished",
    ]
    assert len(rows[1].pains) == 6
