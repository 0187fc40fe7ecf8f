"""Pain logs, the consent that comes before them, and clinicians' clearances.

A pain log is what the athlete told us (a PainReport's fields, where it hurt, a note), the
verdict the triage rules gave (`action`, `reasons`, `rules`), and what that verdict did to the
plan (`effect`, `effect_note`, `applied_at`). A run log belongs to one done run, and the
database allows one per run; a check-in belongs to no run.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from symptoms.triage import ACTIONS, RED_FLAG_ACTIONS, PainReport, pain_band

# Bump when the consent wording changes in a way people must agree to again.
CONSENT_VERSION = 1

# The yes/no answers of a PainReport, in the order the form asks them.
SYMPTOM_FIELDS = (
    "sharp",
    "swelling",
    "spasms",
    "radiating",
    "numbness_tingling",
    "leg_weakness",
    "bladder_bowel",
    "saddle_numbness",
    "persists_at_rest",
    "altered_stride",
)

# Short names for the history table and the coach's pages.
FLAG_LABELS = {
    "sharp": "sharp or stabbing",
    "swelling": "swelling",
    "spasms": "spasms",
    "radiating": "spreading into buttocks or legs",
    "numbness_tingling": "numbness or tingling",
    "leg_weakness": "weak or unstable legs",
    "bladder_bowel": "bladder or bowel change",
    "saddle_numbness": "numbness around the groin",
    "persists_at_rest": "does not ease with rest",
    "altered_stride": "changed how they ran",
}


class HealthDataConsent(models.Model):
    """The athlete agreed that we store their pain logs and that their coaches may see them."""

    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="health_consents"
    )
    version = models.PositiveSmallIntegerField(default=CONSENT_VERSION)
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("athlete", "version", name="consent_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.athlete} agreed (version {self.version})"


class Effect(models.TextChoices):
    """What a log did to the plan."""

    NONE = "none", "No change"
    HOLD = "hold", "Week to be repeated"
    ROLL_BACK = "roll_back", "Back one week"
    PAUSE = "pause", "Paused"
    AWAIT_CLEARANCE = "await_clearance", "Paused until a clinician clears running"
    RESUME = "resume", "Restarted one week back"
    KEPT = "kept", "No further change"


class PainLog(models.Model):
    """One report of how the lower back felt, after a run or at a check-in, and its verdict."""

    class Kind(models.TextChoices):
        RUN = "run", "After a run"
        CHECKIN = "checkin", "Check-in"

    class Where(models.TextChoices):
        CENTRE = "centre", "Lower back, in the middle"
        LEFT = "left", "Lower back, left side"
        RIGHT = "right", "Lower back, right side"
        BUTTOCKS = "buttocks", "Buttocks"
        HIPS = "hips", "Hips"
        OTHER = "other", "Somewhere else"

    class Action(models.TextChoices):
        CONTINUE = "continue", "Carry on"
        HOLD = "hold", "Hold: repeat the week"
        ROLL_BACK = "roll_back", "Back one week"
        PAUSE = "pause", "Pause running"
        SEE_CLINICIAN = "see_clinician", "See a clinician"
        URGENT_CARE = "urgent_care", "Urgent care"

    Effect = Effect

    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pain_logs"
    )
    # The plan the verdict was applied to (empty: the athlete had no plan).
    enrollment = models.ForeignKey(
        "plans.Enrollment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pain_logs",
    )
    # RESTRICT: a logged run goes only together with its plan (and the undo guard keeps it done).
    run = models.ForeignKey(
        "plans.PlannedRun",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="pain_logs",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    pain = models.PositiveSmallIntegerField()
    sharp = models.BooleanField(default=False)
    swelling = models.BooleanField(default=False)
    spasms = models.BooleanField(default=False)
    radiating = models.BooleanField(default=False)
    numbness_tingling = models.BooleanField(default=False)
    leg_weakness = models.BooleanField(default=False)
    bladder_bowel = models.BooleanField(default=False)
    saddle_numbness = models.BooleanField(default=False)
    persists_at_rest = models.BooleanField(default=False)
    eased_after_warmup = models.BooleanField(null=True, blank=True)
    altered_stride = models.BooleanField(default=False)
    where = models.JSONField(default=list, blank=True)  # Where values, in form order
    note = models.TextField(blank=True)
    # A check-in form carries a fresh key, so a double submission saves one log.
    submission = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    action = models.CharField(max_length=16, choices=Action.choices)
    reasons = models.JSONField(default=list)  # the sentences the athlete read
    rules = models.JSONField(default=list)  # the rule ids behind them
    effect = models.CharField(max_length=16, choices=Effect.choices, default=Effect.NONE)
    effect_note = models.CharField(max_length=300, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index("athlete", "created_at", name="painlog_athlete_created")]
        constraints = [
            models.UniqueConstraint(
                "run", condition=Q(run__isnull=False), name="painlog_one_per_run"
            ),
            models.CheckConstraint(
                condition=Q(pain__gte=0, pain__lte=10), name="painlog_pain_0_to_10"
            ),
            models.CheckConstraint(
                condition=Q(kind="run", run__isnull=False) | Q(kind="checkin", run__isnull=True),
                name="painlog_kind_matches_run",
            ),
            models.CheckConstraint(
                # A check-in is not a run: the run-only questions stay unanswered.
                condition=Q(kind="run") | Q(eased_after_warmup__isnull=True, altered_stride=False),
                name="painlog_checkin_has_no_run_answers",
            ),
            models.CheckConstraint(condition=Q(action__in=ACTIONS), name="painlog_action_valid"),
            models.CheckConstraint(
                condition=Q(effect__in=Effect.values), name="painlog_effect_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: pain {self.pain}/10 ({self.action})"

    @property
    def report(self) -> PainReport:
        return PainReport(
            pain=self.pain,
            eased_after_warmup=self.eased_after_warmup,
            **{name: getattr(self, name) for name in SYMPTOM_FIELDS},
        )

    @property
    def band(self) -> str:
        return pain_band(self.pain)

    @property
    def flags(self) -> list[str]:
        """The symptoms the athlete ticked, in short words."""
        return [FLAG_LABELS[name] for name in SYMPTOM_FIELDS if getattr(self, name)]

    @property
    def where_labels(self) -> list[str]:
        labels = dict(self.Where.choices)
        return [labels.get(value, value) for value in self.where]

    @property
    def is_red_flag(self) -> bool:
        return self.action in RED_FLAG_ACTIONS


class ClinicianClearance(models.Model):
    """A doctor or physiotherapist cleared the athlete to run again after a red flag."""

    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clearances"
    )
    enrollment = models.ForeignKey(
        "plans.Enrollment", on_delete=models.CASCADE, related_name="clearances"
    )
    cleared_on = models.DateField()
    clinician = models.CharField(max_length=120)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by_name = models.CharField(max_length=80, blank=True)  # kept if the account goes
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(clinician=""), name="clearance_names_clinician"),
        ]

    def __str__(self) -> str:
        return f"{self.athlete} cleared by {self.clinician} on {self.cleared_on:%Y-%m-%d}"


class PainDataRead(models.Model):
    """A coach opened a page showing an athlete's pain data: who, whose, when, and which page.

    Append-only. It goes with the athlete's account; a coach's deleted account leaves the name.
    """

    class Page(models.TextChoices):
        ATHLETE = "coaching:athlete", "Athlete page (coach)"
        HISTORY = "symptoms:athlete_history", "Pain history (coach)"
        # The group pages show each athlete's last pain and its trend.
        GROUP_REVIEW = "coaching:group_review", "Group review (coach)"
        GROUP_EXPORT = "coaching:group_export", "Group CSV export (coach)"

    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    coach_name = models.CharField(max_length=80)
    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pain_data_reads"
    )
    page = models.CharField(max_length=40, choices=Page.choices)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-read_at", "-pk"]
        indexes = [
            models.Index("athlete", "read_at", name="paindataread_athlete_read"),
            # A group page's "read within the hour?" (symptoms.services.pain_data_reads_record).
            models.Index("coach", "page", "read_at", name="paindataread_coach_page_read"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    page__in=[
                        "coaching:athlete",
                        "symptoms:athlete_history",
                        "coaching:group_review",
                        "coaching:group_export",
                    ]
                ),
                name="paindataread_page_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coach_name} read {self.athlete}'s pain data ({self.page})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Reads are append-only; record a new one instead.")
        super().save(*args, **kwargs)
