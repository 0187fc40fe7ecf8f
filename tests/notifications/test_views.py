"""The unsubscribe link and the email settings page."""

from __future__ import annotations

import json
import re
from datetime import time, timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, NotificationPreference, OutboxMessage
from notifications.services import email_send_once
from notifications.tokens import unsubscribe_token
from tests.factories import CoachFactory

pytestmark = pytest.mark.django_db


def unsubscribe_url(user, kind=Kind.RUN_REMINDER) -> str:
    return reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(user_id=user.pk, kind=kind)]
    )


def wants(user, kind) -> bool:
    found = NotificationPreference.objects.filter(user=user).first()
    return found is None or getattr(found, kind)


def test_the_link_asks_before_it_changes_anything(client, runner):
    url = unsubscribe_url(runner)
    for _ in range(2):  # link scanners follow links; a GET must change nothing
        response = client.get(url)
        assert response.status_code == 200
    body = response.content.decode()
    assert "Stop these emails?" in body
    assert "run-day reminders" in body
    assert f'action="{url}"' in body
    assert runner.email not in body
    assert "no-cache" in response["Cache-Control"]
    assert wants(runner, Kind.RUN_REMINDER)


def test_pressing_the_button_unsubscribes_at_once_without_logging_in(runner, published):
    pending = email_send_once(
        recipient=runner,
        kind=Kind.RUN_REMINDER,
        dedupe_key=f"run_reminder:{runner.pk}:2026-11-23",
        template="run_reminder",
        context={"run_title": "Week 1, run 1", "run_url": "http://x/"},
    )
    client = Client(enforce_csrf_checks=True)  # as a mail provider's one-click POST arrives
    response = client.post(unsubscribe_url(runner), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert not wants(runner, Kind.RUN_REMINDER)
    assert wants(runner, Kind.CHECKIN_INVITE)  # only the kind in the link
    pending.refresh_from_db()
    assert pending.status == OutboxMessage.Status.SUPPRESSED
    # Again: still fine, still off.
    assert client.post(unsubscribe_url(runner)).status_code == 200
    assert "You are unsubscribed" in client.get(unsubscribe_url(runner)).content.decode()


def test_a_tampered_link_gets_a_clear_page_and_changes_nothing(client, runner):
    url = unsubscribe_url(runner)
    token = url.split("/")[-2]
    # Someone else's id with this link's signature.
    other = signing.b64_encode(json.dumps([runner.pk + 1, "run_reminder"]).encode()).decode()
    forged = other + token[token.index(":") :]
    for bad in [token[:-3] + "abc", token.replace(":", ""), "nonsense", forged]:
        path = reverse("notifications:unsubscribe", args=[bad])
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 400
            assert "This link does not work" in response.content.decode()
    assert wants(runner, Kind.RUN_REMINDER)


def test_an_expired_link_gets_a_clear_page_and_changes_nothing(client, runner):
    with time_machine.travel(timezone.now() - timedelta(days=366), tick=False):
        url = unsubscribe_url(runner)
    response = client.post(url)
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    assert wants(runner, Kind.RUN_REMINDER)


def test_a_link_for_a_safety_alert_is_refused(client, confirmed_coach):
    response = client.post(unsubscribe_url(confirmed_coach, Kind.COACH_ALERT))
    assert response.status_code == 400


def test_a_link_for_a_closed_account(client, runner):
    url = unsubscribe_url(runner)
    runner.delete()
    response = client.get(url)
    assert response.status_code == 404
    assert "no account" in response.content.decode()


SETTINGS = reverse("notifications:preferences")


def test_the_settings_page_needs_a_login(client):
    response = client.get(SETTINGS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def labelled_inputs(body: str) -> tuple[set[str], set[str]]:
    inputs = set(re.findall(r'<input[^>]* id="([^"]+)"', body))
    labels = set(re.findall(r'<label for="([^"]+)"', body))
    return inputs, labels


def test_an_athlete_sees_their_kinds_and_reminder_time(client, runner):
    client.force_login(runner)
    response = client.get(SETTINGS)
    assert response.status_code == 200
    body = response.content.decode()
    for kind in [Kind.RUN_REMINDER, Kind.CHECKIN_INVITE, Kind.MISSED_RUN_NUDGE, Kind.PAUSE_OVER]:
        assert f'name="{kind}"' in body
    assert 'name="coach_digest"' not in body
    assert 'type="time"' in body and 'value="07:30"' in body
    assert "Europe/London" in body
    inputs, labels = labelled_inputs(body)
    assert inputs and inputs <= labels
    assert "style=" not in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)  # no inline scripts (strict CSP)


def test_a_coach_sees_the_digest_and_that_alerts_are_always_on(client, confirmed_coach):
    client.force_login(confirmed_coach)
    body = client.get(SETTINGS).content.decode()
    assert 'name="coach_digest"' in body
    assert "always on" in body
    assert 'name="run_reminder"' not in body
    assert 'name="reminder_time"' not in body


def test_an_athlete_saves_their_choices(client, runner):
    client.force_login(runner)
    response = client.post(
        SETTINGS, {"run_reminder": "on", "checkin_invite": "on", "reminder_time": "06:45"}
    )
    assert response.status_code == 302
    saved = NotificationPreference.objects.get(user=runner)
    assert saved.reminder_time == time(6, 45)
    assert (saved.run_reminder, saved.checkin_invite) == (True, True)
    assert (saved.missed_run_nudge, saved.pause_over) == (False, False)
    assert saved.coach_digest  # not the athlete's to change here
    assert "saved" in client.get(SETTINGS).content.decode()


def test_a_coach_turns_the_digest_off_but_not_the_alerts(client):
    coach = CoachFactory()
    client.force_login(coach)
    response = client.post(SETTINGS, {"coach_alert": "", "run_reminder": ""})
    assert response.status_code == 302
    saved = NotificationPreference.objects.get(user=coach)
    assert not saved.coach_digest
    assert saved.run_reminder  # not on a coach's form
    assert saved.wants(Kind.COACH_ALERT)


@pytest.mark.parametrize("bad", ["25:00", "7:60", "noon", "", "07:30:99", "-1:00"])
def test_a_reminder_time_that_is_not_a_time_is_refused(client, runner, bad):
    NotificationPreference.objects.create(user=runner, run_reminder=True)
    client.force_login(runner)
    response = client.post(SETTINGS, {"reminder_time": bad})  # also switches all kinds off
    assert response.status_code == 400
    body = response.content.decode()
    assert "from 00:00 to 23:59" in body
    assert 'aria-invalid="true"' in body
    saved = NotificationPreference.objects.get(user=runner)
    assert saved.run_reminder and saved.reminder_time == time(7, 30)


def test_other_methods_are_refused(client, runner):
    client.force_login(runner)
    assert client.put(SETTINGS).status_code == 405
    assert client.put(unsubscribe_url(runner)).status_code == 405
