"""An athlete's plan (Enrollment), its run slots (PlannedRun) and its history (PlanEvent).

How the rows fit together:

* The program itself is not stored: it is `build_program(runs_per_week, cap, weeks_planned)`.
* Run slots are made week by week. Only the week the athlete is on (a "training week") has
  rows; when its runs are done, the next training week's rows are made from the plan state:
  the next program week, the same week again (a hold), or an earlier one (a roll-back).
  `training_week` counts the weeks the athlete has started, repeats included; `week_number`
  is the program week those runs come from.
* Each slot keeps a copy of its segments as they were planned, so history stays true after a
  coach changes the cap or the generator changes.
* While a plan is active exactly one training week is open (it has planned runs). A paused or
  finished plan has no planned runs.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from plans import schedule
from plans.progression import LABELS, Run, Segment

MIN_CAP = Decimal("0.01")
MAX_CAP = Decimal("0.10")


class Enrollment(models.Model):
    """One athlete following one plan, from its start date until it is finished."""

    class Status(models.TextChoices):
        ACTIVE = "active", "On track"
        PAUSED = "paused", "Paused"
        AWAITING_CLEARANCE = "awaiting_clearance", "Waiting for a clinician's clearance"
        FINISHED = "finished", "Finished"

    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    start_date = models.DateField()
    # Sorted day numbers, Monday 0: "0,2,4". The check constraint lists every valid set.
    run_weekdays = models.CharField(max_length=13)
    weekly_increase_cap = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("0.10")
    )
    weeks_planned = models.PositiveSmallIntegerField(default=4)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    current_week = models.PositiveSmallIntegerField(default=1)  # program week
    # Training weeks started, repeats included (0 only while a plan whose first week was
    # taken back before any run is paused).
    training_week = models.PositiveSmallIntegerField(default=1)
    # A hold: once this week's runs are done, the same week comes again (once).
    repeat_current_week = models.BooleanField(default=False)
    # A pause's minimum rest: no runs are offered, and the plan cannot resume, before this day.
    paused_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "athlete", condition=Q(finished_at=None), name="enrollment_one_open_per_athlete"
            ),
            models.CheckConstraint(
                condition=Q(run_weekdays__in=schedule.VALID_WEEKDAY_SETS),
                name="enrollment_run_weekdays_valid",
            ),
            models.CheckConstraint(
                condition=Q(weekly_increase_cap__gte=MIN_CAP, weekly_increase_cap__lte=MAX_CAP),
                name="enrollment_cap_1_to_10_percent",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "paused", "awaiting_clearance", "finished"]),
                name="enrollment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(current_week__gte=1, current_week__lte=F("weeks_planned")),
                name="enrollment_current_week_in_plan",
            ),
            models.CheckConstraint(
                condition=Q(status="finished", finished_at__isnull=False)
                | (~Q(status="finished") & Q(finished_at=None)),
                name="enrollment_finished_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="paused") | Q(paused_until__isnull=False),
                name="enrollment_pause_has_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.athlete} from {self.start_date:%Y-%m-%d}"

    @property
    def weekdays(self) -> tuple[int, ...]:
        return schedule.parse_weekdays(self.run_weekdays)

    @property
    def runs_per_week(self) -> int:
        return len(self.weekdays)

    @property
    def weekday_names(self) -> list[str]:
        return [schedule.WEEKDAY_NAMES[d] for d in self.weekdays]

    @property
    def cap_percent(self) -> int:
        return int(self.weekly_increase_cap * 100)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class PlannedRun(models.Model):
    """One run slot: done, skipped, still to come, or cancelled when the plan stepped back."""

    class Status(models.TextChoices):
        PLANNED = "planned", "To come"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        CANCELLED = "cancelled", "Not needed: the plan changed"

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="runs")
    training_week = models.PositiveSmallIntegerField()
    week_number = models.PositiveSmallIntegerField()
    run_number = models.PositiveSmallIntegerField()  # which of the week's runs, from 1
    sequence = models.PositiveIntegerField()  # order across the whole plan, from 1
    scheduled_date = models.DateField()  # local date, as placed at the last change
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    segments = models.JSONField()  # [{"kind": "jog", "seconds": 60}, ...] as planned
    completed_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)
    actual_seconds = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=280, blank=True)

    class Meta:
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint("enrollment", "sequence", name="plannedrun_sequence_unique"),
            # A skipped or cancelled slot leaves room for its make-up; otherwise one per slot.
            models.UniqueConstraint(
                "enrollment",
                "training_week",
                "run_number",
                condition=Q(status__in=["planned", "done"]),
                name="plannedrun_one_live_slot",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "done", "skipped", "cancelled"]),
                name="plannedrun_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(week_number__gte=1, run_number__gte=1, sequence__gte=1)
                & Q(training_week__gte=1),
                name="plannedrun_numbers_positive",
            ),
            models.CheckConstraint(
                condition=Q(actual_seconds=None) | Q(actual_seconds__gt=0),
                name="plannedrun_actual_seconds_positive",
            ),
            models.CheckConstraint(
                condition=Q(status="done", completed_at__isnull=False)
                | (~Q(status="done") & Q(completed_at=None)),
                name="plannedrun_done_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status="skipped", skipped_at__isnull=False)
                | (~Q(status="skipped") & Q(skipped_at=None)),
                name="plannedrun_skipped_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Week {self.week_number}, run {self.run_number} ({self.get_status_display()})"

    @staticmethod
    def snapshot(run: Run) -> list[dict]:
        return [{"kind": s.kind, "seconds": s.seconds} for s in run.segments]

    @property
    def segment_list(self) -> tuple[Segment, ...]:
        return tuple(
            Segment(part["kind"], part["seconds"], *LABELS[part["kind"]]) for part in self.segments
        )

    @property
    def main_seconds(self) -> int:
        return sum(part["seconds"] for part in self.segments if part["kind"] in ("jog", "walk"))

    @property
    def total_seconds(self) -> int:
        return sum(part["seconds"] for part in self.segments)

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE


class PlanEventQuerySet(models.QuerySet):
    """History is append-only: no bulk update or delete through the ORM."""

    def update(self, **kwargs):
        raise TypeError("Plan events are append-only; write a new event instead.")

    def delete(self):
        raise TypeError("Plan events are append-only; they go only with their plan.")


class PlanEvent(models.Model):
    """Something that happened to a plan: who did it (empty: the app itself), and why."""

    class Kind(models.TextChoices):
        STARTED = "started", "Plan started"
        RUN_COMPLETED = "run_completed", "Run done"
        RUN_SKIPPED = "run_skipped", "Run skipped"
        RUN_UNDONE = "run_undone", "Run marked not done"
        WEEK_ADVANCED = "week_advanced", "Moved on a week"
        WEEK_REPEATED = "week_repeated", "Week repeated"
        HOLD_SET = "hold_set", "Holding: week to be repeated"
        ROLLED_BACK = "rolled_back", "Back one week"
        PAUSED = "paused", "Paused"
        AWAITING_CLEARANCE = "awaiting_clearance", "Paused until a clinician clears running"
        RESUMED = "resumed", "Resumed"
        CLEARED = "cleared", "Clinician's clearance recorded"
        CAP_CHANGED = "cap_changed", "Weekly increase cap changed"
        OVERRIDE = "override", "Changed by a coach"
        FINISHED = "finished", "Plan finished"
        EXTENDED = "extended", "Next block added"

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    week_number = models.PositiveSmallIntegerField()  # the program week after the change
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=80, blank=True)  # kept if the account goes
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # RESTRICT: a run with history cannot be deleted on its own, only with its plan.
    run = models.ForeignKey(
        PlannedRun, on_delete=models.RESTRICT, null=True, blank=True, related_name="events"
    )
    # Set by the symptoms app: the pain log or check-in behind a change (plans never imports
    # symptoms, so this is a plain id, not a foreign key).
    source_log_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = PlanEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # The same log applied twice (a task run twice) must not change the plan twice.
            models.UniqueConstraint(
                "enrollment",
                "kind",
                "source_log_id",
                condition=Q(source_log_id__isnull=False),
                name="planevent_once_per_log",
            ),
            models.CheckConstraint(condition=Q(week_number__gte=1), name="planevent_week_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (week {self.week_number})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Plan events are append-only; write a new event instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Plan events are append-only; they go only with their plan.")

    @property
    def by(self) -> str:
        if self.actor_id is None and not self.actor_name:
            return "Walk-Run Coach"
        return self.actor_name or str(self.actor)


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A private iCalendar address for one athlete's runs: unguessable, and revocable."""

    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "athlete", condition=Q(revoked_at=None), name="calendarfeed_one_live_per_athlete"
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.athlete}"


class TrainingRecord(models.Model):
    """Which version of an athlete's training record (plans, runs, plan events, pain logs) is
    the latest: every service that changes any of it gives it a new `revision`, in the same
    transaction. Readers key what they keep computed about an athlete (the coach's review
    rows) on it, so a change is seen by the next read, in every process, with nothing to
    invalidate. An athlete without a row has had no change since revisions began."""

    athlete = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="training_record",
    )
    # Random rather than a counter: an upsert can set it without reading it first.
    revision = models.UUIDField()
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"training record of athlete {self.athlete_id} ({self.changed_at:%Y-%m-%d %H:%M})"
