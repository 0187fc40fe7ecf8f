"""The athlete's plan pages, with and without htmx."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from plans import hooks
from plans.models import Enrollment, PlanEvent, PlannedRun
from plans.services import run_complete
from tests.factories import CoachFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db

MONDAY_MORNING = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)  # 09:00 in London
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(MONDAY_MORNING, tick=False)
    return time_machine


@pytest.fixture
def signed_in(client, athlete):
    client.force_login(athlete)
    return client


@pytest.fixture
def plan(athlete):
    return EnrollmentFactory(athlete=athlete)


def next_run(enrollment) -> PlannedRun:
    return enrollment.runs.filter(status="planned").order_by("sequence").first()


def text(response) -> str:
    return response.content.decode()


def start_form(**changes) -> dict:
    return {
        "start_date": "2026-05-04",
        "weekdays": ["0", "2", "4"],
        "cap_percent": "10",
    } | changes


# --- Starting a plan --------------------------------------------------------------------------


def test_plan_pages_need_a_login(client):
    for name in ["plans:today", "plans:plan", "plans:start"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_the_start_form_suggests_today_monday_wednesday_friday_and_ten_percent(signed_in):
    page = text(signed_in.get(reverse("plans:start")))
    assert 'value="2026-05-04"' in page
    checked = re.findall(r'<input type="checkbox" name="weekdays" value="(\d)"[^>]*checked', page)
    assert checked == ["0", "2", "4"]
    assert re.search(r'name="cap_percent" value="10"', page)
    for label in ["Start date", "Run days", "Monday", "Sunday", "Largest weekly increase, in %"]:
        assert label in page


def test_an_athlete_starts_a_plan(signed_in, athlete):
    response = signed_in.post(
        reverse("plans:start"), start_form(weekdays=["1", "3", "5"], cap_percent="8")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:today")
    enrollment = Enrollment.objects.get(athlete=athlete)
    assert (enrollment.run_weekdays, enrollment.weekly_increase_cap) == ("1,3,5", Decimal("0.08"))
    assert enrollment.runs.count() == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start_date": "2026-04-19"}, "no more than 14 days ago"),
        ({"start_date": "2026-07-04"}, "within the next 60 days"),
        ({"start_date": "next week"}, "Enter a date"),
        ({"start_date": "05/04/2026"}, "like 2026-05-04"),  # never read the American way
        ({"weekdays": []}, "Pick at least 2 run days"),
        ({"weekdays": ["2"]}, "Pick at least 2 run days"),
        ({"weekdays": ["0", "1", "2", "3", "4"]}, "Pick at most 4 run days"),
        ({"weekdays": ["0", "7"]}, "“7” is not a day of the week we know"),
        ({"weekdays": ["0", "fri"]}, "“fri” is not a day of the week we know"),
        ({"weekdays": ["0", "3", "6"]}, "Sunday and Monday are two days in a row"),
        ({"cap_percent": "11"}, "at most 10%"),
        ({"cap_percent": "0"}, "at least 1%"),
        ({"cap_percent": "7.5"}, "Enter a whole number from 1 to 10"),
        ({"cap_percent": ""}, "Enter a percentage from 1 to 10"),
    ],
)
def test_bad_starts_are_refused_with_a_clear_message(signed_in, changes, message):
    response = signed_in.post(reverse("plans:start"), start_form(**changes))
    assert response.status_code == 400
    assert message in text(response)
    assert "Please correct the highlighted fields" in text(response)
    assert not Enrollment.objects.exists()
    assert not PlannedRun.objects.exists()


def test_back_to_back_days_are_fine_when_the_athlete_insists(signed_in, athlete):
    form = start_form(weekdays=["0", "1", "4"], back_to_back="on")
    assert signed_in.post(reverse("plans:start"), form).status_code == 302
    assert Enrollment.objects.get(athlete=athlete).run_weekdays == "0,1,4"


def test_the_start_page_sends_someone_with_a_plan_to_it(signed_in, plan):
    response = signed_in.get(reverse("plans:start"))
    assert response["Location"] == reverse("plans:plan")
    signed_in.post(reverse("plans:start"), start_form())
    assert Enrollment.objects.count() == 1


# --- Today ------------------------------------------------------------------------------------


def test_home_shows_an_athlete_without_a_plan_how_to_start(signed_in, athlete):
    page = text(signed_in.get(reverse("home")))
    assert f"Welcome, {athlete.display_name}" in page
    assert reverse("plans:start") in page


def test_today_shows_the_run_step_by_step_with_the_strength_work(signed_in, plan):
    run = next_run(plan)
    response = signed_in.get(reverse("plans:today"))
    page = text(response)

    assert "Today's run" in page
    assert "Week 1, run 1 of 3" in page
    assert "5 x (1 min jog + 2 min walk)" in page
    assert page.count('class="run-step run-step-jog"') == 5
    assert "Brisk walk warm-up" in page and "5 min" in page
    assert "Cool-down walk and stretches" in page
    assert reverse("plans:run_timer", args=[run.pk]) in page
    assert reverse("plans:run_done", args=[run.pk]) in page
    assert reverse("plans:run_skip", args=[run.pk]) in page
    for exercise in ["Plank", "Glute bridge", "Superman"]:
        assert exercise in page
    assert "Wed 6 May" in page and "Mon 11 May" in page  # what comes after
    assert '<label for="id_actual_minutes">' in page and '<label for="id_note">' in page
    assert text(signed_in.get(reverse("home"))).count("Week 1, run 1 of 3") == 1


def test_marking_a_run_done_without_javascript(signed_in, plan):
    run = next_run(plan)
    response = signed_in.post(
        reverse("plans:run_done", args=[run.pk]), {"actual_minutes": "31", "note": "Sunny"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:today")
    run.refresh_from_db()
    assert (run.status, run.actual_seconds, run.note) == ("done", 31 * 60, "Sunny")

    page = text(signed_in.get(reverse("plans:today")))
    assert "Run done. Well done!" in page
    assert "Done today: week 1, run 1." in page
    assert "Next run: Wednesday 6 May" in page
    assert reverse("plans:run_undo", args=[run.pk]) in page


def test_marking_a_run_done_with_htmx_swaps_the_card(signed_in, plan):
    run = next_run(plan)
    response = signed_in.post(reverse("plans:run_done", args=[run.pk]), {}, **HTMX)

    assert response.status_code == 200
    card = text(response)
    assert card.lstrip().startswith('<section id="run-card"')
    assert "<html" not in card
    assert "Done today: week 1, run 1." in card
    assert "Week 1, run 2 of 3" in card
    assert reverse("plans:run_undo", args=[run.pk]) in card


def test_marking_twice_changes_nothing(signed_in, plan):
    run = next_run(plan)
    url = reverse("plans:run_done", args=[run.pk])
    signed_in.post(url, {"actual_minutes": "30"})
    first = PlannedRun.objects.get(pk=run.pk)
    signed_in.post(url, {"actual_minutes": "45", "note": "double click"})
    assert PlannedRun.objects.get(pk=run.pk).actual_seconds == first.actual_seconds
    assert PlanEvent.objects.filter(kind="run_completed").count() == 1


def test_someone_elses_run_is_not_found_and_nothing_changes(signed_in, clock):
    other = EnrollmentFactory()
    run = next_run(other)
    for name in ["plans:run_done", "plans:run_skip", "plans:run_undo"]:
        assert signed_in.post(reverse(name, args=[run.pk])).status_code == 404
    assert signed_in.get(reverse("plans:run_timer", args=[run.pk])).status_code == 404
    run_complete(run=run, by=other.athlete)
    assert signed_in.post(reverse("plans:run_undo", args=[run.pk])).status_code == 404
    assert PlannedRun.objects.get(pk=run.pk).status == "done"
    assert PlanEvent.objects.filter(enrollment=other).count() == 2


def test_bad_minutes_are_refused_with_a_message(signed_in, plan):
    run = next_run(plan)
    url = reverse("plans:run_done", args=[run.pk])
    response = signed_in.post(url, {"actual_minutes": "0"})
    assert response.status_code == 400
    assert "Enter at least 1 minute." in text(response)
    htmx = signed_in.post(url, {"actual_minutes": "lots"}, **HTMX)
    assert htmx.status_code == 200  # htmx only swaps 2xx answers
    assert "Enter whole minutes" in text(htmx)
    assert PlannedRun.objects.get(pk=run.pk).status == "planned"


def test_marking_a_run_that_is_not_next_says_so(signed_in, plan):
    later = plan.runs.order_by("sequence")[1]
    response = signed_in.post(reverse("plans:run_done", args=[later.pk]))
    assert response.status_code == 409
    assert "not your next run" in text(response)


def test_skipping_moves_the_run_to_the_next_run_day(signed_in, plan):
    run = next_run(plan)
    response = signed_in.post(reverse("plans:run_skip", args=[run.pk]), **HTMX)
    assert response.status_code == 200
    assert "Next run: Wednesday 6 May" in text(response)
    assert "Week 1, run 1 of 3" in text(response)
    assert PlannedRun.objects.get(pk=run.pk).status == "skipped"


def test_undo_within_the_window_and_not_after(signed_in, plan, clock):
    run = next_run(plan)
    signed_in.post(reverse("plans:run_done", args=[run.pk]))
    response = signed_in.post(reverse("plans:run_undo", args=[run.pk]))
    assert response["Location"] == reverse("plans:today")
    assert PlannedRun.objects.get(pk=run.pk).status == "planned"

    signed_in.post(reverse("plans:run_done", args=[run.pk]))
    clock.shift(timedelta(minutes=20))
    page = text(signed_in.get(reverse("plans:today")))
    assert "Done today" in page
    assert reverse("plans:run_undo", args=[run.pk]) not in page
    response = signed_in.post(reverse("plans:run_undo", args=[run.pk]))
    assert response.status_code == 409
    assert "within 15 minutes" in text(response)
    assert PlannedRun.objects.get(pk=run.pk).status == "done"


def test_today_explains_a_pause(signed_in, plan):
    from plans.services import plan_pause

    plan_pause(enrollment_id=plan.pk, by=None, reason="Sharp pain", until=date(2026, 5, 11))
    page = text(signed_in.get(reverse("plans:today")))
    assert "Your plan is paused" in page
    assert "Monday 11 May" in page
    assert "Why: Sharp pain" in page
    assert "Mark this run done" not in page


def test_a_finished_plan_offers_the_next_block(signed_in, plan):
    for _ in range(12):
        run_complete(run=next_run(plan), by=plan.athlete)
    page = text(signed_in.get(reverse("plans:today")))
    assert "You finished your plan" in page
    response = signed_in.post(reverse("plans:extend"))
    assert response["Location"] == reverse("plans:today")
    plan.refresh_from_db()
    assert (plan.status, plan.current_week, plan.weeks_planned) == ("active", 5, 8)
    assert "Week 5, run 1 of 3" in text(signed_in.get(reverse("plans:today")))


# --- The plan page ----------------------------------------------------------------------------


def test_the_plan_page_shows_weeks_volumes_changes_notes_and_history(signed_in, plan):
    for _ in range(4):
        run_complete(run=next_run(plan), by=plan.athlete, note="Easy")
    page = text(signed_in.get(reverse("plans:plan")))

    assert "Week 2 of 4" in page and "4 of 12 runs done" in page
    assert "45 min" in page and "48 min" in page  # weekly running, weeks 1 and 2
    assert "+6.7%" in page and "\u221237.5%" in page and "+10%" in page
    assert "4 rounds instead of 5, to keep this week within +10%" in page
    assert "Moved on a week" in page and "All 3 runs of week 1 done" in page
    assert f"by {plan.athlete.display_name}" in page and "by Walk-Run Coach" in page
    assert "Mon 4 May" in page and "Fri 15 May" in page
    assert "Bird-dog" in page  # week 3's strength work


def test_the_plan_page_sends_someone_without_a_plan_to_start_one(signed_in):
    assert signed_in.get(reverse("plans:plan"))["Location"] == reverse("plans:start")


# --- Timer ------------------------------------------------------------------------------------


def test_the_timer_page_lists_the_steps_and_embeds_them_for_the_script(signed_in, plan):
    run = next_run(plan)
    page = text(signed_in.get(reverse("plans:run_timer", args=[run.pk])))

    assert page.count("data-timer-step") == 12
    embedded = re.search(r'<script id="run-segments" type="application/json">(.*?)</script>', page)
    segments = json.loads(embedded.group(1))
    assert [s["seconds"] for s in segments] == [300] + [60, 120] * 5 + [300]
    assert segments[0]["label"] == "Brisk walk warm-up"
    assert 'id="mark-done"' in page and reverse("plans:run_done", args=[run.pk]) in page
    assert "<script>" not in page and " style=" not in page


def test_the_timer_of_a_run_already_done_goes_back_to_today(signed_in, plan):
    run = next_run(plan)
    run_complete(run=run, by=plan.athlete)
    response = signed_in.get(reverse("plans:run_timer", args=[run.pk]))
    assert response["Location"] == reverse("plans:today")


# --- Navigation and budgets ---------------------------------------------------------------------


def test_the_menu_shows_today_and_plan_to_athletes_and_coaches_who_run(client):
    coach = CoachFactory()
    client.force_login(coach)
    page = text(client.get(reverse("accounts:profile")))
    assert reverse("plans:today") not in page
    EnrollmentFactory(athlete=coach)
    page = text(client.get(reverse("accounts:profile")))
    assert reverse("plans:today") in page and reverse("plans:plan") in page


def test_pages_keep_to_a_query_budget_however_far_into_the_plan(
    signed_in, plan, django_assert_max_num_queries
):
    for done in [1, 10]:
        while plan.runs.filter(status="done").count() < done:
            run_complete(run=next_run(plan), by=plan.athlete)
        # session, user, plan, runs, three small looks at the history for "undo", and one
        # per undo guard an upper layer registered (symptoms: is there a pain log?)
        with django_assert_max_num_queries(7 + len(hooks.undo_guards())):
            assert signed_in.get(reverse("plans:today")).status_code == 200
        # session, user, plan, runs, history
        with django_assert_max_num_queries(5):
            assert signed_in.get(reverse("plans:plan")).status_code == 200


def test_no_inline_scripts_or_styles_on_plan_pages(signed_in, plan):
    for name in ["plans:today", "plans:plan"]:
        page = text(signed_in.get(reverse(name)))
        assert "<script>" not in page and " style=" not in page and "<style" not in page
