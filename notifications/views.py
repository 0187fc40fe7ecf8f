from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.authorizers import signed_in_required
from notifications.forms import PreferencesForm
from notifications.models import OPTIONAL_KINDS, Kind
from notifications.services import preference_turn_off, preferences_for, preferences_save
from notifications.tokens import TokenExpired, TokenInvalid, read_unsubscribe_token


@signed_in_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = preferences_for(user)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        is_coach=user.is_coach,
        time_zone=user.time_zone,
        initial={
            "reminder_time": current.reminder_time,
            **{kind: getattr(current, kind) for kind in OPTIONAL_KINDS},
        },
    )
    if request.method == "POST":
        if not form.is_valid():
            context = {"form": form, "is_coach": user.is_coach}
            return render(request, "notifications/preferences.html", context, status=400)
        preferences_save(
            user=user,
            choices=form.choices(),
            reminder_time=form.cleaned_data.get("reminder_time"),
        )
        messages.success(request, "Your email choices are saved.")
        return redirect("notifications:preferences")
    return render(
        request, "notifications/preferences.html", {"form": form, "is_coach": user.is_coach}
    )


# No login and no CSRF token: mail providers send the one-click POST (RFC 8058) with neither.
# The signed token is the whole authority, and all it can do is switch one kind of email off
# for one person. A GET changes nothing (link scanners follow links); it asks for a click.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    template = "notifications/unsubscribe.html"
    try:
        user_id, kind = read_unsubscribe_token(token)
    except TokenExpired:
        return render(request, template, {"state": "expired"}, status=400)
    except TokenInvalid:
        return render(request, template, {"state": "invalid"}, status=400)
    if kind not in OPTIONAL_KINDS:
        return render(request, template, {"state": "invalid"}, status=400)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return render(request, template, {"state": "no_account"}, status=404)
    context = {"kind_label": Kind(kind).label, "token": token}
    if request.method == "POST":
        preference_turn_off(user=user, kind=kind)
        return render(request, template, {**context, "state": "done"})
    already_off = not preferences_for(user).wants(kind)
    return render(request, template, {**context, "state": "off" if already_off else "confirm"})
