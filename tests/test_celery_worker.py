from __future__ import annotations

import pytest
import redis
from django.conf import settings

from tests.conftest import need


def redis_answers(url: str) -> bool:
    try:
        if not url:
            return False
        with redis.Redis.from_url(url, socket_connect_timeout=2) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.mark.worker
def test_a_real_worker_runs_a_task_through_redis():
    need("Redis", redis_answers(settings.REDIS_URL), "set REDIS_URL to a running Redis")
    from celery.contrib.testing.worker import start_worker

    from config.celery import app, health

    assert not app.conf.task_always_eager
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = health.delay("from-the-test")
        assert result.get(timeout=20) == "healthy:from-the-test"
