"""The athlete's private calendar feed: issue, revoke, and render it."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from plans.calendar import CalendarRun, build_calendar
from plans.models import CalendarFeed, Enrollment, PlannedRun
from plans.overview import Upcoming, upcoming_runs
from plans.progression import describe_main_set, format_duration
from plans.services import local_today

FEED_RUNS = 24  # about two months of runs: enough for a calendar, cheap to build


def calendar_feed_issue(*, athlete: User) -> CalendarFeed:
    """Revoke the live feed address (if any) and issue a new one."""
    with transaction.atomic():
        User.objects.select_for_update().get(pk=athlete.pk)
        CalendarFeed.objects.filter(athlete=athlete, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        return CalendarFeed.objects.create(athlete=athlete)


def calendar_feed_revoke(*, athlete: User) -> int:
    """Stop the live address working; returns how many were revoked."""
    return CalendarFeed.objects.filter(athlete=athlete, revoked_at=None).update(
        revoked_at=timezone.now()
    )


def calendar_feed_live(athlete: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(athlete=athlete, revoked_at=None).first()


def _steps(upcoming: Upcoming) -> tuple[str, ...]:
    warm = [s for s in upcoming.segments if s.kind == "warmup"]
    cool = [s for s in upcoming.segments if s.kind == "cooldown"]
    lines = [f"{s.label}: {format_duration(s.seconds)}" for s in warm]
    lines.append(f"Main set: {describe_main_set(upcoming.segments)}")
    lines += [f"{s.label}: {format_duration(s.seconds)}" for s in cool]
    lines.append(f"In all: {format_duration(upcoming.total_seconds)}")
    return tuple(lines)


def calendar_feed_render(feed: CalendarFeed) -> bytes:
    """The feed's iCalendar document: the athlete's upcoming runs on their local dates."""
    athlete = feed.athlete
    enrollment = (
        Enrollment.objects.filter(athlete=athlete, finished_at=None).order_by("-pk").first()
    )
    runs: list[CalendarRun] = []
    if enrollment is not None:
        rows = list(PlannedRun.objects.filter(enrollment=enrollment))
        today = local_today(athlete)
        upcoming = upcoming_runs(enrollment, rows, today, limit=FEED_RUNS)
        # Rows keep their sequence; runs of weeks not made yet take the next numbers, so an
        # event keeps its UID when its week opens and the phone updates it in place.
        next_sequence = max((r.sequence for r in rows), default=0)
        today_url = settings.SITE_URL + reverse("plans:today")
        for item in upcoming:
            if item.run is not None:
                sequence = item.run.sequence
                url = settings.SITE_URL + reverse("plans:run_timer", args=[item.run.pk])
            else:
                next_sequence += 1
                sequence = next_sequence
                url = today_url
            runs.append(
                CalendarRun(
                    uid=f"walkrun-{enrollment.pk}-{sequence}@walkrun-coach",
                    day=item.date,
                    title=f"Walk-run: week {item.week_number}, run {item.run_number}",
                    steps=_steps(item),
                    url=url,
                )
            )
    return build_calendar(
        runs,
        name="Walk-Run Coach runs",
        time_zone=athlete.time_zone,
        generated_at=timezone.now(),
    )
