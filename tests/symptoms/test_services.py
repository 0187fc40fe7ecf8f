"""Recording pain logs and clearances, and what each verdict does to the plan."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from notifications.models import OutboxMessage
from plans.models import PlanEvent
from plans.services import PlanError, run_undo
from symptoms.models import ClinicianClearance, HealthDataConsent, PainLog
from symptoms.services import (
    ConsentRequired,
    SymptomsError,
    alert_coaches,
    clearance_record,
    consent_give,
    pain_log_record,
)
from tests.factories import (
    CoachFactory,
    EnrollmentFactory,
    MembershipFactory,
    PainLogFactory,
    UserFactory,
)
from tests.symptoms.conftest import do_runs, later

pytestmark = pytest.mark.django_db

Kind = PlanEvent.Kind
MONDAY = date(2026, 5, 4)


def state(enrollment) -> tuple:
    enrollment.refresh_from_db()
    return enrollment.status, enrollment.current_week


def planned(enrollment) -> int:
    return enrollment.runs.filter(status="planned").count()


def log_events(enrollment, log) -> list[str]:
    return list(enrollment.events.filter(source_log_id=log.pk).values_list("kind", flat=True))


def record(run, **fields) -> PainLog:
    return pain_log_record(athlete=run.enrollment.athlete, run=run, **fields)


# --- Each verdict's effect on the plan ---------------------------------------------------------


def test_it_changes_nothing_for_no_pain(plan):
    (run,) = do_runs(plan, 1)
    events = plan.events.count()

    log = record(run, pain=0)

    assert (log.action, log.effect, log.created) == ("continue", "none", True)
    assert log.applied_at is not None
    assert plan.events.count() == events
    assert state(plan) == ("active", 1)


def test_it_holds_the_week_for_mild_pain_that_did_not_ease(plan):
    (run,) = do_runs(plan, 1)

    log = record(run, pain=2, eased_after_warmup=False)

    plan.refresh_from_db()
    assert (log.action, log.effect) == ("hold", "hold")
    assert plan.repeat_current_week
    assert log_events(plan, log) == [Kind.HOLD_SET]
    event = plan.events.get(source_log_id=log.pk)
    assert event.reason.startswith("Pain log after week 1, run 1: 2/10.")
    assert "repeat this week" in event.reason
    assert event.run_id == run.pk
    assert event.data["rules"] == ["mild_not_eased"]
    assert "once more" in log.effect_note


def test_it_rolls_back_a_week_for_moderate_pain(plan):
    do_runs(plan, 3)  # week 1 done
    (run,) = do_runs(plan, 1)  # week 2, run 1
    assert state(plan) == ("active", 2)

    log = record(run, pain=5, eased_after_warmup=True)

    assert (log.action, log.effect) == ("roll_back", "roll_back")
    assert state(plan) == ("active", 1)
    assert planned(plan) == 3
    assert log_events(plan, log) == [Kind.ROLLED_BACK]
    event = plan.events.get(source_log_id=log.pk)
    assert event.data["from_week"] == 2
    assert "Moderate pain (4 to 6 out of 10)" in event.reason
    assert log.effect_note == "Your plan is now at week 1, starting again from its first run."


def test_a_roll_back_in_week_1_restarts_week_1(plan):
    (run,) = do_runs(plan, 1)

    log = record(run, pain=4)

    plan.refresh_from_db()
    assert (plan.status, plan.current_week, plan.training_week) == ("active", 1, 2)
    assert plan.runs.filter(training_week=2, status="planned").count() == 3
    assert plan.runs.filter(training_week=1, status="cancelled").count() == 2
    assert log_events(plan, log) == [Kind.ROLLED_BACK]


def test_moderate_pain_after_the_last_run_of_a_week_rolls_back_from_that_week(plan):
    do_runs(plan, 3)
    runs = do_runs(plan, 3)  # all of week 2: week 3 is open
    assert state(plan) == ("active", 3)

    record(runs[-1], pain=6)

    assert state(plan) == ("active", 1)


def test_it_pauses_for_sharp_pain_for_seven_days(plan):
    (run,) = do_runs(plan, 1)

    log = record(run, pain=3, sharp=True)

    plan.refresh_from_db()
    assert (log.action, log.effect) == ("pause", "pause")
    assert plan.status == "paused"
    assert plan.paused_until == MONDAY + timedelta(days=7)
    assert planned(plan) == 0
    assert log_events(plan, log) == [Kind.PAUSED]
    assert "Monday 11 May" in log.effect_note


def test_it_pauses_when_pain_rose_three_runs_in_a_row(plan):
    first, second, third = do_runs(plan, 3)
    record(first, pain=1, eased_after_warmup=True)
    record(second, pain=2, eased_after_warmup=True)
    # Check-ins are not runs: one in between does not count towards the trend.
    pain_log_record(athlete=plan.athlete, pain=0)

    log = record(third, pain=3, eased_after_warmup=True)

    assert log.action == "pause"
    assert log.rules == ["worsening_trend"]
    assert state(plan)[0] == "paused"


def test_the_trend_reads_runs_in_the_order_they_were_done_not_logged(plan):
    first, second, third = do_runs(plan, 3)
    record(third, pain=3, eased_after_warmup=True)  # logged first, but done last
    record(second, pain=2, eased_after_warmup=True)

    log = record(first, pain=1, eased_after_warmup=True)

    assert log.action == "continue"


@pytest.mark.parametrize(
    ("symptom", "action"),
    [
        ("numbness_tingling", "see_clinician"),
        ("radiating", "see_clinician"),
        ("leg_weakness", "see_clinician"),
        ("persists_at_rest", "see_clinician"),
        ("bladder_bowel", "urgent_care"),
        ("saddle_numbness", "urgent_care"),
    ],
)
def test_a_red_flag_stops_the_plan_until_a_clearance(plan, symptom, action):
    (run,) = do_runs(plan, 1)

    log = record(run, pain=2, **{symptom: True})

    assert (log.action, log.effect) == (action, "await_clearance")
    assert state(plan) == ("awaiting_clearance", 1)
    assert planned(plan) == 0
    assert log_events(plan, log) == [Kind.AWAITING_CLEARANCE]


def test_a_red_flag_at_pain_zero_still_counts(plan):
    (run,) = do_runs(plan, 1)

    log = record(run, pain=0, numbness_tingling=True)

    assert log.action == "see_clinician"
    assert state(plan)[0] == "awaiting_clearance"


# --- Coach alerts -------------------------------------------------------------------------------


def test_a_red_flag_alerts_each_coach_of_the_athlete_once(plan, athlete):
    from allauth.account.models import EmailAddress

    coach, other = CoachFactory(), CoachFactory()
    EmailAddress.objects.create(user=coach, email=coach.email, verified=True, primary=True)
    MembershipFactory(group__coach=coach, athlete=athlete)
    MembershipFactory(group__coach=coach, athlete=athlete)  # a second group, same coach
    MembershipFactory(group__coach=other, athlete=athlete)
    MembershipFactory(group__coach=CoachFactory(), athlete=UserFactory())  # not theirs
    (run,) = do_runs(plan, 1)

    log = record(run, pain=3, bladder_bowel=True)
    alert_coaches(log.pk)  # a retry changes nothing

    alerts = OutboxMessage.objects.filter(kind="coach_alert")
    assert sorted(alerts.values_list("recipient_id", flat=True)) == sorted([coach.pk, other.pk])
    message = alerts.get(recipient=coach)
    assert message.status == "pending"
    assert alerts.get(recipient=other).status == "suppressed"  # address not confirmed
    assert message.dedupe_key == f"coach_alert:{coach.pk}:log:{log.pk}"
    assert "urgent care" in message.subject
    assert f"/pain/athletes/{athlete.pk}/" in message.body_text
    assert "bladder" not in message.body_text  # health details stay behind the login


def test_no_alert_without_a_red_flag(plan, athlete):
    MembershipFactory(athlete=athlete)
    (run,) = do_runs(plan, 1)

    log = record(run, pain=8)

    assert log.action == "pause"
    assert not OutboxMessage.objects.exists()
    assert alert_coaches(log.pk) == 0


def test_coaches_of_archived_groups_are_not_alerted(plan, athlete):
    from django.utils import timezone

    membership = MembershipFactory(athlete=athlete)
    membership.group.archived_at = timezone.now()
    membership.group.save()
    (run,) = do_runs(plan, 1)

    record(run, pain=3, radiating=True)

    assert not OutboxMessage.objects.exists()


# --- Pause, check-in, resume --------------------------------------------------------------------


def test_pause_then_check_in_then_resume_one_week_back(plan, clock):
    do_runs(plan, 3)
    (run,) = do_runs(plan, 1)  # week 2
    record(run, pain=8)
    assert state(plan) == ("paused", 2)

    with pytest.raises(SymptomsError, match="Your rest lasts until Monday 11 May"):
        pain_log_record(athlete=plan.athlete, pain=0)
    later(clock, days=6)
    with pytest.raises(SymptomsError, match="Check in from then"):
        pain_log_record(athlete=plan.athlete, pain=0)
    assert PainLog.objects.filter(kind="checkin").count() == 0

    later(clock, days=1)  # Monday 11 May: the rest is over
    checkin = pain_log_record(athlete=plan.athlete, pain=2)

    assert (checkin.kind, checkin.effect) == ("checkin", "resume")
    assert state(plan) == ("active", 1)
    assert planned(plan) == 3
    assert log_events(plan, checkin) == [Kind.RESUMED]
    assert plan.events.get(source_log_id=checkin.pk).reason.startswith("Check-in: pain 2/10")
    assert checkin.effect_note == "Your plan starts again at week 1."


def test_a_check_in_with_pain_left_keeps_the_pause(plan, clock):
    (run,) = do_runs(plan, 1)
    record(run, pain=3, spasms=True)
    later(clock, days=7)

    checkin = pain_log_record(athlete=plan.athlete, pain=3)

    assert checkin.effect == "kept"
    assert "2 or less" in checkin.effect_note
    assert state(plan)[0] == "paused"
    # ...and the athlete may check in again the next day.
    later(clock, days=1)
    assert pain_log_record(athlete=plan.athlete, pain=1).effect == "resume"


def test_a_check_in_with_a_warning_sign_keeps_the_pause_even_at_low_pain(plan, clock):
    (run,) = do_runs(plan, 1)
    record(run, pain=7)
    later(clock, days=7)

    checkin = pain_log_record(athlete=plan.athlete, pain=1, swelling=True)

    assert (checkin.action, checkin.effect) == ("pause", "pause")
    plan.refresh_from_db()
    assert plan.status == "paused"
    assert plan.paused_until == MONDAY + timedelta(days=14)


def test_a_red_flag_at_a_check_in_sends_the_pause_to_a_clinician(plan, clock):
    (run,) = do_runs(plan, 1)
    record(run, pain=7)
    later(clock, days=7)

    checkin = pain_log_record(athlete=plan.athlete, pain=1, leg_weakness=True)

    assert checkin.effect == "await_clearance"
    assert state(plan)[0] == "awaiting_clearance"


def test_a_check_in_while_active_is_assessed_by_the_same_rules(plan):
    do_runs(plan, 1)

    checkin = pain_log_record(athlete=plan.athlete, pain=5)

    assert (checkin.action, checkin.effect) == ("roll_back", "roll_back")
    assert plan.events.get(source_log_id=checkin.pk).run_id is None


def test_a_check_in_while_waiting_for_a_clearance_does_not_restart_the_plan(plan):
    (run,) = do_runs(plan, 1)
    record(run, pain=2, radiating=True)

    checkin = pain_log_record(athlete=plan.athlete, pain=0)

    assert checkin.effect == "kept"
    assert "clearance" in checkin.effect_note
    assert state(plan)[0] == "awaiting_clearance"


def test_a_check_in_without_a_plan_is_kept(athlete):
    consent_give(athlete=athlete)

    checkin = pain_log_record(athlete=athlete, pain=5)

    assert (checkin.action, checkin.effect, checkin.enrollment) == ("roll_back", "none", None)


def test_a_check_in_submitted_twice_is_saved_once(plan, clock):
    import uuid

    (run,) = do_runs(plan, 1)
    record(run, pain=7)
    later(clock, days=7)
    key = uuid.uuid4()

    first = pain_log_record(athlete=plan.athlete, pain=1, submission=key)
    second = pain_log_record(athlete=plan.athlete, pain=1, submission=key)

    assert second.pk == first.pk and not second.created
    assert plan.events.filter(kind=Kind.RESUMED).count() == 1
    assert state(plan) == ("active", 1)


def test_run_questions_are_not_asked_at_a_check_in(plan):
    with pytest.raises(SymptomsError, match="only asked after a run"):
        pain_log_record(athlete=plan.athlete, pain=1, altered_stride=True)


# --- Clearance ----------------------------------------------------------------------------------


@pytest.fixture
def waiting(plan):
    do_runs(plan, 3)
    (run,) = do_runs(plan, 1)  # week 2
    record(run, pain=4, numbness_tingling=True)
    assert state(plan) == ("awaiting_clearance", 2)
    return plan


def test_a_clearance_restarts_the_plan_one_week_back(waiting, clock):
    later(clock, days=3)

    clearance = clearance_record(
        athlete=waiting.athlete,
        recorded_by=waiting.athlete,
        cleared_on=MONDAY + timedelta(days=2),
        clinician="Dr Okafor, GP",
        note="Nerve settled; build up slowly.",
    )

    assert state(waiting) == ("active", 1)
    assert planned(waiting) == 3
    event = waiting.events.get(kind=Kind.CLEARED)
    assert event.data["cleared_on"] == "2026-05-06"
    assert event.data["clearance_id"] == clearance.pk
    assert "Dr Okafor, GP" in event.reason
    assert event.actor == waiting.athlete


def test_a_coach_of_the_athlete_may_record_the_clearance(waiting):
    coach = CoachFactory()
    MembershipFactory(group__coach=coach, athlete=waiting.athlete)

    clearance = clearance_record(
        athlete=waiting.athlete, recorded_by=coach, cleared_on=MONDAY, clinician="Physio"
    )

    assert clearance.recorded_by == coach
    assert state(waiting)[0] == "active"


def test_someone_else_cannot_record_a_clearance(waiting):
    for stranger in [CoachFactory(), UserFactory()]:
        with pytest.raises(SymptomsError, match="Only the athlete or one of their coaches"):
            clearance_record(
                athlete=waiting.athlete, recorded_by=stranger, cleared_on=MONDAY, clinician="X"
            )
    assert state(waiting)[0] == "awaiting_clearance"


@pytest.mark.parametrize(
    ("cleared_on", "clinician", "message"),
    [
        (MONDAY + timedelta(days=1), "Dr Who", "cannot be in the future"),
        (MONDAY - timedelta(days=1), "Dr Who", "on or after Monday 4 May"),
        (MONDAY, "   ", "Say who cleared you"),
        (MONDAY, "x" * 121, "120 characters"),
    ],
)
def test_a_bad_clearance_is_refused_and_nothing_saved(waiting, cleared_on, clinician, message):
    with pytest.raises(SymptomsError, match=message):
        clearance_record(
            athlete=waiting.athlete,
            recorded_by=waiting.athlete,
            cleared_on=cleared_on,
            clinician=clinician,
        )
    assert not ClinicianClearance.objects.exists()
    assert state(waiting)[0] == "awaiting_clearance"


def test_a_clearance_is_only_for_a_plan_waiting_for_one(plan):
    with pytest.raises(SymptomsError, match="not waiting"):
        clearance_record(
            athlete=plan.athlete, recorded_by=plan.athlete, cleared_on=MONDAY, clinician="GP"
        )
    assert not ClinicianClearance.objects.exists()


def test_a_pause_does_not_end_with_a_clearance(plan):
    (run,) = do_runs(plan, 1)
    record(run, pain=7)
    with pytest.raises(SymptomsError, match="not waiting"):
        clearance_record(
            athlete=plan.athlete, recorded_by=plan.athlete, cleared_on=MONDAY, clinician="GP"
        )


# --- One log per run; bad input --------------------------------------------------------------


def test_a_second_log_for_the_same_run_changes_nothing(plan):
    (run,) = do_runs(plan, 1)
    first = record(run, pain=5)
    events = plan.events.count()
    snapshot = state(plan)

    second = record(run, pain=9, sharp=True)

    assert second.pk == first.pk and not second.created
    assert (second.pain, second.action) == (5, "roll_back")
    assert PainLog.objects.count() == 1
    assert plan.events.count() == events
    assert state(plan) == snapshot


def test_the_database_allows_one_log_per_run(plan):
    from django.db import IntegrityError

    (run,) = do_runs(plan, 1)
    record(run, pain=0)
    with pytest.raises(IntegrityError):
        PainLog.objects.create(athlete=plan.athlete, run=run, kind="run", pain=1, action="continue")


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "run", "run": None},
        {"kind": "checkin", "use_run": True},
        {"pain": 11},
        {"action": "panic"},
        {"kind": "checkin", "altered_stride": True},
    ],
)
def test_the_database_refuses_inconsistent_logs(plan, fields):
    from django.db import IntegrityError

    (run,) = do_runs(plan, 1)
    values = {"athlete": plan.athlete, "kind": "checkin", "pain": 1, "action": "hold"}
    if fields.pop("use_run", False):
        values["run"] = run
    with pytest.raises(IntegrityError):
        PainLog.objects.create(**(values | fields))


@pytest.mark.parametrize("pain", [-1, 11, "abc", None, 2.5, True])
def test_a_bad_pain_score_is_refused_and_nothing_saved(plan, pain):
    (run,) = do_runs(plan, 1)
    with pytest.raises(SymptomsError, match="from 0 \\(none\\) to 10") as refused:
        record(run, pain=pain)
    assert refused.value.field == "pain"
    assert not PainLog.objects.exists()


def test_a_log_needs_consent_first(clock, athlete):
    plan = EnrollmentFactory(athlete=athlete)
    (run,) = do_runs(plan, 1)

    with pytest.raises(ConsentRequired):
        record(run, pain=3)
    assert not PainLog.objects.exists()

    consent_give(athlete=athlete)
    consent_give(athlete=athlete)
    assert HealthDataConsent.objects.filter(athlete=athlete).count() == 1
    assert record(run, pain=3).created


def test_a_log_for_a_run_not_done_is_refused(plan):
    run = plan.runs.order_by("sequence").first()
    with pytest.raises(SymptomsError, match="not marked done yet"):
        record(run, pain=1)
    assert not PainLog.objects.exists()


def test_a_log_for_someone_elses_run_is_refused(plan):
    (run,) = do_runs(plan, 1)
    other = UserFactory()
    consent_give(athlete=other)
    with pytest.raises(SymptomsError, match="not on your plan"):
        pain_log_record(athlete=other, run=run, pain=1)
    assert not PainLog.objects.exists()


def test_a_bad_place_or_a_long_note_is_refused(plan):
    (run,) = do_runs(plan, 1)
    with pytest.raises(SymptomsError, match="where it hurt"):
        record(run, pain=1, where=["knee"])
    with pytest.raises(SymptomsError, match="1000 characters"):
        record(run, pain=1, note="x" * 1001)
    log = record(run, pain=1, where=["hips", "centre"], note="  stiff  ")
    assert (log.where, log.note) == (["centre", "hips"], "stiff")


# --- Late logs, and the same log never applied twice -------------------------------------------


def test_a_late_log_does_not_step_the_plan_back_twice(plan):
    do_runs(plan, 3)
    first, second = do_runs(plan, 2)  # week 2, runs 1 and 2, logged afterwards
    record(second, pain=5)
    assert state(plan) == ("active", 1)

    late = record(first, pain=4)

    assert late.effect == "kept"
    assert "already stepped back" in late.effect_note
    assert plan.events.filter(kind=Kind.ROLLED_BACK).count() == 1
    assert state(plan) == ("active", 1)


def test_a_late_log_that_is_worse_still_applies(plan):
    first, second = do_runs(plan, 2)
    record(second, pain=2, eased_after_warmup=False)  # hold

    late = record(first, pain=5)  # moderate: a bigger step than the hold

    assert late.effect == "roll_back"


def test_a_late_red_flag_always_applies(plan):
    first, second = do_runs(plan, 2)
    record(second, pain=8)  # pause

    late = record(first, pain=1, saddle_numbness=True)

    assert (late.action, late.effect) == ("urgent_care", "await_clearance")
    assert state(plan)[0] == "awaiting_clearance"


def test_the_same_log_is_never_applied_twice(plan):
    """A log's verdict is applied with the insert that saves it: applying a saved log again
    fails on its id before the plan is touched."""
    from django.db import IntegrityError, transaction

    from symptoms.services import _apply
    from symptoms.triage import assess

    (run,) = do_runs(plan, 1)
    log = record(run, pain=5)
    events = plan.events.count()

    with pytest.raises(IntegrityError), transaction.atomic():
        _apply(log, assess(log.report), plan, log.created_at)

    assert plan.events.count() == events


def test_a_plan_that_cannot_take_the_change_keeps_the_log(plan):
    """A late log about week 2 of a finished plan: a finished plan does not roll back."""
    runs = do_runs(plan, 12)
    plan.refresh_from_db()
    assert plan.status == "finished"

    log = record(runs[3], pain=5)  # week 2: the finished plan cannot roll back from there

    assert log.effect == "kept"
    assert log.effect_note.startswith("Your plan was not changed:")
    assert state(plan)[0] == "finished"


# --- The undo guard ---------------------------------------------------------------------------


def test_a_logged_run_cannot_be_undone(plan):
    (run,) = do_runs(plan, 1)
    record(run, pain=0)

    with pytest.raises(PlanError, match="You have logged pain for this run"):
        run_undo(run=run, by=plan.athlete)


def test_the_factory_logs_through_the_service(plan):
    (run,) = do_runs(plan, 1)

    log = PainLogFactory(run=run, pain=5)

    assert log.effect == "roll_back"


def test_deleting_an_account_deletes_its_logs_and_clearances(waiting):
    athlete = waiting.athlete
    clearance_record(athlete=athlete, recorded_by=athlete, cleared_on=MONDAY, clinician="GP")
    assert PainLog.objects.filter(athlete=athlete).exists()

    athlete.delete()

    assert not PainLog.objects.exists()
    assert not ClinicianClearance.objects.exists()
    assert not HealthDataConsent.objects.exists()
