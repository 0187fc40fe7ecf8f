"""Writes that span accounts models: groups, invites and memberships."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Invite, Membership, TrainingGroup, User


class InviteNotValid(Exception):
    """The token is unknown, revoked, or its group is archived."""


def invite_find_live(token: str) -> Invite:
    """Return the live invite for a token, or raise InviteNotValid."""
    token = (token or "").strip()
    # A NUL byte is in no token, and PostgreSQL refuses to compare text with one (a 500).
    if not token or len(token) > 64 or "\x00" in token:
        raise InviteNotValid
    invite = (
        Invite.objects.select_related("group", "group__coach")
        .filter(token=token, revoked_at=None, group__archived_at=None)
        .first()
    )
    if invite is None:
        raise InviteNotValid
    return invite


def group_create(*, coach: User, name: str) -> TrainingGroup:
    """Create a group with a live invite link."""
    with transaction.atomic():
        group = TrainingGroup.objects.create(coach=coach, name=name.strip())
        Invite.objects.create(group=group)
    return group


def invite_regenerate(*, group: TrainingGroup) -> Invite:
    """Revoke the current link (if any) and issue a new one."""
    with transaction.atomic():
        TrainingGroup.objects.select_for_update().get(pk=group.pk)
        Invite.objects.filter(group=group, revoked_at=None).update(revoked_at=timezone.now())
        return Invite.objects.create(group=group)


def invite_revoke(*, group: TrainingGroup) -> int:
    """Revoke the live link: nobody can join by it any more. Returns links revoked."""
    return Invite.objects.filter(group=group, revoked_at=None).update(revoked_at=timezone.now())


def membership_join(*, athlete: User, token: str) -> Membership:
    """Join the group behind an invite token. Joining twice is harmless."""
    invite = invite_find_live(token)
    if invite.group.coach_id == athlete.pk:
        raise InviteNotValid("You coach this group already.")
    try:
        with transaction.atomic():
            membership, _ = Membership.objects.get_or_create(group=invite.group, athlete=athlete)
    except IntegrityError:  # a double click raced us to the same row
        membership = Membership.objects.get(group=invite.group, athlete=athlete)
    return membership


def membership_leave(*, athlete: User, group_id: int) -> bool:
    """Leave a group; the coach sees nothing new from then on."""
    deleted, _ = Membership.objects.filter(athlete=athlete, group_id=group_id).delete()
    return deleted > 0


def membership_remove(*, group: TrainingGroup, athlete_id: int) -> bool:
    """A coach removes an athlete from one of their groups."""
    deleted, _ = Membership.objects.filter(group=group, athlete_id=athlete_id).delete()
    return deleted > 0
