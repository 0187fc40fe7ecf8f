"""Beat work for the plans layer: one thin tick that reads the clock and takes no arguments.

``ignore_result``: nobody reads the result, and with the Redis result backend a task that keeps
its result makes publishing wait on the backend too (about 20 s when Redis is down).
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from plans.reminders import reminders_send


@shared_task(
    name="plans.send_reminders",
    ignore_result=True,
    # A tick should be over well before the next one; a stuck one is stopped, and the next
    # tick's look-back makes up what it did not get to.
    soft_time_limit=240,
    time_limit=270,
)
def send_reminders() -> dict[str, int]:
    """Every 5 minutes (crontab, UTC): the run-day reminders, missed-run nudges and pause-over
    invitations due now, selected in bulk and sent once each through the outbox."""
    return reminders_send(now=timezone.now())
