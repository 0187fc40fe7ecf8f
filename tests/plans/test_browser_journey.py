"""An athlete starts a plan, opens Today, runs the timer, marks the run done and sees the Plan
page update."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from plans.models import PlannedRun
from tests.browser.a11y import assert_accessible
from tests.browser.session import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_athlete_starts_a_plan_runs_and_sees_it_on_the_plan(live_server, page):
    athlete = UserFactory(display_name="Rita Runner", time_zone="Europe/London")
    page.clock.install()
    log_in(page, live_server, athlete)
    expect(page.get_by_role("heading", name="Welcome, Rita Runner")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Start your plan").click()
    expect(page.get_by_role("heading", name="Start your plan")).to_be_visible()
    assert_accessible(page)
    # Refused first: five run days.
    for day in ["Tuesday", "Thursday"]:
        page.get_by_label(day, exact=True).check()
    page.get_by_role("button", name="Start my plan").click()
    expect(page.get_by_text("Pick at most 4 run days")).to_be_visible()
    assert_accessible(page)
    for day in ["Tuesday", "Thursday"]:
        page.get_by_label(day, exact=True).uncheck()
    page.get_by_role("button", name="Start my plan").click()

    expect(page).to_have_url(re.compile(r"/today/$"))
    expect(page.get_by_text("Week 1, run 1 of 3")).to_be_visible()
    expect(page.get_by_role("button", name="Start the timer")).to_be_visible()
    assert_accessible(page)

    # The interval timer, with the browser's clock moved by Playwright (no test-only path).
    page.get_by_role("button", name="Start the timer").click()
    timer = page.locator("#run-timer")
    expect(timer).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Start the session").click()
    expect(timer.locator("[data-timer-label]")).to_have_text("Brisk walk warm-up")
    page.clock.run_for(5 * 60_000 + 1_000)
    expect(timer.locator("[data-timer-label]")).to_have_text("Jog")
    page.clock.run_for(25 * 60_000)
    expect(timer).to_have_attribute("data-state", "finished")
    page.get_by_label("How many minutes did it take? (optional)").fill("30")
    page.get_by_label("Note (optional)").fill("Felt good")
    page.get_by_role("button", name="Mark this run done", exact=True).click()
    # Back on Today: the confirmation, the undo, and the next run.
    expect(page.get_by_text("Done today: week 1, run 1.")).to_be_visible()
    expect(page.get_by_role("button", name="Undo: I did not do this run")).to_be_visible()
    expect(page.get_by_text("Week 1, run 2 of 3")).to_be_visible()
    assert_accessible(page)
    run = PlannedRun.objects.get(sequence=1)
    assert (run.status, run.actual_seconds, run.note) == ("done", 1800, "Felt good")

    page.get_by_role("link", name="Plan", exact=True).click()
    expect(page.get_by_role("heading", name="Your plan")).to_be_visible()
    expect(page.get_by_text("1 of 12 runs done")).to_be_visible()
    week1 = page.locator("#week-1")
    expect(week1.get_by_role("row").filter(has_text="Run 1")).to_contain_text("Done · 30 min")
    expect(page.get_by_text("Felt good").first).to_be_visible()
    expect(page.get_by_role("list").filter(has_text="Run done")).to_contain_text("Rita Runner")
    assert_accessible(page)
