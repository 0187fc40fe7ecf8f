"""The interval timer page for one run. The page lists the steps and works without JavaScript;
static/js/timer.js turns it into a countdown."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from accounts.authorizers import signed_in_required
from plans.forms import RunDoneForm
from plans.models import PlannedRun
from plans.views import HtmxHttpRequest


@signed_in_required
@require_GET
def run_timer(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(
        PlannedRun.objects.select_related("enrollment"),
        pk=run_id,
        enrollment__athlete=request.user,
    )
    if run.status != PlannedRun.Status.PLANNED:
        messages.info(request, "That run is not waiting to be run any more.")
        return redirect("plans:today")
    segments = [
        {"kind": s.kind, "label": s.label, "detail": s.detail, "seconds": s.seconds}
        for s in run.segment_list
    ]
    return render(
        request,
        "plans/timer.html",
        {
            "run": run,
            "steps": run.segment_list,
            "segments": segments,
            "runs_per_week": run.enrollment.runs_per_week,
            "form": RunDoneForm(),
        },
    )
