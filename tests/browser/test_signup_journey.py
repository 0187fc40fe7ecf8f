from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.a11y import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_newcomer_signs_up_and_lands_on_their_home_page(live_server, page):
    page.goto(live_server.url + "/")
    assert_accessible(page)
    page.get_by_role("button", name="Start for free").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Your name").fill("Nia Newcomer")
    page.get_by_label("Email").fill("Nia@Example.com")
    page.get_by_label("Password", exact=True).fill("steady steps every day")
    page.get_by_label("Password (again)").fill("steady steps every day")
    page.get_by_label("Athlete: I want to start running").check()
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Welcome, Nia Newcomer")).to_be_visible()
    assert_accessible(page)
    user = User.objects.get()
    assert (user.email, user.time_zone) == ("nia@example.com", "Europe/Berlin")
