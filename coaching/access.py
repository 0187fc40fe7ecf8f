"""Who may open what, for the coach's pages.

* Anonymous: pages (GET) redirect to the login page; every other method gets 403.
* Signed in but not a coach: 403.
* A coach asking for a group they do not own, an athlete who is not (or no longer) a member
  of one of their groups, or a note they did not write: 404, indistinguishable from a missing
  one, so ids reveal nothing.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.authorizers import coach_can_see, coach_required, owned_group_or_404
from accounts.models import TrainingGroup, User
from coaching.models import CoachNote

__all__ = [
    "HtmxHttpRequest",
    "athlete_or_404",
    "coach_required",
    "note_or_404",
    "owned_group_or_404",
]


class HtmxHttpRequest(HttpRequest):
    """For type checkers: the request as django-htmx's middleware leaves it."""

    htmx: HtmxDetails
    user: User


def athlete_or_404(coach: User, athlete_id: int) -> User:
    """An athlete who is a member of one of the coach's groups right now."""
    if not coach_can_see(coach, athlete_id):
        raise Http404("No such athlete in your groups.")
    return User.objects.get(pk=athlete_id)


def note_or_404(coach: User, note_id: int) -> CoachNote:
    note = CoachNote.objects.select_related("athlete").filter(pk=note_id, coach=coach).first()
    if note is None or not coach_can_see(coach, note.athlete_id):
        raise Http404("No such note.")
    return note


def coach_groups(coach: User, *, archived: bool = False):
    return TrainingGroup.objects.filter(coach=coach, archived_at__isnull=not archived).order_by(
        "name"
    )
