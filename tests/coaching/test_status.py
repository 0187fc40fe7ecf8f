"""The coach's statuses, adherence, attention order and the sparkline: pure, no database."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as s

from coaching import status as st
from coaching.sparkline import sparkline
from coaching.status import Facts, adherence, attention_key, status_of, trend_word

TODAY = date(2026, 5, 4)


def facts(**kw) -> Facts:
    return Facts(**{"plan_status": "active", "today": TODAY, **kw})


@pytest.mark.parametrize(
    ("given_facts", "expected"),
    [
        ({"plan_status": None}, "not_started"),
        ({"starts_on": date(2026, 5, 11)}, "not_started"),
        ({"starts_on": date(2026, 5, 11), "runs_done": 1}, "on_track"),  # began early
        ({"starts_on": TODAY}, "on_track"),
        ({}, "on_track"),
        ({"last_week_change": "week_advanced"}, "on_track"),
        ({"repeat_current_week": True}, "holding"),
        ({"last_week_change": "rolled_back"}, "rolled_back"),
        # A roll-back followed by a completed week, a coach's move or a restart is over.
        ({"last_week_change": "week_repeated"}, "on_track"),
        ({"last_week_change": "override"}, "on_track"),
        ({"last_week_change": "resumed"}, "on_track"),
        # Held after being rolled back: the bigger step back shows.
        ({"last_week_change": "rolled_back", "repeat_current_week": True}, "rolled_back"),
        ({"plan_status": "paused"}, "paused"),
        ({"plan_status": "awaiting_clearance", "red_flag": "see_clinician"}, "needs_clinician"),
        ({"plan_status": "awaiting_clearance", "red_flag": None}, "needs_clinician"),
        ({"plan_status": "awaiting_clearance", "red_flag": "urgent_care"}, "urgent"),
        ({"plan_status": "finished", "runs_done": 12}, "finished"),
        # A red flag only counts while the plan waits for a clearance.
        ({"red_flag": "urgent_care"}, "on_track"),
    ],
)
def test_it_names_each_status(given_facts, expected):
    assert status_of(facts(**given_facts)) == expected


def test_it_refuses_an_unknown_plan_status():
    with pytest.raises(ValueError, match="unknown plan status"):
        status_of(facts(plan_status="sleeping"))


def test_every_status_has_a_label_and_a_meaning():
    assert set(st.LABELS) == set(st.MEANINGS) == set(st.STATUSES)
    assert len(st.STATUSES) == 8


@given(
    plan_status=s.sampled_from([None, "active", "paused", "awaiting_clearance", "finished"]),
    starts_in=s.integers(-30, 30),
    runs_done=s.integers(0, 20),
    repeat=s.booleans(),
    change=s.sampled_from([None, *st.WEEK_CHANGES]),
    red_flag=s.sampled_from([None, "see_clinician", "urgent_care"]),
)
def test_every_combination_has_exactly_one_known_status(
    plan_status, starts_in, runs_done, repeat, change, red_flag
):
    result = status_of(
        Facts(
            plan_status=plan_status,
            today=TODAY,
            starts_on=date.fromordinal(TODAY.toordinal() + starts_in),
            runs_done=runs_done,
            repeat_current_week=repeat,
            last_week_change=change,
            red_flag=red_flag,
        )
    )
    assert result in st.STATUSES
    assert (result in st.RED_FLAG_STATUSES) == (plan_status == "awaiting_clearance")


def test_adherence_counts_skipped_and_overdue_runs_as_scheduled():
    assert adherence(done=4, skipped=1, overdue=2) == (4, 7)
    assert adherence(0, 0, 0) == (0, 0)
    with pytest.raises(ValueError):
        adherence(-1, 0, 0)


@given(
    rows=s.lists(
        s.tuples(
            s.sampled_from(st.STATUSES),
            s.integers(0, 4),
            s.one_of(s.none(), s.integers(0, 10)),
            s.one_of(s.none(), s.integers(0, 60)),
        ),
        max_size=30,
    )
)
def test_red_flags_always_come_first_and_statuses_keep_their_order(rows):
    keyed = sorted(
        rows, key=lambda r: attention_key(r[0], missed_runs=r[1], last_pain=r[2], idle_days=r[3])
    )
    flags = [r[0] in st.RED_FLAG_STATUSES for r in keyed]
    assert flags == sorted(flags, reverse=True)
    ranks = [st.STATUSES.index(r[0]) for r in keyed]
    assert ranks == sorted(ranks)


def test_within_a_status_missed_runs_then_pain_then_quiet_days_come_first():
    a = attention_key("on_track", missed_runs=2, last_pain=0, idle_days=1, name="a")
    b = attention_key("on_track", missed_runs=1, last_pain=9, idle_days=9, name="b")
    c = attention_key("on_track", missed_runs=1, last_pain=3, idle_days=9, name="c")
    d = attention_key("on_track", missed_runs=1, last_pain=3, idle_days=2, name="d")
    e = attention_key("on_track", missed_runs=1, last_pain=None, idle_days=None, name="e")
    assert sorted([e, d, c, b, a]) == [a, b, c, d, e]


def test_on_track_with_missed_runs_comes_before_on_track_without():
    behind = attention_key("on_track", missed_runs=1)
    fine = attention_key("on_track", missed_runs=0, last_pain=9)
    assert behind < fine < attention_key("not_started") < attention_key("finished")
    assert attention_key("holding") < behind


@pytest.mark.parametrize(
    ("pains", "word"),
    [([], ""), ([3], ""), ([1, 2, 4], "rising"), ([4, 4, 1], "falling"), ([2, 5, 2], "steady")],
)
def test_trend_compares_the_oldest_and_latest_recent_log(pains, word):
    assert trend_word(pains) == word


def test_the_sparkline_has_a_text_alternative_and_stays_in_its_box():
    line = sparkline([0, 3, 10])
    assert line.label == "Recent pain, oldest first: 0, 3, 10 (rising)"
    points = [tuple(map(float, p.split(","))) for p in line.points.split()]
    assert all(0 <= x <= line.width and 0 <= y <= line.height for x, y in points)
    assert points[0][1] > points[-1][1]  # higher pain is drawn higher up
    assert (line.last_x, line.last_y) == points[-1]
    assert sparkline([]) is None
    assert sparkline([4]).points == "32.0,11.4"  # centred; 4/10 of the way up
    with pytest.raises(ValueError):
        sparkline([11])
