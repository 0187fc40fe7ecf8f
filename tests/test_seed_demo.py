from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command

from coaching.management.commands.seed_demo import ATHLETE_EMAIL, COACH_EMAIL, DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_seeding_twice_changes_nothing(capsys):
    call_command("seed_demo")
    first = row_counts()
    call_command("seed_demo")
    assert row_counts() == first
    assert first["accounts.User"] == 14
    assert ATHLETE_EMAIL in capsys.readouterr().out


@pytest.mark.parametrize("email", [ATHLETE_EMAIL, COACH_EMAIL])
def test_the_demo_logins_work(client, email):
    call_command("seed_demo")
    response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
