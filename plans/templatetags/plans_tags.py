"""Small filters for plan pages: durations and week-on-week changes, as a runner reads them."""

from __future__ import annotations

from django import template

from plans.progression import format_duration

register = template.Library()


@register.filter
def duration(seconds: int | None) -> str:
    """90 -> "1 min 30 s"."""
    return "" if seconds is None else format_duration(int(seconds))


@register.filter
def change(percent: float | None) -> str:
    """Week-on-week change: "+6.7%", "−33.3%", "no change", or "first week"."""
    if percent is None:
        return "first week"
    rounded = round(percent, 1)
    if rounded == 0:
        return "no change"
    sign = "+" if rounded > 0 else "\u2212"
    return f"{sign}{abs(rounded):g}%"
