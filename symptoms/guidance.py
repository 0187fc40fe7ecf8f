"""What to tell the athlete after each triage action: pure data for the pages to render."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from symptoms.triage import ACTIONS

DISCLAIMER = (
    "Walk-Run Coach gives training guidance, not a diagnosis. If you are worried about your "
    "back, or something does not feel right, talk to a doctor or physiotherapist."
)

_WARM_UP = (
    "Always warm up for 5 to 10 minutes before you run: a brisk walk, then leg swings, hip "
    "circles and high knees."
)
_STRETCHES = (
    "Gentle stretches such as child's pose, cat-cow and pelvic tilts can ease a tight back."
)
_EMERGENCY_SIGNS = (
    "If you notice a change in bladder or bowel control, or numbness between your legs, get "
    "emergency care straight away."
)


@dataclass(frozen=True)
class Guidance:
    """A plain-words headline and the steps to take now."""

    headline: str
    what_to_do_now: tuple[str, ...]


GUIDANCE: Mapping[str, Guidance] = MappingProxyType(
    {
        "continue": Guidance(
            headline="Carry on with your plan.",
            what_to_do_now=(
                _WARM_UP,
                "Finish each run with a few gentle stretches for your back, hips and hamstrings.",
                "Log how your back feels after every run, even when it feels fine.",
            ),
        ),
        "hold": Guidance(
            headline="Stay on this week a little longer.",
            what_to_do_now=(
                "Finish this week's runs, then repeat the week once before moving up.",
                _WARM_UP,
                _STRETCHES,
                "If the pain gets worse or stops easing, log it straight away.",
            ),
        ),
        "roll_back": Guidance(
            headline="Go back one week in your plan.",
            what_to_do_now=(
                "Your plan has moved back a week: run those sessions until they feel easy.",
                "On the days between runs, walk, swim or cycle rather than sitting still.",
                _STRETCHES,
                _WARM_UP,
            ),
        ),
        "pause": Guidance(
            headline="Take a break from running for at least 7 days.",
            what_to_do_now=(
                "Stop running for now and don't try to push through the pain.",
                "Rest actively: walk and stretch every day, because long spells in bed or on "
                "the sofa can make a sore back worse.",
                "Swimming or cycling keep up your fitness without jolting your back.",
                "For the first 48 hours, a cold pack wrapped in a cloth can calm the sore area; "
                "after that, warmth such as a hot water bottle helps loosen tight muscles.",
                _STRETCHES,
                "After 7 days, check in: once your pain is 2 or less with no warning signs, you "
                "restart one week back.",
                "If the pain does not ease with rest, book an appointment with a doctor or "
                "physiotherapist.",
            ),
        ),
        "see_clinician": Guidance(
            headline="Book an appointment with a doctor or physiotherapist before you run again.",
            what_to_do_now=(
                "Don't run until a doctor or physiotherapist has checked your back.",
                "Your plan stays paused until their go-ahead is recorded, by you or your coach.",
                "Until then, keep to gentle everyday movement that does not make it worse.",
                _EMERGENCY_SIGNS,
            ),
        ),
        "urgent_care": Guidance(
            headline="Get same-day emergency care now.",
            what_to_do_now=(
                "Go to an emergency department today or call your local emergency number: "
                "don't wait to see whether it passes.",
                "Tell them you have back pain with a change in bladder or bowel control, or "
                "numbness between your legs.",
                "Don't run or exercise until a clinician has cleared you; your plan stays paused "
                "until that clearance is recorded.",
            ),
        ),
    }
)


def guidance_for(action: str) -> Guidance:
    """Return the headline and steps to show for a triage action."""
    try:
        return GUIDANCE[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}") from None


# The guidance pages (symptoms.guides) worth reading after each action, most useful first.
GUIDE_LINKS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "continue": ("warm-up", "core-and-glutes", "posture-and-cadence"),
        "hold": ("warm-up", "core-and-glutes", "footwear-and-surfaces"),
        "roll_back": ("active-rest", "warm-up", "core-and-glutes"),
        "pause": ("active-rest", "when-to-see-a-doctor"),
        "see_clinician": ("when-to-see-a-doctor", "active-rest"),
        "urgent_care": ("when-to-see-a-doctor",),
    }
)


def guide_slugs_for(action: str) -> tuple[str, ...]:
    """The slugs of the guidance pages to link from a verdict."""
    guidance_for(action)  # the same error for an unknown action
    return GUIDE_LINKS[action]
