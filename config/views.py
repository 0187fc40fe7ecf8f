"""Site-wide pages that sit above every app: the front door and the health probe."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from plans import views as plans_views


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors see what the app is; signed-in people go to their own start page.

    Athletes get the Today page right here rather than a redirect: "/" is the installed app's
    start URL, so it opens on today's run in one request.
    """
    if not request.user.is_authenticated:
        return render(request, "home.html")
    if request.user.is_coach:
        return redirect("coaching:home")
    return plans_views.today(request)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
