"""The demo coach's group shows every status on the review page (tests/test_seed_demo.py
checks that seeding twice changes nothing)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import TrainingGroup
from coaching import status as st
from coaching.review import athlete_rows, count_by_status

pytestmark = pytest.mark.django_db


def test_the_demo_group_shows_every_status(client):
    call_command("seed_demo", stdout=None)
    group = TrainingGroup.objects.get(name="Monday beginners")
    counts = count_by_status(athlete_rows([group.pk], now=timezone.now()))
    assert all(counts[s] for s in st.STATUSES), counts
    client.force_login(group.coach)
    page = client.get(reverse("coaching:group_review", args=[group.pk])).content.decode()
    assert page.index("Lena Vogel") < page.index("Gus Hansen") < page.index("Kai Tane")
    assert client.get(reverse("coaching:home")).status_code == 200
