"""When an htmx request fails, the person is told so on the page: htmx itself swaps nothing on
an error answer, so without static/js/app.js the button would just seem dead."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from plans.models import PlannedRun
from tests.browser.session import log_in
from tests.factories import EnrollmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        ("503", "We could not save that. Nothing was changed."),
        ("403", "you may have been logged out"),
        ("offline", "We could not reach Walk-Run Coach."),
    ],
)
def test_a_failed_mark_done_says_so_and_the_run_stays_open(live_server, page, failure, message):
    plan = EnrollmentFactory()
    run = plan.runs.get(sequence=1)
    log_in(page, live_server, plan.athlete)
    page.goto(live_server.url + reverse("plans:today"))

    def fail(route):
        if route.request.method != "POST":
            return route.continue_()
        if failure == "offline":
            return route.abort("internetdisconnected")
        return route.fulfill(status=int(failure), body="refused", content_type="text/plain")

    page.route("**/runs/**", fail)
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Mark this run done", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text(message)
    assert page.evaluate("window.notReloaded") is True
    assert PlannedRun.objects.get(pk=run.pk).status != "done"
