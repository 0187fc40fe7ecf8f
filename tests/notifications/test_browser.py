"""In the browser: an athlete sets their emails, then uses an email's unsubscribe link."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from notifications.models import Kind, NotificationPreference
from notifications.tokens import unsubscribe_token
from tests.browser.a11y import assert_accessible
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_athlete_chooses_their_emails_and_unsubscribes_from_a_link(live_server, page, runner):
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill(runner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(live_server.url + reverse("notifications:preferences"))
    expect(page.get_by_role("heading", name="Email settings")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Missed-run nudges").uncheck()
    page.get_by_label("Reminder time").fill("06:15")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your email choices are saved.")).to_be_visible()
    expect(page.get_by_label("Reminder time")).to_have_value("06:15")
    saved = NotificationPreference.objects.get(user=runner)
    assert (saved.missed_run_nudge, saved.reminder_time.isoformat()) == (False, "06:15:00")

    page.context.clear_cookies()  # links in emails are opened without logging in
    token = unsubscribe_token(user_id=runner.pk, kind=Kind.RUN_REMINDER)
    page.goto(live_server.url + reverse("notifications:unsubscribe", args=[token]))
    assert_accessible(page)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    assert_accessible(page)
    assert not NotificationPreference.objects.get(user=runner).run_reminder

    page.goto(live_server.url + reverse("notifications:unsubscribe", args=[token + "x"]))
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    assert_accessible(page)
