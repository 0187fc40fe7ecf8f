"""The interval timer in a real browser, with time moved by Playwright's clock."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from plans.models import PlannedRun
from tests.browser.a11y import assert_accessible
from tests.browser.session import log_in
from tests.factories import EnrollmentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Headless Chromium has the Web Speech API but no voices; give it one that records what it hears.
SPEECH_STUB = """
window.__spoken = [];
Object.defineProperty(window, "speechSynthesis", {
  configurable: true,
  value: {
    getVoices: () => [{ name: "stub", lang: "en-GB" }],
    speak: (u) => window.__spoken.push(u.text),
    cancel: () => {},
  },
});
"""


def open_timer(page, live_server):
    athlete = UserFactory(display_name="Tess Timer")
    EnrollmentFactory(athlete=athlete)
    page.clock.install()
    log_in(page, live_server, athlete)
    page.goto(live_server.url + "/today/")
    page.get_by_role("button", name="Start the timer").click()
    expect(page.get_by_role("heading", name=re.compile("Week 1, run 1"))).to_be_visible()
    return athlete


def test_the_timer_counts_down_each_step_speaks_and_ends_on_mark_done(live_server, page):
    page.add_init_script(SPEECH_STUB)
    open_timer(page, live_server)
    timer = page.locator("#run-timer")
    expect(timer).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Start the session").click()
    expect(timer.locator("[data-timer-label]")).to_have_text("Brisk walk warm-up")
    expect(timer.locator("[data-timer-clock]")).to_have_text("5:00")
    page.clock.run_for(61_000)
    expect(timer.locator("[data-timer-clock]")).to_have_text("3:59")

    page.clock.run_for(4 * 60_000)  # warm-up over: the first jog
    expect(timer.locator("[data-timer-label]")).to_have_text("Jog")
    expect(timer).to_have_attribute("data-kind", "jog")
    assert "Jog for 1 minute" in page.evaluate("window.__spoken")

    page.get_by_role("button", name="Pause").click()
    frozen = timer.locator("[data-timer-clock]").inner_text()
    page.clock.run_for(5 * 60_000)
    expect(timer.locator("[data-timer-clock]")).to_have_text(frozen)
    page.get_by_role("button", name="Resume").click()
    page.clock.run_for(30_000)
    expect(timer.locator("[data-timer-label]")).to_have_text("Jog")

    page.clock.run_for(60 * 60_000)  # far past the end
    expect(timer.locator("[data-timer-label]")).to_have_text("Finished")
    expect(timer).to_have_attribute("data-state", "finished")
    assert any("Well done" in text for text in page.evaluate("window.__spoken"))
    minutes = page.get_by_label("How many minutes did it take? (optional)")
    expect(minutes).to_have_value(re.compile(r"^\d+$"))
    page.get_by_role("button", name="Mark the run done").click()
    expect(minutes).to_be_focused()
    page.locator("#mark-done").get_by_role("button", name="Mark this run done").click()
    expect(page).to_have_url(re.compile(r"/today/$"))
    run = PlannedRun.objects.get(sequence=1)
    assert run.status == "done"
    assert run.actual_seconds and run.actual_seconds >= 60


def test_the_timer_survives_a_reload_mid_run_and_falls_back_to_tones(live_server, page):
    open_timer(page, live_server)  # no speech stub: no voices, so tones and the live region
    page.get_by_role("button", name="Start the session").click()
    page.clock.run_for(5 * 60_000 + 10_000)
    timer = page.locator("#run-timer")
    expect(timer.locator("[data-timer-label]")).to_have_text("Jog")
    expect(timer.locator("[data-timer-announce]")).to_have_text("Jog for 1 minute")

    page.reload()  # the phone killed the tab: time is computed from the stored start
    expect(timer).to_have_attribute("data-state", "running")
    expect(timer.locator("[data-timer-label]")).to_have_text("Jog")
    expect(timer.locator("[data-timer-clock]")).to_have_text("0:50")
