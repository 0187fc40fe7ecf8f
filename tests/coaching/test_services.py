"""Coach actions through the services: checked access, one audit row naming the coach, and
nothing saved when the change is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps

from coaching import services
from coaching.models import CoachAction, CoachNote
from coaching.services import CoachingError, NotYourAthlete
from tests.coaching.conftest import MONDAY, member
from tests.factories import CoachNoteFactory, GroupFactory

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_a_coach_cannot_act_on_someone_elses_athlete(clock, group):
    athlete = member(group, "needs_clinician")
    stranger = GroupFactory().coach
    before = counts()
    calls = [
        lambda: services.note_add(coach=stranger, athlete=athlete, body="Hi"),
        lambda: services.coach_move_week(coach=stranger, athlete=athlete, week=1, reason="x"),
        lambda: services.coach_cancel_hold(coach=stranger, athlete=athlete, reason="x"),
        lambda: services.coach_lower_cap(coach=stranger, athlete=athlete, cap="0.05", reason="x"),
        lambda: services.coach_record_clearance(
            coach=stranger, athlete=athlete, cleared_on=MONDAY, clinician="Dr P"
        ),
    ]
    for call in calls:
        with pytest.raises(NotYourAthlete):
            call()
    # Nor can an athlete, even about themselves.
    with pytest.raises(NotYourAthlete):
        services.note_add(coach=athlete, athlete=athlete, body="Hi")
    assert counts() == before


def test_a_refused_plan_change_leaves_no_audit_row(clock, group):
    athlete = member(group, "on_track")
    before = counts()
    with pytest.raises(CoachingError, match="Pick a week from 1 to 1"):
        services.coach_move_week(coach=group.coach, athlete=athlete, week=3, reason="Go")
    with pytest.raises(CoachingError, match="from 1% to 10%"):
        services.coach_lower_cap(coach=group.coach, athlete=athlete, cap="0.20", reason="Go")
    with pytest.raises(CoachingError, match="Please write why"):
        services.coach_lower_cap(coach=group.coach, athlete=athlete, cap="0.05", reason=" ")
    assert counts() == before


def test_each_action_is_audited_once_naming_the_coach(clock, group):
    athlete = member(group, "rolled_back")
    coach = group.coach
    services.coach_move_week(coach=coach, athlete=athlete, week=2, reason="Back on track")
    services.coach_lower_cap(coach=coach, athlete=athlete, cap=Decimal("0.07"), reason="Easy")
    note = services.note_add(coach=coach, athlete=athlete, body="Watch the cadence")
    services.note_edit(coach=coach, note=note, body="Watch the cadence")  # unchanged: no row
    actions = list(CoachAction.objects.order_by("pk"))
    assert [(a.kind, a.coach, a.coach_name, a.athlete) for a in actions] == [
        ("week_moved", coach, "Casey Coach", athlete),
        ("cap_lowered", coach, "Casey Coach", athlete),
        ("note_added", coach, "Casey Coach", athlete),
    ]
    assert actions[0].plan_event.actor == coach
    assert actions[1].plan_event.kind == "cap_changed"
    with pytest.raises(TypeError):
        actions[0].save()  # append-only


def test_the_trail_outlives_the_coachs_account_but_not_the_athletes(clock, group):
    athlete = member(group, "on_track")
    services.note_add(coach=group.coach, athlete=athlete, body="x")
    group.coach.delete()
    action = CoachAction.objects.get()
    assert (action.coach, action.coach_name, action.kind) == (None, "Casey Coach", "note_added")
    athlete.delete()  # an athlete who deletes their account takes the trail about them along
    assert not CoachAction.objects.exists()


def test_a_note_can_only_be_changed_by_its_author_while_they_coach_the_athlete():
    note = CoachNoteFactory(body="Mine")
    stranger = GroupFactory().coach
    with pytest.raises(NotYourAthlete):
        services.note_edit(coach=stranger, note=note, body="Theirs")
    with pytest.raises(NotYourAthlete):
        services.note_delete(coach=stranger, note=note)
    outsider_note = CoachNoteFactory(member=False)  # the athlete is not (any more) a member
    with pytest.raises(NotYourAthlete):
        services.note_delete(coach=outsider_note.coach, note=outsider_note)
    assert CoachNote.objects.count() == 2
    assert not CoachAction.objects.exists()
