"""What the review page, the coach home and the CSV export read: one row per athlete.

The number of queries does not depend on how many athletes there are: each kind of data is
read once for all of them, keyed by a subquery on the groups' memberships (never by a list of
ids, which would grow with the group), and grouped in Python:

1. memberships and their athletes, with each athlete's training record revision;
2. the athletes' plans, with per-plan counts and latest events as correlated subqueries;
3. the runs still to do (only the open week of a running plan has any: 2 to 4 per athlete);
4. the latest few pain logs of each athlete (a window function, so at most RECENT_LOGS each);
5. per-athlete pain log totals and the latest urgent verdict (one grouped query);
6. when each athlete joined.

Queries 2 to 6 run only for athletes whose row this process has not computed before from the
same facts (see `_kept`): once a group has been seen, reading it again is query 1 alone, and a
change to one athlete recomputes that athlete only.

Filtering, searching, sorting and paging then happen in Python over the rows, so every
column (status, adherence, pain, activity) can be sorted on and counted, at the same cost.
"""

from __future__ import annotations

import threading
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice

from django.db.models import (
    CharField,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Cast, Coalesce, RowNumber

from accounts.models import Membership
from coaching import status as st
from coaching.sparkline import Sparkline, sparkline
from plans.models import Enrollment, PlanEvent, PlannedRun
from symptoms.models import PainLog

RECENT_LOGS = 6  # the trend shows this many logs at most
NEW_PAUSE_DAYS = 7  # a pause this recent counts as new on the coach home

RunStatus = PlannedRun.Status
EventKind = PlanEvent.Kind


@dataclass(slots=True)
class AthleteRow:
    athlete_id: int
    name: str
    email: str
    time_zone: str
    joined_at: datetime
    group_ids: set[int] = field(default_factory=set)
    enrollment_id: int | None = None
    plan_status: str | None = None
    status: str = st.NOT_STARTED
    week: int | None = None  # program week of the next run (or where the plan stands)
    run: int | None = None  # which of that week's runs is next
    weeks_planned: int | None = None
    repeat_pending: bool = False
    starts_on: date | None = None
    paused_until: date | None = None
    paused_at: datetime | None = None
    cap_percent: int | None = None
    runs_done: int = 0
    runs_skipped: int = 0
    runs_scheduled: int = 0
    missed_runs: int = 0
    pains: list[int] = field(default_factory=list)  # recent, oldest first
    last_pain_at: datetime | None = None
    logs_total: int = 0
    last_activity: datetime | None = None
    idle_days: int | None = None
    today: date | None = None  # the athlete's local date
    attention: tuple = ()  # the sort key of "needs attention first" (status.attention_key)
    # The row as a table row (HTML, by language: coaching.rows) and as a CSV line (by the
    # coach's time zone: coaching.export), each drawn once; not part of what the row is.
    drawn: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def status_label(self) -> str:
        return st.LABELS[self.status]

    @property
    def is_red_flag(self) -> bool:
        return self.status in st.RED_FLAG_STATUSES

    @property
    def last_pain(self) -> int | None:
        return self.pains[-1] if self.pains else None

    @property
    def trend(self) -> str:
        return st.trend_word(self.pains)

    @property
    def spark(self) -> Sparkline | None:
        return sparkline(self.pains)

    @property
    def adherence_percent(self) -> int | None:
        if not self.runs_scheduled:
            return None
        return round(100 * self.runs_done / self.runs_scheduled)

    @property
    def is_new_pause(self) -> bool:
        return (
            self.status == st.PAUSED
            and self.paused_at is not None
            and self.today is not None
            and (self.today - self.paused_at.date()).days < NEW_PAUSE_DAYS
        )

    @property
    def needs_attention(self) -> bool:
        return self.is_red_flag or self.is_new_pause or self.missed_runs > 0


def athlete_rows(
    group_ids: Iterable[int], *, now: datetime, athlete_id: int | None = None
) -> list[AthleteRow]:
    """One row per athlete who is a member of any of the groups (at most 6 queries, any group
    size); with `athlete_id`, only that athlete's row (if they are a member).

    Rows this process has computed before from the same facts are reused (see `_kept`):
    then this is one query. Rows are shared between requests: read them, never change them."""
    members = Membership.objects.filter(group_id__in=list(group_ids))
    if athlete_id is not None:
        members = members.filter(athlete_id=athlete_id)
    # Plain values, not model instances; and only what tells whether a kept row still holds
    # (loading 500 join dates alone cost as much as the rest of this query).
    memberships = members.order_by("athlete_id", "joined_at").values_list(
        "athlete_id",
        "pk",
        "group_id",
        "athlete__display_name",
        "athlete__email",
        "athlete__time_zone",
        Cast("athlete__training_record__revision", CharField()),
    )
    facts: dict[int, list[tuple]] = {}
    for membership in memberships:
        facts.setdefault(membership[0], []).append(membership)
    if not facts:
        return []

    todays: dict[str, date] = {}
    keys = {}
    for pk, found in facts.items():
        zone_name = found[0][5]
        today = todays.get(zone_name)
        if today is None:
            today = todays[zone_name] = now.astimezone(athlete_zone(zone_name)).date()
        keys[pk] = (*found, today)
    rows = {pk: _kept.get(key) for pk, key in keys.items()}
    missing = [pk for pk, row in rows.items() if row is None]
    if missing:
        if len(missing) == len(rows) or len(missing) > MAX_LISTED_IDS:
            # A subquery, not a list of ids that would grow with the group.
            missing, scope, wanted = list(rows), members, members.values("athlete_id")
        else:
            scope, wanted = members.filter(athlete_id__in=missing), missing
        made = _computed_rows(
            {pk: facts[pk] for pk in missing}, wanted, scope, {pk: keys[pk][-1] for pk in missing}
        )
        _keep({keys[pk]: row for pk, row in made.items()})
        rows.update(made)
    return list(rows.values())


# Rows computed in this process, by everything they are computed from: the athlete's
# memberships (a membership row never changes: leaving deletes it), name, email and time zone
# as read, their training record's revision (a new one with every change to their plans, runs
# and pain logs, in the transaction that makes it) and their local date (the only way the
# clock enters a row). A change anywhere gives a new key, so a kept row is never stale and
# nothing needs invalidating, in this process or another. The oldest rows go first when full.
# A plain dict: reading 500 rows through an LRU's bookkeeping cost a millisecond per page.
ROWS_KEPT = 10_000  # a row and its HTML: about 3 KB
MAX_LISTED_IDS = 500  # more missing rows than this: compute them all with the group subquery
_kept: dict[tuple, AthleteRow] = {}
_kept_lock = threading.Lock()


def _keep(rows: dict[tuple, AthleteRow]) -> None:
    with _kept_lock:
        _kept.update(rows)
        overflow = len(_kept) - ROWS_KEPT
        if overflow > 0:
            for key in list(islice(_kept, overflow + ROWS_KEPT // 10)):
                _kept.pop(key, None)


def forget_kept_rows() -> None:
    """Drop the rows this process keeps (tests start from nothing)."""
    with _kept_lock:
        _kept.clear()


def _computed_rows(
    facts: dict[int, list[tuple]],
    athlete_ids: QuerySet | list[int],
    members: QuerySet,
    today_of: dict[int, date],
) -> dict[int, AthleteRow]:
    """The rows of the athletes in `facts` (their `members`hips, their local dates), from 5
    queries over `athlete_ids`."""
    # Latest first, so that the first joined comes last and is the one the dict keeps.
    by_athlete = members.order_by("athlete_id", "-joined_at")
    joined = dict(by_athlete.values_list("athlete_id", "joined_at"))
    rows: dict[int, AthleteRow] = {}
    for pk, found in facts.items():
        _, _, _, display_name, email, time_zone, _ = found[0]
        rows[pk] = AthleteRow(
            athlete_id=pk,
            name=display_name or email,
            email=email,
            time_zone=time_zone,
            joined_at=joined[pk],
            group_ids={membership[2] for membership in found},
            today=today_of[pk],
        )

    plans = _current_plans(_plans(athlete_ids))
    planned = _planned_runs(athlete_ids)
    recent = _recent_pains(athlete_ids)
    totals = {
        t["athlete_id"]: t
        for t in PainLog.objects.filter(athlete_id__in=athlete_ids)
        .values("athlete_id")
        .annotate(
            total=Count("pk"),
            last=Max("created_at"),
            last_urgent=Max("created_at", filter=Q(action="urgent_care")),
        )
        .order_by()
    }

    for row in rows.values():
        zone = athlete_zone(row.time_zone)
        plan = plans.get(row.athlete_id)
        pain = totals.get(row.athlete_id, {})
        row.pains = recent.get(row.athlete_id, [])
        row.logs_total = pain.get("total", 0)
        row.last_pain_at = pain.get("last")
        red_flag = None
        if plan is not None:
            _fill_plan(row, plan, planned.get(plan["pk"], []))
            last_urgent = pain.get("last_urgent")
            cleared = plan["last_cleared_at"]
            if plan["status"] == "awaiting_clearance":
                urgent = last_urgent is not None and (cleared is None or last_urgent > cleared)
                red_flag = "urgent_care" if urgent else "see_clinician"
        row.status = st.status_of(
            st.Facts(
                plan_status=row.plan_status,
                today=row.today,
                starts_on=row.starts_on,
                runs_done=row.runs_done,
                repeat_current_week=row.repeat_pending,
                last_week_change=plan["last_week_change"] if plan else None,
                red_flag=red_flag,
            )
        )
        moments = [m for m in (plan and plan["last_run_at"], row.last_pain_at) if m]
        row.last_activity = max(moments) if moments else None
        if row.last_activity is not None:
            row.idle_days = max(0, (row.today - row.last_activity.astimezone(zone).date()).days)
        row.attention = st.attention_key(
            row.status,
            missed_runs=row.missed_runs,
            last_pain=row.last_pain,
            idle_days=row.idle_days,
            name=row.name,
        )
    return rows


def _fill_plan(row: AthleteRow, plan: dict, planned: list[tuple[int, int, date]]) -> None:
    row.enrollment_id = plan["pk"]
    row.plan_status = plan["status"]
    row.weeks_planned = plan["weeks_planned"]
    row.repeat_pending = plan["repeat_current_week"]
    row.starts_on = plan["start_date"]
    row.paused_until = plan["paused_until"]
    row.paused_at = plan["last_paused_at"]
    row.cap_percent = int(plan["weekly_increase_cap"] * 100)
    row.runs_done = plan["runs_done"]
    row.runs_skipped = plan["runs_skipped"]
    if planned:
        row.week, row.run = planned[0][0], planned[0][1]
    else:
        row.week = plan["current_week"]
    row.missed_runs = sum(1 for _, _, day in planned if day < row.today)
    row.runs_done, row.runs_scheduled = st.adherence(
        row.runs_done, row.runs_skipped, row.missed_runs
    )


def athlete_zone(name: str) -> zoneinfo.ZoneInfo:
    """An athlete's stored time zone, or UTC for a name zoneinfo does not know."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _count(qs: QuerySet, by: str) -> Coalesce:
    """The number of rows of a correlated queryset (grouped by its link to the outer row)."""
    counted = qs.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _latest(qs: QuerySet, name: str) -> Subquery:
    return Subquery(qs.order_by("-created_at", "-pk").values(name)[:1])


def _plans(athlete_ids: QuerySet) -> QuerySet:
    runs = PlannedRun.objects.filter(enrollment=OuterRef("pk"))
    events = PlanEvent.objects.filter(enrollment=OuterRef("pk"))
    week_changes = events.filter(
        Q(kind__in=[k for k in st.WEEK_CHANGES if k != EventKind.OVERRIDE])
        | Q(kind=EventKind.OVERRIDE, data__has_key="to_week")
    )
    last_run = (
        runs.filter(status__in=[RunStatus.DONE, RunStatus.SKIPPED])
        .annotate(at=Coalesce("completed_at", "skipped_at"))
        .order_by("-at")
        .values("at")[:1]
    )
    return (
        Enrollment.objects.filter(athlete_id__in=athlete_ids)
        .annotate(
            runs_done=_count(runs.filter(status=RunStatus.DONE), "enrollment"),
            runs_skipped=_count(runs.filter(status=RunStatus.SKIPPED), "enrollment"),
            last_run_at=Subquery(last_run),
            last_week_change=_latest(week_changes, "kind"),
            last_cleared_at=_latest(events.filter(kind=EventKind.CLEARED), "created_at"),
            last_paused_at=_latest(events.filter(kind=EventKind.PAUSED), "created_at"),
        )
        .values(
            "pk",
            "athlete_id",
            "status",
            "start_date",
            "weeks_planned",
            "current_week",
            "repeat_current_week",
            "paused_until",
            "weekly_increase_cap",
            "finished_at",
            "runs_done",
            "runs_skipped",
            "last_run_at",
            "last_week_change",
            "last_cleared_at",
            "last_paused_at",
        )
    )


def _current_plans(plans: QuerySet) -> dict[int, dict]:
    """Each athlete's plan in progress, or else the one finished last (as plans.services'
    current_enrollment chooses)."""
    chosen: dict[int, dict] = {}
    for plan in plans:
        other = chosen.get(plan["athlete_id"])
        if other is None or _plan_order(plan) > _plan_order(other):
            chosen[plan["athlete_id"]] = plan
    return chosen


def _plan_order(plan: dict) -> tuple:
    finished = plan["finished_at"]
    return (finished is None, finished or datetime.min.replace(tzinfo=None), plan["pk"])


def _planned_runs(athlete_ids: QuerySet) -> dict[int, list[tuple[int, int, date]]]:
    found: dict[int, list[tuple[int, int, date]]] = {}
    rows = (
        PlannedRun.objects.filter(
            enrollment__athlete_id__in=athlete_ids,
            enrollment__finished_at=None,
            status=RunStatus.PLANNED,
        )
        .order_by("enrollment_id", "sequence")
        .values_list("enrollment_id", "week_number", "run_number", "scheduled_date")
    )
    for enrollment_id, week, run, day in rows:
        found.setdefault(enrollment_id, []).append((week, run, day))
    return found


def _recent_pains(athlete_ids: QuerySet) -> dict[int, list[int]]:
    """The pain scores of the latest RECENT_LOGS logs of each athlete, oldest first."""
    found: dict[int, list[int]] = {}
    rows = (
        PainLog.objects.filter(athlete_id__in=athlete_ids)
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("athlete_id")],
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(recency__lte=RECENT_LOGS)
        .order_by("athlete_id", "created_at", "pk")
        .values_list("athlete_id", "pain")
    )
    for athlete_id, pain in rows:
        found.setdefault(athlete_id, []).append(pain)
    return found


# --- Filtering, searching, sorting -----------------------------------------------------------

SORTS = ("attention", "name", "week", "status", "adherence", "pain", "activity")
SORT_LABELS = {
    "attention": "Needs attention first",
    "name": "Name",
    "week": "Week",
    "status": "Status",
    "adherence": "Runs done",
    "pain": "Last pain",
    "activity": "Last active",
}


def _sort_value(row: AthleteRow, column: str):
    """The value a column sorts by; None sorts last in either direction."""
    if column == "name":
        return row.name.casefold()
    if column == "week":
        return None if row.week is None else (row.week, row.run or 0)
    if column == "status":
        return st.STATUSES.index(row.status)
    if column == "adherence":
        return None if row.adherence_percent is None else (row.adherence_percent, row.runs_done)
    if column == "pain":
        return row.last_pain
    if column == "activity":
        # "Most recent first" is the natural ascending order: fewest idle days.
        return row.idle_days
    raise ValueError(f"unknown column {column!r}")


def sort_rows(rows: list[AthleteRow], sort: str) -> list[AthleteRow]:
    """`sort` is a column name, "-column" for descending; "attention" is the default order."""
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    if column not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    by_attention = sorted(rows, key=lambda r: r.attention)
    if column == "attention":
        return by_attention[::-1] if descending else by_attention
    known = [r for r in by_attention if _sort_value(r, column) is not None]
    unknown = [r for r in by_attention if _sort_value(r, column) is None]
    # Stable sorts: ties keep the attention order.
    known.sort(key=lambda r: _sort_value(r, column), reverse=descending)
    return known + unknown


def search_rows(rows: list[AthleteRow], query: str) -> list[AthleteRow]:
    words = query.casefold().split()
    if not words:
        return rows
    return [r for r in rows if all(w in r.name.casefold() for w in words)]


def count_by_status(rows: Iterable[AthleteRow]) -> dict[str, int]:
    counts = dict.fromkeys(st.STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    return counts
