"""Our pages work under their own Content-Security-Policy: no violation, no console error, and
htmx and the timer still do their jobs. The other browser tests bypass the policy to inject the
accessibility checker; this one does not."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from plans.models import PlannedRun
from tests.factories import PASSWORD, EnrollmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) =>
  window.reportViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`));
"""


@pytest.fixture
def strict_page(browser):
    context = browser.new_context(bypass_csp=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    problems: list[str] = []
    page.expose_function("reportViolation", lambda text: problems.append(f"CSP: {text}"))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page, problems
    context.close()


def test_today_and_the_timer_work_under_the_content_security_policy(live_server, strict_page):
    page, problems = strict_page
    plan = EnrollmentFactory()
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill(plan.athlete.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(live_server.url + reverse("plans:today"))
    expect(page.get_by_text("Week 1, run 1 of 3")).to_be_visible()
    run = plan.runs.get(sequence=1)

    # The timer: its script runs and counts down.
    page.goto(live_server.url + reverse("plans:run_timer", args=[run.pk]))
    page.get_by_role("button", name="Start the session").click()
    expect(page.locator("#run-timer [data-timer-label]")).to_have_text("Brisk walk warm-up")

    # htmx: the card is swapped in place; a marker on window proves the page did not reload.
    page.goto(live_server.url + reverse("plans:today"))
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Mark this run done", exact=True).click()
    expect(page.get_by_text("Done today: week 1, run 1.")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    assert PlannedRun.objects.get(pk=run.pk).status == "done"

    assert problems == []
