"""When runs happen: run days, start dates and placing runs on the calendar.

Pure: plain values in, plain values out. No Django, no database, no clock (`today` is passed in,
already in the athlete's own time zone).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from itertools import combinations

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MIN_RUN_DAYS = 2
MAX_RUN_DAYS = 4
DEFAULT_RUN_DAYS = (0, 2, 4)  # Monday, Wednesday, Friday
EARLIEST_START_DAYS = 14  # a start date may lie this many days in the past...
LATEST_START_DAYS = 60  # ...or this many in the future


def format_weekdays(days: Iterable[int]) -> str:
    """The stored form of a set of run days: sorted day numbers (Monday 0), "0,2,4"."""
    return ",".join(str(d) for d in sorted(set(days)))


def parse_weekdays(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part != "")


# Every stored value the database accepts: 2 to 4 distinct days, sorted.
VALID_WEEKDAY_SETS: tuple[str, ...] = tuple(
    format_weekdays(days)
    for count in range(MIN_RUN_DAYS, MAX_RUN_DAYS + 1)
    for days in combinations(range(7), count)
)


def back_to_back_pairs(days: Iterable[int]) -> list[tuple[int, int]]:
    """Pairs of chosen days that follow each other; Sunday then Monday counts."""
    chosen = set(days)
    return [(d, (d + 1) % 7) for d in sorted(chosen) if (d + 1) % 7 in chosen]


def check_weekdays(days: Iterable[int], *, allow_back_to_back: bool = True) -> tuple[int, ...]:
    """Return the run days sorted, or raise ValueError saying what is wrong with them."""
    chosen = sorted(set(days))
    unknown = [d for d in chosen if not (isinstance(d, int) and 0 <= d <= 6)]
    if unknown:
        raise ValueError(f"“{unknown[0]}” is not a day of the week we know.")
    if len(chosen) < MIN_RUN_DAYS:
        raise ValueError(
            f"Pick at least {MIN_RUN_DAYS} run days a week: the plan needs them to build up."
        )
    if len(chosen) > MAX_RUN_DAYS:
        raise ValueError(
            f"Pick at most {MAX_RUN_DAYS} run days a week: your back needs the rest days in "
            "between."
        )
    pairs = back_to_back_pairs(chosen)
    if pairs and not allow_back_to_back:
        first, second = pairs[0]
        raise ValueError(
            f"{WEEKDAY_NAMES[first]} and {WEEKDAY_NAMES[second]} are two days in a row. A rest "
            "day between runs gives your back time to recover. If you really want back-to-back "
            "days, tick the box below."
        )
    return tuple(chosen)


def check_start_date(start: date, today: date) -> date:
    """A plan starts at most 14 days ago (catching up) and at most 60 days ahead."""
    if start < today - timedelta(days=EARLIEST_START_DAYS):
        raise ValueError(
            f"Pick a start date no more than {EARLIEST_START_DAYS} days ago: a plan that started "
            "long ago would already be behind."
        )
    if start > today + timedelta(days=LATEST_START_DAYS):
        raise ValueError(
            f"Pick a start date within the next {LATEST_START_DAYS} days. You can come back "
            "and start later."
        )
    return start


def first_free_day(start_date: date, today: date, last_run_day: date | None) -> date:
    """The earliest day the next run may go on.

    Never before the plan starts, never in the past (a missed day shifts the schedule, it never
    skips a run), and never on a day a run was already done or skipped: one run a day at most.
    """
    day = max(start_date, today)
    if last_run_day is not None:
        day = max(day, last_run_day + timedelta(days=1))
    return day


def run_dates(count: int, weekdays: Sequence[int], not_before: date) -> list[date]:
    """The next `count` run days on or after `not_before`, one run per day."""
    if count <= 0:
        return []
    if not weekdays:
        raise ValueError("At least one run day is needed to place runs.")
    chosen = set(weekdays)
    dates: list[date] = []
    day = not_before
    while len(dates) < count:
        if day.weekday() in chosen:
            dates.append(day)
        day += timedelta(days=1)
    return dates


def weeks_ahead(current_week: int, weeks_planned: int, repeat_current_week: bool) -> list[int]:
    """Program weeks still to come after the current one, as things stand (a hold repeats it)."""
    upcoming = [current_week] if repeat_current_week else []
    return upcoming + list(range(current_week + 1, weeks_planned + 1))
