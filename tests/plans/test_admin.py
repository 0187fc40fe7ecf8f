from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_can_look_at_plans_but_not_change_them(client):
    plan = EnrollmentFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for model in ["enrollment", "plannedrun", "planevent"]:
        assert client.get(reverse(f"admin:plans_{model}_changelist")).status_code == 200
    event = plan.events.get()
    page = client.get(reverse("admin:plans_planevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert client.post(reverse("admin:plans_planevent_change", args=[event.pk])).status_code == 403
    assert client.get(reverse("admin:plans_planevent_delete", args=[event.pk])).status_code == 403
