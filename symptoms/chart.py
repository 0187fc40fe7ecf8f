"""Geometry of the pain-over-time chart: plain values in, numbers for an SVG template out.

No Django and no clock: the view passes the logs and plan events as plain tuples and the time
zone to name the days in. The template draws with classes only (the CSP forbids inline
styles); colour is never the only cue: red flags are diamonds, check-ins hollow, and plan
changes carry a letter explained in the legend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

WIDTH = 480
HEIGHT = 250
LEFT, RIGHT, TOP, BOTTOM = 34, 14, 30, 34
PLOT_W = WIDTH - LEFT - RIGHT
PLOT_H = HEIGHT - TOP - BOTTOM

# Plan event kinds worth marking, with their letter and words (PlanEvent.Kind values).
MARKED_EVENTS = {
    "hold_set": ("H", "holding: week to be repeated"),
    "rolled_back": ("B", "back one week"),
    "paused": ("P", "paused"),
    "awaiting_clearance": ("C", "waiting for a clinician"),
    "resumed": ("R", "restarted"),
    "cleared": ("R", "restarted after a clinician's clearance"),
    "override": ("O", "changed by a coach"),
}


@dataclass(frozen=True)
class LogPoint:
    when: datetime
    pain: int
    action: str
    kind: str  # "run" or "checkin"
    red_flag: bool = False


@dataclass(frozen=True)
class EventPoint:
    when: datetime
    kind: str  # a PlanEvent.Kind value


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    pain: int
    action: str
    kind: str
    red_flag: bool

    @property
    def diamond(self) -> str:
        """Points of a diamond around the dot, for red flags."""
        r = 9
        return (
            f"{self.x:.1f},{self.y - r:.1f} {self.x + r:.1f},{self.y:.1f} "
            f"{self.x:.1f},{self.y + r:.1f} {self.x - r:.1f},{self.y:.1f}"
        )


@dataclass(frozen=True)
class Marker:
    x: float
    kind: str
    letter: str
    words: str


@dataclass(frozen=True)
class Band:
    name: str  # mild, moderate, severe
    y: float
    height: float
    label_y: float


@dataclass(frozen=True)
class Tick:
    value: str
    x: float
    y: float
    anchor: str = "end"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    bottom_y: float
    right_x: float
    label_x: float  # band names, just inside the right edge
    dots: list[Dot]
    line: str  # "x,y x,y ..." for a polyline
    markers: list[Marker]
    bands: list[Band]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    summary: str
    legend: list[tuple[str, str]]  # (letter, words) for the markers shown


def y_of(pain: float) -> float:
    return round(TOP + PLOT_H * (1 - pain / 10), 1)


def build_chart(
    logs: Sequence[LogPoint], events: Sequence[EventPoint], zone: tzinfo
) -> Chart | None:
    """Place logs (oldest first) and plan changes on a time axis. None without logs."""
    if not logs:
        return None
    marked = [e for e in events if e.kind in MARKED_EVENTS and e.when >= logs[0].when]
    moments = [p.when for p in logs] + [e.when for e in marked]
    start, end = min(moments), max(moments)
    span = (end - start).total_seconds()

    def x_of(when: datetime) -> float:
        if span == 0:
            return LEFT + PLOT_W / 2
        return round(LEFT + PLOT_W * (when - start).total_seconds() / span, 1)

    dots = [Dot(x_of(p.when), y_of(p.pain), p.pain, p.action, p.kind, p.red_flag) for p in logs]
    markers = [Marker(x_of(e.when), e.kind, *MARKED_EVENTS[e.kind]) for e in marked]
    bands = [
        Band(name, top, round(y_of(low) - top, 1), round(y_of((low + high) / 2) + 5, 1))
        for name, low, high in (("mild", 0.5, 3.5), ("moderate", 3.5, 6.5), ("severe", 6.5, 10))
        for top in [y_of(high)]
    ]
    y_ticks = [Tick(str(v), LEFT - 8, y_of(v) + 5) for v in (0, 2, 4, 6, 8, 10)]
    first, last = start.astimezone(zone), end.astimezone(zone)
    x_ticks = [Tick(_day(first), LEFT, HEIGHT - 10, "start")]
    if last.date() != first.date():
        x_ticks.append(Tick(_day(last), LEFT + PLOT_W, HEIGHT - 10, "end"))
    legend = list(dict.fromkeys((m.letter, m.words) for m in markers))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        top=TOP,
        plot_width=PLOT_W,
        plot_height=PLOT_H,
        bottom_y=TOP + PLOT_H,
        right_x=LEFT + PLOT_W,
        label_x=LEFT + PLOT_W - 6,
        dots=dots,
        line=" ".join(f"{d.x:.1f},{d.y:.1f}" for d in dots),
        markers=markers,
        bands=bands,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        summary=_summary(logs, marked, zone),
        legend=legend,
    )


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b}"


def _summary(logs: Sequence[LogPoint], events: Sequence[EventPoint], zone: tzinfo) -> str:
    """The chart in one or two sentences, for screen readers (the table has the detail)."""
    first, last = logs[0].when.astimezone(zone), logs[-1].when.astimezone(zone)
    pains = [p.pain for p in logs]
    count = f"{len(logs)} log" + ("" if len(logs) == 1 else "s")
    when = _day(first) if first.date() == last.date() else f"{_day(first)} to {_day(last)}"
    text = (
        f"Pain over time: {count}, {when}. Lowest {min(pains)}, highest {max(pains)}, "
        f"latest {pains[-1]} out of 10."
    )
    if events:
        changes = "; ".join(
            f"{MARKED_EVENTS[e.kind][1]} on {_day(e.when.astimezone(zone))}" for e in events
        )
        text += f" Plan changes: {changes}."
    return text
