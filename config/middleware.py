"""Site-wide middleware that belongs to no app."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

# How long a browser (or a polite client) is asked to wait before trying again.
RETRY_AFTER_SECONDS = 10
# What a query raises when the database went away (restarted, failed over, connection killed).
DATABASE_GONE = (OperationalError, InterfaceError)


class DatabaseUnavailableMiddleware:
    """A request whose database went away (restarted, failed over, connection killed) gets a
    503 saying nothing was saved, instead of a 500 and a stack trace.

    "Nothing was changed" holds because each write in this app is one transaction: when the
    connection dies the transaction dies with it, and PostgreSQL keeps none of it. The page is
    rendered without a request context, so it never touches the dead database itself. The
    broken connection is closed here, at once, so whatever runs next (the session save, the
    next request on this thread) opens a fresh one instead of failing on the dead socket.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, DATABASE_GONE):
            return None
        return database_unavailable(request, exception)


def database_unavailable(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 503 page for a request whose database went away, the dead connection dropped."""
    log.warning(
        "Database unavailable during %s %s; answered 503.",
        request.method,
        request.path,
        exc_info=exception,
    )
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """The site's 500 page (handler500), rendered without a request context.

    A database that went away before the view ran -- while a middleware loads the session or
    the signed-in person -- reaches Django's error handling, not process_exception above: it
    gets the same 503 page. Django calls this inside its ``except``, so the error is at hand.
    """
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_GONE):
        return database_unavailable(request, exception)
    return HttpResponseServerError(render_to_string("500.html"))
