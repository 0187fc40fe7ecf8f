"""Celery tasks: small, take ids, safe to run twice; see delivery.py for the guarantees.

Both set ``ignore_result``: nobody reads their results, and with a Redis result backend a
task that wants a result makes ``apply_async`` wait on the backend too -- about 20 seconds
before it gives up when Redis is down, instead of failing fast on the broker.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from notifications.delivery import TRANSIENT_ERRORS, outbox_deliver, outbox_purge, outbox_sweep

MAX_RETRIES = 5


def retry_delay(retries: int) -> int:
    """Seconds before the next try: 30 s, 1, 2, 4, 8 minutes (about a quarter of an hour)."""
    return get_exponential_backoff_interval(factor=30, retries=retries, maximum=900)


@shared_task(
    bind=True,
    name="notifications.send_outbox_message",
    acks_late=True,
    ignore_result=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=90,
    time_limit=120,
)
def send_outbox_message(self, message_id: int) -> str:
    last_try = self.request.retries >= self.max_retries
    delay = retry_delay(self.request.retries)
    try:
        return outbox_deliver(message_id, retry_in=None if last_try else timedelta(seconds=delay))
    except TRANSIENT_ERRORS as exc:
        if last_try:
            raise
        raise self.retry(exc=exc, countdown=delay) from exc


@shared_task(name="notifications.sweep_outbox", ignore_result=True)
def sweep_outbox(min_age_seconds: int = 60) -> int:
    return outbox_sweep(min_age=timedelta(seconds=min_age_seconds))


@shared_task(name="notifications.purge_outbox", ignore_result=True)
def purge_outbox() -> int:
    return outbox_purge()
