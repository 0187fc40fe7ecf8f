"""The pure local-time helpers: no database, no clock."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifications.localtime import (
    due_date,
    due_pairs,
    is_due,
    reminder_instant,
    tick_window,
)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc", "expected_local"),
    [
        # An ordinary day.
        ("Europe/London", date(2026, 1, 12), time(7, 30), utc(2026, 1, 12, 7, 30), "07:30"),
        ("Europe/London", date(2026, 7, 12), time(7, 30), utc(2026, 7, 12, 6, 30), "07:30"),
        # Spring forward: 01:00-02:00 does not exist; the next valid minute is 02:00 BST.
        ("Europe/London", date(2026, 3, 29), time(1, 30), utc(2026, 3, 29, 1, 0), "02:00"),
        ("Europe/London", date(2026, 3, 29), time(1, 0), utc(2026, 3, 29, 1, 0), "02:00"),
        ("Europe/London", date(2026, 3, 29), time(2, 0), utc(2026, 3, 29, 1, 0), "02:00"),
        # Fall back: 01:30 happens twice; the first is 01:30 BST.
        ("Europe/London", date(2026, 10, 25), time(1, 30), utc(2026, 10, 25, 0, 30), "01:30"),
        ("America/New_York", date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 0), "03:00"),
        ("America/New_York", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30), "01:30"),
        # Lord Howe moves by 30 minutes: 02:00 -> 02:30 in October, 02:00 -> 01:30 in April.
        ("Australia/Lord_Howe", date(2026, 10, 4), time(2, 15), utc(2026, 10, 3, 15, 30), "02:30"),
        ("Australia/Lord_Howe", date(2026, 10, 4), time(2, 30), utc(2026, 10, 3, 15, 30), "02:30"),
        ("Australia/Lord_Howe", date(2026, 4, 5), time(1, 45), utc(2026, 4, 4, 14, 45), "01:45"),
        # No daylight saving at all, and a half-hour offset.
        ("Asia/Kolkata", date(2026, 3, 29), time(7, 30), utc(2026, 3, 29, 2, 0), "07:30"),
        ("Asia/Kolkata", date(2026, 10, 25), time(1, 30), utc(2026, 10, 24, 20, 0), "01:30"),
        # Chatham: +12:45 / +13:45, changing at 02:45 standard time.
        ("Pacific/Chatham", date(2026, 9, 27), time(3, 0), utc(2026, 9, 26, 14, 0), "03:45"),
        ("Pacific/Chatham", date(2026, 4, 5), time(3, 0), utc(2026, 4, 4, 13, 15), "03:00"),
        # Samoa skipped a whole day in 2011: the next valid minute is the next day's midnight.
        ("Pacific/Apia", date(2011, 12, 30), time(7, 30), utc(2011, 12, 30, 10, 0), "00:00"),
    ],
)
def test_it_finds_the_instant_of_a_local_time(zone, day, at, expected_utc, expected_local):
    instant = reminder_instant(zone, day, at)
    assert instant == expected_utc
    assert instant.tzinfo == UTC
    assert instant.astimezone(ZoneInfo(zone)).strftime("%H:%M") == expected_local


def test_seconds_in_the_reminder_time_are_ignored():
    assert reminder_instant("Europe/London", date(2026, 1, 5), time(7, 30, 59)) == utc(
        2026, 1, 5, 7, 30
    )


def test_the_tick_window_is_floored_to_the_tick():
    assert tick_window(utc(2026, 1, 5, 7, 32, 41), 5) == (
        utc(2026, 1, 5, 7, 25),
        utc(2026, 1, 5, 7, 30),
    )
    # A beat that fires a little late covers the same window.
    assert tick_window(utc(2026, 1, 5, 7, 30, 0), 5) == tick_window(utc(2026, 1, 5, 7, 34, 59), 5)


def test_bad_ticks_are_refused():
    with pytest.raises(ValueError, match="at least one minute"):
        tick_window(utc(2026, 1, 5), 0)
    with pytest.raises(ValueError, match="aware"):
        tick_window(datetime(2026, 1, 5), 5)


def test_it_is_due_in_the_tick_that_holds_the_reminder():
    at = time(7, 30)
    assert is_due(utc(2026, 1, 5, 7, 30, 20), "Europe/London", at, tick_minutes=5)
    assert not is_due(utc(2026, 1, 5, 7, 29, 59), "Europe/London", at, tick_minutes=5)
    assert not is_due(utc(2026, 1, 5, 7, 35), "Europe/London", at, tick_minutes=5)
    # 07:30 in Kolkata is 02:00 UTC, and the local date is what goes into the outbox key.
    assert due_date(utc(2026, 1, 5, 2, 0), "Asia/Kolkata", at, tick_minutes=5) == date(2026, 1, 5)
    # 06:00 on Chatham (summer, +13:45) is the previous day in UTC.
    assert due_date(utc(2026, 1, 4, 16, 15), "Pacific/Chatham", time(6, 0), tick_minutes=5) == date(
        2026, 1, 5
    )


def test_a_longer_lookback_catches_up_a_missed_tick():
    at = time(7, 30)
    late = utc(2026, 1, 5, 7, 40)  # the 07:35 tick never ran
    assert due_date(late, "Europe/London", at, tick_minutes=5) is None
    assert due_date(late, "Europe/London", at, tick_minutes=5, lookback_minutes=15) == date(
        2026, 1, 5
    )


def test_it_picks_out_the_due_pairs():
    pairs = [
        ("Europe/London", time(7, 30)),
        ("Europe/London", time(7, 30)),
        ("Europe/London", time(8, 0)),
        ("Asia/Kolkata", time(13, 0)),
    ]
    due = due_pairs(utc(2026, 1, 5, 7, 30), pairs, tick_minutes=5)
    assert due == {
        ("Europe/London", time(7, 30)): date(2026, 1, 5),
        ("Asia/Kolkata", time(13, 0)): date(2026, 1, 5),
    }


ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
]
# For each zone, a time that falls in its spring gap (or, for Kolkata, an ordinary one).
EDGE_TIMES = {
    "Europe/London": time(1, 30),
    "America/New_York": time(2, 30),
    "Australia/Lord_Howe": time(2, 15),
    "Asia/Kolkata": time(7, 30),
    "Pacific/Chatham": time(3, 0),
}


@pytest.mark.parametrize("zone", ZONES)
def test_a_year_of_ticks_gives_one_reminder_per_local_day_on_time(zone):
    """Every 5-minute tick of 2026: each local day is due exactly once, within one tick of
    the reminder time, or of the end of the gap when that time does not exist."""
    tz = ZoneInfo(zone)
    at = EDGE_TIMES[zone]
    tick = timedelta(minutes=5)
    now = utc(2025, 12, 31, 0, 0)
    end = utc(2027, 1, 2, 0, 0)
    seen: Counter[date] = Counter()
    while now < end:
        day = due_date(now, zone, at, tick_minutes=5)
        if day is not None:
            seen[day] += 1
            local = reminder_instant(zone, day, at).astimezone(tz)
            assert local.date() == day
            wall = datetime.combine(day, at, tzinfo=tz)
            # On time, or at the end of the gap (never more than an hour late).
            assert timedelta(0) <= local.replace(tzinfo=None) - wall.replace(tzinfo=None)
            assert local.replace(tzinfo=None) - wall.replace(tzinfo=None) <= timedelta(hours=1)
            assert timedelta(0) <= now - reminder_instant(zone, day, at) < tick
        now += tick
    year = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    assert all(seen[d] == 1 for d in year), [d for d in year if seen[d] != 1]
    assert set(seen.values()) == {1}


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("at", [time(0, 0), time(1, 30), time(2, 30), time(3, 15), time(23, 59)])
def test_reminders_move_forward_every_day_of_the_year(zone, at):
    """The instants are strictly increasing, so tick windows give each day one reminder."""
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(366)]
    instants = [reminder_instant(zone, d, at) for d in days]
    assert all(a < b for a, b in zip(instants, instants[1:], strict=False))
    gaps = [b - a for a, b in zip(instants, instants[1:], strict=False)]
    assert all(timedelta(hours=22) <= g <= timedelta(hours=26) for g in gaps)
