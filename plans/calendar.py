"""The athlete's private iCalendar feed, built from plain values (no ORM, no clock)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import icalendar

PRODID = "-//Walk-Run Coach//Run calendar//EN"


@dataclass(frozen=True)
class CalendarRun:
    """One upcoming run as the calendar shows it."""

    uid: str  # stable across feed refreshes, so a phone updates the event instead of adding one
    day: date  # the athlete's local date
    title: str
    steps: tuple[str, ...]
    url: str


def build_calendar(
    runs: Iterable[CalendarRun], *, name: str, time_zone: str, generated_at: datetime
) -> bytes:
    """Return an iCalendar document listing each run as an all-day event on its local date.

    All-day events keep a run on the right day wherever the phone is; the steps go in the
    description so they can be read without opening the app.
    """
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", time_zone)
    # Ask subscribing apps to refresh a few times a day: plans change when pain is logged.
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    for run in runs:
        event = icalendar.Event()
        event.add("uid", run.uid)
        event.add("dtstamp", generated_at)
        event.add("dtstart", run.day)
        event.add("dtend", run.day + timedelta(days=1))
        event.add("summary", run.title)
        event.add("description", "\n".join([*run.steps, "", f"Open the run: {run.url}"]))
        event.add("url", run.url)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
