"""The next-morning check-in invitation: pain from a run should have settled by the morning
after, so the athlete is asked then, at their reminder time. It joins the plans tick."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse

from accounts.models import User
from notifications.models import Kind
from notifications.services import OutboxItem, wants_email
from plans.models import Enrollment, PlannedRun
from plans.reminders import chunked, dedupe_key, people_due, unsent
from plans.services import zone_of
from symptoms.models import PainLog

KIND = Kind.CHECKIN_INVITE
# A run done within this many days (UTC) can make "yesterday, locally" for anyone on Earth.
RECENT = timedelta(days=3)


def ran_on(completed: list[datetime], zone: ZoneInfo, day: date) -> bool:
    """Whether any of these completion instants falls on `day` in the athlete's zone."""
    return any(moment.astimezone(zone).date() == day for moment in completed)


def checkin_invitations(now: datetime) -> Iterator[OutboxItem]:
    """Everyone due now who ran yesterday (their local date) and has not checked in today.

    Only active plans: a paused or cleared-to-wait plan has its own check-in path, and a
    finished plan gets no more reminders. A constant number of queries per batch.
    """
    since = now - RECENT
    recent_run = PlannedRun.objects.filter(
        enrollment__athlete=OuterRef("pk"),
        enrollment__status=Enrollment.Status.ACTIVE,
        status=PlannedRun.Status.DONE,
        completed_at__gte=since,
    )
    people = User.objects.filter(wants_email(KIND)).filter(Exists(recent_run))
    url = settings.SITE_URL + reverse("symptoms:checkin")
    for chunk in chunked(people_due(people, now)):
        chunk = unsent(KIND, chunk)
        if not chunk:
            continue
        ids = [user.pk for user, _ in chunk]
        completed: dict[int, list[datetime]] = defaultdict(list)
        for athlete_id, moment in PlannedRun.objects.filter(
            enrollment__athlete_id__in=ids,
            enrollment__status=Enrollment.Status.ACTIVE,
            status=PlannedRun.Status.DONE,
            completed_at__gte=since,
        ).values_list("enrollment__athlete_id", "completed_at"):
            completed[athlete_id].append(moment)
        checked_in: dict[int, list[datetime]] = defaultdict(list)
        for athlete_id, moment in PainLog.objects.filter(
            athlete_id__in=ids, kind=PainLog.Kind.CHECKIN, created_at__gte=since
        ).values_list("athlete_id", "created_at"):
            checked_in[athlete_id].append(moment)
        for user, day in chunk:
            zone = zone_of(user)
            if not ran_on(completed[user.pk], zone, day - timedelta(days=1)):
                continue
            if ran_on(checked_in[user.pk], zone, day):  # already checked in this morning
                continue
            yield OutboxItem(
                recipient=user,
                kind=KIND,
                dedupe_key=dedupe_key(KIND, user.pk, day),
                template="checkin_invite",
                context={"checkin_url": url},
            )
