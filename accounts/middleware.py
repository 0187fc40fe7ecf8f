from __future__ import annotations

import time
import zoneinfo

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone


class UserTimezoneMiddleware:
    """Show times in the signed-in person's own time zone (stored as UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


# Session keys for the limits below; stamps are whole seconds since the epoch (JSON-safe).
SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
# How stale the "last seen" stamp may get before a request refreshes it (and so the session's
# expiry): saving on every request would cost a write per page for no real gain.
SEEN_REFRESH = 3600


def stamp_session(sender, request, user, **kwargs) -> None:
    """On user_logged_in: start the clock of the absolute session limit."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


class SessionLimitsMiddleware:
    """Idle and absolute limits on a signed-in session.

    Idle: the session (cookie and database row) expires SESSION_COOKIE_AGE after it was last
    saved; an active person's session is saved at least every SEEN_REFRESH seconds, so only
    disuse lets it lapse. Absolute: SESSION_ABSOLUTE_AGE after logging in, however active,
    the person is logged out and must enter their password again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            signed_in_at = session.get(SIGNED_IN_AT)
            if signed_in_at is None:  # a session from before these limits existed
                session[SIGNED_IN_AT] = session[SEEN_AT] = now
            elif now - signed_in_at > settings.SESSION_ABSOLUTE_AGE:
                logout(request)
            elif now - session.get(SEEN_AT, 0) > SEEN_REFRESH:
                session[SEEN_AT] = now
        return self.get_response(request)


class NoStoreMiddleware:
    """Nothing this app renders may sit in a browser or proxy cache: pages show health data or
    belong to a signed-in person. Static files never reach here (WhiteNoise answers first);
    a view that chose its own Cache-Control keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        return response
