"""Your data: download everything we hold about you, or delete your account."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth import logout
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.authorizers import signed_in_required
from accounts.data_rights import account_delete, export_user_data
from accounts.models import Membership, TrainingGroup

WRONG_CONFIRMATION = (
    "That is not the email address of this account, so nothing was deleted. "
    "Type your email address exactly as you log in with it."
)


class DeleteAccountForm(forms.Form):
    email = forms.CharField(
        label="Type your email address to confirm",
        max_length=254,
        help_text="This cannot be undone.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self) -> str:
        typed = self.cleaned_data["email"].strip().lower()
        if typed != self.user.email.lower():
            raise forms.ValidationError(WRONG_CONFIRMATION)
        return typed


@never_cache
@signed_in_required
@require_GET
def data(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/data.html")


@never_cache
@signed_in_required
@require_GET
def data_download(request: HttpRequest) -> HttpResponse:
    body = json.dumps(export_user_data(request.user), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"walk-run-coach-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@signed_in_required
@require_http_methods(["GET", "POST"])
def data_delete(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = DeleteAccountForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST":
        if form.is_valid():
            account_delete(user=user)
            logout(request)
            return redirect("accounts:data_deleted")
        status = 400
    else:
        status = 200
    context = {
        "form": form,
        "groups": TrainingGroup.objects.filter(coach=user).order_by("name"),
        "memberships": Membership.objects.filter(athlete=user).select_related("group__coach"),
    }
    response = render(request, "accounts/data_delete.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def data_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/data_deleted.html")
