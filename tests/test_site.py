from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_the_front_door_explains_the_app(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Walk-Run Coach" in body
    assert "not a diagnosis" in body
    assert 'hx-headers=\'{"X-CSRFToken"' in body
    assert body.count("htmx-2.min.js") == 1


@pytest.mark.django_db
def test_the_health_probe_answers(client):
    assert client.get(reverse("healthz")).json() == {"status": "ok"}


@pytest.mark.django_db  # closing a response fires request_finished, which checks connections
def test_the_manifest_and_icons_are_served(client):
    for path in ["/static/manifest.webmanifest", "/static/icons/icon-192.png"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"".join(response.streaming_content)
        response.close()


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_the_production_profile_passes_the_deployment_checklist():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "prod-" + "k3y-" * 16,
        "ALLOWED_HOSTS": "walkrun.example.org",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by our browser tests, never in production
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_production_profile_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "x.example.org"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_postgresql_plans_for_ssds_so_a_group_is_read_by_key():
    from django.db import connection

    from tests.conftest import need

    need("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL URL")
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
