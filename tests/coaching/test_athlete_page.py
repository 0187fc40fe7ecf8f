"""The coach's page about one athlete: plan, timeline, chart, notes, and the coach's actions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse

from coaching.models import CoachAction, CoachNote
from plans.models import PlanEvent
from symptoms.models import ClinicianClearance
from tests.coaching.conftest import later, member
from tests.factories import CoachFactory, GroupFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def url(name: str, athlete) -> str:
    return reverse(f"coaching:{name}", args=[athlete.pk])


@pytest.fixture
def signed_in(client, group):
    client.force_login(group.coach)
    return client


def test_it_shows_the_plan_the_timeline_with_reasons_and_the_pain_chart(signed_in, clock, group):
    athlete = member(group, "holding", name="Hal Ding")
    page = signed_in.get(url("athlete", athlete)).content.decode()
    assert "<h1>Hal Ding</h1>" in page
    assert "status-badge-holding" in page
    # The plan week by week: runs done and weekly running.
    assert "Their plan, week by week" in page
    assert "1 of 6" in page  # week 1 comes twice: once more after the hold
    # One timeline: the run, the log with its verdict and reasons, the change it made.
    assert "Run done: week 1, run 1" in page
    assert "Pain log after week 1, run 1: pain 2/10 (mild)" in page
    assert "Verdict: Hold: repeat the week." in page
    assert "Holding: week to be repeated" in page
    assert page.count("did not clearly ease") == 2  # the rule, in the log and in the change
    assert 'class="pain-chart-svg"' in page
    assert "not a diagnosis" in page
    assert "style=" not in page


def test_a_red_flag_is_spelled_out_and_offers_the_clearance(signed_in, clock, group):
    athlete = member(group, "urgent", name="Uma Gent")
    page = signed_in.get(url("athlete", athlete)).content.decode()
    assert "same-day emergency care" in page
    assert "Record a clinician's clearance" in page
    assert "Lower the weekly cap" in page
    assert "Put them on another week" not in page  # not while the plan waits


# --- Notes -------------------------------------------------------------------------------------


def test_a_note_is_private_and_its_html_is_shown_escaped(signed_in, client, clock, group):
    athlete = member(group, "on_track")
    body = '<script>alert("x")</script><b>Strong</b> start'
    response = signed_in.post(url("note_add", athlete), {"body": body})
    assert response.status_code == 302
    assert response["Location"].endswith("#notes")
    note = CoachNote.objects.get()
    assert (note.coach, note.athlete, note.body) == (group.coach, athlete, body)
    page = signed_in.get(url("athlete", athlete)).content.decode()
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;Strong&lt;/b&gt; start" in page
    )
    assert "<script>alert" not in page
    action = CoachAction.objects.get()
    assert (action.kind, action.coach, action.coach_name) == (
        "note_added",
        group.coach,
        "Casey Coach",
    )
    # Another coach of the same athlete never sees it.
    other = GroupFactory(coach=CoachFactory())
    MembershipFactory(group=other, athlete=athlete)
    client.force_login(other.coach)
    assert "Strong" not in client.get(url("athlete", athlete)).content.decode()


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "Write something in the note first."), ("x" * 2001, "Keep a note to 2000")],
)
def test_an_empty_or_huge_note_is_refused(signed_in, clock, group, body, message):
    athlete = member(group, "on_track")
    before = counts()
    response = signed_in.post(url("note_add", athlete), {"body": body})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_a_coach_edits_and_deletes_their_note(signed_in, clock, group):
    athlete = member(group, "on_track")
    signed_in.post(url("note_add", athlete), {"body": "First thoughts"})
    note = CoachNote.objects.get()
    edit = reverse("coaching:note_edit", args=[note.pk])
    assert "First thoughts" in signed_in.get(edit).content.decode()
    later(clock, minutes=5)
    assert signed_in.post(edit, {"body": ""}).status_code == 400
    assert signed_in.post(edit, {"body": "Second <i>thoughts</i>"}).status_code == 302
    note.refresh_from_db()
    assert note.body == "Second <i>thoughts</i>" and note.was_edited
    page = signed_in.get(url("athlete", athlete)).content.decode()
    assert "Second &lt;i&gt;thoughts&lt;/i&gt;" in page and "edited" in page
    signed_in.post(reverse("coaching:note_delete", args=[note.pk]))
    assert not CoachNote.objects.exists()
    assert list(CoachAction.objects.order_by("pk").values_list("kind", flat=True)) == [
        "note_added",
        "note_edited",
        "note_deleted",
    ]


# --- Changing a hold or a roll-back ------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_without_a_reason_is_refused_and_saves_nothing(signed_in, clock, group, reason):
    athlete = member(group, "rolled_back")
    plan = athlete.enrollments.get()
    before = counts()
    response = signed_in.post(
        url("override", athlete), {"change": "move_week", "week": "2", "reason": reason}
    )
    assert response.status_code == 400
    assert "Please write why you are making this change" in response.content.decode()
    assert counts() == before
    plan.refresh_from_db()
    assert plan.current_week == 1


def test_a_coach_undoes_a_roll_back_with_a_reason_naming_them(signed_in, clock, group):
    athlete = member(group, "rolled_back")
    plan = athlete.enrollments.get()
    response = signed_in.post(
        url("override", athlete),
        {"change": "move_week", "week": "2", "reason": "A one-off after a long day at work."},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.current_week) == ("active", 2)
    event = plan.events.filter(kind="override").get()
    assert (event.actor, event.actor_name, event.reason) == (
        group.coach,
        "Casey Coach",
        "A one-off after a long day at work.",
    )
    action = CoachAction.objects.get()
    assert (action.kind, action.athlete, action.plan_event) == ("week_moved", athlete, event)
    assert action.data == {"from_week": 1, "to_week": 2}
    page = signed_in.get(url("athlete", athlete)).content.decode()
    assert "Changed by a coach" in page and "Moved from week 1 to week 2." in page
    assert "by Casey Coach" in page


def test_a_coach_cannot_move_an_athlete_past_what_they_have_reached(signed_in, clock, group):
    athlete = member(group, "rolled_back")
    before = counts()
    response = signed_in.post(
        url("override", athlete), {"change": "move_week", "week": "4", "reason": "Ready!"}
    )
    assert response.status_code == 400
    assert "Pick a week from 1 to 2" in response.content.decode()
    assert counts() == before


def test_a_coach_cancels_a_hold(signed_in, clock, group):
    athlete = member(group, "holding")
    plan = athlete.enrollments.get()
    response = signed_in.post(
        url("override", athlete), {"change": "cancel_hold", "reason": "The pain was a blister."}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert not plan.repeat_current_week
    event = plan.events.get(kind="override")
    assert (event.actor, event.data) == (group.coach, {"hold_cancelled": True})
    assert CoachAction.objects.get().kind == "hold_cancelled"


def test_cancelling_a_hold_that_is_not_there_is_a_conflict(signed_in, clock, group):
    athlete = member(group, "on_track")
    before = counts()
    response = signed_in.post(
        url("override", athlete), {"change": "cancel_hold", "reason": "Just in case"}
    )
    assert response.status_code == 409
    assert "There is no hold to cancel" in response.content.decode()
    assert counts() == before


def test_an_unknown_change_is_refused(signed_in, clock, group):
    athlete = member(group, "holding")
    before = counts()
    response = signed_in.post(url("override", athlete), {"change": "teleport", "reason": "x"})
    assert response.status_code == 400
    assert "Choose a change" in response.content.decode()
    assert counts() == before


# --- The weekly cap ----------------------------------------------------------------------------


def test_a_coach_lowers_the_cap_with_a_reason(signed_in, clock, group):
    athlete = member(group, "on_track")
    plan = athlete.enrollments.get()
    response = signed_in.post(
        url("cap", athlete), {"cap_percent": "5", "reason": "Back from a knee niggle."}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.weekly_increase_cap == Decimal("0.05")
    event = plan.events.get(kind="cap_changed")
    assert (event.actor, event.reason) == (group.coach, "Back from a knee niggle.")
    action = CoachAction.objects.get()
    assert (action.kind, action.plan_event, action.data) == (
        "cap_lowered",
        event,
        {"from": "0.10", "to": "0.05"},
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cap_percent": "5", "reason": ""}, "Please write why"),
        ({"cap_percent": "10", "reason": "Same"}, "Pick a whole percentage below the current 10%"),
        ({"cap_percent": "50", "reason": "More!"}, "Pick a whole percentage below"),
        ({"cap_percent": "abc", "reason": "Hm"}, "Pick a whole percentage below"),
    ],
)
def test_a_bad_cap_is_refused(signed_in, clock, group, data, message):
    athlete = member(group, "on_track")
    before = counts()
    response = signed_in.post(url("cap", athlete), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_no_plan_no_change(signed_in, clock, group):
    athlete = member(group, "no_plan")
    before = counts()
    response = signed_in.post(url("cap", athlete), {"cap_percent": "5", "reason": "x"})
    assert response.status_code == 409
    response = signed_in.post(
        url("override", athlete), {"change": "move_week", "week": "1", "reason": "x"}
    )
    assert response.status_code == 409
    assert counts() == before


# --- Clearance ---------------------------------------------------------------------------------


def test_a_coach_records_a_clearance_and_the_plan_resumes_one_week_back(signed_in, clock, group):
    athlete = member(group, "needs_clinician")
    plan = athlete.enrollments.get()
    later(clock, days=3)
    response = signed_in.post(
        url("clearance", athlete),
        {"cleared_on": "2026-05-06", "clinician": "Dr Patel, GP", "note": "Fine to run."},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.current_week) == ("active", 1)
    assert plan.runs.filter(status="planned").count() == 3
    clearance = ClinicianClearance.objects.get()
    assert (clearance.recorded_by, clearance.clinician) == (group.coach, "Dr Patel, GP")
    event = plan.events.get(kind="cleared")
    assert event.actor == group.coach
    action = CoachAction.objects.get()
    assert (action.kind, action.plan_event) == ("clearance_recorded", event)
    page = signed_in.get(url("athlete", athlete)).content.decode()
    assert "status-badge-on_track" in page
    assert "Recorded by Casey Coach: “Fine to run.”" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cleared_on": "2026-05-20", "clinician": "Dr P"}, "cannot be in the future"),
        ({"cleared_on": "2026-05-01", "clinician": "Dr P"}, "from after the warning sign"),
        ({"cleared_on": "2026-05-04", "clinician": "  "}, "Say who cleared them to run."),
        ({"cleared_on": "yesterday", "clinician": "Dr P"}, "Enter a date"),
    ],
)
def test_a_bad_clearance_is_refused(signed_in, clock, group, data, message):
    athlete = member(group, "needs_clinician")
    before = counts()
    response = signed_in.post(url("clearance", athlete), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_a_clearance_when_none_is_awaited_is_a_conflict(signed_in, clock, group):
    athlete = member(group, "paused")
    before = counts()
    response = signed_in.post(
        url("clearance", athlete), {"cleared_on": "2026-05-04", "clinician": "Dr P"}
    )
    assert response.status_code == 409
    assert "not waiting for a clinician" in response.content.decode()
    assert counts() == before


# --- After the athlete leaves ------------------------------------------------------------------


def test_after_the_athlete_leaves_the_coach_sees_nothing(client, signed_in, clock, group):
    athlete = member(group, "on_track")
    signed_in.post(url("note_add", athlete), {"body": "Keep an eye on cadence."})
    note = CoachNote.objects.get()
    client.force_login(athlete)
    client.post(reverse("accounts:leave_group", args=[group.pk]))
    client.force_login(group.coach)
    before = counts()
    assert client.get(url("athlete", athlete)).status_code == 404
    assert client.get(reverse("coaching:note_edit", args=[note.pk])).status_code == 404
    assert client.post(url("note_add", athlete), {"body": "More"}).status_code == 404
    assert client.post(url("cap", athlete), {"cap_percent": "5", "reason": "x"}).status_code == 404
    assert counts() == before
    review = client.get(reverse("coaching:group_review", args=[group.pk])).content.decode()
    assert athlete.display_name not in review
    assert PlanEvent.objects.filter(actor=group.coach).count() == 0
