"""What the coach's page about one athlete reads: the plan week by week, one timeline of runs,
pain logs and plan changes (with the reasons behind each), and the pain chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from accounts.models import User
from plans.models import Enrollment, PlanEvent, PlannedRun
from plans.overview import PlanOverview, plan_overview
from symptoms.chart import MARKED_EVENTS, Chart, EventPoint, LogPoint, build_chart
from symptoms.models import ClinicianClearance, PainLog

TIMELINE_LIMIT = 150  # newest first; a beginner's plan brings a few dozen entries
CHART_LIMIT = 60

Kind = PlanEvent.Kind


@dataclass
class WeekLine:
    number: int
    main_set: str
    volume_seconds: int
    change_percent: float | None
    runs_done: int
    runs_in_week: int  # every time through the week counts (a repeat doubles it)
    is_current: bool
    notes: list[str]


@dataclass
class TimelineItem:
    when: datetime
    kind: str  # "run", "log", "change" or "coach"
    title: str
    by: str = ""
    reasons: list[str] = field(default_factory=list)
    detail: str = ""
    red_flag: bool = False
    week: int | None = None


# Events that change the plan (shown as "change"); runs and coach changes get their own kinds.
RUN_EVENTS = {Kind.RUN_COMPLETED, Kind.RUN_SKIPPED, Kind.RUN_UNDONE}


def week_lines(overview: PlanOverview) -> list[WeekLine]:
    lines = []
    for week in overview.weeks:
        visit_lines = [line for visit in week.visits for line in visit.lines]
        lines.append(
            WeekLine(
                number=week.number,
                main_set=week.main_set,
                volume_seconds=week.volume_seconds,
                change_percent=week.change_percent,
                runs_done=sum(1 for line in visit_lines if line.status == PlannedRun.Status.DONE),
                runs_in_week=sum(
                    1 for line in visit_lines if line.status != PlannedRun.Status.CANCELLED
                ),
                is_current=week.is_current,
                notes=week.notes,
            )
        )
    return lines


def furthest_week(enrollment: Enrollment, runs: list[PlannedRun]) -> int:
    """The furthest week a coach may put the athlete on: one after the furthest completed."""
    done: dict[tuple[int, int], int] = {}
    for run in runs:
        if run.status == PlannedRun.Status.DONE:
            key = (run.training_week, run.week_number)
            done[key] = done.get(key, 0) + 1
    completed = [week for (_, week), n in done.items() if n >= enrollment.runs_per_week]
    return min(max(completed, default=0) + 1, enrollment.weeks_planned)


def plan_for(athlete: User, enrollment: Enrollment | None, today: date):
    if enrollment is None:
        return None, []
    enrollment.athlete = athlete
    overview = plan_overview(enrollment, today=today)
    return overview, week_lines(overview)


def timeline(athlete: User) -> tuple[list[TimelineItem], bool]:
    """Newest first, at most TIMELINE_LIMIT entries; True when older ones were left out."""
    events = list(
        PlanEvent.objects.filter(enrollment__athlete=athlete)
        .select_related("run")
        .order_by("-created_at", "-pk")[:TIMELINE_LIMIT]
    )
    logs = list(
        PainLog.objects.filter(athlete=athlete)
        .select_related("run")
        .order_by("-created_at", "-pk")[:TIMELINE_LIMIT]
    )
    clearances = {
        c.pk: c for c in ClinicianClearance.objects.filter(athlete=athlete).order_by("-pk")[:20]
    }
    items = [_event_item(e, clearances, athlete.pk) for e in events] + [_log_item(g) for g in logs]
    items.sort(key=lambda i: i.when, reverse=True)
    more = len(items) > TIMELINE_LIMIT or len(events) == TIMELINE_LIMIT
    return items[:TIMELINE_LIMIT], more


def _event_item(
    event: PlanEvent, clearances: dict[int, ClinicianClearance], athlete_id: int
) -> TimelineItem:
    run = event.run
    if event.kind in RUN_EVENTS and run is not None:
        title = f"{event.get_kind_display()}: week {run.week_number}, run {run.run_number}"
        detail = ""
        if event.kind == Kind.RUN_COMPLETED and run.actual_seconds:
            detail = f"Took {round(run.actual_seconds / 60)} min."
        return TimelineItem(
            when=event.created_at,
            kind="run",
            title=title,
            by=event.by,
            reasons=[event.reason] if event.reason else [],
            detail=detail,
            week=event.week_number,
        )
    by_coach = event.actor_id is not None and event.actor_id != athlete_id
    detail = _change_detail(event, clearances)
    return TimelineItem(
        when=event.created_at,
        kind="coach" if by_coach else "change",
        title=event.get_kind_display(),
        by=event.by,
        reasons=[event.reason] if event.reason else [],
        detail=detail,
        red_flag=event.kind == Kind.AWAITING_CLEARANCE,
        week=event.week_number,
    )


def _change_detail(event: PlanEvent, clearances: dict[int, ClinicianClearance]) -> str:
    data = event.data or {}
    if event.kind == Kind.OVERRIDE and "to_week" in data:
        return f"Moved from week {data.get('from_week')} to week {data['to_week']}."
    if event.kind == Kind.OVERRIDE and data.get("hold_cancelled"):
        return "The hold was cancelled: the week will not be repeated."
    if event.kind == Kind.CAP_CHANGED:
        try:
            return (
                f"Weekly cap from {round(float(data['from']) * 100)}% "
                f"to {round(float(data['to']) * 100)}%."
            )
        except (KeyError, TypeError, ValueError):
            return ""
    if event.kind == Kind.ROLLED_BACK and "from_week" in data:
        return f"From week {data['from_week']} to week {event.week_number}."
    if event.kind == Kind.PAUSED and data.get("until"):
        return f"No running until {data['until']}."
    if event.kind == Kind.CLEARED:
        clearance = clearances.get(data.get("clearance_id"))
        if clearance is not None:
            return f"Recorded by {clearance.recorded_by_name or 'the athlete'}" + (
                f": “{clearance.note}”" if clearance.note else "."
            )
    return ""


def _log_item(log: PainLog) -> TimelineItem:
    if log.run_id:
        title = f"Pain log after week {log.run.week_number}, run {log.run.run_number}: "
    else:
        title = "Check-in: "
    title += f"pain {log.pain}/10 ({log.band})"
    detail = []
    if log.flags:
        detail.append("Warning signs: " + ", ".join(log.flags) + ".")
    if log.where:
        detail.append("Where: " + ", ".join(log.where_labels) + ".")
    if log.note:
        detail.append(f"Their note: “{log.note}”")
    verdict = f"Verdict: {log.get_action_display()}."
    if log.effect_note:
        verdict += f" {log.effect_note}"
    return TimelineItem(
        when=log.created_at,
        kind="log",
        title=title,
        reasons=[verdict, *log.reasons],
        detail=" ".join(detail),
        red_flag=log.is_red_flag,
    )


def pain_chart(athlete: User) -> tuple[Chart | None, int]:
    logs = list(
        PainLog.objects.filter(athlete=athlete).order_by("-created_at", "-pk")[:CHART_LIMIT]
    )
    logs.reverse()
    events = []
    if logs:
        events = list(
            PlanEvent.objects.filter(
                enrollment__athlete=athlete,
                created_at__gte=logs[0].created_at,
                kind__in=list(MARKED_EVENTS),
            ).order_by("created_at", "pk")
        )
    chart = build_chart(
        [LogPoint(g.created_at, g.pain, g.action, g.kind, g.is_red_flag) for g in logs],
        [EventPoint(e.created_at, e.kind) for e in events],
        timezone.get_current_timezone(),
    )
    return chart, len(logs)
