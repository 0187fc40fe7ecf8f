"""The calendar page (get, replace, revoke the private feed address) and the feed itself."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.authorizers import signed_in_required
from plans.feeds import (
    calendar_feed_issue,
    calendar_feed_live,
    calendar_feed_render,
    calendar_feed_revoke,
)
from plans.models import CalendarFeed


@signed_in_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    feed = calendar_feed_live(request.user)
    feed_url = ""
    if feed is not None:
        feed_url = settings.SITE_URL + reverse("plans:calendar_feed", args=[feed.token])
    webcal_url = feed_url.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1)
    return render(
        request,
        "plans/calendar.html",
        {"feed": feed, "feed_url": feed_url, "webcal_url": webcal_url},
    )


@signed_in_required
@require_POST
def calendar_issue(request: HttpRequest) -> HttpResponse:
    replaced = calendar_feed_live(request.user) is not None
    calendar_feed_issue(athlete=request.user)
    if replaced:
        messages.success(request, "New calendar address ready. The old one has stopped working.")
    else:
        messages.success(request, "Your calendar address is ready. Add it to your phone below.")
    return redirect("plans:calendar")


@signed_in_required
@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    if calendar_feed_revoke(athlete=request.user):
        messages.success(request, "The calendar address has stopped working.")
    else:
        messages.info(request, "You had no calendar address to stop.")
    return redirect("plans:calendar")


@never_cache
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no login (calendar apps cannot log in), so the token is the key."""
    if "\x00" in token:  # in no token, and PostgreSQL refuses to compare text with one
        raise Http404("No such calendar.")
    feed = (
        CalendarFeed.objects.select_related("athlete").filter(token=token, revoked_at=None).first()
    )
    if feed is None:
        raise Http404("No such calendar.")
    response = HttpResponse(calendar_feed_render(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="walk-run-coach.ics"'
    return response
