"""The program generator, with plain values only: no database, no Django settings."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.progression import (
    GOAL_SECONDS,
    TEMPLATE,
    Program,
    build_program,
    format_duration,
)

caps = st.one_of(
    st.sampled_from([0.10, 0.0737, 0.05, 0.025, 0.01, 0.005, 0.001, Fraction(1, 10)]),
    st.floats(min_value=0.0, max_value=0.10, exclude_min=True, allow_subnormal=False),
)
arguments = st.tuples(st.integers(2, 4), caps, st.integers(1, 12))
fast = settings(max_examples=150, deadline=None)


def main_set(run):
    return [s for s in run.segments if s.kind in ("jog", "walk")]


def runs_in_order(program: Program):
    return [run for week in program.weeks for run in week.runs]


def within(new: int, old: int, rate) -> bool:
    """Both readings of "new <= old * (1 + rate)": floating point and exact."""
    return new <= old * (1 + rate) and new <= old * (1 + Fraction(rate))


# --- Worked example ---------------------------------------------------------------------------


def test_it_sizes_the_worked_example_at_ten_percent():
    program = build_program(runs_per_week=3, weekly_increase_cap=0.10, weeks=4)

    assert [w.number for w in program.weeks] == [1, 2, 3, 4]
    assert [w.volume_seconds for w in program.weeks] == [2700, 2880, 1800, 1980]
    assert [w.runs[0].main_seconds for w in program.weeks] == [900, 960, 600, 660]
    week2 = program.weeks[1]
    assert [(s.kind, s.seconds) for s in main_set(week2.runs[0])] == [
        ("jog", 120),
        ("walk", 120),
    ] * 4
    assert week2.notes[0].startswith(
        "4 rounds instead of 5, to keep this week within +10% of last week's volume"
    )
    assert program.weeks[2].notes == []
    assert program.weeks[3].notes[0].startswith("11 min of continuous jogging instead of 15 min")


def test_it_keeps_week_one_as_the_template_whatever_the_arguments():
    for runs, cap, weeks in [(2, 0.01, 1), (4, 0.10, 12), (3, 0.0001, 3)]:
        week1 = build_program(runs, cap, weeks).weeks[0]

        assert len(week1.runs) == runs
        assert week1.notes == []
        for run in week1.runs:
            assert [(s.kind, s.seconds) for s in run.segments] == (
                [("warmup", 300)] + [("jog", 60), ("walk", 120)] * 5 + [("cooldown", 300)]
            )


def test_it_gives_each_run_a_warm_up_main_set_and_cool_down_with_labels():
    run = build_program(3, 0.10, 3).weeks[2].runs[1]

    assert run.number == 2
    assert [(s.kind, s.seconds, s.label) for s in run.segments] == [
        ("warmup", 300, "Brisk walk warm-up"),
        ("jog", 600, "Jog"),
        ("cooldown", 300, "Cool-down walk and stretches"),
    ]
    assert run.main_seconds == 600
    assert run.total_seconds == 1200
    assert all(s.detail for s in run.segments)


def test_it_reports_the_extra_fields_the_ui_shows():
    program = build_program(4, 0.10, 5)
    week1, week2, week3, week4, week5 = program.weeks

    assert program.runs_per_week == 4
    assert program.weekly_increase_cap == 0.10
    assert week1.change_from_previous is None
    assert week2.change_from_previous == Fraction(3840, 3600) - 1
    assert week4.change_from_previous == Fraction(1, 10)
    assert (week1.jog_share, week2.jog_share, week3.jog_share) == (Fraction(1, 3), 1 / 2, 1)
    assert week2.jog_seconds == 4 * 4 * 120
    assert week2.template_volume_seconds == 4 * 1200
    assert week5.template_volume_seconds == 4 * GOAL_SECONDS
    assert [w.is_extra for w in program.weeks] == [False] * 4 + [True]
    assert [e.name for e in week1.strength] == ["Plank", "Glute bridge", "Superman"]
    assert "Bird-dog" in [e.name for e in week3.strength]
    assert "Foam rolling" in [e.name for e in week4.strength]
    assert week5.strength == week4.strength
    assert all(e.instructions for w in program.weeks for e in w.strength)


def test_it_is_frozen_and_notes_are_a_fresh_list_each_time():
    first = build_program(3, 0.10, 4)
    second = build_program(3, 0.10, 4)

    assert first == second
    assert type(first.weeks[1].notes) is list
    first.weeks[1].notes.append("scribbled on")
    assert build_program(3, 0.10, 4).weeks[1].notes == second.weeks[1].notes
    assert "scribbled on" not in second.weeks[1].notes
    with pytest.raises(FrozenInstanceError):
        first.weeks[0].number = 7  # type: ignore[misc]


def test_it_accepts_exact_caps_as_well_as_floats():
    as_float = build_program(3, 0.10, 6)

    for cap in (Fraction(1, 10), Decimal("0.10")):
        exact = build_program(3, cap, 6)
        assert [w.volume_seconds for w in exact.weeks] == [w.volume_seconds for w in as_float.weeks]


# --- Extra weeks ------------------------------------------------------------------------------


def test_it_continues_past_week_four_with_continuous_running_growing_at_the_cap():
    program = build_program(3, 0.10, 10)
    per_run = [w.runs[0].main_seconds for w in program.weeks]

    assert len(program.weeks) == 10
    assert per_run[3:] == [660, 720, 780, 855, 900, 990, 1080]
    for week in program.weeks[4:]:
        assert week.is_extra
        assert week.jog_share == 1
        assert week.notes[0].startswith("Extra week: continuous running grows by at most 10%")
    assert program.goal_week == 8
    assert "goal" in program.weeks[7].notes[0]


def test_it_has_no_goal_week_when_the_program_stops_short_of_fifteen_minutes():
    assert build_program(3, 0.10, 7).goal_week is None
    assert build_program(2, 0.0737, 10).goal_week == 10


def test_it_grows_small_caps_in_small_tidy_steps():
    per_run = [w.runs[0].main_seconds for w in build_program(2, 0.01, 7).weeks]

    assert per_run == [900, 720, 600, 605, 610, 615, 620]


def test_it_repeats_a_week_only_when_one_more_second_would_break_the_cap():
    program = build_program(3, 0.001, 6)

    assert [w.runs[0].main_seconds for w in program.weeks[2:]] == [600, 600, 600, 600]
    assert "same 10 min" in program.weeks[5].notes[0]


def test_it_says_durations_the_way_a_runner_would():
    assert [format_duration(s) for s in (45, 60, 660, 735)] == [
        "45 s",
        "1 min",
        "11 min",
        "12 min 15 s",
    ]


# --- Bad arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cap", "message"),
    [
        (0, "The weekly increase cap must be more than 0% and at most 10% (got 0%)."),
        (-0.1, "The weekly increase cap must be more than 0% and at most 10% (got -10%)."),
        (0.11, "The weekly increase cap must be more than 0% and at most 10% (got 11%)."),
        (0.15, "The weekly increase cap must be more than 0% and at most 10% (got 15%)."),
        ("0.1", "The weekly increase cap must be a number, such as 0.10 for 10% (got '0.1')."),
        (True, "The weekly increase cap must be a number, such as 0.10 for 10% (got True)."),
        (None, "The weekly increase cap must be a number, such as 0.10 for 10% (got None)."),
        (float("nan"), "The weekly increase cap must be a number, such as 0.10 for 10% (got nan)."),
    ],
)
def test_it_rejects_a_bad_cap_in_plain_words(cap, message):
    with pytest.raises(ValueError) as error:
        build_program(3, cap, 4)

    assert str(error.value) == message


@pytest.mark.parametrize(
    ("runs", "weeks", "message"),
    [
        (1, 4, "Runs per week must be from 2 to 4 (got 1)."),
        (5, 4, "Runs per week must be from 2 to 4 (got 5)."),
        ("3", 4, "Runs per week must be a whole number, from 2 to 4 (got '3')."),
        (3.0, 4, "Runs per week must be a whole number, from 2 to 4 (got 3.0)."),
        (True, 4, "Runs per week must be a whole number, from 2 to 4 (got True)."),
        (3, 0, "The number of weeks must be at least 1 (got 0)."),
        (3, -2, "The number of weeks must be at least 1 (got -2)."),
        (3, "four", "The number of weeks must be a whole number, at least 1 (got 'four')."),
        (3, 2.5, "The number of weeks must be a whole number, at least 1 (got 2.5)."),
    ],
)
def test_it_rejects_bad_runs_and_weeks_in_plain_words(runs, weeks, message):
    with pytest.raises(ValueError) as error:
        build_program(runs, 0.10, weeks)

    assert str(error.value) == message


def test_the_template_lets_one_round_fit_at_any_cap():
    # _size_weeks relies on it: dropping rounds always leaves at least one.
    week1 = TEMPLATE[0].main_seconds

    for week in TEMPLATE:
        assert week.jog_seconds + week.walk_seconds <= week1 or week.walk_seconds == 0


# --- Properties over all valid arguments ------------------------------------------------------


@fast
@given(arguments)
def test_it_has_exactly_the_weeks_and_runs_asked_for(args):
    runs, cap, weeks = args
    program = build_program(runs, cap, weeks)

    assert [w.number for w in program.weeks] == list(range(1, weeks + 1))
    for week in program.weeks:
        assert [r.number for r in week.runs] == list(range(1, runs + 1))
        assert type(week.notes) is list
        assert all(isinstance(note, str) and note for note in week.notes)


@fast
@given(arguments)
def test_no_week_grows_more_than_the_cap(args):
    runs, cap, weeks = args
    program = build_program(runs, cap, weeks)

    for previous, week in zip(program.weeks, program.weeks[1:], strict=False):
        assert within(week.volume_seconds, previous.volume_seconds, cap)


@fast
@given(arguments)
def test_no_run_is_more_than_ten_percent_longer_than_the_longest_before_it(args):
    runs, cap, weeks = args
    all_runs = runs_in_order(build_program(runs, cap, weeks))

    longest = all_runs[0].main_seconds
    for run in all_runs[1:]:
        assert within(run.main_seconds, longest, 0.10)
        assert within(run.main_seconds, longest, cap)
        longest = max(longest, run.main_seconds)


@fast
@given(arguments)
def test_every_run_is_warm_up_then_jog_and_walk_then_cool_down(args):
    runs, cap, weeks = args

    for run in runs_in_order(build_program(runs, cap, weeks)):
        kinds = [s.kind for s in run.segments]
        assert kinds[0] == "warmup"
        assert kinds[-1] == "cooldown"
        assert kinds[1] == "jog"
        assert set(kinds[1:-1]) <= {"jog", "walk"}
        assert all(type(s.seconds) is int and s.seconds > 0 for s in run.segments)


@fast
@given(arguments)
def test_week_one_is_the_template_and_volume_is_the_main_sets(args):
    runs, cap, weeks = args
    program = build_program(runs, cap, weeks)

    week1 = program.weeks[0]
    assert [(s.kind, s.seconds) for s in main_set(week1.runs[0])] == [
        ("jog", 60),
        ("walk", 120),
    ] * 5
    for week in program.weeks:
        assert week.volume_seconds == sum(s.seconds for r in week.runs for s in main_set(r))


@fast
@given(arguments)
def test_the_jog_share_never_falls(args):
    runs, cap, weeks = args
    program = build_program(runs, cap, weeks)

    for previous, week in zip(program.weeks, program.weeks[1:], strict=False):
        assert week.jog_share >= previous.jog_share


@fast
@given(arguments)
def test_every_changed_or_extra_week_says_why(args):
    runs, cap, weeks = args
    program = build_program(runs, cap, weeks)

    for index, week in enumerate(program.weeks):
        template = TEMPLATE[min(index, len(TEMPLATE) - 1)]
        as_written = [("jog", template.jog_seconds), ("walk", template.walk_seconds)]
        as_written = [part for part in as_written if part[1]] * template.rounds
        if week.is_extra or [(s.kind, s.seconds) for s in main_set(week.runs[0])] != as_written:
            assert week.notes
        assert week.is_extra == (index >= len(TEMPLATE))


@fast
@given(arguments)
def test_extra_weeks_grow_whenever_a_whole_second_more_would_fit(args):
    runs, cap, weeks = args
    program = build_program(runs, cap, weeks)

    for previous, week in zip(program.weeks[3:], program.weeks[4:], strict=False):
        before = previous.runs[0].main_seconds
        if within(runs * (before + 1), runs * before, cap) and within(before + 1, before, cap):
            assert week.runs[0].main_seconds > before
        else:
            assert week.runs[0].main_seconds == before
