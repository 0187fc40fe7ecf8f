"""One athlete, as their coach sees them: the plan, one timeline, the pain chart, private
notes, and the coach's actions (change a hold or roll-back, lower the cap, record a clearance).

Actions post and redirect back. A refused action re-renders the page with the form's message:
400 for bad input (an override without a reason), 409 when the plan cannot take the change.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import TrainingGroup, User
from coaching import services
from coaching.access import HtmxHttpRequest, athlete_or_404, coach_required, note_or_404
from coaching.athlete import furthest_week, pain_chart, plan_for, timeline
from coaching.forms import CancelHoldForm, CapForm, CoachClearanceForm, MoveWeekForm, NoteForm
from coaching.models import CoachNote
from coaching.review import athlete_rows
from coaching.services import CoachingError, open_plan
from plans.models import Enrollment
from plans.services import current_enrollment, local_today
from symptoms.guidance import DISCLAIMER
from symptoms.models import PainDataRead
from symptoms.services import pain_data_read_record

Status = Enrollment.Status


def _athlete_url(athlete: User, anchor: str = "") -> str:
    return reverse("coaching:athlete", args=[athlete.pk]) + (f"#{anchor}" if anchor else "")


def _page(request: HtmxHttpRequest, athlete: User, *, status: int = 200, **forms) -> HttpResponse:
    coach = request.user
    groups = list(
        TrainingGroup.objects.filter(coach=coach, memberships__athlete=athlete).order_by("name")
    )
    rows = athlete_rows([g.pk for g in groups], now=timezone.now(), athlete_id=athlete.pk)
    today = local_today(athlete)
    enrollment = current_enrollment(athlete)
    overview, weeks = plan_for(athlete, enrollment, today)
    items, more = timeline(athlete)
    chart, charted = pain_chart(athlete)
    plan_open = enrollment is not None and enrollment.finished_at is None
    running = plan_open and enrollment.status == Status.ACTIVE
    context = {
        "athlete": athlete,
        "groups": groups,
        "row": rows[0] if rows else None,
        "enrollment": enrollment,
        "overview": overview,
        "weeks": weeks,
        "timeline": items,
        "timeline_more": more,
        "chart": chart,
        "charted": charted,
        "notes": CoachNote.objects.filter(coach=coach, athlete=athlete),
        "note_form": forms.get("note_form") or NoteForm(auto_id="note_%s"),
        "disclaimer": DISCLAIMER,
    }
    if running:
        runs = list(enrollment.runs.all()) if overview is None else _runs_of(overview)
        context["move_form"] = forms.get("move_form") or MoveWeekForm(
            furthest=furthest_week(enrollment, runs),
            current=enrollment.current_week,
            auto_id="move_%s",
        )
        if enrollment.repeat_current_week or "hold_form" in forms:
            context["hold_form"] = forms.get("hold_form") or CancelHoldForm(auto_id="hold_%s")
    if plan_open and enrollment.cap_percent > 1:
        context["cap_form"] = forms.get("cap_form") or CapForm(
            current=enrollment.cap_percent, auto_id="cap_%s"
        )
    if plan_open and enrollment.status == Status.AWAITING_CLEARANCE:
        context["clearance_form"] = forms.get("clearance_form") or CoachClearanceForm(
            today=today, auto_id="clearance_%s"
        )
    return render(request, "coaching/athlete.html", context, status=status)


def _runs_of(overview) -> list:
    return [
        line.run
        for week in overview.weeks
        for visit in week.visits
        for line in visit.lines
        if line.run is not None
    ]


@coach_required
@require_GET
def athlete(request: HtmxHttpRequest, athlete_id: int) -> HttpResponse:
    athlete = athlete_or_404(request.user, athlete_id)
    pain_data_read_record(coach=request.user, athlete=athlete, page=PainDataRead.Page.ATHLETE)
    return _page(request, athlete)


# --- Notes ------------------------------------------------------------------------------------


@coach_required
@require_POST
def note_add(request: HtmxHttpRequest, athlete_id: int) -> HttpResponse:
    athlete = athlete_or_404(request.user, athlete_id)
    form = NoteForm(request.POST, auto_id="note_%s")
    if form.is_valid():
        try:
            services.note_add(coach=request.user, athlete=athlete, body=form.cleaned_data["body"])
        except CoachingError as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, "Note saved. Only you can see it.")
            return redirect(_athlete_url(athlete, "notes"))
    return _page(request, athlete, status=400, note_form=form)


@coach_required
@require_http_methods(["GET", "POST"])
def note_edit(request: HtmxHttpRequest, note_id: int) -> HttpResponse:
    note = note_or_404(request.user, note_id)
    form = NoteForm(request.POST if request.method == "POST" else None, initial={"body": note.body})
    if request.method == "POST":
        if form.is_valid():
            try:
                services.note_edit(coach=request.user, note=note, body=form.cleaned_data["body"])
            except CoachingError as exc:
                form.add_error(exc.field, str(exc))
            else:
                messages.success(request, "Note updated.")
                return redirect(_athlete_url(note.athlete, "notes"))
        return render(request, "coaching/note_edit.html", {"note": note, "form": form}, status=400)
    return render(request, "coaching/note_edit.html", {"note": note, "form": form})


@coach_required
@require_POST
def note_delete(request: HtmxHttpRequest, note_id: int) -> HttpResponse:
    note = note_or_404(request.user, note_id)
    athlete = note.athlete
    services.note_delete(coach=request.user, note=note)
    messages.success(request, "Note deleted.")
    return redirect(_athlete_url(athlete, "notes"))


# --- Plan changes -----------------------------------------------------------------------------


def _refused(
    request: HtmxHttpRequest, athlete: User, form, exc: CoachingError, name: str
) -> HttpResponse:
    field = exc.field if exc.field in form.fields else None
    if field is not None:
        form.add_error(field, str(exc))
    else:  # about the plan, not the form (which may not be on the page any more)
        messages.error(request, str(exc))
    # A message about the input is a 400; the plan refusing the change is a conflict.
    return _page(request, athlete, status=400 if field else 409, **{name: form})


@coach_required
@require_POST
def override(request: HtmxHttpRequest, athlete_id: int) -> HttpResponse:
    """Change a hold or a roll-back: cancel the hold, or put the athlete on another week."""
    athlete = athlete_or_404(request.user, athlete_id)
    change = request.POST.get("change", "")
    enrollment = open_plan(athlete)
    if change == "cancel_hold":
        form = CancelHoldForm(request.POST, auto_id="hold_%s")
        if not form.is_valid():
            return _page(request, athlete, status=400, hold_form=form)
        try:
            services.coach_cancel_hold(
                coach=request.user, athlete=athlete, reason=form.cleaned_data["reason"]
            )
        except CoachingError as exc:
            return _refused(request, athlete, form, exc, "hold_form")
        messages.success(request, "Hold cancelled: the week will not be repeated.")
        return redirect(_athlete_url(athlete, "actions"))
    if change == "move_week":
        if enrollment is None or enrollment.status != Status.ACTIVE:
            messages.error(request, "Their plan is not running, so the week cannot change.")
            return _page(request, athlete, status=409)
        form = MoveWeekForm(
            request.POST,
            furthest=furthest_week(enrollment, list(enrollment.runs.all())),
            current=enrollment.current_week,
            auto_id="move_%s",
        )
        if not form.is_valid():
            return _page(request, athlete, status=400, move_form=form)
        week = form.cleaned_data["week"]
        try:
            services.coach_move_week(
                coach=request.user, athlete=athlete, week=week, reason=form.cleaned_data["reason"]
            )
        except CoachingError as exc:
            return _refused(request, athlete, form, exc, "move_form")
        messages.success(request, f"{athlete} is now on week {week}.")
        return redirect(_athlete_url(athlete, "actions"))
    messages.error(request, "Choose a change: cancel the hold, or put them on another week.")
    return _page(request, athlete, status=400)


@coach_required
@require_POST
def cap(request: HtmxHttpRequest, athlete_id: int) -> HttpResponse:
    athlete = athlete_or_404(request.user, athlete_id)
    enrollment = open_plan(athlete)
    if enrollment is None:
        messages.error(request, f"{athlete} has no plan in progress.")
        return _page(request, athlete, status=409)
    form = CapForm(request.POST, current=enrollment.cap_percent, auto_id="cap_%s")
    if not form.is_valid():
        return _page(request, athlete, status=400, cap_form=form)
    percent = form.cleaned_data["cap_percent"]
    try:
        services.coach_lower_cap(
            coach=request.user,
            athlete=athlete,
            cap=Decimal(percent) / 100,
            reason=form.cleaned_data["reason"],
        )
    except CoachingError as exc:
        return _refused(request, athlete, form, exc, "cap_form")
    messages.success(request, f"Weekly cap lowered to {percent}%. Runs to come are resized.")
    return redirect(_athlete_url(athlete, "actions"))


@coach_required
@require_POST
def clearance(request: HtmxHttpRequest, athlete_id: int) -> HttpResponse:
    athlete = athlete_or_404(request.user, athlete_id)
    form = CoachClearanceForm(request.POST, today=local_today(athlete), auto_id="clearance_%s")
    if not form.is_valid():
        return _page(request, athlete, status=400, clearance_form=form)
    data = form.cleaned_data
    try:
        services.coach_record_clearance(
            coach=request.user,
            athlete=athlete,
            cleared_on=data["cleared_on"],
            clinician=data["clinician"],
            note=data["note"],
        )
    except CoachingError as exc:
        return _refused(request, athlete, form, exc, "clearance_form")
    messages.success(request, f"Clearance recorded. {athlete}'s plan restarts one week back.")
    return redirect(_athlete_url(athlete, "actions"))
