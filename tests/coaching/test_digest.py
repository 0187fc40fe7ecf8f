"""The weekly coach digest rides the reminder tick: Monday at the coach's local time, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from notifications.models import Kind, OutboxMessage
from notifications.services import preference_turn_off
from plans.reminders import reminders_send
from tests.factories import CoachFactory, EnrollmentFactory, GroupFactory, MembershipFactory
from tests.notifications.conftest import confirm_email

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 5, 4)  # 07:30 in London (BST) is 06:30 UTC
MONDAY_TICK = datetime(2026, 5, 4, 6, 30, tzinfo=UTC)


@pytest.fixture
def group(time_machine):
    time_machine.move_to(datetime(2026, 5, 4, 5, 0, tzinfo=UTC), tick=False)
    coach = CoachFactory(display_name="Casey Coach", time_zone="Europe/London")
    confirm_email(coach)
    group = GroupFactory(coach=coach, name="Monday beginners")
    ana = MembershipFactory(group=group, athlete__display_name="Ana Active").athlete
    EnrollmentFactory(athlete=ana)
    MembershipFactory(group=group, athlete__display_name="Neil Notyet")
    return group


def digests() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=Kind.COACH_DIGEST))


def test_a_coach_gets_one_digest_on_monday_morning(group, time_machine):
    time_machine.move_to(MONDAY_TICK, tick=False)
    reminders_send(now=MONDAY_TICK)
    reminders_send(now=MONDAY_TICK)
    (row,) = digests()
    assert row.recipient == group.coach
    assert row.dedupe_key == f"coach_digest:{group.coach.pk}:2026-05-04"
    assert "Monday beginners" in row.body_text
    assert "Ana Active: On track, 0 of 0 runs done" in row.body_text
    assert "Neil Notyet: Not started" in row.body_text
    assert f"/coach/groups/{group.pk}/" in row.body_text


def test_no_digest_on_other_days_or_when_turned_off(group, time_machine):
    tuesday = MONDAY_TICK + timedelta(days=1)
    time_machine.move_to(tuesday, tick=False)
    reminders_send(now=tuesday)
    assert digests() == []
    preference_turn_off(user=group.coach, kind=Kind.COACH_DIGEST)
    next_monday = MONDAY_TICK + timedelta(days=7)
    time_machine.move_to(next_monday, tick=False)
    reminders_send(now=next_monday)
    assert digests() == []


def test_a_coach_with_only_archived_groups_gets_none(group, time_machine):
    group.archived_at = MONDAY_TICK
    group.save()
    time_machine.move_to(MONDAY_TICK, tick=False)
    reminders_send(now=MONDAY_TICK)
    assert digests() == []


@pytest.mark.parametrize("coaches", [1, 4])
def test_the_digests_cost_the_same_queries_for_few_and_many_coaches(time_machine, coaches):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coaching.digest import coach_digests

    time_machine.move_to(datetime(2026, 5, 4, 5, 0, tzinfo=UTC), tick=False)
    for _ in range(coaches):
        coach = CoachFactory(time_zone="Europe/London")
        confirm_email(coach)
        for _ in range(3):
            EnrollmentFactory(athlete=MembershipFactory(group__coach=coach).athlete)
    time_machine.move_to(MONDAY_TICK, tick=False)
    with CaptureQueriesContext(connection) as queries:
        items = list(coach_digests(MONDAY_TICK))
    assert len(items) == coaches
    assert len(queries) == 10  # due pairs, coaches, unsent keys, their groups, 6 for the rows
