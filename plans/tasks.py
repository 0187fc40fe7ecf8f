"""Beat work for the plans layer: one thin tick that reads the clock and takes no arguments,
and the batches it fans out to the workers.

``ignore_result``: nobody reads the results, and with the Redis result backend a task that
keeps its result makes publishing wait on the backend too (about 20 s when Redis is down).
"""

from __future__ import annotations

from datetime import date, datetime

from celery import shared_task
from django.utils import timezone

from plans.reminders import reminder_batch_send, reminders_fan_out, selector_send


@shared_task(
    name="plans.send_reminders",
    ignore_result=True,
    # A tick should be over well before the next one; a stuck one is stopped, and the next
    # tick's look-back makes up what it did not get to.
    soft_time_limit=240,
    time_limit=270,
)
def send_reminders() -> dict[str, int]:
    """Every 5 minutes (crontab, UTC): who is due now for a run-day reminder, a missed-run
    nudge or a pause-over invitation (and the kinds the layers above add), selected in bulk
    and handed to the workers in batches of ids. Returns how many people each kind's
    batches hold.

    The batches are published on one broker connection. If the broker goes away half-way,
    the tick fails; the next one (its look-back) publishes again whoever has no email yet.
    """
    return fan_out_to_workers(timezone.now())


def fan_out_to_workers(now: datetime) -> dict[str, int]:
    """The tick at ``now``: its batches and registered kinds published as tasks, on one
    broker connection."""
    from config.celery import app

    moment = now.isoformat()
    with app.producer_or_acquire() as producer:

        def publish(kind: str, day: date, ids: list[int]) -> None:
            send_reminder_batch.apply_async((kind, day.isoformat(), ids, moment), producer=producer)

        def publish_selector(name: str) -> None:
            send_reminder_selector.apply_async((name, moment), producer=producer)

        return reminders_fan_out(now=now, publish=publish, publish_selector=publish_selector)


# The tick's work on the workers: redelivered if a worker dies half-way (each task writes
# each email once whatever happens), and stopped if stuck, like the tick.
WORKER_TASK_OPTIONS = {
    "ignore_result": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 240,
    "time_limit": 270,
}


@shared_task(name="plans.send_reminder_batch", **WORKER_TASK_OPTIONS)
def send_reminder_batch(kind: str, day: str, ids: list[int], moment: str) -> int:
    """One batch of the tick: the emails of ``kind`` for these people, whose local date is
    ``day``, decided as of the tick's ``moment``. Safe to run twice."""
    return reminder_batch_send(
        kind, date.fromisoformat(day), ids, now=datetime.fromisoformat(moment)
    )


@shared_task(name="plans.send_reminder_selector", **WORKER_TASK_OPTIONS)
def send_reminder_selector(name: str, moment: str) -> int:
    """A kind a layer above registered (check-in invitations, coach digests), for the tick
    at ``moment``. Safe to run twice."""
    return selector_send(name, now=datetime.fromisoformat(moment))
