"""Login throttling with django-axes: who is counted, from where, and what a locked person sees."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def login_email(request: HttpRequest | None, credentials: dict | None) -> str | None:
    """The account a login attempt was for, as one key however the email was typed.

    allauth's email login calls authenticate(request, email=..., password=...); axes' own
    success handler passes {"email": ...} too, and the raw form field is "login". The admin's
    login form says "username" for the same email.
    """
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username")
    if value is None and request is not None:
        value = request.POST.get("login") or request.POST.get("username")
    if not isinstance(value, str):
        return None
    # Axes stores this in a 255-character column and PostgreSQL refuses NUL bytes: a pasted
    # essay (or a NUL) at the admin's login, which checks no length first, was a 500. No real
    # address is longer than the email column (254), so cutting there changes none.
    return value.replace("\x00", "").strip().lower()[:254]


def client_ip(request: HttpRequest) -> str | None:
    """The address a request came from. Behind N trusted proxies (settings.TRUSTED_PROXY_COUNT),
    the Nth address from the right of X-Forwarded-For: the ones further left are the client's
    to invent, so they could dodge the per-address lockout."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    return hops[-count] if len(hops) >= count else remote


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The login page's answer while an account or address is locked: 429, a page, a way out."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(request, "accounts/locked.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
