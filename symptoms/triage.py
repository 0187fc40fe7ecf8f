"""Triage rules for a lower-back pain log: plain values in, a frozen verdict out.

No Django, no database, no clock: the services decide what counts as an earlier report and
what each verdict does to the plan (DESIGN.md section 4).

Pain is a 0-10 number (NRS): 1-3 mild, 4-6 moderate, 7-10 severe. The rule table (`RULES`)
is read top to bottom, most severe first; the first rule that fires decides the action, and
the verdict lists every rule of that action that fired.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Literal, Protocol

Action = Literal["continue", "hold", "roll_back", "pause", "see_clinician", "urgent_care"]
PainBand = Literal["none", "mild", "moderate", "severe"]

# Mildest first: an action's index is its severity.
ACTIONS: tuple[Action, ...] = (
    "continue",
    "hold",
    "roll_back",
    "pause",
    "see_clinician",
    "urgent_care",
)
# Only a recorded clinician's clearance ends these.
RED_FLAG_ACTIONS: tuple[Action, ...] = ("see_clinician", "urgent_care")

PAIN_MIN = 0
PAIN_MAX = 10


def _check_pain(pain: object, name: str = "pain") -> int:
    # bool is an int subclass, and 2.5 or "3" must not slip through as a pain score.
    if isinstance(pain, bool) or not isinstance(pain, int):
        raise ValueError(
            f"{name} must be a whole number from {PAIN_MIN} to {PAIN_MAX}, got {pain!r}"
        )
    if not PAIN_MIN <= pain <= PAIN_MAX:
        raise ValueError(f"{name} must be from {PAIN_MIN} to {PAIN_MAX}, got {pain}")
    return pain


def pain_band(pain: int) -> PainBand:
    """Name the NRS band of a 0-10 pain score: none (0), mild (1-3), moderate (4-6), severe.

    Raises ValueError for anything that is not a whole number from 0 to 10.
    """
    _check_pain(pain)
    if pain == 0:
        return "none"
    if pain <= 3:
        return "mild"
    if pain <= 6:
        return "moderate"
    return "severe"


def severity(action: str) -> int:
    """Return how severe an action is: 0 for "continue" up to 5 for "urgent_care"."""
    try:
        return ACTIONS.index(action)
    except ValueError:
        raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}") from None


@dataclass(frozen=True)
class PainReport:
    """What the athlete told us after a run (or at a check-in).

    `pain` is the worst lower-back pain during or after the run, 0-10. Every other field is a
    yes/no answer; `eased_after_warmup` is None when the question was not asked or answered.
    """

    pain: int
    sharp: bool = False
    swelling: bool = False
    spasms: bool = False
    radiating: bool = False  # spreads into buttocks or legs
    numbness_tingling: bool = False
    leg_weakness: bool = False
    bladder_bowel: bool = False
    saddle_numbness: bool = False
    persists_at_rest: bool = False  # does not ease with rest / worsens with movement
    eased_after_warmup: bool | None = None
    altered_stride: bool = False  # pain changed how they ran

    def __post_init__(self) -> None:
        _check_pain(self.pain)
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "pain" or (f.name == "eased_after_warmup" and value is None):
                continue
            # A truthy "no" from a careless form must not silently become a symptom.
            if not isinstance(value, bool):
                raise TypeError(f"{f.name} must be True or False, got {value!r}")


class HasPain(Protocol):
    """Anything with a 0-10 `pain`: a PainReport, or a stored log passed straight through."""

    @property
    def pain(self) -> int: ...


Applies = Callable[[PainReport, tuple[HasPain, ...]], bool]


@dataclass(frozen=True)
class Rule:
    """One line of the rule table: when `applies` is true, the verdict is at least `action`."""

    action: Action
    id: str
    applies: Applies

    @property
    def reason(self) -> str:
        return REASONS[self.id]


def _mild(r: PainReport) -> bool:
    return pain_band(r.pain) == "mild"


def _worse_three_in_a_row(r: PainReport, previous: tuple[HasPain, ...]) -> bool:
    return len(previous) >= 2 and previous[-2].pain < previous[-1].pain < r.pain


# Most severe action first: the first rule that fires decides the action.
RULES: tuple[Rule, ...] = (
    Rule("urgent_care", "bladder_bowel", lambda r, _: r.bladder_bowel),
    Rule("urgent_care", "saddle_numbness", lambda r, _: r.saddle_numbness),
    Rule("see_clinician", "radiating", lambda r, _: r.radiating),
    Rule("see_clinician", "numbness_tingling", lambda r, _: r.numbness_tingling),
    Rule("see_clinician", "leg_weakness", lambda r, _: r.leg_weakness),
    Rule("see_clinician", "persists_at_rest", lambda r, _: r.persists_at_rest),
    Rule("pause", "sharp", lambda r, _: r.sharp),
    Rule("pause", "swelling", lambda r, _: r.swelling),
    Rule("pause", "spasms", lambda r, _: r.spasms),
    Rule("pause", "severe_pain", lambda r, _: pain_band(r.pain) == "severe"),
    Rule("pause", "worsening_trend", _worse_three_in_a_row),
    Rule("roll_back", "moderate_pain", lambda r, _: pain_band(r.pain) == "moderate"),
    Rule("hold", "mild_not_eased", lambda r, _: _mild(r) and r.eased_after_warmup is not True),
    Rule("hold", "mild_altered_stride", lambda r, _: _mild(r) and r.altered_stride),
    Rule("continue", "no_pain", lambda r, _: r.pain == 0),
    Rule("continue", "mild_eased", lambda r, _: _mild(r) and r.eased_after_warmup is True),
)

# What the athlete reads for each rule that fired.
REASONS: Mapping[str, str] = MappingProxyType(
    {
        "bladder_bowel": "A change in bladder or bowel control together with back pain is an "
        "emergency sign: get same-day emergency care now.",
        "saddle_numbness": "Numbness between your legs or around your seat (the saddle area) is "
        "an emergency sign: get same-day emergency care now.",
        "radiating": "Pain spreading into your buttocks or legs can mean a nerve is involved: a "
        "clinician should check it before you run again.",
        "numbness_tingling": "Numbness or tingling can mean a nerve is irritated: a clinician "
        "should check it before you run again.",
        "leg_weakness": "Legs that feel weak or unsteady need a clinician's check before you run "
        "again.",
        "persists_at_rest": "Pain that does not ease when you rest, or gets worse as you move, "
        "needs a clinician's check before you run again.",
        "sharp": "Sharp or stabbing pain is a signal to stop: running takes a break while your "
        "back settles.",
        "swelling": "Swelling in your lower back is a signal to stop: running takes a break while "
        "it settles.",
        "spasms": "Muscle spasms in your back are a signal to stop: running takes a break while "
        "they settle.",
        "severe_pain": "Pain of 7 or more out of 10 is severe: running takes a break while your "
        "back settles.",
        "worsening_trend": "Your pain has gone up three runs in a row: running takes a break "
        "before it climbs any further.",
        "moderate_pain": "Moderate pain (4 to 6 out of 10) says the plan moved up too fast: go "
        "back one week.",
        "mild_not_eased": "Mild pain that did not clearly ease once you warmed up: repeat this "
        "week before moving on.",
        "mild_altered_stride": "Mild pain that changed the way you ran: repeat this week before "
        "moving on.",
        "no_pain": "No pain reported: carry on with your plan.",
        "mild_eased": "Mild pain that eased once you warmed up: carry on with your plan, and "
        "keep warming up first.",
    }
)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one assessment.

    `reasons` are plain sentences for the athlete, one per rule that fired within the winning
    action; `rules` are the same rules' stable ids, in the same order, for logs and tests.
    """

    action: Action
    reasons: list[str]
    rules: tuple[str, ...]

    @property
    def severity(self) -> int:
        return severity(self.action)

    @property
    def is_red_flag(self) -> bool:
        return self.action in RED_FLAG_ACTIONS


def assess(report: PainReport, previous: Iterable[HasPain] = ()) -> Verdict:
    """Triage one pain report against the rule table.

    `previous` holds the athlete's earlier reports, oldest first; only the last two matter
    (for the worsening trend), but every one must have a valid 0-10 pain. Raises ValueError
    for a pain that is not a whole number from 0 to 10.
    """
    if not isinstance(report, PainReport):
        raise TypeError(f"report must be a PainReport, got {type(report).__name__}")
    _check_pain(report.pain, "report.pain")
    earlier = tuple(previous)
    for i, past in enumerate(earlier):
        _check_pain(getattr(past, "pain", None), f"previous[{i}].pain")

    # First match wins, then every other rule of that same action joins the reasons.
    fired = [rule for rule in RULES if rule.applies(report, earlier)]
    if not fired:
        # Pain 0 and every mild case the hold rules leave are continue rules, and the other
        # bands always fire one, so reaching this means the table is broken, not the report.
        raise RuntimeError(f"no triage rule matched {report!r}")
    action = fired[0].action
    winners = [rule for rule in fired if rule.action == action]
    return Verdict(
        action=action,
        reasons=[rule.reason for rule in winners],
        rules=tuple(rule.id for rule in winners),
    )
