"""Run days, start dates and placing runs: pure, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plans import schedule
from plans.progression import build_program, describe_main_set

MONDAY = date(2026, 5, 4)


def test_it_stores_run_days_sorted_and_reads_them_back():
    assert schedule.format_weekdays([4, 0, 2, 2]) == "0,2,4"
    assert schedule.parse_weekdays("0,2,4") == (0, 2, 4)


def test_every_valid_set_of_two_to_four_days_is_listed_for_the_database():
    assert len(schedule.VALID_WEEKDAY_SETS) == 21 + 35 + 35
    assert "0,2,4" in schedule.VALID_WEEKDAY_SETS
    assert "0" not in schedule.VALID_WEEKDAY_SETS
    assert "0,1,2,3,4" not in schedule.VALID_WEEKDAY_SETS
    assert "2,0" not in schedule.VALID_WEEKDAY_SETS


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ([], "at least 2"),
        ([3], "at least 2"),
        ([0, 1, 2, 3, 4], "at most 4"),
        ([0, 7], "not a day of the week"),
    ],
)
def test_it_refuses_too_few_too_many_or_unknown_days(days, message):
    with pytest.raises(ValueError, match=message):
        schedule.check_weekdays(days)


def test_back_to_back_days_need_the_athlete_to_insist():
    with pytest.raises(ValueError, match="Monday and Tuesday are two days in a row"):
        schedule.check_weekdays([0, 1, 4], allow_back_to_back=False)
    assert schedule.check_weekdays([0, 1, 4], allow_back_to_back=True) == (0, 1, 4)
    assert schedule.check_weekdays([4, 0, 2], allow_back_to_back=False) == (0, 2, 4)


def test_sunday_then_monday_counts_as_two_days_in_a_row():
    assert schedule.back_to_back_pairs([0, 3, 6]) == [(6, 0)]
    with pytest.raises(ValueError, match="Sunday and Monday"):
        schedule.check_weekdays([0, 3, 6], allow_back_to_back=False)


def test_a_start_date_may_be_up_to_14_days_back_and_60_ahead():
    assert schedule.check_start_date(date(2026, 4, 20), MONDAY) == date(2026, 4, 20)
    assert schedule.check_start_date(date(2026, 7, 3), MONDAY) == date(2026, 7, 3)
    with pytest.raises(ValueError, match="no more than 14 days ago"):
        schedule.check_start_date(date(2026, 4, 19), MONDAY)
    with pytest.raises(ValueError, match="within the next 60 days"):
        schedule.check_start_date(date(2026, 7, 4), MONDAY)


def test_it_places_runs_forward_on_the_run_days():
    assert schedule.run_dates(4, (0, 2, 4), MONDAY) == [
        date(2026, 5, 4),
        date(2026, 5, 6),
        date(2026, 5, 8),
        date(2026, 5, 11),
    ]
    assert schedule.run_dates(2, (0, 2, 4), date(2026, 5, 5)) == [
        date(2026, 5, 6),
        date(2026, 5, 8),
    ]
    assert schedule.run_dates(0, (0, 2, 4), MONDAY) == []


def test_the_next_run_never_goes_in_the_past_or_on_a_day_already_run():
    start = date(2026, 4, 27)
    assert schedule.first_free_day(start, MONDAY, None) == MONDAY  # behind: from today
    assert schedule.first_free_day(start, MONDAY, MONDAY) == date(2026, 5, 5)  # ran today
    assert schedule.first_free_day(date(2026, 5, 10), MONDAY, None) == date(2026, 5, 10)


def test_weeks_ahead_repeats_the_current_week_on_a_hold():
    assert schedule.weeks_ahead(2, 4, False) == [3, 4]
    assert schedule.weeks_ahead(2, 4, True) == [2, 3, 4]
    assert schedule.weeks_ahead(4, 4, False) == []


@given(
    st.lists(st.integers(0, 6), min_size=2, max_size=4, unique=True),
    st.dates(date(2025, 1, 1), date(2030, 12, 31)),
    st.integers(1, 20),
)
def test_placed_runs_fall_on_run_days_one_a_day_in_order(days, not_before, count):
    placed = schedule.run_dates(count, days, not_before)
    assert len(placed) == count
    assert all(d.weekday() in days for d in placed)
    assert placed == sorted(set(placed))
    assert placed[0] >= not_before
    assert (placed[0] - not_before).days < 7


def test_it_describes_a_main_set_in_a_line():
    program = build_program(3, 0.10, 4)
    assert [describe_main_set(w.runs[0].segments) for w in program.weeks] == [
        "5 x (1 min jog + 2 min walk)",
        "4 x (2 min jog + 2 min walk)",
        "10 min continuous jog",
        "11 min continuous jog",
    ]


@pytest.mark.parametrize("runs_per_week", [2, 3, 4])
def test_a_lower_cap_never_makes_a_week_or_a_run_longer(runs_per_week):
    """Why a coach's lower cap can keep the athlete on the same week number (services.py)."""
    caps = [Decimal(p) / 100 for p in range(1, 11)]
    programs = {cap: build_program(runs_per_week, cap, 16) for cap in caps}
    for index, lower in enumerate(caps):
        for higher in caps[index + 1 :]:
            for low, high in zip(programs[lower].weeks, programs[higher].weeks, strict=True):
                assert low.volume_seconds <= high.volume_seconds
                assert low.runs[0].main_seconds <= high.runs[0].main_seconds
