"""The pain pages, with and without htmx: forms, refusals, verdicts, history, guides."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from plans.models import PlannedRun
from symptoms.guides import GUIDES
from symptoms.models import ClinicianClearance, HealthDataConsent, PainLog
from symptoms.services import consent_give, pain_log_record
from tests.factories import CoachFactory, EnrollmentFactory, MembershipFactory, UserFactory
from tests.symptoms.conftest import do_runs, later

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def signed_in(client, athlete):
    client.force_login(athlete)
    return client


@pytest.fixture
def done_run(plan) -> PlannedRun:
    (run,) = do_runs(plan, 1)
    return run


def text(response) -> str:
    return response.content.decode()


def url(run) -> str:
    return reverse("symptoms:log_for_run", args=[run.pk])


def answers(**changes) -> dict:
    return {"pain": "0", "note": ""} | changes


# --- The log form -------------------------------------------------------------------------------


def test_pain_pages_need_a_login(client, done_run):
    for target in [
        url(done_run),
        reverse("symptoms:history"),
        reverse("symptoms:checkin"),
        reverse("symptoms:clearance"),
        reverse("symptoms:consent"),
    ]:
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_the_form_asks_the_questions_in_plain_words(signed_in, done_run):
    page = text(signed_in.get(url(done_run)))

    assert "Week 1, run 1" in page
    assert "at its worst, during or after the run" in page
    for word in ["None", "Mild", "Moderate", "Severe"]:
        assert f'<span class="pain-band-word" aria-hidden="true">{word}</span>' in page
    assert len(re.findall(r'<input type="radio" name="pain" value="\d+"', page)) == 11
    for question in [
        "Pain spreading into your buttocks or down a leg",
        "Numbness or tingling",
        "A leg that feels weak, unsteady or gives way",
        "Any change in controlling your bladder or bowels",
        "Numbness around your groin, bottom or inner thighs",
        "The pain was sharp or stabbing",
        "There is swelling in your lower back",
        "Your back muscles spasmed or locked up",
        "The pain does not ease when you rest, or gets worse as you move",
        "Did the pain ease once you had warmed up?",
        "The pain changed how you ran",
        "Where did it hurt?",
        "Lower back, left side",
        "Anything else you want to note? (optional)",
    ]:
        assert question in page, question
    # The pain-only questions sit in the block that steps aside at pain 0.
    details = page.split('<div class="pain-details">')[1]
    assert "sharp or stabbing" in details and "Numbness or tingling" not in details
    assert f'hx-post="{url(done_run)}"' in page
    assert f'action="{url(done_run)}"' in page
    assert "<script" not in page.split("<main")[1].split("</main>")[0]
    assert "style=" not in page


def test_htmx_gets_the_form_fragment_alone(signed_in, done_run):
    response = signed_in.get(url(done_run), **HTMX)
    page = text(response)
    assert page.lstrip().startswith(f'<section id="pain-log-{done_run.pk}" class="pain-log"')
    assert "<html" not in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_logging_moderate_pain_shows_the_verdict_and_rolls_back(signed_in, plan):
    do_runs(plan, 3)
    (run,) = do_runs(plan, 1)

    response = signed_in.post(url(run), answers(pain="5", eased_after_warmup="yes"))

    log = PainLog.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("symptoms:log_detail", args=[log.pk])
    page = text(signed_in.get(response["Location"]))
    assert "Go back one week in your plan." in page
    assert "Moderate pain (4 to 6 out of 10)" in page
    assert "Your plan is now at week 1" in page
    assert reverse("symptoms:guide", args=["active-rest"]) in page
    assert "training guidance, not a diagnosis" in page
    plan.refresh_from_db()
    assert plan.current_week == 1


def test_htmx_swaps_the_form_for_the_verdict(signed_in, done_run):
    response = signed_in.post(url(done_run), answers(pain="2", eased_after_warmup="yes"), **HTMX)

    page = text(response)
    assert response.status_code == 200
    assert page.lstrip().startswith(f'<section id="pain-log-{done_run.pk}" class="pain-verdict')
    assert "Carry on with your plan." in page
    assert "Mild pain that eased once you warmed up" in page


def test_numbness_puts_the_clinician_message_first(signed_in, done_run):
    response = signed_in.post(
        url(done_run), answers(pain="3", numbness_tingling="on", where=["left", "buttocks"]), **HTMX
    )

    page = text(response)
    first = page.index('role="alert"')
    assert first < page.index("Why</h")
    assert "See a doctor or physiotherapist before you run again" in page[first:]
    assert "Record a clinician's clearance" in page
    log = PainLog.objects.get()
    assert (log.action, log.where) == ("see_clinician", ["left", "buttocks"])


def test_urgent_care_says_get_emergency_care_today(signed_in, done_run):
    response = signed_in.post(url(done_run), answers(pain="4", bladder_bowel="on"), follow=True)

    page = text(response)
    alert = page[page.index('role="alert"') :]
    assert alert.index("Get same-day emergency care now") < alert.index("Why</h")
    assert "emergency department today" in page
    assert "<h1" in alert.split("</article>")[0]  # the page's main heading is the alert


@pytest.mark.parametrize("pain", ["-1", "11", "abc", "", "2.5"])
def test_a_bad_pain_score_is_refused_with_a_clear_message(signed_in, done_run, pain):
    response = signed_in.post(url(done_run), answers(pain=pain))

    assert response.status_code == 400
    assert "Choose a number from 0 (no pain) to 10" in text(response)
    assert not PainLog.objects.exists()


def test_a_missing_pain_score_is_refused(signed_in, done_run):
    response = signed_in.post(url(done_run), {"note": "forgot"})
    assert response.status_code == 400
    assert "Choose a number from 0 (no pain) to 10" in text(response)
    assert "forgot</textarea>" in text(response)
    assert not PainLog.objects.exists()


def test_htmx_gets_the_refused_form_back_to_swap_in(signed_in, done_run):
    response = signed_in.post(url(done_run), answers(pain="11"), **HTMX)
    assert response.status_code == 200
    assert "Choose a number from 0 (no pain) to 10" in text(response)
    assert not PainLog.objects.exists()


def test_a_bad_answer_or_place_is_refused(signed_in, done_run):
    response = signed_in.post(url(done_run), answers(eased_after_warmup="maybe", where=["knee"]))
    assert response.status_code == 400
    assert "Answer yes, no or not sure." in text(response)
    assert "Pick where it hurt from the list." in text(response)
    assert not PainLog.objects.exists()


def test_a_log_for_someone_elses_run_is_not_found(signed_in, clock):
    other = UserFactory()
    stranger_plan = EnrollmentFactory(athlete=other)
    (run,) = do_runs(stranger_plan, 1)

    assert signed_in.get(url(run)).status_code == 404
    assert signed_in.post(url(run), answers(pain="3")).status_code == 404
    assert not PainLog.objects.exists()


def test_a_log_for_a_run_not_done_is_refused(signed_in, plan):
    run = plan.runs.order_by("sequence").first()

    page = text(signed_in.get(url(run)))
    assert "This run is not done yet" in page
    assert 'name="pain"' not in page

    response = signed_in.post(url(run), answers(pain="3"))
    assert response.status_code == 409
    assert "Mark the run done first" in text(response)
    assert not PainLog.objects.exists()


def test_a_second_submission_shows_the_first_verdict(signed_in, done_run):
    signed_in.post(url(done_run), answers(pain="5"))
    log = PainLog.objects.get()

    again = signed_in.post(url(done_run), answers(pain="9", sharp="on"))
    assert again.status_code == 302
    assert again["Location"] == reverse("symptoms:log_detail", args=[log.pk])
    assert PainLog.objects.count() == 1
    htmx = text(signed_in.post(url(done_run), answers(pain="9"), **HTMX))
    assert "You have logged this run already" in htmx
    assert text(signed_in.get(url(done_run), **HTMX)).count("logged this run already") == 1
    # A stale second form sent empty gets the first verdict too, not the form's errors.
    stale = signed_in.post(url(done_run), {})
    assert stale.status_code == 302
    assert stale["Location"] == reverse("symptoms:log_detail", args=[log.pk])


def test_the_verdict_page_is_the_athletes_own(client, done_run):
    consent_give(athlete=done_run.enrollment.athlete)
    log = pain_log_record(athlete=done_run.enrollment.athlete, run=done_run, pain=1)
    client.force_login(UserFactory())
    assert client.get(reverse("symptoms:log_detail", args=[log.pk])).status_code == 404


# --- Consent ------------------------------------------------------------------------------------


def test_the_first_log_asks_for_consent_then_comes_back(client, clock, athlete):
    plan = EnrollmentFactory(athlete=athlete)
    (run,) = do_runs(plan, 1)
    client.force_login(athlete)

    response = client.get(url(run))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("symptoms:consent"))
    page = text(client.get(response["Location"]))
    assert "Your pain logs are health data" in page
    assert "coaches" in page

    refused = client.post(reverse("symptoms:consent"), {"next": url(run)})
    assert refused.status_code == 400
    assert "Tick the box to agree" in text(refused)
    assert not HealthDataConsent.objects.exists()

    agreed = client.post(reverse("symptoms:consent"), {"agree": "on", "next": url(run)})
    assert agreed["Location"] == url(run)
    assert HealthDataConsent.objects.filter(athlete=athlete).count() == 1
    assert 'name="pain"' in text(client.get(url(run)))


def test_a_post_without_consent_saves_nothing(client, clock, athlete):
    plan = EnrollmentFactory(athlete=athlete)
    (run,) = do_runs(plan, 1)
    client.force_login(athlete)

    response = client.post(url(run), answers(pain="3"))
    assert response.status_code == 302
    assert not PainLog.objects.exists()
    htmx = text(client.get(url(run), **HTMX))
    assert htmx.lstrip().startswith('<section id="consent"')


def test_consent_never_sends_you_off_site(signed_in):
    response = signed_in.post(
        reverse("symptoms:consent"), {"agree": "on", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("plans:today")


# --- Check-in, pause screen, clearance ----------------------------------------------------------


def test_a_check_in_any_time(signed_in, plan):
    page = text(signed_in.get(reverse("symptoms:checkin")))
    assert "How does your back feel right now?" in page
    assert "eased once you had warmed up" not in page
    key = re.search(r'name="submission" value="([0-9a-f-]+)"', page).group(1)

    for _ in range(2):  # a double click
        response = signed_in.post(reverse("symptoms:checkin"), answers(pain="0", submission=key))
    log = PainLog.objects.get()
    assert response["Location"] == reverse("symptoms:log_detail", args=[log.pk])
    assert log.kind == "checkin"


def test_the_pause_screen_and_a_check_in_before_the_rest_ends(signed_in, done_run, clock):
    signed_in.post(url(done_run), answers(pain="8"))

    page = text(signed_in.get(reverse("symptoms:checkin")))
    assert "Your plan is paused" in page
    assert "Monday 11 May" in page
    assert "Rest actively" in page
    assert "Swimming or cycling" in page
    assert 'name="pain"' not in page

    response = signed_in.post(reverse("symptoms:checkin"), answers(pain="0"))
    assert response.status_code == 409
    assert "Your rest lasts until Monday 11 May" in text(response)
    assert PainLog.objects.filter(kind="checkin").count() == 0

    later(clock, days=7)
    page = text(signed_in.get(reverse("symptoms:checkin")))
    assert "Your rest is over" in page
    response = signed_in.post(reverse("symptoms:checkin"), answers(pain="1"), follow=True)
    assert "Your plan starts again at week 1." in text(response)
    done_run.enrollment.refresh_from_db()
    assert done_run.enrollment.status == "active"


def test_a_clearance_through_the_form(signed_in, done_run, clock):
    signed_in.post(url(done_run), answers(pain="2", radiating="on"))
    page = text(signed_in.get(reverse("symptoms:checkin")))
    assert "waiting for a clinician's go-ahead" in page

    form = text(signed_in.get(reverse("symptoms:clearance")))
    for label in ["Date you were cleared to run", "Who cleared you", "(optional)"]:
        assert label in form
    later(clock, days=2)
    bad = signed_in.post(
        reverse("symptoms:clearance"), {"cleared_on": "2026-05-30", "clinician": "Dr A"}
    )
    assert bad.status_code == 409
    assert "cannot be in the future" in text(bad)
    missing = signed_in.post(reverse("symptoms:clearance"), {"cleared_on": "", "clinician": ""})
    assert missing.status_code == 400
    assert "Enter the date you were cleared." in text(missing)
    assert not ClinicianClearance.objects.exists()

    response = signed_in.post(
        reverse("symptoms:clearance"), {"cleared_on": "2026-05-05", "clinician": "Dr A, GP"}
    )
    assert response["Location"] == reverse("plans:today")
    done_run.enrollment.refresh_from_db()
    assert done_run.enrollment.status == "active"
    assert ClinicianClearance.objects.get().clinician == "Dr A, GP"

    again = signed_in.post(
        reverse("symptoms:clearance"), {"cleared_on": "2026-05-05", "clinician": "Dr A, GP"}
    )
    assert again.status_code == 409
    assert "not waiting for a clinician's clearance" in text(again)
    assert ClinicianClearance.objects.count() == 1


# --- History ------------------------------------------------------------------------------------


def make_logs(plan, clock, count: int) -> None:
    for n in range(count):
        later(clock, hours=30)
        pain_log_record(athlete=plan.athlete, pain=n % 2)


def test_the_history_shows_a_chart_and_a_table(signed_in, plan, clock):
    (run,) = do_runs(plan, 1)
    pain_log_record(athlete=plan.athlete, run=run, pain=5, where=["hips"], note="after hills")
    later(clock, days=1)
    pain_log_record(athlete=plan.athlete, pain=1, numbness_tingling=True)

    page = text(signed_in.get(reverse("symptoms:history")))

    assert '<svg viewBox="0 0 480 250" role="img"' in page
    assert '<desc id="pain-chart-desc">Pain over time: 2 logs, 4 May to 5 May.' in page
    assert "back one week on 4 May" in page
    assert page.count('class="dot ') == 2
    assert 'class="dot dot-see_clinician dot-red-flag"' in page
    assert '<line class="marker marker-rolled_back"' in page
    assert "numbness or tingling" in page
    assert "after hills" in page
    assert "Hips" in page
    assert "Week 1, run 1" in page
    assert reverse("symptoms:log_detail", args=[PainLog.objects.first().pk]) in page


def test_the_history_page_without_logs(signed_in):
    page = text(signed_in.get(reverse("symptoms:history")))
    assert "No pain logs yet." in page
    assert "<svg" not in page


def test_the_history_page_costs_the_same_queries_for_many_logs(
    signed_in, plan, clock, django_assert_max_num_queries, django_assert_num_queries
):
    make_logs(plan, clock, 3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        signed_in.get(reverse("symptoms:history"))
    make_logs(plan, clock, 30)
    with django_assert_num_queries(len(few.captured_queries)):
        signed_in.get(reverse("symptoms:history"))
    with django_assert_max_num_queries(6):
        signed_in.get(reverse("symptoms:history"))


def test_a_coach_sees_the_history_of_their_athletes_only(client, plan, clock):
    pain_log_record(athlete=plan.athlete, pain=3)
    coach = CoachFactory()
    MembershipFactory(group__coach=coach, athlete=plan.athlete)
    client.force_login(coach)
    target = reverse("symptoms:athlete_history", args=[plan.athlete.pk])

    page = text(client.get(target))
    assert f"Pain history: {plan.athlete}" in page
    assert reverse("symptoms:log_detail", args=[PainLog.objects.get().pk]) not in page

    client.force_login(CoachFactory())
    assert client.get(target).status_code == 404
    client.force_login(UserFactory())
    assert client.get(target).status_code == 403


# --- Guides -------------------------------------------------------------------------------------


def test_every_guide_has_a_page_with_the_disclaimer(client):
    index = text(client.get(reverse("symptoms:guides")))
    assert set(GUIDES) == {
        "warm-up",
        "core-and-glutes",
        "posture-and-cadence",
        "footwear-and-surfaces",
        "active-rest",
        "when-to-see-a-doctor",
    }
    for slug, guide in GUIDES.items():
        assert reverse("symptoms:guide", args=[slug]) in index
        page = text(client.get(reverse("symptoms:guide", args=[slug])))
        assert f"<h1>{guide.title}</h1>" in page
        assert "training guidance, not a diagnosis" in page
    assert client.get(reverse("symptoms:guide", args=["nope"])).status_code == 404


def test_the_doctor_guide_names_the_emergency_signs(client):
    page = text(client.get(reverse("symptoms:guide", args=["when-to-see-a-doctor"])))
    assert "Get emergency care today if" in page
    assert "bladder or bowels" in page


# --- The fragment for other pages ---------------------------------------------------------------


def render_tag(user, run) -> str:
    request = RequestFactory().get("/today/")
    request.user = user
    template = Template("{% load symptoms_tags %}{% pain_log_for run %}")
    return template.render(Context({"request": request, "run": run}))


def test_the_tag_renders_consent_then_the_form_then_the_verdict(clock, athlete):
    plan = EnrollmentFactory(athlete=athlete)
    (run,) = do_runs(plan, 1)

    assert '<section id="consent"' in render_tag(athlete, run)
    consent_give(athlete=athlete)
    form = render_tag(athlete, run)
    assert f'<section id="pain-log-{run.pk}" class="pain-log"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    pain_log_record(athlete=athlete, run=run, pain=0)
    assert "Carry on with your plan." in render_tag(athlete, run)


def test_logs_in_the_past_show_in_the_viewers_time(signed_in, plan, clock):
    later(clock, hours=15)  # 23:00 UTC, midnight in London
    pain_log_record(athlete=plan.athlete, pain=1)
    log = PainLog.objects.get()
    page = text(signed_in.get(reverse("symptoms:log_detail", args=[log.pk])))
    assert "Tue 5 May, 00:00" in page
    assert (log.created_at + timedelta(hours=1)).day == 5


def test_an_empty_clearance_post_is_refused_not_a_crash(signed_in, plan):
    for _ in range(2):  # not waiting for a clearance, then with nothing filled in
        response = signed_in.post(reverse("symptoms:clearance"), {})
        assert 400 <= response.status_code < 500
    assert not ClinicianClearance.objects.exists()
