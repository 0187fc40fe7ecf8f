"""A coach's private notes about an athlete, and the audit trail of what coaches did.

Plan changes already leave a PlanEvent naming the coach; `CoachAction` records every coach
action (plan changes included) in one place, with who did it and why, so "who changed this,
and when" has one answer even for things that are not plan changes (invites, removals, notes).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

NOTE_MAX_LENGTH = 2000


class CoachNote(models.Model):
    """A note only its author sees. It goes when the coach or the athlete account goes."""

    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes_written"
    )
    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coach_notes"
    )
    body = models.TextField(max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index("coach", "athlete", name="coachnote_coach_athlete")]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="coachnote_body_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Note by {self.coach} about {self.athlete}"

    @property
    def was_edited(self) -> bool:
        return (self.updated_at - self.created_at).total_seconds() > 1


class ActionKind(models.TextChoices):
    """What a coach did."""

    GROUP_CREATED = "group_created", "Group created"
    GROUP_RENAMED = "group_renamed", "Group renamed"
    GROUP_ARCHIVED = "group_archived", "Group archived"
    GROUP_RESTORED = "group_restored", "Group restored"
    INVITE_REGENERATED = "invite_regenerated", "New invite link"
    INVITE_REVOKED = "invite_revoked", "Invite link revoked"
    ATHLETE_REMOVED = "athlete_removed", "Athlete removed from the group"
    NOTE_ADDED = "note_added", "Note added"
    NOTE_EDITED = "note_edited", "Note edited"
    NOTE_DELETED = "note_deleted", "Note deleted"
    WEEK_MOVED = "week_moved", "Week changed"
    HOLD_CANCELLED = "hold_cancelled", "Hold cancelled"
    CAP_LOWERED = "cap_lowered", "Weekly cap lowered"
    CLEARANCE_RECORDED = "clearance_recorded", "Clinician's clearance recorded"


class CoachAction(models.Model):
    """One thing a coach did, naming the coach. Append-only."""

    Kind = ActionKind

    # SET_NULL: the trail outlives the coach's account; `coach_name` keeps who it was.
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    coach_name = models.CharField(max_length=80)
    kind = models.CharField(max_length=24, choices=ActionKind.choices)
    group = models.ForeignKey(
        "accounts.TrainingGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coach_actions",
    )
    # CASCADE: an athlete who deletes their account takes what was done about them along.
    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coach_actions_about",
    )
    plan_event = models.ForeignKey(
        "plans.PlanEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ActionKind.values), name="coachaction_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.coach_name}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Coach actions are append-only; record a new one instead.")
        super().save(*args, **kwargs)
