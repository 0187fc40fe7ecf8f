"""The pain chart's geometry: plain values, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from symptoms.chart import HEIGHT, LEFT, PLOT_W, TOP, WIDTH, EventPoint, LogPoint, build_chart

START = datetime(2026, 5, 4, 17, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def logs(*pains: int) -> list[LogPoint]:
    return [
        LogPoint(START + timedelta(days=2 * i), pain, "continue", "run")
        for i, pain in enumerate(pains)
    ]


def test_it_draws_nothing_without_logs():
    assert build_chart([], [], LONDON) is None


def test_it_spreads_logs_over_time_and_pain_over_the_height():
    chart = build_chart(logs(0, 5, 10), [], LONDON)

    assert [d.x for d in chart.dots] == [LEFT, LEFT + PLOT_W / 2, LEFT + PLOT_W]
    assert [d.y for d in chart.dots] == [chart.bottom_y, (TOP + chart.bottom_y) / 2, TOP]
    assert chart.line.startswith(f"{LEFT:.1f},{chart.bottom_y:.1f} ")
    assert (chart.width, chart.height) == (WIDTH, HEIGHT)
    assert [t.value for t in chart.x_ticks] == ["4 May", "8 May"]


def test_one_log_sits_in_the_middle():
    chart = build_chart(logs(3), [], LONDON)
    assert chart.dots[0].x == LEFT + PLOT_W / 2
    assert len(chart.x_ticks) == 1
    assert chart.summary == "Pain over time: 1 log, 4 May. Lowest 3, highest 3, latest 3 out of 10."


def test_plan_changes_are_marked_with_a_letter_and_summarised():
    events = [
        EventPoint(START - timedelta(days=1), "started"),  # before the first log: left out
        EventPoint(START + timedelta(days=2), "rolled_back"),
        EventPoint(START + timedelta(days=3), "run_completed"),  # not a plan change
        EventPoint(START + timedelta(days=4), "paused"),
    ]
    chart = build_chart(logs(1, 5, 8), events, LONDON)

    assert [(m.letter, m.kind) for m in chart.markers] == [("B", "rolled_back"), ("P", "paused")]
    assert chart.legend == [("B", "back one week"), ("P", "paused")]
    assert chart.summary.endswith("Plan changes: back one week on 6 May; paused on 8 May.")


def test_red_flags_are_diamonds_and_check_ins_keep_their_kind():
    points = [
        LogPoint(START, 2, "continue", "checkin"),
        LogPoint(START + timedelta(hours=5), 4, "see_clinician", "run", red_flag=True),
    ]
    chart = build_chart(points, [], LONDON)

    checkin, flag = chart.dots
    assert checkin.kind == "checkin" and not checkin.red_flag
    assert flag.red_flag
    assert len(flag.diamond.split()) == 4


def test_days_are_named_in_the_viewers_time_zone():
    late = datetime(2026, 5, 4, 23, 30, tzinfo=UTC)  # already 5 May in London
    chart = build_chart([LogPoint(late, 1, "continue", "run")], [], LONDON)
    assert chart.x_ticks[0].value == "5 May"
