"""The athlete's pain pages: log pain after a run, check in, record a clearance, consent.

Every page works without JavaScript (POST, then redirect to the verdict). With htmx, a form
posts to its own URL and swaps itself for the verdict fragment. htmx does not swap 4xx
answers (the site's htmx config is shared), so a form with errors goes back to htmx as 200;
without htmx the status tells (400 for a bad form, 409 for a refusal).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from accounts.authorizers import signed_in_required
from plans.models import Enrollment, PlanEvent, PlannedRun
from plans.services import current_enrollment, local_today
from symptoms.forms import CheckinForm, ClearanceForm, ConsentForm, PainForm, RunPainForm
from symptoms.guidance import DISCLAIMER, guidance_for, guide_slugs_for
from symptoms.guides import GUIDES
from symptoms.models import PainLog
from symptoms.services import (
    ConsentRequired,
    RunNotFound,
    SymptomsError,
    clearance_record,
    consent_give,
    has_consent,
    pain_log_record,
)

Status = Enrollment.Status


class HtmxHttpRequest(HttpRequest):
    """For type checkers: the request as django-htmx's middleware leaves it."""

    htmx: HtmxDetails


# --- Logging pain after a run -----------------------------------------------------------------


@signed_in_required
@require_http_methods(["GET", "POST"])
def log_for_run(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    """The form for one run (GET) and saving it (POST); a logged run shows its verdict."""
    if request.method == "GET":
        run = _own_run_or_404(request, run_id)
        existing = _run_log(run)
        if existing is not None:
            return _logged(request, existing)
        if not has_consent(request.user):
            return _ask_consent(request, reverse("symptoms:log_for_run", args=[run.pk]))
        return _log_form(request, log_form_context(request, run))

    # A POST goes straight to the service, which checks whose run it is, consent and "already
    # logged?" anyway (under the plan's lock): asking here too cost three queries on every log.
    form = RunPainForm(request.POST)
    if not form.is_valid():
        run = _own_run_or_404(request, run_id)
        existing = _run_log(run)
        if existing is not None:  # a second tab's form: show what was logged, not its errors
            return _logged(request, existing)
        return _log_form(request, log_form_context(request, run, form), status=400)
    try:
        log = pain_log_record(athlete=request.user, run_id=run_id, **form.service_kwargs())
    except RunNotFound:
        raise Http404("No such run.") from None
    except ConsentRequired:
        return _ask_consent(request, reverse("symptoms:log_for_run", args=[run_id]))
    except SymptomsError as exc:
        run = _own_run_or_404(request, run_id)
        _add_error(form, exc)
        return _log_form(request, log_form_context(request, run, form), status=409)
    if not log.created:
        return _logged(request, log)
    if request.htmx:
        return _verdict(request, log)
    return redirect("symptoms:log_detail", log_id=log.pk)


def _run_log(run: PlannedRun) -> PainLog | None:
    return PainLog.objects.filter(run=run).select_related("run", "enrollment").first()


def _logged(request: HtmxHttpRequest, log: PainLog) -> HttpResponse:
    """A run logged before: its verdict (htmx), or the page of it."""
    if request.htmx:
        return _verdict(request, log, already=True)
    return redirect("symptoms:log_detail", log_id=log.pk)


def log_form_context(request: HttpRequest, run: PlannedRun, form: PainForm | None = None) -> dict:
    """What the log form fragment needs; also used by the {% pain_log_for %} tag."""
    return {
        "run": run,
        "form": form or RunPainForm(),
        "run_is_done": run.status == PlannedRun.Status.DONE,
        "action_url": reverse("symptoms:log_for_run", args=[run.pk]),
        "target_id": f"pain-log-{run.pk}",
    }


def _log_form(request: HtmxHttpRequest, context: dict, status: int = 200) -> HttpResponse:
    if request.htmx:
        return render(request, "symptoms/log_form.html#log-form", context)
    return render(request, "symptoms/log_form.html", context, status=status)


@signed_in_required
@require_GET
def log_detail(request: HtmxHttpRequest, log_id: int) -> HttpResponse:
    """The verdict of one log: what it said, why, what the plan did, what to do now."""
    log = get_object_or_404(
        PainLog.objects.select_related("run", "enrollment"), pk=log_id, athlete=request.user
    )
    return _verdict(request, log)


def verdict_context(log: PainLog, *, already: bool = False) -> dict:
    return {
        "log": log,
        "already": already,
        "guidance": guidance_for(log.action),
        "guides": _guides_for(log.action),
        "disclaimer": DISCLAIMER,
        "target_id": f"pain-log-{log.run_id}" if log.run_id else "checkin",
    }


def _verdict(request: HtmxHttpRequest, log: PainLog, *, already: bool = False) -> HttpResponse:
    context = verdict_context(log, already=already)
    if request.htmx:
        return render(request, "symptoms/verdict.html#verdict", context)
    return render(request, "symptoms/verdict.html", context)


def _guides_for(action: str):
    return [GUIDES[slug] for slug in guide_slugs_for(action)]


# --- Check-in ---------------------------------------------------------------------------------


@signed_in_required
@require_http_methods(["GET", "POST"])
def checkin(request: HtmxHttpRequest) -> HttpResponse:
    """How the back feels now. During a pause, the way back to running (from its last day)."""
    if not has_consent(request.user):
        return _ask_consent(request, reverse("symptoms:checkin"))
    if request.method == "GET":
        return _checkin_page(request, CheckinForm())
    form = CheckinForm(request.POST)
    if not form.is_valid():
        return _checkin_page(request, form, status=400)
    try:
        log = pain_log_record(
            athlete=request.user,
            submission=form.cleaned_data.get("submission"),
            **form.service_kwargs(),
        )
    except ConsentRequired:
        return _ask_consent(request, reverse("symptoms:checkin"))
    except SymptomsError as exc:
        _add_error(form, exc)
        return _checkin_page(request, form, status=409)
    if request.htmx:
        return _verdict(request, log, already=not log.created)
    return redirect("symptoms:log_detail", log_id=log.pk)


def _checkin_page(request: HtmxHttpRequest, form: CheckinForm, status: int = 200) -> HttpResponse:
    enrollment = current_enrollment(request.user)
    today = local_today(request.user)
    paused = enrollment is not None and enrollment.status == Status.PAUSED
    context = {
        "form": form,
        "enrollment": enrollment,
        "today": today,
        "resting": paused and today < enrollment.paused_until,
        "pause_event": _stop_event(enrollment),
        "pause_guidance": guidance_for("pause"),
        "disclaimer": DISCLAIMER,
        "active_rest": GUIDES["active-rest"],
        "action_url": reverse("symptoms:checkin"),
        "target_id": "checkin",
    }
    if request.htmx:
        return render(request, "symptoms/checkin.html#checkin-form", context)
    return render(request, "symptoms/checkin.html", context, status=status)


def _stop_event(enrollment: Enrollment | None) -> PlanEvent | None:
    """Why the plan stopped, when it is paused or waiting for a clearance."""
    if enrollment is None or enrollment.status not in (Status.PAUSED, Status.AWAITING_CLEARANCE):
        return None
    kinds = (PlanEvent.Kind.PAUSED, PlanEvent.Kind.AWAITING_CLEARANCE)
    return enrollment.events.filter(kind__in=kinds).order_by("-pk").first()


# --- Clearance --------------------------------------------------------------------------------


@signed_in_required
@require_http_methods(["GET", "POST"])
def clearance(request: HtmxHttpRequest) -> HttpResponse:
    """The athlete records a clinician's go-ahead; the plan restarts one week back."""
    today = local_today(request.user)
    enrollment = current_enrollment(request.user)
    waiting = enrollment is not None and enrollment.status == Status.AWAITING_CLEARANCE
    # Bound on every POST, even an empty one, so its errors can be shown.
    form = ClearanceForm(request.POST if request.method == "POST" else None, today=today)
    context = {
        "form": form,
        "waiting": waiting,
        "enrollment": enrollment,
        "stop_event": _stop_event(enrollment),
        "disclaimer": DISCLAIMER,
    }
    if request.method == "GET":
        return render(request, "symptoms/clearance.html", context)
    if not waiting:
        form.add_error(None, "Your plan is not waiting for a clinician's clearance.")
        return render(request, "symptoms/clearance.html", context, status=409)
    if not form.is_valid():
        return render(request, "symptoms/clearance.html", context, status=400)
    try:
        clearance_record(
            athlete=request.user,
            recorded_by=request.user,
            cleared_on=form.cleaned_data["cleared_on"],
            clinician=form.cleaned_data["clinician"],
            note=form.cleaned_data["note"],
        )
    except SymptomsError as exc:
        _add_error(form, exc)
        return render(request, "symptoms/clearance.html", context, status=409)
    messages.success(request, "Clearance recorded. Welcome back: your plan restarts one week back.")
    return redirect("plans:today")


# --- Consent ----------------------------------------------------------------------------------


@signed_in_required
@require_http_methods(["GET", "POST"])
def consent(request: HtmxHttpRequest) -> HttpResponse:
    """Agree to us storing health data and coaches seeing it, before the first log."""
    form = ConsentForm(
        request.POST if request.method == "POST" else None,
        initial={"next": request.GET.get("next", "")},
    )
    if request.method == "POST":
        if form.is_valid():
            consent_give(athlete=request.user)
            return redirect(_safe_next(request, form.cleaned_data["next"]))
        return render(request, "symptoms/consent.html", {"form": form}, status=400)
    if has_consent(request.user):
        return redirect(_safe_next(request, request.GET.get("next", "")))
    return render(request, "symptoms/consent.html", {"form": form})


def _ask_consent(request: HtmxHttpRequest, next_url: str) -> HttpResponse:
    """Consent comes first: the consent fragment for htmx, else the consent page."""
    if request.htmx:
        form = ConsentForm(initial={"next": next_url})
        return render(request, "symptoms/consent.html#consent-form", {"form": form})
    return redirect(f"{reverse('symptoms:consent')}?{urlencode({'next': next_url})}")


def _safe_next(request: HttpRequest, url: str) -> str:
    # Only a path on this site: redirect() takes a bare word for a URL name (NoReverseMatch,
    # a 500), and a control character cannot go into a Location header (BadHeaderError).
    if (
        url.startswith("/")
        and url.isprintable()
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return url
    return reverse("plans:today")


# --- Helpers ----------------------------------------------------------------------------------


def _own_run_or_404(request: HttpRequest, run_id: int) -> PlannedRun:
    """Someone else's run is indistinguishable from a missing one."""
    return get_object_or_404(PlannedRun, pk=run_id, enrollment__athlete=request.user)


def _add_error(form, exc: SymptomsError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc))
