"""The coach's home (their groups at a glance) and looking after a group: name, invite link,
members, archiving. Every page works without JavaScript: forms post, then redirect."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Invite, Membership, TrainingGroup
from coaching import services
from coaching import status as st
from coaching.access import HtmxHttpRequest, coach_groups, coach_required, owned_group_or_404
from coaching.forms import GroupNameForm
from coaching.review import athlete_rows, count_by_status
from coaching.services import CoachingError

ATTENTION_LIST = 5  # names listed per group on the home page


def invite_url(request: HtmxHttpRequest, invite: Invite | None) -> str:
    if invite is None:
        return ""
    return request.build_absolute_uri(reverse("accounts:join", args=[invite.token]))


@coach_required
@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    return _home_page(request, GroupNameForm())


def _home_page(request: HtmxHttpRequest, form: GroupNameForm, status: int = 200) -> HttpResponse:
    groups = list(coach_groups(request.user))
    archived = list(coach_groups(request.user, archived=True))
    rows = athlete_rows([g.pk for g in groups], now=timezone.now())
    invites = {
        i.group_id: i
        for i in Invite.objects.filter(group__in=[g.pk for g in groups], revoked_at=None)
    }
    cards = []
    for group in groups:
        members = sorted((r for r in rows if group.pk in r.group_ids), key=lambda r: r.attention)
        counts = count_by_status(members)
        attention = [r for r in members if r.needs_attention]
        cards.append(
            {
                "group": group,
                "size": len(members),
                "counts": [(s, st.LABELS[s], counts[s]) for s in st.STATUSES if counts[s]],
                "red_flags": sum(1 for r in members if r.is_red_flag),
                "new_pauses": sum(1 for r in members if r.is_new_pause),
                "missed": sum(1 for r in members if r.missed_runs),
                "attention": attention[:ATTENTION_LIST],
                "more_attention": max(0, len(attention) - ATTENTION_LIST),
                "invite_url": invite_url(request, invites.get(group.pk)),
            }
        )
    return render(
        request,
        "coaching/home.html",
        {"cards": cards, "archived": archived, "form": form},
        status=status,
    )


@coach_required
@require_POST
def group_create(request: HtmxHttpRequest) -> HttpResponse:
    form = GroupNameForm(request.POST)
    if form.is_valid():
        try:
            group = services.coach_group_create(coach=request.user, name=form.cleaned_data["name"])
        except CoachingError as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(
                request, f"Group “{group.name}” created. Share its invite link with your athletes."
            )
            return redirect("coaching:group_settings", group_id=group.pk)
    return _home_page(request, form, status=400)


@coach_required
@require_GET
def group_settings(request: HtmxHttpRequest, group_id: int) -> HttpResponse:
    group = owned_group_or_404(request.user, group_id)
    return _settings_page(request, group, GroupNameForm(initial={"name": group.name}))


def _settings_page(
    request: HtmxHttpRequest, group: TrainingGroup, form: GroupNameForm, status: int = 200
) -> HttpResponse:
    invite = group.invites.filter(revoked_at=None).first()
    members = group.memberships.select_related("athlete").order_by("athlete__display_name")
    return render(
        request,
        "coaching/group_settings.html",
        {
            "group": group,
            "form": form,
            "invite": invite,
            "invite_url": invite_url(request, invite),
            "members": members,
        },
        status=status,
    )


@coach_required
@require_POST
def group_rename(request: HtmxHttpRequest, group_id: int) -> HttpResponse:
    group = owned_group_or_404(request.user, group_id)
    form = GroupNameForm(request.POST)
    if form.is_valid():
        try:
            services.coach_group_rename(
                coach=request.user, group=group, name=form.cleaned_data["name"]
            )
        except CoachingError as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, f"The group is now called “{group.name}”.")
            return redirect("coaching:group_settings", group_id=group.pk)
    group.refresh_from_db()
    return _settings_page(request, group, form, status=400)


@coach_required
@require_POST
def group_archive(request: HtmxHttpRequest, group_id: int) -> HttpResponse:
    group = owned_group_or_404(request.user, group_id)
    if services.coach_group_archive(coach=request.user, group=group):
        messages.success(
            request,
            f"“{group.name}” is archived: its invite link no longer works and you get no alerts "
            "from it. You can still read it, and restore it from your home page.",
        )
    else:
        messages.info(request, f"“{group.name}” was archived already.")
    return redirect("coaching:home")


@coach_required
@require_POST
def group_restore(request: HtmxHttpRequest, group_id: int) -> HttpResponse:
    group = owned_group_or_404(request.user, group_id)
    try:
        restored = services.coach_group_restore(coach=request.user, group=group)
    except CoachingError as exc:
        messages.error(request, str(exc))
        return redirect("coaching:group_settings", group_id=group.pk)
    if restored:
        messages.success(
            request, f"“{group.name}” is back. Create an invite link when you want new athletes."
        )
    return redirect("coaching:group_settings", group_id=group.pk)


@coach_required
@require_POST
def invite_regenerate(request: HtmxHttpRequest, group_id: int) -> HttpResponse:
    group = owned_group_or_404(request.user, group_id)
    try:
        services.coach_invite_regenerate(coach=request.user, group=group)
    except CoachingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "A new invite link is ready. The old link no longer works.")
    return redirect("coaching:group_settings", group_id=group.pk)


@coach_required
@require_POST
def invite_revoke(request: HtmxHttpRequest, group_id: int) -> HttpResponse:
    group = owned_group_or_404(request.user, group_id)
    if services.coach_invite_revoke(coach=request.user, group=group):
        messages.success(request, "The invite link is revoked: nobody new can join with it.")
    else:
        messages.info(request, "This group had no live invite link.")
    return redirect("coaching:group_settings", group_id=group.pk)


@coach_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HtmxHttpRequest, group_id: int, athlete_id: int) -> HttpResponse:
    """GET asks "are you sure?"; POST removes. Only members of the coach's own group."""
    group = owned_group_or_404(request.user, group_id)
    membership = (
        Membership.objects.select_related("athlete")
        .filter(group=group, athlete_id=athlete_id)
        .first()
    )
    if membership is None:
        raise Http404("That athlete is not in this group.")
    athlete = membership.athlete
    if request.method == "GET":
        return render(request, "coaching/member_remove.html", {"group": group, "athlete": athlete})
    services.coach_member_remove(coach=request.user, group=group, athlete=athlete)
    messages.success(
        request,
        f"{athlete} is no longer in {group.name}. You will see nothing new from them here.",
    )
    return redirect("coaching:group_settings", group_id=group.pk)
