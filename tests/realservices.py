"""A real Celery worker against Redis, for the tests that need one (skipped without Redis on
a laptop, failed without it in CI)."""

from __future__ import annotations

from contextlib import contextmanager

from config.celery import app, health
from tests.notifications.conftest import need_redis


@contextmanager
def celery_worker():
    """Run one in-process solo worker on the real broker while the block runs."""
    need_redis()
    from celery.contrib.testing.worker import start_worker

    assert not app.conf.task_always_eager
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def drain() -> None:
    """Wait until the worker has run everything queued before now (one solo worker: FIFO)."""
    assert health.delay("drained").get(timeout=20) == "healthy:drained"
