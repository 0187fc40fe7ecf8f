"""The athlete's pages: start a plan, Today, the whole plan; marking runs done or skipped.

Every page works without JavaScript (POST, then redirect). With htmx, the run actions answer
with the run card alone ("plans/today.html#run_card"), swapped in place.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from accounts.authorizers import signed_in_required
from plans import services
from plans.forms import RunDoneForm, StartPlanForm
from plans.models import Enrollment, PlannedRun
from plans.overview import plan_overview, today_for
from plans.services import PlanError, current_enrollment, local_today


class HtmxHttpRequest(HttpRequest):
    """For type checkers: the request as django-htmx's middleware leaves it."""

    htmx: HtmxDetails


@signed_in_required
@require_http_methods(["GET", "POST"])
def start(request: HtmxHttpRequest) -> HttpResponse:
    if Enrollment.objects.filter(athlete=request.user, finished_at=None).exists():
        messages.info(request, "You already have a plan in progress. Here it is.")
        return redirect("plans:plan")
    local_date = local_today(request.user)
    form = StartPlanForm(request.POST if request.method == "POST" else None, today=local_date)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.enrollment_start(
                    athlete=request.user,
                    start_date=data["start_date"],
                    weekdays=data["weekdays"],
                    cap=Decimal(data["cap_percent"]) / 100,
                    today=local_date,
                )
            except PlanError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Your plan is ready. Here is your first run.")
                return redirect("plans:today")
        return render(request, "plans/start.html", {"form": form}, status=400)
    return render(request, "plans/start.html", {"form": form})


@signed_in_required
@require_GET
def today(request: HtmxHttpRequest) -> HttpResponse:
    return _today_page(request)


@signed_in_required
@require_GET
def plan(request: HtmxHttpRequest) -> HttpResponse:
    enrollment = current_enrollment(request.user)
    if enrollment is None:
        return redirect("plans:start")
    enrollment.athlete = request.user
    overview = plan_overview(enrollment, today=local_today(request.user))
    return render(request, "plans/plan.html", {"overview": overview, "enrollment": enrollment})


@signed_in_required
@require_POST
def run_done(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    run = _own_run_or_404(request, run_id)
    form = RunDoneForm(request.POST)
    if not form.is_valid():
        return _today_page(request, form=form, status=400)
    try:
        services.run_complete(
            run=run,
            by=request.user,
            actual_seconds=form.actual_seconds,
            note=form.cleaned_data["note"],
        )
    except PlanError as exc:
        return _today_page(request, error=str(exc), status=409)
    return _after_action(request, "Run done. Well done!")


@signed_in_required
@require_POST
def run_skip(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    run = _own_run_or_404(request, run_id)
    try:
        services.run_skip(run=run, by=request.user)
    except PlanError as exc:
        return _today_page(request, error=str(exc), status=409)
    return _after_action(request, "Skipped. The same run comes on your next run day.")


@signed_in_required
@require_POST
def run_undo(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    run = _own_run_or_404(request, run_id)
    try:
        services.run_undo(run=run, by=request.user)
    except PlanError as exc:
        return _today_page(request, error=str(exc), status=409)
    return _after_action(request, "Done. That run is back on your plan.")


@signed_in_required
@require_POST
def extend(request: HtmxHttpRequest) -> HttpResponse:
    enrollment = current_enrollment(request.user)
    if enrollment is None:
        return redirect("plans:start")
    try:
        services.plan_extend(enrollment_id=enrollment.pk, by=request.user)
    except PlanError as exc:
        return _today_page(request, error=str(exc), status=409)
    return _after_action(request, "The next block is on your plan. Here is your next run.")


def _own_run_or_404(request: HtmxHttpRequest, run_id: int) -> PlannedRun:
    """Someone else's run is indistinguishable from a missing one."""
    return get_object_or_404(PlannedRun, pk=run_id, enrollment__athlete=request.user)


def _after_action(request: HtmxHttpRequest, message: str) -> HttpResponse:
    if request.htmx:
        return _today_page(request)
    messages.success(request, message)
    return redirect("plans:today")


def _today_page(
    request: HtmxHttpRequest,
    *,
    form: RunDoneForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The Today page, or only its run card for htmx.

    htmx does not swap 4xx answers by default (and the site's htmx config is shared), so the
    card with its error messages goes back to htmx as 200; without htmx the status tells.
    """
    view = today_for(request.user, local_today(request.user))
    context = {"view": view, "form": form or RunDoneForm(), "error": error}
    if request.htmx:
        return render(request, "plans/today.html#run_card", context)
    return render(request, "plans/today.html", context, status=status)
