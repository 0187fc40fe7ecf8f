"""The email outbox and each person's email preferences.

Every email goes through one ``OutboxMessage`` row whose ``dedupe_key`` is unique: a task that
runs twice, a tick that runs twice, or two requests racing each other can create the row only
once, and the send task claims it with a conditional UPDATE before talking to SMTP.
"""

from __future__ import annotations

import uuid
from datetime import time
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

DEFAULT_REMINDER_TIME = time(7, 30)


class Kind(models.TextChoices):
    RUN_REMINDER = "run_reminder", "Run-day reminders"
    CHECKIN_INVITE = "checkin_invite", "Next-morning check-in invitations"
    MISSED_RUN_NUDGE = "missed_run_nudge", "Missed-run nudges"
    PAUSE_OVER = "pause_over", "Invitations to check in when a pause ends"
    COACH_ALERT = "coach_alert", "Safety alerts about your athletes"
    COACH_DIGEST = "coach_digest", "Weekly group digest"


# Coach alerts tell a coach that an athlete reported a red flag. They are a safety message,
# not a newsletter: nobody can switch them off (a coach who does not want them leaves or
# archives the group), so they have no preference column and no unsubscribe link.
ALWAYS_ON_KINDS = frozenset({Kind.COACH_ALERT})
OPTIONAL_KINDS = tuple(k for k in Kind if k not in ALWAYS_ON_KINDS)
ATHLETE_KINDS = (Kind.RUN_REMINDER, Kind.CHECKIN_INVITE, Kind.MISSED_RUN_NUDGE, Kind.PAUSE_OVER)
COACH_KINDS = (Kind.COACH_DIGEST,)


def new_message_id() -> str:
    """An RFC 5322 Message-ID fixed when the row is created, so a resend carries the same one."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Claimed by a worker"
    SENT = "sent", "Sent"
    FAILED = "failed", "Gave up"
    SUPPRESSED = "suppressed", "Not sent (turned off or address not confirmed)"


class SuppressedReason(models.TextChoices):
    TURNED_OFF = "turned_off", "The person turned this kind of email off"
    UNVERIFIED = "unverified", "The address is not confirmed"


class OutboxMessage(models.Model):
    Status = OutboxStatus
    Suppressed = SuppressedReason

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outbox_messages"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # "<kind>:<recipient id>:<local date>" or "<kind>:<recipient id>:log:<log id>".
    dedupe_key = models.CharField(max_length=200, unique=True)
    to_email = models.EmailField("to", blank=True)
    subject = models.CharField(max_length=255, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    # The one-click unsubscribe address (blank for kinds that cannot be turned off).
    unsubscribe_url = models.URLField(max_length=500, blank=True)
    message_id = models.CharField(max_length=255, unique=True, default=new_message_id)

    status = models.CharField(
        max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    suppressed_reason = models.CharField(
        max_length=12, choices=SuppressedReason.choices, blank=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    # Earliest moment the sweep may enqueue a pending row (pushed back by retries and sweeps).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OutboxStatus.values), name="outbox_status_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="outbox_kind_valid"),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="outbox_sent_at_iff_sent",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_at__isnull=False),
                name="outbox_sending_is_claimed",
            ),
            models.CheckConstraint(
                condition=Q(status="suppressed", suppressed_reason__in=SuppressedReason.values)
                | (~Q(status="suppressed") & Q(suppressed_reason="")),
                name="outbox_suppressed_has_reason",
            ),
        ]
        indexes = [
            # The sweep reads only the few rows still in flight.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="outbox_pending_due",
            ),
            models.Index(
                fields=["claimed_at"], condition=Q(status="sending"), name="outbox_sending_claimed"
            ),
            models.Index(fields=["recipient", "kind", "status"], name="outbox_recipient_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.dedupe_key} ({self.status})"


class NotificationPreference(models.Model):
    """What one person wants to hear about, and when. A missing row means the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    run_reminder = models.BooleanField(Kind.RUN_REMINDER.label, default=True)
    checkin_invite = models.BooleanField(Kind.CHECKIN_INVITE.label, default=True)
    missed_run_nudge = models.BooleanField(Kind.MISSED_RUN_NUDGE.label, default=True)
    pause_over = models.BooleanField(Kind.PAUSE_OVER.label, default=True)
    coach_digest = models.BooleanField(Kind.COACH_DIGEST.label, default=True)
    # Local wall-clock time in the person's own time zone (User.time_zone).
    reminder_time = models.TimeField("reminder time", default=DEFAULT_REMINDER_TIME)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Email preferences of {self.user}"

    def wants(self, kind: str) -> bool:
        if kind in ALWAYS_ON_KINDS:
            return True
        return bool(getattr(self, kind))
