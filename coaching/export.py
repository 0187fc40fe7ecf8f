"""A group as CSV: the review page's columns, one row per athlete, then a row of totals.

Every text cell that a spreadsheet could read as a formula (it starts with = + - @, a tab or
a carriage return) gets a leading single quote, so a name like "=HYPERLINK(...)" stays text.
Numbers are written as numbers. The rows are computed before the first byte is sent (a fixed
number of queries); the CSV text itself is produced line by line as the response streams.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.utils import timezone

from coaching.review import AthleteRow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADER = [
    "Athlete",
    "Status",
    "Week",
    "Run",
    "Weeks in plan",
    "Runs done",
    "Runs scheduled so far",
    "Adherence %",
    "Missed runs",
    "Runs skipped",
    "Last pain (0-10)",
    "Recent pain, oldest first",
    "Pain trend",
    "Pain logs",
    "Last active",
    "Days since last activity",
    "Weekly cap %",
    "Joined",
]


def safe(value: object) -> object:
    """A cell a spreadsheet will show as typed, never run as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _day(moment: datetime | None) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


def athlete_cells(row: AthleteRow) -> list[object]:
    return [
        row.name,
        row.status_label,
        row.week,
        row.run,
        row.weeks_planned,
        row.runs_done,
        row.runs_scheduled,
        row.adherence_percent,
        row.missed_runs,
        row.runs_skipped,
        row.last_pain,
        " ".join(str(p) for p in row.pains),
        row.trend,
        row.logs_total,
        _day(row.last_activity),
        row.idle_days,
        row.cap_percent,
        _day(row.joined_at),
    ]


def total_cells(rows: list[AthleteRow]) -> list[object]:
    done = sum(r.runs_done for r in rows)
    scheduled = sum(r.runs_scheduled for r in rows)
    return [
        f"Total: {len(rows)} athlete{'' if len(rows) == 1 else 's'}",
        "",
        "",
        "",
        "",
        done,
        scheduled,
        round(100 * done / scheduled) if scheduled else None,
        sum(r.missed_runs for r in rows),
        sum(r.runs_skipped for r in rows),
        "",
        "",
        "",
        sum(r.logs_total for r in rows),
        "",
        "",
        "",
        "",
    ]


class _Line:
    """A file-like object whose write() hands back the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[AthleteRow]) -> Iterator[str]:
    rows = list(rows)
    writer = csv.writer(_Line())
    yield "\ufeff"  # so spreadsheet apps read the names as UTF-8
    yield writer.writerow(HEADER)
    for row in rows:
        yield writer.writerow([safe(cell) for cell in athlete_cells(row)])
    yield writer.writerow([safe(cell) for cell in total_cells(rows)])
