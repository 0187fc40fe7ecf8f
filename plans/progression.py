"""The walk-run program: a four-week template, resized so no week and no run grows too fast.

Pure: plain values in, frozen dataclasses out. No Django, no database, no clock, no I/O.

Two rules hold in every program `build_program` returns:

* the weekly rule: each week's main-set seconds (jog + walk, warm-up and cool-down excluded)
  are at most `1 + weekly_increase_cap` times the week before;
* the single-run guard (Frandsen et al., BJSM 2025): no run's main set is more than 10% longer
  than the longest main set of the runs before it in the program.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Literal

SegmentKind = Literal["warmup", "jog", "walk", "cooldown"]


@dataclass(frozen=True)
class Exercise:
    """A strength, mobility or stretching exercise, in words a beginner can follow."""

    name: str
    instructions: str


@dataclass(frozen=True)
class TemplateWeek:
    """One week of the template: `rounds` x (jog + walk); walk 0 means one continuous jog."""

    jog_seconds: int
    walk_seconds: int
    rounds: int
    strength: tuple[Exercise, ...]

    @property
    def main_seconds(self) -> int:
        return self.rounds * (self.jog_seconds + self.walk_seconds)


# --- The template (seed 004), as data ---------------------------------------------------------

WARMUP_SECONDS = 5 * 60
COOLDOWN_SECONDS = 5 * 60

PLANK = Exercise(
    "Plank",
    "Forearms on the floor, elbows under your shoulders, up on your toes. Keep one straight "
    "line from head to heels and hold 20-30 seconds. Rest, then do it twice more. "
    "Drop to your knees if your lower back starts to sag.",
)
GLUTE_BRIDGE = Exercise(
    "Glute bridge",
    "Lie on your back, knees bent, feet flat and hip-width apart. Squeeze your buttocks and "
    "lift your hips until knees, hips and shoulders line up. Hold for a breath or two, lower "
    "slowly. 10 times.",
)
SUPERMAN = Exercise(
    "Superman",
    "Lie face down with your arms reaching forward. Lift arms, chest and legs a little off the "
    "floor, only as high as feels easy. Hold for a breath or two, lower. 5 times.",
)
HIP_FLEXOR_STRETCH = Exercise(
    "Hip flexor stretch",
    "Kneel on one knee with the other foot flat in front. Tuck your tailbone under and ease "
    "forward until the front of the back hip stretches. 30 seconds each side.",
)
HAMSTRING_STRETCH = Exercise(
    "Hamstring stretch",
    "Lie on your back and raise one straight leg, holding behind the thigh (or use a towel "
    "round the foot). Stop at a gentle pull behind the knee. 30 seconds each side.",
)
BIRD_DOG = Exercise(
    "Bird-dog",
    "On hands and knees with a flat back, reach one arm forward and the opposite leg back. "
    "Keep your hips level and your back still; hold for a breath, then swap. 8 each side.",
)
SIDE_PLANK = Exercise(
    "Side plank",
    "Lie on your side, elbow under your shoulder, knees bent. Lift your hips until your body "
    "is in a line and hold 15-20 seconds. Straighten your legs once that feels easy. "
    "Each side.",
)
PLANK_LEG_LIFT = Exercise(
    "Plank with leg lift",
    "From a plank, lift one foot a hand's width off the floor without your hips tipping. "
    "Hold for a breath, put it down, swap. 5 each side.",
)
FOAM_ROLLING = Exercise(
    "Foam rolling",
    "Roll slowly over your buttocks, the backs of your thighs and the outsides of your thighs, "
    "about a minute each. Ease off a sore spot rather than pressing harder, and keep the roller "
    "off your lower back itself.",
)
BACK_CHECK = Exercise(
    "Back check",
    "After each run, notice how your lower back feels and log it. Stop and get advice if pain "
    "is sharp, spreads into a leg, or comes with numbness or tingling.",
)

TEMPLATE: tuple[TemplateWeek, ...] = (
    TemplateWeek(60, 120, 5, (PLANK, GLUTE_BRIDGE, SUPERMAN)),
    TemplateWeek(120, 120, 5, (GLUTE_BRIDGE, HIP_FLEXOR_STRETCH, HAMSTRING_STRETCH)),
    TemplateWeek(10 * 60, 0, 1, (BIRD_DOG, SIDE_PLANK, PLANK_LEG_LIFT)),
    TemplateWeek(15 * 60, 0, 1, (FOAM_ROLLING, BACK_CHECK)),
)
GOAL_SECONDS = TEMPLATE[-1].main_seconds  # the template's goal: 15 minutes of continuous running

MAX_WEEKLY_INCREASE_CAP = 0.10
SINGLE_RUN_LIMIT = Fraction(1, 10)
# A capped duration is rounded down to the coarsest of these units that still lets it grow,
# so runners read "11 min" or "12 min 15 s" rather than "11 min 26 s".
TIDY_UNITS = (15, 5, 1)

LABELS: dict[SegmentKind, tuple[str, str]] = {
    "warmup": ("Brisk walk warm-up", "Walk briskly, stand tall and swing your arms."),
    "jog": ("Jog", "Slow and easy: you should still be able to talk in short sentences."),
    "walk": ("Walk", "Walk it out and let your breathing settle."),
    "cooldown": (
        "Cool-down walk and stretches",
        "Walk slowly, then stretch: hip flexors, hamstrings, and hug your knees to your chest. "
        "About 30 seconds each.",
    ),
}


# --- What build_program returns ---------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One part of a run: `label` is what to show, `detail` how to do it."""

    kind: SegmentKind
    seconds: int
    label: str
    detail: str


@dataclass(frozen=True)
class Run:
    """One session: warm-up, main set (jog/walk), cool-down. `number` counts from 1 in its week."""

    number: int
    segments: tuple[Segment, ...]

    @property
    def main_seconds(self) -> int:
        """Seconds of the main set: jog and walk, without warm-up and cool-down."""
        return sum(s.seconds for s in self.segments if s.kind in ("jog", "walk"))

    @property
    def total_seconds(self) -> int:
        return sum(s.seconds for s in self.segments)


@dataclass(frozen=True)
class Week:
    """One week of identical runs, its strength work, and notes on what was resized and why."""

    number: int
    runs: tuple[Run, ...]
    notes: list[str]
    strength: tuple[Exercise, ...]
    template_volume_seconds: int
    change_from_previous: Fraction | None  # e.g. Fraction(1, 10) for +10%; None in week 1
    is_extra: bool  # past the template's four weeks

    @property
    def volume_seconds(self) -> int:
        return sum(run.main_seconds for run in self.runs)

    @property
    def jog_seconds(self) -> int:
        return sum(s.seconds for run in self.runs for s in run.segments if s.kind == "jog")

    @property
    def jog_share(self) -> Fraction:
        return Fraction(self.jog_seconds, self.volume_seconds)


@dataclass(frozen=True)
class Program:
    """The whole program, week 1 first."""

    runs_per_week: int
    weekly_increase_cap: float
    weeks: tuple[Week, ...]
    goal_week: int | None  # first week with the template's goal (15 min continuous), if any


# --- Building ---------------------------------------------------------------------------------


def build_program(
    runs_per_week: int, weekly_increase_cap: float | Fraction | Decimal, weeks: int
) -> Program:
    """Return the program: `weeks` weeks of `runs_per_week` identical runs each.

    Week 1 is the template's week 1. Later weeks keep the template's shape but are sized so the
    weekly rule and the single-run guard hold; each change is explained in `Week.notes`. Weeks
    past the fourth are continuous running growing by at most the cap. Raises ValueError for
    arguments out of range. Deterministic; regenerate with a new cap when a coach changes it.
    """
    _check_whole_number(runs_per_week, "Runs per week", 2, 4)
    cap = _checked_cap(weekly_increase_cap)
    _check_whole_number(weeks, "The number of weeks", 1, None)
    sized = _size_weeks(runs_per_week, cap, weeks)
    built = []
    for index, (main_set, notes) in enumerate(sized):
        template = TEMPLATE[min(index, len(TEMPLATE) - 1)]
        runs = tuple(Run(n, _segments(main_set)) for n in range(1, runs_per_week + 1))
        previous = built[-1].volume_seconds if built else None
        volume = runs_per_week * sum(s for _, s in main_set)
        built.append(
            Week(
                number=index + 1,
                runs=runs,
                notes=list(notes),
                strength=template.strength,
                template_volume_seconds=runs_per_week * template.main_seconds,
                change_from_previous=Fraction(volume, previous) - 1 if previous else None,
                is_extra=index >= len(TEMPLATE),
            )
        )
    goal_week = next(
        (w.number for w in built if w.jog_share == 1 and w.runs[0].main_seconds >= GOAL_SECONDS),
        None,
    )
    return Program(runs_per_week, float(cap), tuple(built), goal_week)


def format_duration(seconds: int) -> str:
    """Say a duration the way a runner would: "45 s", "11 min", "12 min 15 s"."""
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


MainSet = tuple[tuple[SegmentKind, int], ...]  # ("jog" | "walk", seconds), in order
SizedWeek = tuple[MainSet, tuple[str, ...]]  # one run's main set, and the week's notes


@lru_cache(maxsize=256)
def _size_weeks(runs: int, cap: Fraction, weeks: int) -> tuple[SizedWeek, ...]:
    """Choose each week's main set. Cached: it only depends on the arguments.

    Every run in a week is the same, so the single-run guard only has to look at earlier weeks.
    The price: at a cap so small that one more second per run breaks it (under ~0.17% on a
    10-minute run), extra weeks repeat instead of adding a second to only some runs; the note
    says so. Immutable results only, because the cache shares them between callers.
    """
    first = TEMPLATE[0]
    sized = [(_intervals(first.jog_seconds, first.walk_seconds, first.rounds), ())]
    previous = longest = first.main_seconds
    pct = _percent(cap)
    for index in range(1, weeks):
        template = TEMPLATE[min(index, len(TEMPLATE) - 1)]
        limit = _longest_allowed(previous, longest, runs, cap)
        notes: list[str] = []
        if template.walk_seconds:
            # Drop whole rounds and keep each interval as written, so the jog share still rises.
            # One round always fits: no template interval is longer than week 1's main set.
            interval = template.jog_seconds + template.walk_seconds
            rounds = min(template.rounds, limit // interval)
            if rounds < template.rounds:
                jump = _percent(Fraction(template.main_seconds, previous) - 1)
                notes.append(
                    f"{_rounds(rounds)} instead of {template.rounds}, to keep this week within "
                    f"+{pct} of last week's volume ({template.rounds} would be +{jump})."
                )
            main = _intervals(template.jog_seconds, template.walk_seconds, rounds)
        elif index < len(TEMPLATE):
            jog = template.jog_seconds if template.jog_seconds <= limit else _tidy(limit, previous)
            if jog < template.jog_seconds:
                jump = _percent(Fraction(template.jog_seconds, previous) - 1)
                notes.append(
                    f"{format_duration(jog)} of continuous jogging instead of "
                    f"{format_duration(template.jog_seconds)}, to keep this week within +{pct} "
                    f"of last week's volume ({format_duration(template.jog_seconds)} would be "
                    f"+{jump})."
                )
            main = (("jog", jog),)
        else:
            jog = _tidy(limit, previous)
            if previous < GOAL_SECONDS <= jog:
                jog = GOAL_SECONDS  # land on the goal itself: a milestone worth seeing
            notes.append(_extra_week_note(jog, previous, pct))
            main = (("jog", jog),)
        sized.append((main, tuple(notes)))
        previous = sum(seconds for _, seconds in main)
        longest = max(longest, previous)
    return tuple(sized)


def _intervals(jog: int, walk: int, rounds: int) -> MainSet:
    return (("jog", jog), ("walk", walk)) * rounds


def _segments(main_set: MainSet) -> tuple[Segment, ...]:
    parts: MainSet = (("warmup", WARMUP_SECONDS), *main_set, ("cooldown", COOLDOWN_SECONDS))
    return tuple(Segment(kind, seconds, *LABELS[kind]) for kind, seconds in parts)


def _fits(new: int, old: int, rate: Fraction) -> bool:
    """new <= old * (1 + rate), both exactly and in floating point, so no reader sees a breach."""
    return new <= old * (1 + rate) and new <= old * (1 + float(rate))


def _longest_allowed(previous: int, longest: int, runs: int, cap: Fraction) -> int:
    """The longest main set (whole seconds) a run this week may have under both rules."""
    seconds = min(math.floor(previous * (1 + cap)), math.floor(longest * (1 + SINGLE_RUN_LIMIT)))
    while not (
        _fits(runs * seconds, runs * previous, cap)
        and _fits(seconds, previous, cap)
        and _fits(seconds, longest, SINGLE_RUN_LIMIT)
    ):
        seconds -= 1  # float rounding can make the exact bound one second too generous
    return seconds


def _tidy(limit: int, previous: int) -> int:
    """Round `limit` down to a readable unit, but never so far that the run stops growing.

    If even one more second would break the cap (a cap under about 0.2% on a 10-minute run),
    the week repeats the last one: `limit == previous` and there is nothing to round.
    """
    for unit in TIDY_UNITS:
        tidy = limit - limit % unit
        if tidy > previous:
            return tidy
    return limit


def _extra_week_note(jog: int, previous: int, pct: str) -> str:
    if jog == previous:
        return (
            f"Extra week: the same {format_duration(jog)} of continuous running as last week. "
            f"With a +{pct} cap, even one more second per run would go over the limit."
        )
    note = (
        f"Extra week: continuous running grows by at most {pct} a week, to "
        f"{format_duration(jog)} per run (from {format_duration(previous)})."
    )
    if jog == GOAL_SECONDS:
        note += f" That is the plan's goal: {format_duration(GOAL_SECONDS)} without a break."
    return note


def _rounds(count: int) -> str:
    return f"{count} round" if count == 1 else f"{count} rounds"


def _percent(rate: Fraction | float) -> str:
    return f"{float(rate) * 100:.3g}%"


def _checked_cap(value: object) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction | Decimal):
        raise ValueError(
            f"The weekly increase cap must be a number, such as 0.10 for 10% (got {value!r})."
        )
    try:
        cap = Fraction(value)
    except (ValueError, OverflowError):  # NaN and infinity
        raise ValueError(
            f"The weekly increase cap must be a number, such as 0.10 for 10% (got {value!r})."
        ) from None
    # Compare with the float 0.10 itself, so that 0.10, Fraction(1, 10) and Decimal("0.1") pass.
    if not 0 < cap <= Fraction(MAX_WEEKLY_INCREASE_CAP):
        raise ValueError(
            f"The weekly increase cap must be more than 0% and at most 10% (got {_percent(cap)})."
        )
    return cap


def _check_whole_number(value: object, name: str, low: int, high: int | None) -> None:
    span = f"from {low} to {high}" if high is not None else f"at least {low}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, {span} (got {value!r}).")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be {span} (got {value}).")


def describe_main_set(segments: tuple[Segment, ...] | list[Segment]) -> str:
    """The main set in a line: "5 x (1 min jog + 2 min walk)" or "11 min continuous jog"."""
    main = [s for s in segments if s.kind in ("jog", "walk")]
    if not main:
        return "No running"
    if len(main) == 1:
        part = main[0]
        return (
            f"{format_duration(part.seconds)} {'continuous jog' if part.kind == 'jog' else 'walk'}"
        )
    pair = main[:2]
    if len(main) % 2 == 0 and main == pair * (len(main) // 2):
        inner = " + ".join(f"{format_duration(s.seconds)} {s.kind}" for s in pair)
        return f"{len(main) // 2} x ({inner})"
    return ", then ".join(f"{format_duration(s.seconds)} {s.kind}" for s in main)
