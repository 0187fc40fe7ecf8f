"""The athlete's path through a pain log, in the system Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from plans.models import Enrollment, PlannedRun
from plans.services import run_complete
from symptoms.models import PainLog
from symptoms.services import consent_give
from tests.browser.a11y import assert_accessible
from tests.browser.session import log_in
from tests.factories import EnrollmentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def athlete_with_a_plan(
    runs_done: int, *, consented: bool = True
) -> tuple[Enrollment, list[PlannedRun]]:
    athlete = UserFactory(display_name="Rita Runner")
    if consented:
        consent_give(athlete=athlete)
    plan = EnrollmentFactory(athlete=athlete)
    done = []
    for _ in range(runs_done):
        run = plan.runs.filter(status="planned").order_by("sequence").first()
        done.append(run_complete(run=run, by=athlete))
    return plan, done


def test_moderate_pain_after_a_run_puts_the_plan_back_a_week(live_server, page):
    plan, _ = athlete_with_a_plan(3, consented=False)  # week 1 done
    log_in(page, live_server, plan.athlete)
    page.goto(live_server.url + "/today/")
    expect(page.get_by_text("Week 2, run 1 of 3")).to_be_visible()
    page.get_by_role("button", name="Mark this run done").click()
    expect(page.get_by_text("Done today: week 2, run 1.")).to_be_visible()
    run = PlannedRun.objects.get(enrollment=plan, week_number=2, run_number=1, status="done")

    # The log form loads right there on Today; the first log asks for consent first.
    expect(page.get_by_role("heading", name="Your pain logs are health data")).to_be_visible()
    assert page.url.endswith("/today/")  # loaded into Today by htmx, no navigation
    assert_accessible(page)
    page.get_by_label("I agree that Walk-Run Coach stores my pain logs").check()
    page.get_by_role("button", name="Agree and continue").click()
    expect(page.get_by_role("heading", name="How did your back feel?")).to_be_visible()
    sharp = page.get_by_label("The pain was sharp or stabbing")
    expect(sharp).to_be_visible()  # nothing picked yet: every question shows
    page.get_by_role("radio", name="0 (none)").check()
    expect(sharp).to_be_hidden()  # no pain: the questions about it step aside
    expect(page.get_by_label("Numbness or tingling, for example in a leg or foot")).to_be_visible()
    page.get_by_role("radio", name="5 (moderate)").check()
    expect(sharp).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Yes, it eased").check()
    page.get_by_label("Lower back, in the middle").check()
    page.get_by_role("button", name="Save and see what it means").click()

    expect(page.get_by_role("heading", name="Go back one week in your plan.")).to_be_visible()
    expect(page.get_by_text("Moderate pain (4 to 6 out of 10)")).to_be_visible()
    expect(page.get_by_text("Your plan is now at week 1")).to_be_visible()
    assert page.url.endswith(f"/runs/{run.pk}/pain/")  # the verdict swapped in place by htmx
    assert_accessible(page)
    page.get_by_role("link", name="Resting a sore back").click()
    expect(page.get_by_text("training guidance, not a diagnosis").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Plan", exact=True).click()
    expect(page.get_by_role("heading", name="Your plan")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Week 1 of 4"))).to_be_visible()
    history = page.get_by_role("list").filter(has_text="Back one week")
    expect(history).to_contain_text("Pain log after week 2, run 1: 5/10.")
    expect(history).to_contain_text("Moderate pain (4 to 6 out of 10)")
    assert_accessible(page)

    page.get_by_role("link", name="Pain", exact=True).click()
    expect(page.get_by_role("heading", name="Your pain history")).to_be_visible()
    expect(page.get_by_role("img", name="Pain over time, 0 to 10")).to_be_visible()
    assert_accessible(page)


def test_numbness_sends_the_athlete_to_a_clinician_and_stops_the_runs(live_server, page):
    plan, (run,) = athlete_with_a_plan(1)
    log_in(page, live_server, plan.athlete)

    page.goto(f"{live_server.url}/runs/{run.pk}/pain/")
    page.get_by_role("radio", name="2 (mild)").check()
    page.get_by_label("Numbness or tingling, for example in a leg or foot").check()
    page.get_by_role("button", name="Save and see what it means").click()

    alert = page.get_by_role("alert").filter(has_text="See a doctor or physiotherapist")
    expect(alert).to_be_visible()
    expect(alert).to_be_in_viewport()
    expect(page.get_by_text("Numbness or tingling can mean a nerve is irritated")).to_be_visible()
    assert_accessible(page)
    assert PainLog.objects.get().action == "see_clinician"
    plan.refresh_from_db()
    assert plan.status == "awaiting_clearance"

    page.goto(live_server.url + "/today/")
    expect(
        page.get_by_role("heading", name="Please see a clinician before running again")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Mark this run done")).to_have_count(0)
    expect(page.get_by_role("button", name="Start the timer")).to_have_count(0)
    assert_accessible(page)

    page.goto(live_server.url + "/pain/check-in/")
    expect(
        page.get_by_role("heading", name="Your plan is waiting for a clinician's go-ahead")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Record a clinician's clearance").click()
    expect(page.get_by_label("Who cleared you")).to_be_visible()
    assert_accessible(page)


def test_the_log_form_arrives_on_today_right_after_marking_the_run_done(live_server, page):
    plan, _ = athlete_with_a_plan(0)
    log_in(page, live_server, plan.athlete)
    page.goto(live_server.url + "/today/")
    page.get_by_role("button", name="Mark this run done").click()
    expect(page.get_by_role("heading", name="Log your back pain")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("radio", name="0 (none)").check()
    page.get_by_role("button", name="Save and see what it means").click()
    expect(page.get_by_role("heading", name="Carry on with your plan.")).to_be_visible()
    assert page.url.endswith("/today/")  # form and verdict both swapped in place
    log = PainLog.objects.get()
    assert (log.run.week_number, log.run.run_number, log.action) == (1, 1, "continue")
