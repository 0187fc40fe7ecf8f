"""Pain history (the athlete's own, or a coach's view of one athlete) and the guidance pages."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.authorizers import coach_can_see, coach_required, signed_in_required
from accounts.models import User
from plans.models import PlanEvent
from symptoms.chart import MARKED_EVENTS, EventPoint, LogPoint, build_chart
from symptoms.guidance import DISCLAIMER
from symptoms.guides import GUIDES
from symptoms.models import PainDataRead, PainLog
from symptoms.services import pain_data_read_record

# A beginner's plan brings a few dozen logs; the page shows the latest ones.
HISTORY_LIMIT = 100
CHART_LIMIT = 60


@signed_in_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    return _history_page(request, request.user, own=True)


@coach_required
@require_GET
def athlete_history(request: HttpRequest, athlete_id: int) -> HttpResponse:
    """A coach's view of one athlete's pain history; anyone else's is a 404."""
    if not coach_can_see(request.user, athlete_id):
        raise Http404("No such athlete in your groups.")
    athlete = get_object_or_404(User, pk=athlete_id)
    pain_data_read_record(coach=request.user, athlete=athlete, page=PainDataRead.Page.HISTORY)
    return _history_page(request, athlete, own=False)


def _history_page(request: HttpRequest, athlete: User, *, own: bool) -> HttpResponse:
    logs = list(
        PainLog.objects.filter(athlete=athlete)
        .select_related("run")
        .order_by("-created_at", "-pk")[:HISTORY_LIMIT]
    )
    logs.reverse()  # oldest first
    charted = logs[-CHART_LIMIT:]
    events = []
    if charted:
        events = list(
            PlanEvent.objects.filter(
                enrollment__athlete=athlete, created_at__gte=charted[0].created_at
            )
            .filter(kind__in=list(MARKED_EVENTS))
            .order_by("created_at", "pk")
        )
    chart = build_chart(
        [LogPoint(g.created_at, g.pain, g.action, g.kind, g.is_red_flag) for g in charted],
        [EventPoint(e.created_at, e.kind) for e in events],
        timezone.get_current_timezone(),
    )
    context = {
        "athlete": athlete,
        "own": own,
        "logs": list(reversed(logs)),  # newest first in the table
        "chart": chart,
        "charted": len(charted),
        "total": len(logs),
        "events": list(reversed(events)),
        "disclaimer": DISCLAIMER,
    }
    return render(request, "symptoms/history.html", context)


@require_GET
def guides(request: HttpRequest) -> HttpResponse:
    return render(
        request, "symptoms/guides.html", {"guides": GUIDES.values(), "disclaimer": DISCLAIMER}
    )


@require_GET
def guide(request: HttpRequest, slug: str) -> HttpResponse:
    page = GUIDES.get(slug)
    if page is None:
        raise Http404("No such guide.")
    others = [g for g in GUIDES.values() if g.slug != slug]
    return render(
        request,
        "symptoms/guide.html",
        {"guide": page, "others": others, "disclaimer": DISCLAIMER},
    )
