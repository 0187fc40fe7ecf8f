"""Starting and following a plan, against the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from plans import hooks
from plans.models import Enrollment, PlanEvent, PlannedRun
from plans.overview import plan_overview, today_for, upcoming_runs
from plans.progression import build_program
from plans.services import (
    PlanError,
    enrollment_start,
    local_today,
    plan_await_clearance,
    plan_extend,
    plan_hold,
    plan_hold_cancel,
    plan_move_to_week,
    plan_pause,
    plan_resume,
    plan_roll_back,
    plan_set_cap,
    run_complete,
    run_skip,
    run_undo,
)
from tests.factories import CoachFactory, EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db

# Monday 4 May 2026, 09:00 in London (BST).
MONDAY_MORNING = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
MONDAY = date(2026, 5, 4)
Kind = PlanEvent.Kind


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(MONDAY_MORNING, tick=False)
    return time_machine


@pytest.fixture
def plan(athlete):
    return EnrollmentFactory(athlete=athlete)


def planned(enrollment) -> list[PlannedRun]:
    return list(enrollment.runs.filter(status="planned").order_by("sequence"))


def next_run(enrollment) -> PlannedRun:
    return planned(enrollment)[0]


def do_runs(enrollment, count: int, clock=None) -> None:
    """Do the next `count` runs, each on its scheduled day if a clock is given."""
    for _ in range(count):
        run = next_run(enrollment)
        if clock is not None:
            clock.move_to(
                datetime.combine(run.scheduled_date, datetime.min.time(), UTC) + timedelta(hours=8),
                tick=False,
            )
        run_complete(run=run, by=enrollment.athlete)
        enrollment.refresh_from_db()


def kinds(enrollment) -> list[str]:
    return list(enrollment.events.order_by("pk").values_list("kind", flat=True))


def state(enrollment) -> tuple:
    enrollment.refresh_from_db()
    return (enrollment.status, enrollment.current_week, enrollment.training_week)


# --- Starting ---------------------------------------------------------------------------------


def test_it_starts_week_one_on_the_chosen_days(athlete):
    enrollment = enrollment_start(
        athlete=athlete, start_date=MONDAY, weekdays=[4, 0, 2], cap="0.10", today=MONDAY
    )

    assert enrollment.run_weekdays == "0,2,4"
    assert enrollment.runs_per_week == 3
    assert (enrollment.status, enrollment.current_week, enrollment.weeks_planned) == (
        "active",
        1,
        4,
    )
    runs = planned(enrollment)
    assert [(r.training_week, r.week_number, r.run_number, r.sequence) for r in runs] == [
        (1, 1, 1, 1),
        (1, 1, 2, 2),
        (1, 1, 3, 3),
    ]
    assert [r.scheduled_date for r in runs] == [
        date(2026, 5, 4),
        date(2026, 5, 6),
        date(2026, 5, 8),
    ]
    week1 = build_program(3, 0.10, 1).weeks[0]
    assert runs[0].segments == PlannedRun.snapshot(week1.runs[0])
    assert runs[0].segment_list == week1.runs[0].segments
    event = enrollment.events.get()
    assert (event.kind, event.actor, event.week_number) == ("started", athlete, 1)


def test_a_later_start_date_places_the_first_run_on_the_first_run_day_from_it(athlete):
    enrollment = EnrollmentFactory(athlete=athlete, start_date=date(2026, 5, 7))
    assert [r.scheduled_date for r in planned(enrollment)] == [
        date(2026, 5, 8),
        date(2026, 5, 11),
        date(2026, 5, 13),
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weekdays": [0]}, "at least 2"),
        ({"weekdays": []}, "at least 2"),
        ({"weekdays": [0, 1, 2, 3, 4]}, "at most 4"),
        ({"weekdays": [0, 9]}, "not a day of the week"),
        ({"cap": "0.11"}, "1% to 10%"),
        ({"cap": "0.005"}, "1% to 10%"),
        ({"cap": "0.075"}, "whole percentage"),
        ({"cap": "lots"}, "1% to 10%"),
        ({"start_date": date(2026, 4, 19)}, "14 days ago"),
        ({"start_date": date(2026, 7, 4)}, "next 60 days"),
    ],
)
def test_it_refuses_bad_starts_and_saves_nothing(athlete, changes, message):
    arguments = {
        "athlete": athlete,
        "start_date": MONDAY,
        "weekdays": [0, 2, 4],
        "cap": "0.10",
        "today": MONDAY,
    } | changes
    with pytest.raises(PlanError, match=message):
        enrollment_start(**arguments)
    assert not Enrollment.objects.exists()
    assert not PlannedRun.objects.exists()


def test_one_plan_in_progress_at_a_time(plan):
    with pytest.raises(PlanError, match="already have a plan"):
        EnrollmentFactory(athlete=plan.athlete)
    assert Enrollment.objects.count() == 1


def test_the_database_holds_the_rules_too(plan):
    other = UserFactory()
    bad_rows = [
        {"athlete": plan.athlete, "run_weekdays": "1,3"},  # a second open plan
        {"athlete": other, "run_weekdays": "0,1,2,3,4"},
        {"athlete": other, "run_weekdays": "4,2"},
        {"athlete": other, "run_weekdays": "0,2", "weekly_increase_cap": Decimal("0.20")},
        {"athlete": other, "run_weekdays": "0,2", "weekly_increase_cap": Decimal("0.00")},
        {"athlete": other, "run_weekdays": "0,2", "current_week": 5},
        {"athlete": other, "run_weekdays": "0,2", "status": "paused"},  # no end to the pause
        {"athlete": other, "run_weekdays": "0,2", "status": "finished"},  # no finish time
        {"athlete": other, "run_weekdays": "0,2", "status": "holding"},
    ]
    for fields in bad_rows:
        with pytest.raises(IntegrityError), transaction.atomic():
            Enrollment.objects.create(start_date=MONDAY, **fields)
    run = next_run(plan)
    for fields in [
        {"sequence": 1},  # taken
        {"sequence": 9, "run_number": 1},  # a second live slot for week 1, run 1
        {"sequence": 9, "run_number": 4, "actual_seconds": 0},
        {"sequence": 9, "run_number": 4, "status": "done"},  # done without a time
    ]:
        values = {
            "enrollment": plan,
            "training_week": 1,
            "week_number": 1,
            "run_number": run.run_number,
            "scheduled_date": MONDAY,
            "segments": run.segments,
        } | fields
        with pytest.raises(IntegrityError), transaction.atomic():
            PlannedRun.objects.create(**values)


def test_today_is_the_athletes_own_date(clock):
    # 20:00 on Sunday in UTC is already Monday morning in Auckland, still Sunday in Los Angeles.
    clock.move_to(datetime(2026, 5, 3, 20, 0, tzinfo=UTC), tick=False)
    auckland = UserFactory(time_zone="Pacific/Auckland")
    los_angeles = UserFactory(time_zone="America/Los_Angeles")

    assert local_today(auckland) == date(2026, 5, 4)
    assert local_today(los_angeles) == date(2026, 5, 3)
    kiwi = EnrollmentFactory(athlete=auckland)
    angeleno = EnrollmentFactory(athlete=los_angeles)
    assert next_run(kiwi).scheduled_date == date(2026, 5, 4)  # today, where they are
    assert next_run(angeleno).scheduled_date == date(2026, 5, 4)  # tomorrow, where they are


def test_a_run_done_late_in_the_evening_counts_for_that_local_day(clock):
    tokyo = UserFactory(time_zone="Asia/Tokyo")
    enrollment = EnrollmentFactory(athlete=tokyo)  # Monday in Tokyo: runs Mon 4, Wed 6, Fri 8
    clock.move_to(datetime(2026, 5, 5, 14, 30, tzinfo=UTC), tick=False)  # 23:30 Tue in Tokyo
    run_complete(run=next_run(enrollment), by=tokyo)
    # Done on Tuesday, local time: the next run can still be on Wednesday.
    assert [r.scheduled_date for r in planned(enrollment)] == [date(2026, 5, 6), date(2026, 5, 8)]


# --- Schedule ---------------------------------------------------------------------------------


def test_a_missed_day_shifts_the_schedule_and_never_drops_a_run(plan, clock):
    clock.move_to(datetime(2026, 5, 7, 8, 0, tzinfo=UTC), tick=False)  # Thursday: two missed
    today = local_today(plan.athlete)

    shown = upcoming_runs(plan, list(plan.runs.all()), today, limit=4)
    assert [(u.date, u.week_number, u.run_number) for u in shown] == [
        (date(2026, 5, 8), 1, 1),
        (date(2026, 5, 11), 1, 2),
        (date(2026, 5, 13), 1, 3),
        (date(2026, 5, 15), 2, 1),
    ]
    run_complete(run=next_run(plan), by=plan.athlete)  # run 1 on Thursday, off-plan day
    assert [r.scheduled_date for r in planned(plan)] == [date(2026, 5, 8), date(2026, 5, 11)]


def test_completing_the_last_run_of_a_week_opens_the_next_week(plan, clock):
    do_runs(plan, 3, clock)

    assert state(plan) == ("active", 2, 2)
    runs = planned(plan)
    assert [(r.training_week, r.week_number, r.run_number, r.sequence) for r in runs] == [
        (2, 2, 1, 4),
        (2, 2, 2, 5),
        (2, 2, 3, 6),
    ]
    assert [r.scheduled_date for r in runs] == [
        date(2026, 5, 11),
        date(2026, 5, 13),
        date(2026, 5, 15),
    ]
    week2 = build_program(3, 0.10, 2).weeks[1]
    assert runs[0].segments == PlannedRun.snapshot(week2.runs[0])
    advanced = plan.events.get(kind=Kind.WEEK_ADVANCED)
    assert advanced.actor is None and advanced.by == "Walk-Run Coach"
    assert advanced.run.sequence == 3
    assert "All 3 runs of week 1 done" in advanced.reason


def test_marking_a_run_done_twice_changes_nothing(plan, clock):
    run = next_run(plan)
    first = run_complete(run=run, by=plan.athlete, actual_seconds=1500, note="Felt fine")
    clock.shift(timedelta(minutes=3))
    again = run_complete(run=run, by=plan.athlete, actual_seconds=99, note="again")

    assert again.completed_at == first.completed_at
    assert (again.actual_seconds, again.note) == (1500, "Felt fine")
    assert kinds(plan) == ["started", "run_completed"]


def test_only_the_next_run_can_be_marked(plan):
    later = planned(plan)[1]
    with pytest.raises(PlanError, match="not your next run"):
        run_complete(run=later, by=plan.athlete)
    with pytest.raises(PlanError, match="between 1 minute and 5 hours"):
        run_complete(run=next_run(plan), by=plan.athlete, actual_seconds=0)
    assert not plan.runs.filter(status="done").exists()


def test_a_skipped_run_comes_again_on_the_next_run_day(plan, clock):
    first = next_run(plan)
    run_skip(run=first, by=plan.athlete, note="Work ran late")

    first.refresh_from_db()
    assert (first.status, first.note) == ("skipped", "Work ran late")
    runs = planned(plan)
    assert [(r.week_number, r.run_number, r.sequence, r.scheduled_date) for r in runs] == [
        (1, 1, 2, date(2026, 5, 6)),  # the same run, on Wednesday
        (1, 2, 3, date(2026, 5, 8)),
        (1, 3, 4, date(2026, 5, 11)),
    ]
    assert run_skip(run=first, by=plan.athlete).status == "skipped"  # twice: no change
    assert kinds(plan) == ["started", "run_skipped"]
    do_runs(plan, 2, clock)
    assert state(plan) == ("active", 1, 1)  # a skip is not a run: week 1 is not done yet
    do_runs(plan, 1, clock)
    assert state(plan) == ("active", 2, 2)


# --- Verdicts: hold, roll back, pause, clearance ------------------------------------------------


def test_a_hold_repeats_the_week_once_its_runs_are_done(plan, clock):
    do_runs(plan, 1, clock)
    plan_hold(enrollment_id=plan.pk, by=None, reason="Mild pain that did not ease", source_log_id=7)
    assert state(plan) == ("active", 1, 1) and plan.repeat_current_week

    do_runs(plan, 2, clock)
    assert state(plan) == ("active", 1, 2)  # week 1 again
    assert not plan.repeat_current_week
    do_runs(plan, 3, clock)
    assert state(plan) == ("active", 2, 3)
    assert kinds(plan).count("week_repeated") == 1
    hold = plan.events.get(kind=Kind.HOLD_SET)
    assert (hold.source_log_id, hold.reason, hold.actor) == (7, "Mild pain that did not ease", None)


def test_a_hold_on_the_last_run_of_a_week_repeats_that_week_not_the_next(plan, clock):
    do_runs(plan, 3, clock)  # week 2 is open now, nothing done in it
    last_of_week1 = plan.runs.get(sequence=3)

    plan_hold(enrollment_id=plan.pk, by=None, reason="Mild pain", run_id=last_of_week1.pk)

    assert state(plan) == ("active", 1, 2)
    assert [r.week_number for r in planned(plan)] == [1, 1, 1]
    assert not plan.runs.filter(week_number=2).exists()


def test_a_roll_back_goes_back_one_week_and_cancels_the_rest_of_this_one(plan, clock):
    do_runs(plan, 4, clock)  # week 1 done, run 1 of week 2 done
    plan_roll_back(enrollment_id=plan.pk, by=None, reason="Moderate pain (5/10)")

    assert state(plan) == ("active", 1, 3)
    week2 = plan.runs.filter(training_week=2).order_by("sequence")
    assert [r.status for r in week2] == ["done", "cancelled", "cancelled"]
    assert [r.week_number for r in planned(plan)] == [1, 1, 1]
    event = plan.events.get(kind=Kind.ROLLED_BACK)
    assert (event.week_number, event.data) == (1, {"from_week": 2})


def test_a_roll_back_in_week_one_restarts_week_one(plan, clock):
    do_runs(plan, 1, clock)
    plan_roll_back(enrollment_id=plan.pk, by=None, reason="Moderate pain")
    assert state(plan) == ("active", 1, 2)
    assert [r.status for r in plan.runs.filter(training_week=1)] == [
        "done",
        "cancelled",
        "cancelled",
    ]
    assert len(planned(plan)) == 3


def test_a_roll_back_after_the_last_run_of_week_three_goes_to_week_two(plan, clock):
    do_runs(plan, 9, clock)  # weeks 1-3 done, week 4 open
    last = plan.runs.filter(status="done").order_by("-sequence").first()
    plan_roll_back(enrollment_id=plan.pk, by=None, reason="Moderate pain", run_id=last.pk)
    assert state(plan) == ("active", 2, 4)  # week 4's unstarted runs were removed, not kept


def test_the_same_log_changes_the_plan_only_once(plan, clock):
    do_runs(plan, 7, clock)  # in week 3
    for _ in range(2):
        plan_roll_back(enrollment_id=plan.pk, by=None, reason="Moderate pain", source_log_id=42)
    assert state(plan)[1] == 2
    assert kinds(plan).count("rolled_back") == 1


def test_a_pause_offers_no_runs_until_a_check_in_resumes_one_week_back(plan, clock):
    do_runs(plan, 4, clock)  # in week 2
    until = local_today(plan.athlete) + timedelta(days=7)
    plan_pause(enrollment_id=plan.pk, by=None, reason="Sharp pain", until=until, source_log_id=5)

    plan.refresh_from_db()
    assert (plan.status, plan.paused_until) == ("paused", until)
    assert not planned(plan)
    assert upcoming_runs(plan, list(plan.runs.all()), local_today(plan.athlete)) == []
    view = today_for(plan.athlete, local_today(plan.athlete))
    assert view.state == "paused" and view.next is None
    assert view.pause_event.reason == "Sharp pain"
    with pytest.raises(PlanError, match="rest lasts until"):
        plan_resume(enrollment_id=plan.pk, by=None, reason="Check-in: pain 1")

    clock.move_to(datetime.combine(until, datetime.min.time(), UTC) + timedelta(hours=8))
    plan_resume(enrollment_id=plan.pk, by=None, reason="Check-in: pain 1", source_log_id=6)

    assert state(plan) == ("active", 1, 3)
    assert [r.scheduled_date >= until for r in planned(plan)] == [True, True, True]
    assert kinds(plan)[-2:] == ["paused", "resumed"]


def test_a_second_pause_only_extends_the_rest(plan):
    today = local_today(plan.athlete)
    plan_pause(enrollment_id=plan.pk, by=None, reason="Spasms", until=today + timedelta(days=7))
    plan_pause(enrollment_id=plan.pk, by=None, reason="Worse", until=today + timedelta(days=10))
    plan_pause(enrollment_id=plan.pk, by=None, reason="Better", until=today + timedelta(days=8))
    plan.refresh_from_db()
    assert plan.paused_until == today + timedelta(days=10)
    with pytest.raises(PlanError, match="after today"):
        plan_pause(enrollment_id=plan.pk, by=None, reason="x", until=today)


def test_a_red_flag_waits_for_a_clinicians_clearance(plan, clock):
    do_runs(plan, 4, clock)
    plan_await_clearance(enrollment_id=plan.pk, by=None, reason="Pain spreading into a leg")
    assert state(plan)[0] == "awaiting_clearance"
    assert not planned(plan)
    with pytest.raises(PlanError, match="waiting for a clinician"):
        plan_pause(enrollment_id=plan.pk, by=None, reason="x", until=MONDAY + timedelta(days=30))
    with pytest.raises(PlanError, match="clinician's clearance"):
        plan_resume(enrollment_id=plan.pk, by=None, reason="Feels fine now")
    today = local_today(plan.athlete)
    with pytest.raises(PlanError, match="future"):
        plan_resume(enrollment_id=plan.pk, by=None, reason="x", cleared_on=today + timedelta(1))
    with pytest.raises(PlanError):
        run_complete(run=plan.runs.filter(status="cancelled").first(), by=plan.athlete)

    coach = CoachFactory()
    plan_resume(enrollment_id=plan.pk, by=coach, reason="Physio cleared running", cleared_on=today)

    assert state(plan) == ("active", 1, 3)
    cleared = plan.events.get(kind=Kind.CLEARED)
    assert cleared.actor == coach
    assert cleared.data == {"weeks_back": 1, "cleared_on": today.isoformat()}


def test_a_red_flag_after_the_last_run_reopens_a_finished_plan(plan, clock):
    do_runs(plan, 12, clock)
    assert state(plan)[0] == "finished"
    last = plan.runs.order_by("-sequence").first()
    plan_await_clearance(enrollment_id=plan.pk, by=None, reason="Numbness", run_id=last.pk)
    plan.refresh_from_db()
    assert (plan.status, plan.finished_at) == ("awaiting_clearance", None)
    with pytest.raises(PlanError, match="once this plan is finished"):
        plan_extend(enrollment_id=plan.pk, by=plan.athlete)


def test_a_hold_after_the_last_run_of_the_plan_repeats_the_last_week(plan, clock):
    do_runs(plan, 12, clock)
    last = plan.runs.order_by("-sequence").first()
    plan_hold(enrollment_id=plan.pk, by=None, reason="Mild pain", run_id=last.pk, source_log_id=3)

    plan.refresh_from_db()
    assert (plan.status, plan.finished_at, plan.current_week) == ("active", None, 4)
    assert [r.week_number for r in planned(plan)] == [4, 4, 4]
    do_runs(plan, 3, clock)
    assert state(plan)[0] == "finished"


def test_resuming_zero_weeks_back_repeats_the_week_where_the_pause_came(plan, clock):
    do_runs(plan, 4, clock)
    until = local_today(plan.athlete) + timedelta(days=7)
    plan_pause(enrollment_id=plan.pk, by=None, reason="Spasms", until=until)
    clock.shift(timedelta(days=8))
    plan_resume(enrollment_id=plan.pk, by=None, reason="Coach: only a stiff back", weeks_back=0)
    assert state(plan)[:2] == ("active", 2)
    assert [r.run_number for r in planned(plan)] == [1, 2, 3]


def test_verdicts_need_a_running_plan(plan):
    plan_pause(enrollment_id=plan.pk, by=None, reason="x", until=MONDAY + timedelta(days=7))
    with pytest.raises(PlanError, match="paused"):
        plan_hold(enrollment_id=plan.pk, by=None, reason="x")
    with pytest.raises(PlanError, match="paused"):
        plan_roll_back(enrollment_id=plan.pk, by=None, reason="x")
    with pytest.raises(PlanError, match="not part of this plan"):
        other = EnrollmentFactory()
        plan_await_clearance(enrollment_id=plan.pk, by=None, reason="x", run_id=next_run(other).pk)


# --- Coach changes ----------------------------------------------------------------------------


def test_a_lower_cap_reshapes_the_weeks_to_come_under_the_new_cap(plan, clock):
    do_runs(plan, 6, clock)  # weeks 1 and 2 done at 10%, week 3 open
    coach = CoachFactory()
    plan_set_cap(enrollment_id=plan.pk, by=coach, cap=Decimal("0.05"), reason="Slow down a bit")

    plan.refresh_from_db()
    assert plan.weekly_increase_cap == Decimal("0.05")
    new_program = build_program(3, Decimal("0.05"), 4)
    assert [r.segments for r in planned(plan)] == [
        PlannedRun.snapshot(run) for run in new_program.weeks[2].runs
    ]
    overview = plan_overview(plan)
    old_program = build_program(3, Decimal("0.10"), 4)
    # Weeks 1-2 show what was run; weeks 3-4 the program at 5%.
    assert [w.volume_seconds for w in overview.weeks] == [
        old_program.weeks[0].volume_seconds,
        old_program.weeks[1].volume_seconds,
        new_program.weeks[2].volume_seconds,
        new_program.weeks[3].volume_seconds,
    ]
    for week in overview.weeks[2:]:
        assert week.change <= Decimal("0.05")
    event = plan.events.get(kind=Kind.CAP_CHANGED)
    assert (event.actor, event.data) == (coach, {"from": "0.10", "to": "0.05"})

    with pytest.raises(PlanError, match="only go down"):
        plan_set_cap(enrollment_id=plan.pk, by=coach, cap="0.08", reason="Back up")
    with pytest.raises(PlanError, match="reason"):
        plan_set_cap(enrollment_id=plan.pk, by=coach, cap="0.04", reason="  ")


def test_a_coach_can_undo_a_roll_back_but_not_skip_ahead(plan, clock):
    do_runs(plan, 4, clock)
    plan_roll_back(enrollment_id=plan.pk, by=None, reason="Moderate pain")
    coach = CoachFactory()
    with pytest.raises(PlanError, match="from 1 to 2"):
        plan_move_to_week(enrollment_id=plan.pk, by=coach, week=3, reason="Ready")

    plan_move_to_week(enrollment_id=plan.pk, by=coach, week=2, reason="Pain was from a fall")

    assert state(plan)[1] == 2
    assert plan.events.filter(kind=Kind.OVERRIDE).get().data == {"from_week": 1, "to_week": 2}


def test_a_coach_can_cancel_a_hold(plan):
    plan_hold(enrollment_id=plan.pk, by=None, reason="Mild pain")
    coach = CoachFactory()
    plan_hold_cancel(enrollment_id=plan.pk, by=coach, reason="Stiff from gardening, not running")
    plan.refresh_from_db()
    assert not plan.repeat_current_week
    plan_hold_cancel(enrollment_id=plan.pk, by=coach, reason="again")  # nothing to cancel
    assert kinds(plan).count("override") == 1


# --- Finishing and the next block -------------------------------------------------------------


def test_the_last_run_finishes_the_plan_and_the_next_block_continues_it(plan, clock):
    do_runs(plan, 12, clock)

    plan.refresh_from_db()
    assert plan.status == "finished" and plan.finished_at is not None
    assert kinds(plan).count("week_advanced") == 3
    assert kinds(plan)[-1] == "finished"
    assert today_for(plan.athlete, local_today(plan.athlete)).state == "finished"

    plan_extend(enrollment_id=plan.pk, by=plan.athlete)

    assert state(plan) == ("active", 5, 5)
    assert plan.weeks_planned == 8
    week5 = build_program(3, Decimal("0.10"), 8).weeks[4]
    assert [r.segments for r in planned(plan)] == [PlannedRun.snapshot(r) for r in week5.runs]
    with pytest.raises(PlanError):
        plan_extend(enrollment_id=plan.pk, by=plan.athlete)


def test_after_finishing_a_new_plan_can_start(plan, clock):
    do_runs(plan, 12, clock)
    fresh = EnrollmentFactory(athlete=plan.athlete)
    assert fresh.pk != plan.pk
    with pytest.raises(PlanError, match="already have a plan"):
        plan_extend(enrollment_id=plan.pk, by=plan.athlete)


# --- Undo -------------------------------------------------------------------------------------


def test_a_mistaken_done_can_be_undone_within_fifteen_minutes(plan, clock):
    run = next_run(plan)
    run_complete(run=run, by=plan.athlete, actual_seconds=600, note="oops")
    clock.shift(timedelta(minutes=14))
    run_undo(run=run, by=plan.athlete)

    run.refresh_from_db()
    assert (run.status, run.completed_at, run.actual_seconds, run.note) == (
        "planned",
        None,
        None,
        "",
    )
    assert run_undo(run=run, by=plan.athlete).status == "planned"  # twice: no change
    assert kinds(plan) == ["started", "run_completed", "run_undone"]


def test_undo_is_refused_after_the_window(plan, clock):
    run = next_run(plan)
    run_complete(run=run, by=plan.athlete)
    clock.shift(timedelta(minutes=16))
    with pytest.raises(PlanError, match="within 15 minutes"):
        run_undo(run=run, by=plan.athlete)
    run.refresh_from_db()
    assert run.status == "done"


def test_undoing_the_last_run_of_a_week_takes_the_next_week_back(plan, clock):
    do_runs(plan, 3, clock)
    last = plan.runs.get(sequence=3)
    run_undo(run=last, by=plan.athlete)

    assert state(plan) == ("active", 1, 1)
    assert [r.sequence for r in planned(plan)] == [3]
    assert not plan.runs.filter(week_number=2).exists()
    run_complete(run=last, by=plan.athlete)  # and doing it again moves on again
    assert state(plan) == ("active", 2, 2)


def test_undoing_the_run_that_used_up_a_hold_restores_the_hold(plan, clock):
    plan_hold(enrollment_id=plan.pk, by=None, reason="Mild pain")
    do_runs(plan, 3, clock)
    run_undo(run=plan.runs.get(sequence=3), by=plan.athlete)
    plan.refresh_from_db()
    assert plan.repeat_current_week and plan.training_week == 1


def test_undoing_the_last_run_reopens_the_plan(plan, clock):
    do_runs(plan, 12, clock)
    run_undo(run=plan.runs.order_by("-sequence").first(), by=plan.athlete)
    plan.refresh_from_db()
    assert (plan.status, plan.finished_at, plan.current_week) == ("active", None, 4)


def test_undo_is_refused_once_something_followed(plan, clock):
    run = next_run(plan)
    run_complete(run=run, by=plan.athlete)
    plan_hold(enrollment_id=plan.pk, by=None, reason="Mild pain", run_id=run.pk, source_log_id=1)
    with pytest.raises(PlanError, match="pain log for this run"):
        run_undo(run=run, by=plan.athlete)

    second = next_run(plan)
    run_complete(run=second, by=plan.athlete)
    plan_hold(enrollment_id=plan.pk, by=None, reason="Coach's hold")
    with pytest.raises(PlanError, match="changed since"):
        run_undo(run=second, by=plan.athlete)


def test_an_upper_layer_can_veto_an_undo(plan):
    run = next_run(plan)
    run_complete(run=run, by=plan.athlete)

    def has_pain_log(candidate):
        return "You have logged pain for this run." if candidate.pk == run.pk else None

    hooks.register_undo_guard(has_pain_log)
    try:
        with pytest.raises(PlanError, match="logged pain"):
            run_undo(run=run, by=plan.athlete)
        assert today_for(plan.athlete, MONDAY).can_undo is False
    finally:
        hooks.unregister_undo_guard(has_pain_log)
    assert today_for(plan.athlete, MONDAY).can_undo is True


# --- History ----------------------------------------------------------------------------------


def test_plan_events_are_append_only(plan):
    event = plan.events.get()
    event.reason = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        PlanEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(TypeError, match="append-only"):
        PlanEvent.objects.all().delete()
    assert PlanEvent.objects.get().reason != "rewritten"


def test_deleting_an_account_deletes_its_plan_and_keeps_coaches_names(plan, clock):
    coach = CoachFactory(display_name="Casey Coach")
    do_runs(plan, 3, clock)
    plan_hold(enrollment_id=plan.pk, by=coach, reason="Careful")
    coach.delete()
    event = plan.events.get(kind=Kind.HOLD_SET)
    assert (event.actor, event.by) == (None, "Casey Coach")

    plan.athlete.delete()
    assert not Enrollment.objects.exists()
    assert not PlannedRun.objects.exists()
    assert not PlanEvent.objects.exists()


# --- Reading ----------------------------------------------------------------------------------


def test_the_overview_shows_each_weeks_volume_and_change(plan, clock):
    do_runs(plan, 4, clock)
    overview = plan_overview(plan)

    assert [w.number for w in overview.weeks] == [1, 2, 3, 4]
    assert [w.volume_seconds for w in overview.weeks] == [2700, 2880, 1800, 1980]
    assert overview.weeks[0].change is None
    assert [round(w.change_percent, 1) for w in overview.weeks[1:]] == [6.7, -37.5, 10.0]
    assert overview.weeks[1].notes[0].startswith("4 rounds instead of 5")
    assert [w.is_current for w in overview.weeks] == [False, True, False, False]
    assert (overview.runs_done, overview.runs_total) == (4, 12)
    week2 = overview.weeks[1].visits[0].lines
    assert [(line.status, line.date) for line in week2] == [
        ("done", date(2026, 5, 11)),
        ("planned", date(2026, 5, 13)),
        ("planned", date(2026, 5, 15)),
    ]
    assert overview.weeks[3].visits[0].lines[0].date == date(2026, 5, 25)
    assert [e.kind for e in overview.events][:2] == ["run_completed", "week_advanced"]


def test_today_shows_the_next_run_its_strength_work_and_what_follows(plan):
    view = today_for(plan.athlete, MONDAY)

    assert view.state == "active" and view.next_is_today
    assert (view.next.week_number, view.next.run_number) == (1, 1)
    assert view.next.run == next_run(plan)
    assert [e.name for e in view.week.strength] == ["Plank", "Glute bridge", "Superman"]
    assert [(u.date, u.week_number, u.run_number) for u in view.after] == [
        (date(2026, 5, 6), 1, 2),
        (date(2026, 5, 8), 1, 3),
        (date(2026, 5, 11), 2, 1),
    ]
    assert view.done_today is None


def test_today_without_a_plan(athlete):
    assert today_for(athlete, MONDAY).state == "none"
