"""Celery application, wired the standard way: settings come from Django's CELERY_* names."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("walkrun")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="walkrun.health")
def health(token: str = "ok") -> str:
    """Echo a token back: proves a worker can receive, run and answer a task."""
    return f"healthy:{token}"
