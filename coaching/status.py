"""Where each athlete stands, in the coach's words: plain values in, a status out.

Pure: no Django, no database, no clock (`today` is passed in, in the athlete's own time zone).
The review page, the coach home and the CSV export all read these definitions, so a coach sees
the same word for the same athlete everywhere.

The statuses, most urgent first (the first that applies wins):

* urgent: the plan waits for a clinician's clearance and, since the last clearance, a log got
  the urgent_care verdict (bladder or bowel change, numbness around the groin).
* needs clinician: the plan waits for a clinician's clearance otherwise (see_clinician:
  pain spreading into the legs, numbness, weak legs, pain that does not ease with rest).
* paused: the plan is paused (at least 7 days' rest after sharp pain, swelling, spasms,
  severe or worsening pain), until a check-in at pain 0-2 ends it.
* finished: the plan is finished.
* not started: no plan yet, or a plan that starts on a later day with no run done yet.
* rolled back: the plan is running and the latest change of week was a roll-back: no week
  completed, no coach's move and no restart since.
* holding: the plan is running and the current week will be repeated once its runs are done.
* on track: the plan is running and none of the above applies.

A plan both rolled back and then put on hold shows "rolled back": the bigger step back is the
one the coach most needs to know about, and the week column says a repeat is pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

URGENT = "urgent"
NEEDS_CLINICIAN = "needs_clinician"
PAUSED = "paused"
ROLLED_BACK = "rolled_back"
HOLDING = "holding"
ON_TRACK = "on_track"
NOT_STARTED = "not_started"
FINISHED = "finished"

# In order of need of attention: the review page's default order, and the filter's order.
STATUSES: tuple[str, ...] = (
    URGENT,
    NEEDS_CLINICIAN,
    PAUSED,
    ROLLED_BACK,
    HOLDING,
    ON_TRACK,
    NOT_STARTED,
    FINISHED,
)
RED_FLAG_STATUSES = frozenset({URGENT, NEEDS_CLINICIAN})

LABELS: dict[str, str] = {
    URGENT: "Urgent",
    NEEDS_CLINICIAN: "Needs clinician",
    PAUSED: "Paused",
    ROLLED_BACK: "Rolled back",
    HOLDING: "Holding",
    ON_TRACK: "On track",
    NOT_STARTED: "Not started",
    FINISHED: "Finished",
}

# One line each, for the legend on the review page.
MEANINGS: dict[str, str] = {
    URGENT: "Reported a sign that needs same-day emergency care; waiting for a clinician.",
    NEEDS_CLINICIAN: "Reported a warning sign; no running until a clinician clears them.",
    PAUSED: "Resting for at least 7 days after sharp, severe or worsening pain.",
    ROLLED_BACK: "Sent back a week after moderate pain.",
    HOLDING: "Repeating the current week after mild pain.",
    ON_TRACK: "Following the plan.",
    NOT_STARTED: "No plan yet, or it starts on a later day.",
    FINISHED: "Completed the plan.",
}

# PlanEvent kinds that set which week the athlete is on. A coach's override counts only when
# it moved the week (cancelling a hold does not).
WEEK_CHANGES = (
    "started",
    "week_advanced",
    "week_repeated",
    "rolled_back",
    "override",
    "resumed",
    "cleared",
    "extended",
    "finished",
)


@dataclass(frozen=True)
class Facts:
    """What the status is decided from, for one athlete."""

    plan_status: str | None  # an Enrollment.Status value; None: no plan
    today: date  # the athlete's local date
    starts_on: date | None = None
    runs_done: int = 0
    repeat_current_week: bool = False
    last_week_change: str | None = None  # the kind of the latest WEEK_CHANGES event
    red_flag: str | None = None  # "urgent_care", "see_clinician" or None, since the last clearance


def status_of(facts: Facts) -> str:
    """The coach's status for one athlete (see the module's docstring)."""
    plan = facts.plan_status
    if plan == "awaiting_clearance":
        return URGENT if facts.red_flag == "urgent_care" else NEEDS_CLINICIAN
    if plan == "paused":
        return PAUSED
    if plan == "finished":
        return FINISHED
    if plan is None or (
        facts.starts_on is not None and facts.starts_on > facts.today and facts.runs_done == 0
    ):
        return NOT_STARTED
    if plan != "active":
        raise ValueError(f"unknown plan status {plan!r}")
    if facts.last_week_change == "rolled_back":
        return ROLLED_BACK
    if facts.repeat_current_week:
        return HOLDING
    return ON_TRACK


def adherence(done: int, skipped: int, overdue: int) -> tuple[int, int]:
    """(runs done, runs scheduled so far).

    Scheduled so far: every run done (early ones too), every slot skipped, and every run still
    to do whose day has passed. Runs the plan cancelled when it stepped back do not count: they
    were not the athlete's to do.
    """
    if min(done, skipped, overdue) < 0:
        raise ValueError("run counts cannot be negative")
    return done, done + skipped + overdue


def attention_key(
    status: str,
    *,
    missed_runs: int = 0,
    last_pain: int | None = None,
    idle_days: int | None = None,
    name: str = "",
) -> tuple:
    """Sort key, most in need of attention first: red flags, then by status, then the athlete
    who has missed the most runs, hurts the most, and has been quiet longest; then by name.

    An on-track athlete with missed runs comes before one without: falling behind is the
    first sign of trouble a coach can act on.
    """
    rank = STATUSES.index(status) * 2
    if status == ON_TRACK and missed_runs == 0:
        rank += 1
    return (
        rank,
        -missed_runs,
        -(last_pain if last_pain is not None else -1),
        -(idle_days if idle_days is not None else -1),
        name.casefold(),
    )


def trend_word(pains: list[int]) -> str:
    """ "rising", "falling" or "steady" across recent pain scores (oldest first); "" for fewer
    than two."""
    if len(pains) < 2:
        return ""
    change = pains[-1] - pains[0]
    if change > 0:
        return "rising"
    if change < 0:
        return "falling"
    return "steady"
