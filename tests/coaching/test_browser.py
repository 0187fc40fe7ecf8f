"""A coach reviews their group, filters and searches it (htmx, the URL follows), opens an
athlete, adds a note and lowers the cap. In the system Chromium, phone-sized."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from coaching.models import CoachNote
from plans.models import Enrollment
from tests.browser.a11y import assert_accessible
from tests.browser.session import log_in
from tests.coaching.conftest import member
from tests.factories import CoachFactory, GroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def rows(page):
    return page.locator("#review-results tbody tr")


def test_a_coach_reviews_the_group_and_looks_after_one_athlete(live_server, page):
    group = GroupFactory(coach=CoachFactory(display_name="Casey Coach"), name="Monday beginners")
    for status, name in [
        ("on_track", "Olu Track"),
        ("holding", "Hal Ding"),
        ("rolled_back", "Rob Back"),
        ("paused", "Pat Used"),
        ("needs_clinician", "Nia Clin"),
        ("urgent", "Uma Gent"),
        ("finished", "Fin Ished"),
        ("not_started", "Nat Started"),
    ]:
        member(group, status, name=name)

    log_in(page, live_server, group.coach)
    expect(page.get_by_role("heading", name="Your groups")).to_be_visible()
    expect(page.get_by_text("2 red flags")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Review Monday beginners").click()
    expect(page.get_by_role("heading", name="Monday beginners", level=1)).to_be_visible()
    expect(rows(page)).to_have_count(8)
    expect(rows(page).first).to_contain_text("Uma Gent")  # red flags first
    expect(rows(page).first).to_contain_text("Urgent")
    assert_accessible(page)
    page.evaluate("window.stillTheSamePage = true")

    # Filter by status: htmx swaps the rows and the address follows (bookmarkable).
    page.get_by_label("Status").select_option("paused")
    expect(page).to_have_url(re.compile(r"\?status=paused$"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Pat Used")
    # Back to everyone, then search by name as you type.
    page.get_by_label("Status").select_option("")
    expect(rows(page)).to_have_count(8)
    page.get_by_label("Search by name").fill("nia")
    expect(page).to_have_url(re.compile(r"\?q=nia$"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Nia Clin")
    # Sort by a column: the order goes in the address too, and the search is kept.
    page.get_by_label("Search by name").fill("")
    expect(rows(page)).to_have_count(8)
    page.get_by_role("link", name="Name").click()
    expect(page).to_have_url(re.compile(r"\?sort=name$"))
    expect(rows(page).first).to_contain_text("Fin Ished")
    page.get_by_label("Search by name").fill("a")
    expect(page).to_have_url(re.compile(r"\?q=a&sort=name$"))
    expect(rows(page).first).to_contain_text("Hal Ding")
    assert page.evaluate("window.stillTheSamePage") is True  # no full reload so far
    assert_accessible(page)

    # The address is a bookmark: opening it again shows the same view.
    page.goto(page.url)
    expect(page.get_by_label("Search by name")).to_have_value("a")
    expect(rows(page).first).to_contain_text("Hal Ding")
    expect(page.locator('th[aria-sort="ascending"]')).to_have_text("Name ▲")

    page.goto(live_server.url + f"/coach/groups/{group.pk}/?q=rob")
    page.get_by_role("link", name="Rob Back").click()
    expect(page.get_by_role("heading", name="Rob Back")).to_be_visible()
    expect(page.get_by_text("Rolled back").first).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Note", exact=True).fill("Check <b>cadence</b> next week")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("Note saved. Only you can see it.")).to_be_visible()
    expect(page.get_by_text("Check <b>cadence</b> next week")).to_be_visible()  # shown as typed
    assert CoachNote.objects.get().body == "Check <b>cadence</b> next week"

    page.get_by_label("New weekly cap").select_option("5")
    page.get_by_label("Why (for the lower cap)").fill("Moderate pain last week: build up slower.")
    page.get_by_role("button", name="Lower the cap").click()
    expect(page.get_by_text("Weekly cap lowered to 5%.")).to_be_visible()
    expect(page.get_by_text("Weekly cap from 10% to 5%.")).to_be_visible()  # in the timeline
    assert Enrollment.objects.get(athlete__display_name="Rob Back").weekly_increase_cap == (
        Decimal("0.05")
    )
    assert_accessible(page)
