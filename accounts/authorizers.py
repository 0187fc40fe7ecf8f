"""Small predicates and decorators that say who may do what."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts.models import TrainingGroup, User


def signed_in_required(view):
    """Like login_required, but only pages redirect to the login page.

    A form posted without a session (expired, or forged from elsewhere) gets 403: a redirect
    would lose what was posted and says nothing about why.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.method in ("GET", "HEAD"):
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied("Please log in first.")
        return view(request, *args, **kwargs)

    return wrapper


def coach_required(view):
    """Only people who chose the coach role; others get 403 (anonymous pages: the login)."""

    @signed_in_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_coach:
            raise PermissionDenied("Only coaches can open this page.")
        return view(request, *args, **kwargs)

    return wrapper


def owned_group_or_404(
    coach: User, group_id: int, *, include_archived: bool = True
) -> TrainingGroup:
    """A group the coach owns; anyone else's is indistinguishable from a missing one."""
    groups = TrainingGroup.objects.filter(coach=coach)
    if not include_archived:
        groups = groups.filter(archived_at=None)
    return get_object_or_404(groups, pk=group_id)


def coach_can_see(coach: User, athlete_id: int) -> bool:
    """A coach sees an athlete only while the athlete is a member of a group the coach owns."""
    return TrainingGroup.objects.filter(coach=coach, memberships__athlete_id=athlete_id).exists()
