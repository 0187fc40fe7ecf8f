"""IANA time zones offered to people, and the check that a name is one of them."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError

DEFAULT_TIME_ZONE = "Europe/London"


@cache
def all_time_zones() -> tuple[str, ...]:
    # Drop the legacy aliases ("US/Eastern", "Etc/GMT+3") that only confuse a picker.
    names = zoneinfo.available_timezones()
    return tuple(
        sorted(n for n in names if "/" in n and not n.startswith(("Etc/", "SystemV/", "US/")))
        + ["UTC"]
    )


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in all_time_zones()]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "“%(value)s” is not a time zone we know. Pick one from the list, like Europe/London.",
            params={"value": value},
            code="unknown_time_zone",
        )
