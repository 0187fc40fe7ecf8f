"""The acceptance journey: a coach and a beginner, from signing up to a clinician's clearance.

A coach signs up, confirms their address, creates a group and copies its invite link. An
athlete signs up through the link, starts the plan, runs the timer, marks the run done and
logs pain with numbness. The coach gets the alert email over real SMTP, finds the athlete at
the top of the review page as needing a clinician, and records the clearance; the athlete's
plan is back one week (week 1 restarts week 1) and runnable again. Every page is checked for
accessibility. With REDIS_URL set (CI) the alert goes through a real Celery worker.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.models import User
from plans.models import Enrollment, PlannedRun
from plans.services import local_today
from tests.browser.a11y import assert_accessible
from tests.notifications.conftest import smtp  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "steady steps every day"


def sign_up(page, *, name: str, email: str, role: str) -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label(role).check()
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_role("button", name="Create account").click()


def link_in(message, pattern: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(pattern, text).group(0)


def worker():
    if not settings.REDIS_URL:
        return nullcontext()  # tasks run eagerly, in the request that logs the pain
    from tests.realservices import celery_worker

    return celery_worker()


def test_a_coach_and_a_beginner_from_sign_up_to_a_clinicians_clearance(
    live_server,
    browser,
    browser_context_args,
    smtp,  # noqa: F811
):
    coach_context = browser.new_context(**browser_context_args)
    coach_context.grant_permissions(["clipboard-read", "clipboard-write"])
    coach = coach_context.new_page()
    athlete_context = browser.new_context(**browser_context_args)
    runner = athlete_context.new_page()
    runner.clock.install()  # the timer's clock is moved by hand

    # --- The coach signs up, confirms their address, creates a group, copies the link ---
    coach.goto(live_server.url + "/accounts/signup/")
    assert_accessible(coach)
    sign_up(coach, name="Casey Coach", email="casey@example.com", role="Coach: I look after")
    expect(coach.get_by_role("heading", name="Your groups")).to_be_visible()
    assert_accessible(coach)
    (confirmation,) = smtp.wait_for(1)
    assert confirmation["To"] == "casey@example.com"
    coach.goto(live_server.url + link_in(confirmation, r"/accounts/confirm-email/\S+/"))
    assert_accessible(coach)
    coach.get_by_role("button", name="Confirm").click()
    assert User.objects.get(email="casey@example.com").has_verified_email

    coach.goto(live_server.url + "/coach/")
    coach.get_by_label("Group name").fill("Monday beginners")
    coach.get_by_role("button", name="Create group").click()
    expect(coach.get_by_role("heading", name="Monday beginners")).to_be_visible()
    assert_accessible(coach)
    coach.get_by_role("button", name="Copy link").click()
    expect(coach.get_by_role("button", name="Copied")).to_be_visible()
    invite_url = coach.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(re.escape(live_server.url) + r"/join/[\w-]+/", invite_url)

    # --- The athlete signs up through the link and starts the plan ---
    runner.goto(invite_url)
    expect(runner.get_by_role("heading", name="Join Monday beginners")).to_be_visible()
    assert_accessible(runner)
    runner.get_by_role("button", name="Sign up and join").click()
    expect(runner.get_by_text("You are joining Monday beginners")).to_be_visible()
    assert_accessible(runner)
    sign_up(runner, name="Nia Newcomer", email="nia@example.com", role="Athlete: I want")
    expect(runner.get_by_role("heading", name="Welcome, Nia Newcomer")).to_be_visible()
    assert_accessible(runner)
    athlete = User.objects.get(email="nia@example.com")
    assert athlete.memberships.get().group.name == "Monday beginners"

    runner.get_by_role("button", name="Start your plan").click()
    assert_accessible(runner)
    runner.get_by_role("button", name="Start my plan").click()
    expect(runner.get_by_text("Week 1, run 1 of 3")).to_be_visible()
    assert_accessible(runner)

    # --- Runs the timer and marks the run done ---
    runner.get_by_role("button", name="Start the timer").click()
    expect(runner.get_by_role("heading", name=re.compile("Week 1, run 1"))).to_be_visible()
    assert_accessible(runner)
    runner.get_by_role("button", name="Start the session").click()
    runner.clock.run_for(60 * 60_000)
    expect(runner.locator("#run-timer")).to_have_attribute("data-state", "finished")
    runner.get_by_role("button", name="Mark the run done").click()
    runner.locator("#mark-done").get_by_role("button", name="Mark this run done").click()
    expect(runner).to_have_url(re.compile(r"/today/$"))
    assert_accessible(runner)
    assert PlannedRun.objects.filter(enrollment__athlete=athlete, status="done").count() == 1

    # --- Logs pain with numbness; the coach is alerted by email at once ---
    with worker():
        # Today offers the pain log right under the finished run (consent first, once).
        expect(runner.get_by_role("heading", name="Your pain logs are health data")).to_be_visible()
        runner.get_by_label("I agree that Walk-Run Coach stores my pain logs").check()
        runner.get_by_role("button", name="Agree and continue").click()
        expect(runner.get_by_role("heading", name="How did your back feel?")).to_be_visible()
        assert_accessible(runner)
        runner.get_by_role("radio", name="2 (mild)").check()
        runner.get_by_label("Numbness or tingling, for example in a leg or foot").check()
        runner.get_by_role("button", name="Save and see what it means").click()
        alert = runner.get_by_role("alert").filter(has_text="See a doctor or physiotherapist")
        expect(alert).to_be_visible()
        assert_accessible(runner)
        email = smtp.wait_for(3)[2]  # after the coach's and the athlete's confirmations
    assert email["To"] == "casey@example.com"
    assert "Nia Newcomer" in email["Subject"]
    assert "reported a warning sign" in email.get_body(("plain",)).get_content()

    # --- The coach sees the athlete at the top of the review page, needing a clinician ---
    coach.goto(live_server.url + "/coach/")
    expect(coach.get_by_text("1 red flag")).to_be_visible()
    assert_accessible(coach)
    coach.get_by_role("button", name="Review Monday beginners").click()
    first = coach.locator("#review-results tbody tr").first
    expect(first).to_contain_text("Nia Newcomer")
    expect(first).to_contain_text("Needs clinician")
    assert_accessible(coach)
    first.get_by_role("link", name="Nia Newcomer").click()
    expect(coach.get_by_role("heading", name="Nia Newcomer")).to_be_visible()
    assert_accessible(coach)

    # --- Records the clearance: the plan restarts one week back (week 1 again) ---
    coach.get_by_label("Date the clinician cleared them").fill(local_today(athlete).isoformat())
    coach.get_by_label("Cleared by").fill("Dr Patel, GP")
    coach.get_by_role("button", name="Record the clearance").click()
    expect(coach.get_by_text("Clearance recorded.")).to_be_visible()
    assert_accessible(coach)
    plan = Enrollment.objects.get(athlete=athlete)
    assert (plan.status, plan.current_week) == ("active", 1)
    assert urlsplit(coach.url).path == f"/coach/athletes/{athlete.pk}/"

    runner.goto(live_server.url + "/today/")
    expect(runner.get_by_text("Week 1, run 1 of 3")).to_be_visible()
    expect(runner.get_by_role("button", name="Start the timer")).to_be_visible()
    assert_accessible(runner)
    coach_context.close()
    athlete_context.close()
