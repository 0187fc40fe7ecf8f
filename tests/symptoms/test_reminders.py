"""The next-morning check-in invitation rides the plans reminder tick."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from notifications.models import Kind, OutboxMessage
from plans.reminders import reminders_send
from plans.services import plan_pause, run_complete
from symptoms.services import consent_give, pain_log_record
from tests.factories import EnrollmentFactory, UserFactory
from tests.notifications.conftest import confirm_email

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 5, 4)  # London is on BST (UTC+1): 07:30 local is 06:30 UTC


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def invitations() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=Kind.CHECKIN_INVITE))


@pytest.fixture
def runner(time_machine):
    time_machine.move_to(at(MONDAY, 5), tick=False)
    athlete = UserFactory(time_zone="Europe/London")
    confirm_email(athlete)
    plan = EnrollmentFactory(athlete=athlete)
    return athlete, plan


def run_first(athlete, plan, time_machine, when: datetime):
    time_machine.move_to(when, tick=False)
    run = plan.runs.filter(status="planned").order_by("sequence").first()
    return run_complete(run=run, by=athlete)


def test_it_invites_the_morning_after_a_run_once(runner, time_machine):
    athlete, plan = runner
    run_first(athlete, plan, time_machine, at(MONDAY, 17))  # 18:00 Monday in London
    tuesday_tick = at(MONDAY + timedelta(days=1), 6, 30)
    time_machine.move_to(tuesday_tick, tick=False)
    reminders_send(now=tuesday_tick)
    reminders_send(now=tuesday_tick)
    (row,) = invitations()
    assert row.recipient == athlete
    assert row.dedupe_key == f"checkin_invite:{athlete.pk}:2026-05-05"
    assert "/pain/check-in/" in row.body_text
    assert "How does your back feel this morning?" in row.subject


def test_it_does_not_invite_on_the_day_of_the_run_or_two_days_later(runner, time_machine):
    athlete, plan = runner
    run_first(athlete, plan, time_machine, at(MONDAY, 5, 10))  # 06:10 Monday, before 07:30
    reminders_send(now=at(MONDAY, 6, 30))
    reminders_send(now=at(MONDAY + timedelta(days=2), 6, 30))
    assert invitations() == []


def test_the_local_date_of_the_run_decides(time_machine):
    # 23:30 UTC on Monday is already Tuesday in Auckland: the invitation is Wednesday's.
    time_machine.move_to(at(MONDAY, 12), tick=False)
    athlete = UserFactory(time_zone="Pacific/Auckland")
    confirm_email(athlete)
    plan = EnrollmentFactory(athlete=athlete)
    run_first(athlete, plan, time_machine, at(MONDAY, 23, 30))
    # 07:30 Wednesday in Auckland (NZST, UTC+12) is 19:30 UTC Tuesday.
    wednesday_morning = at(MONDAY + timedelta(days=1), 19, 30)
    time_machine.move_to(wednesday_morning, tick=False)
    reminders_send(now=wednesday_morning)
    (row,) = invitations()
    assert row.dedupe_key.endswith(":2026-05-06")


def test_no_invitation_once_they_checked_in_or_while_paused(runner, time_machine):
    athlete, plan = runner
    run_first(athlete, plan, time_machine, at(MONDAY, 17))
    consent_give(athlete=athlete)
    time_machine.move_to(at(MONDAY + timedelta(days=1), 6), tick=False)  # 07:00 Tuesday
    pain_log_record(athlete=athlete, pain=0)
    reminders_send(now=at(MONDAY + timedelta(days=1), 6, 30))
    assert invitations() == []

    other = UserFactory(time_zone="Europe/London")
    confirm_email(other)
    time_machine.move_to(at(MONDAY, 5), tick=False)
    other_plan = EnrollmentFactory(athlete=other)
    run_first(other, other_plan, time_machine, at(MONDAY, 17))
    plan_pause(
        enrollment_id=other_plan.pk, by=other, reason="test", until=MONDAY + timedelta(days=8)
    )
    reminders_send(now=at(MONDAY + timedelta(days=1), 6, 30))
    assert invitations() == []


def test_turned_off_or_unconfirmed_gets_none(runner, time_machine):
    from notifications.services import preference_turn_off

    athlete, plan = runner
    preference_turn_off(user=athlete, kind=Kind.CHECKIN_INVITE)
    unconfirmed = UserFactory(time_zone="Europe/London")
    unconfirmed_plan = EnrollmentFactory(athlete=unconfirmed)
    run_first(athlete, plan, time_machine, at(MONDAY, 17))
    run_first(unconfirmed, unconfirmed_plan, time_machine, at(MONDAY, 17))
    reminders_send(now=at(MONDAY + timedelta(days=1), 6, 30))
    assert invitations() == []


@pytest.mark.parametrize("people", [2, 12])
def test_the_invitations_cost_the_same_queries_for_few_and_many(time_machine, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plans import reminders
    from symptoms.reminders import checkin_invitations

    time_machine.move_to(at(MONDAY, 5), tick=False)
    for _ in range(people):
        athlete = UserFactory(time_zone="Europe/London")
        confirm_email(athlete)
        run_first(athlete, EnrollmentFactory(athlete=athlete), time_machine, at(MONDAY, 17))
    tick = at(MONDAY + timedelta(days=1), 6, 30)
    time_machine.move_to(tick, tick=False)
    assert reminders.selectors()  # registered by SymptomsConfig.ready()
    with CaptureQueriesContext(connection) as queries:
        items = list(checkin_invitations(tick))
    assert len(items) == people
    assert len(queries) == 5  # due pairs, people, unsent keys, their runs, their check-ins
