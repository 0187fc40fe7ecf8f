"""A tiny pain trend for a table cell: plain values in, numbers for an inline SVG out.

No Django: the template draws a polyline and a dot for the latest log, with classes only
(the CSP forbids inline styles). The words (`label`) carry the same facts for screen readers
and for anyone who cannot tell the line's slope at a glance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coaching.status import trend_word

WIDTH = 64
HEIGHT = 20
PAD = 3


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: str  # "x,y x,y ..." oldest first
    last_x: float
    last_y: float
    label: str


def sparkline(pains: Sequence[int]) -> Sparkline | None:
    """Recent pain scores (0-10, oldest first) as a line; None without any."""
    if not pains:
        return None
    if any(not 0 <= p <= 10 for p in pains):
        raise ValueError("pain scores run from 0 to 10")
    step = (WIDTH - 2 * PAD) / max(len(pains) - 1, 1)
    xy = [
        (round(PAD + i * step if len(pains) > 1 else WIDTH / 2, 1), _y(p))
        for i, p in enumerate(pains)
    ]
    word = trend_word(list(pains))
    label = "Recent pain, oldest first: " + ", ".join(str(p) for p in pains)
    if word:
        label += f" ({word})"
    return Sparkline(
        width=WIDTH,
        height=HEIGHT,
        points=" ".join(f"{x},{y}" for x, y in xy),
        last_x=xy[-1][0],
        last_y=xy[-1][1],
        label=label,
    )


def _y(pain: int) -> float:
    return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * pain / 10, 1)
