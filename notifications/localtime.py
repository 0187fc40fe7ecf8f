"""Local wall-clock times to UTC instants, across daylight-saving changes.

Pure: plain values in, plain values out; no ORM and no clock (``now`` is always passed in).

The rule for a reminder set at a local time ``at`` on local day ``d``:

- the time happens once that day: that instant;
- it happens twice (clocks go back, a "fold"): the first occurrence;
- it does not happen (clocks go forward, a "gap"): the next valid minute, which is the
  moment the clocks jump (02:00 BST for a 01:30 reminder on the day London springs forward).

``reminder_instant`` is strictly increasing from one local day to the next, so cutting time
into tick windows ``(end - tick, end]`` gives every local day exactly one window that holds
its reminder.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_MINUTE = timedelta(minutes=1)
# The longest gap on record: Samoa skipped 30 December 2011 entirely.
_LONGEST_GAP_MINUTES = 24 * 60


def _exists(wall: datetime, tz: ZoneInfo) -> bool:
    """Does this naive local wall-clock time happen in the zone at all?"""
    there_and_back = wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
    return there_and_back.replace(tzinfo=None) == wall


@lru_cache(maxsize=8192)
def reminder_instant(zone: str, day: date, at: time) -> datetime:
    """The UTC instant at which local time ``at`` occurs on local ``day`` in ``zone``.

    Seconds in ``at`` are ignored: reminders are set to the minute.
    """
    tz = ZoneInfo(zone)
    wall = datetime.combine(day, at.replace(second=0, microsecond=0, tzinfo=None))
    if not _exists(wall, tz):
        # Step forward to the first local minute that exists: the end of the gap.
        for _ in range(_LONGEST_GAP_MINUTES):
            wall += _MINUTE
            if _exists(wall, tz):
                break
        else:  # pragma: no cover - no zone has a gap longer than a day
            raise ValueError(f"{zone} has no valid time after {day} {at}")
    # fold=0 is the earlier of two occurrences when the clocks go back.
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def tick_window(now_utc: datetime, tick_minutes: int) -> tuple[datetime, datetime]:
    """The window ``(start, end]`` a tick running at ``now_utc`` is responsible for.

    ``end`` is ``now_utc`` floored to a multiple of the tick since the Unix epoch, so a beat
    that fires a little late (as Celery beat does) still covers the same window. Run the tick
    on a crontab (``minute="*/5"``), not a drifting interval, so no window is skipped.
    """
    if tick_minutes <= 0:
        raise ValueError("The tick must be at least one minute long.")
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be an aware datetime.")
    step = tick_minutes * 60
    epoch_seconds = int(now_utc.timestamp())
    end = datetime.fromtimestamp(epoch_seconds - epoch_seconds % step, tz=UTC)
    return end - timedelta(minutes=tick_minutes), end


def due_date(
    now_utc: datetime,
    zone: str,
    at: time,
    *,
    tick_minutes: int,
    lookback_minutes: int | None = None,
) -> date | None:
    """The local date whose reminder falls in this tick's window, or None.

    ``lookback_minutes`` (default: one tick) widens the window backwards so a tick that was
    missed is caught up by the next one; the outbox's unique key (which carries the returned
    local date) then keeps it to one email per local day.
    """
    start, end = tick_window(now_utc, tick_minutes)
    if lookback_minutes is not None:
        start = end - timedelta(minutes=max(lookback_minutes, tick_minutes))
    tz = ZoneInfo(zone)
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    day = first
    while day <= last:
        if start < reminder_instant(zone, day, at) <= end:
            return day
        day += timedelta(days=1)
    return None


def is_due(now_utc: datetime, zone: str, at: time, *, tick_minutes: int) -> bool:
    return due_date(now_utc, zone, at, tick_minutes=tick_minutes) is not None


def due_pairs(
    now_utc: datetime,
    pairs: Iterable[tuple[str, time]],
    *,
    tick_minutes: int,
    lookback_minutes: int | None = None,
) -> dict[tuple[str, time], date]:
    """Which (time zone, reminder time) pairs are due in this tick, with their local date.

    A tick reads the few distinct pairs people have chosen, asks this function which are due,
    then selects the people behind those pairs in one query.
    """
    due: dict[tuple[str, time], date] = {}
    for zone, at in set(pairs):
        day = due_date(
            now_utc, zone, at, tick_minutes=tick_minutes, lookback_minutes=lookback_minutes
        )
        if day is not None:
            due[(zone, at)] = day
    return due
