"""A group as CSV: the review page's columns, one row per athlete, then a row of totals.

Every text cell that a spreadsheet could read as a formula (it starts with = + - @, a tab or
a carriage return) gets a leading single quote, so a name like "=HYPERLINK(...)" stays text.
Numbers are written as numbers. The rows are computed before the first byte is sent (a fixed
number of queries); the CSV text itself is produced a block of lines at a time as the response
streams (one chunk per line cost as much as the lines themselves at 500 athletes).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo

from django.utils import timezone

from coaching.review import AthleteRow, athlete_zone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LINES_PER_CHUNK = 100

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


def _day(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).date().isoformat() if moment else ""


def athlete_cells(row: AthleteRow, zone: tzinfo | None = None) -> list[object]:
    """The row's cells. "Last active" is the athlete's own date, the calendar "days since last
    activity" counts in; "Joined" is in `zone` (default: the current time zone, the coach's)."""
    zone = zone or timezone.get_current_timezone()
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
        _day(row.last_activity, athlete_zone(row.time_zone)),
        row.idle_days,
        row.cap_percent,
        _day(row.joined_at, zone),
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


def csv_lines(rows: Iterable[AthleteRow], zone: tzinfo | None = None) -> Iterator[str]:
    """The CSV text in chunks of LINES_PER_CHUNK lines; days in `zone` (default: the current
    time zone, read now: the response may stream after the request has been handled)."""
    rows = list(rows)
    zone = zone or timezone.get_current_timezone()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # so spreadsheet apps read the names as UTF-8
    writer.writerow(HEADER)
    chunk = [_drain(buffer)]
    key = ("csv", str(zone))
    for row in rows:
        # A row is kept while nothing it shows changes (coaching.review), and its line with it.
        line = row.drawn.get(key)
        if line is None:
            writer.writerow([safe(cell) for cell in athlete_cells(row, zone)])
            line = row.drawn[key] = _drain(buffer)
        chunk.append(line)
        if len(chunk) >= LINES_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    writer.writerow([safe(cell) for cell in total_cells(rows)])
    chunk.append(_drain(buffer))
    yield "".join(chunk)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
