"""The reminder tick against the database: who gets a run-day reminder, a missed-run nudge or a
pause-over invitation, once, and at a query cost that does not grow with the people due."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notifications.models import Kind, OutboxMessage
from notifications.services import OutboxItem, preference_turn_off, preferences_save
from plans import reminders
from plans.models import Enrollment
from plans.reminders import (
    dedupe_key,
    people_due,
    register_selector,
    reminders_send,
    unregister_selector,
)
from plans.services import (
    plan_await_clearance,
    plan_pause,
    run_complete,
    run_skip,
)
from plans.tasks import send_reminders
from tests.factories import EnrollmentFactory, UserFactory
from tests.notifications.conftest import confirm_email

pytestmark = pytest.mark.django_db

# Monday 4 May 2026 in London (BST, UTC+1): 07:30 local is 06:30 UTC.
MONDAY = date(2026, 5, 4)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
EARLY_MONDAY = datetime(2026, 5, 4, 5, 0, tzinfo=UTC)  # 06:00 in London


def reminder_tick(day: date, hour: int = 6, minute: int = 30) -> datetime:
    """The tick (UTC) that holds 07:30 London time on `day` in summer."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def only_the_plans_kinds(monkeypatch):
    # The layers above plug their own kinds into the tick (symptoms: check-in invitations);
    # these tests measure and count the plans layer's kinds alone.
    monkeypatch.setattr(reminders, "_selectors", {})


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(EARLY_MONDAY, tick=False)
    return time_machine


def athlete_with_plan(weekdays=(0, 2, 4), **user) -> User:
    """A confirmed athlete whose plan starts today (Monday), runs on `weekdays`."""
    athlete = UserFactory(**user)
    confirm_email(athlete)
    EnrollmentFactory(athlete=athlete, weekdays=weekdays)
    return athlete


def rows(kind: str = Kind.RUN_REMINDER) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=kind).order_by("pk"))


def plan_of(athlete: User) -> Enrollment:
    return Enrollment.objects.get(athlete=athlete, finished_at=None)


# ---- run-day reminders ------------------------------------------------------------------


def test_a_due_athlete_gets_one_run_day_reminder_with_the_run_in_it():
    athlete = athlete_with_plan(display_name="Sam Runner")
    sent = reminders_send(now=reminder_tick(MONDAY))
    assert sent[Kind.RUN_REMINDER] == 1  # handed to the broker once the transaction commits
    (row,) = rows()
    assert row.recipient == athlete
    assert row.dedupe_key == f"run_reminder:{athlete.pk}:2026-05-04"
    assert row.status == OutboxMessage.Status.PENDING
    assert row.subject == "Today's run: Week 1, run 1"
    assert "Hello Sam Runner," in row.body_text
    assert "Main set: 5 x (1 min jog + 2 min walk)." in row.body_text
    first = plan_of(athlete).runs.order_by("sequence").first()
    assert f"http://127.0.0.1:8000/runs/{first.pk}/timer/" in row.body_text
    assert "<strong>Week 1, run 1</strong>" in row.body_html
    assert row.unsubscribe_url and row.unsubscribe_url in row.body_text


def test_it_is_sent_in_the_tick_that_holds_the_reminder_time_and_not_before():
    athlete_with_plan()
    reminders_send(now=reminder_tick(MONDAY, 6, 25))
    assert rows() == []
    reminders_send(
        now=reminder_tick(
            MONDAY,
            6,
            30,
        )
        + timedelta(seconds=40)
    )  # beat runs late
    assert len(rows()) == 1


def test_it_follows_the_reminder_time_the_athlete_chose():
    athlete = athlete_with_plan()
    preferences_save(user=athlete, choices={}, reminder_time=time(18, 5))
    reminders_send(now=reminder_tick(MONDAY))
    assert rows() == []
    reminders_send(now=datetime(2026, 5, 4, 17, 5, tzinfo=UTC))
    assert len(rows()) == 1


def test_running_the_tick_twice_gives_one_row():
    athlete_with_plan()
    reminders_send(now=reminder_tick(MONDAY))
    reminders_send(now=reminder_tick(MONDAY))
    reminders_send(now=reminder_tick(MONDAY, 6, 35))  # the look-back sees it again
    assert len(rows()) == 1


def test_a_tick_that_never_ran_is_made_up_by_the_next_one():
    athlete_with_plan()
    # The 06:30 and 06:35 ticks were lost (workers down); the 06:40 one catches up.
    reminders_send(now=reminder_tick(MONDAY, 6, 40))
    assert [r.dedupe_key.rsplit(":", 1)[1] for r in rows()] == ["2026-05-04"]


def test_no_reminder_on_a_day_without_a_run():
    athlete_with_plan()
    reminders_send(now=reminder_tick(TUESDAY))
    assert rows() == []
    reminders_send(now=reminder_tick(WEDNESDAY))
    assert len(rows()) == 1


def test_no_reminder_before_the_plan_starts(clock):
    athlete = UserFactory()
    confirm_email(athlete)
    EnrollmentFactory(athlete=athlete, start_date=WEDNESDAY)
    reminders_send(now=reminder_tick(MONDAY))
    assert rows() == []
    clock.move_to(reminder_tick(WEDNESDAY), tick=False)
    reminders_send(now=reminder_tick(WEDNESDAY))
    assert len(rows()) == 1


def test_no_reminder_once_today_s_run_is_done_or_skipped():
    done, skipped = athlete_with_plan(), athlete_with_plan()
    run_complete(run=plan_of(done).runs.order_by("sequence").first(), by=done)
    run_skip(run=plan_of(skipped).runs.order_by("sequence").first(), by=skipped)
    reminders_send(now=reminder_tick(MONDAY))
    assert rows() == []


def pause(athlete):
    plan_pause(
        enrollment_id=plan_of(athlete).pk,
        by=None,
        reason="Sharp pain.",
        until=MONDAY + timedelta(days=7),
    )


def await_clearance(athlete):
    plan_await_clearance(enrollment_id=plan_of(athlete).pk, by=None, reason="Numbness.")


def finish(athlete):
    Enrollment.objects.filter(athlete=athlete).update(
        status=Enrollment.Status.FINISHED, finished_at=EARLY_MONDAY
    )


def turn_off(athlete):
    preference_turn_off(user=athlete, kind=Kind.RUN_REMINDER)


def unconfirm(athlete):
    athlete.emailaddress_set.update(verified=False)


def change_address(athlete):
    # The confirmed address is the old one: the new one has not been proved yet.
    User.objects.filter(pk=athlete.pk).update(email="new-address@example.com")


@pytest.mark.parametrize(
    "change", [pause, await_clearance, finish, turn_off, unconfirm, change_address]
)
def test_no_reminder_when(change):
    athlete = athlete_with_plan()
    bystander = athlete_with_plan()
    change(athlete)
    reminders_send(now=reminder_tick(MONDAY))
    assert [r.recipient for r in rows()] == [bystander]


def test_no_reminder_without_a_plan():
    athlete = UserFactory()
    confirm_email(athlete)
    reminders_send(now=reminder_tick(MONDAY))
    assert OutboxMessage.objects.count() == 0


def test_each_athlete_gets_the_reminder_at_their_own_local_time(clock):
    kolkata = athlete_with_plan(time_zone="Asia/Kolkata")  # 07:30 there is 02:00 UTC
    london = athlete_with_plan()
    reminders_send(now=datetime(2026, 5, 4, 2, 0, tzinfo=UTC))
    assert [r.recipient for r in rows()] == [kolkata]
    reminders_send(now=reminder_tick(MONDAY))
    assert [r.recipient for r in rows()] == [kolkata, london]


def test_an_unknown_stored_time_zone_counts_as_utc_and_stops_nobody_else():
    broken = athlete_with_plan()
    User.objects.filter(pk=broken.pk).update(time_zone="Mars/Olympus_Mons")
    fine = athlete_with_plan()
    reminders_send(now=reminder_tick(MONDAY))  # 07:30 in London
    assert [r.recipient for r in rows()] == [fine]
    reminders_send(now=reminder_tick(MONDAY, 7, 30))  # 07:30 UTC
    assert [r.recipient.pk for r in rows()] == [fine.pk, broken.pk]


# ---- missed-run nudges -------------------------------------------------------------------


def test_the_morning_after_a_missed_run_day_brings_a_nudge():
    athlete = athlete_with_plan()
    reminders_send(now=reminder_tick(MONDAY))
    reminders_send(now=reminder_tick(TUESDAY))
    (nudge,) = rows(Kind.MISSED_RUN_NUDGE)
    # Keyed by the day that was missed.
    assert nudge.dedupe_key == dedupe_key(Kind.MISSED_RUN_NUDGE, athlete.pk, MONDAY)
    assert nudge.subject == "Week 1, run 1 is still waiting for you"
    assert "http://127.0.0.1:8000/today/" in nudge.body_text
    reminders_send(now=reminder_tick(TUESDAY))
    assert len(rows(Kind.MISSED_RUN_NUDGE)) == 1


def test_a_run_still_missed_days_later_is_nudged_about_each_missed_run_day():
    athlete_with_plan()
    for day in range(7):  # nobody runs all week: Mon, Wed and Fri are missed
        reminders_send(now=reminder_tick(MONDAY + timedelta(days=day)))
    nudges = [r.dedupe_key.rsplit(":", 1)[1] for r in rows(Kind.MISSED_RUN_NUDGE)]
    assert nudges == ["2026-05-04", "2026-05-06", "2026-05-08"]
    assert {r.subject for r in rows(Kind.MISSED_RUN_NUDGE)} == {
        "Week 1, run 1 is still waiting for you"
    }


def test_no_nudge_after_a_run_done_or_skipped(clock):
    done, skipped = athlete_with_plan(), athlete_with_plan()
    clock.move_to(datetime(2026, 5, 4, 17, 0, tzinfo=UTC), tick=False)
    run_complete(run=plan_of(done).runs.order_by("sequence").first(), by=done)
    run_skip(run=plan_of(skipped).runs.order_by("sequence").first(), by=skipped)
    reminders_send(now=reminder_tick(TUESDAY))
    assert rows(Kind.MISSED_RUN_NUDGE) == []


def test_no_nudge_when_the_run_was_done_early_this_morning(clock):
    athlete = athlete_with_plan()
    clock.move_to(datetime(2026, 5, 5, 5, 0, tzinfo=UTC), tick=False)  # Tuesday 06:00
    run_complete(run=plan_of(athlete).runs.order_by("sequence").first(), by=athlete)
    reminders_send(now=reminder_tick(TUESDAY))
    assert rows(Kind.MISSED_RUN_NUDGE) == []


def test_no_nudge_about_a_day_the_plan_was_started_after_the_reminder_time(clock):
    clock.move_to(datetime(2026, 5, 4, 19, 0, tzinfo=UTC), tick=False)  # Monday 20:00
    athlete_with_plan()
    reminders_send(now=reminder_tick(TUESDAY))
    assert rows(Kind.MISSED_RUN_NUDGE) == []


@pytest.mark.parametrize("change", [pause, await_clearance, finish, unconfirm])
def test_no_nudge_when(change, clock):
    athlete = athlete_with_plan()
    clock.move_to(datetime(2026, 5, 4, 19, 0, tzinfo=UTC), tick=False)
    change(athlete)
    reminders_send(now=reminder_tick(TUESDAY))
    assert rows(Kind.MISSED_RUN_NUDGE) == []


def test_no_nudge_for_someone_who_turned_nudges_off():
    athlete = athlete_with_plan()
    preference_turn_off(user=athlete, kind=Kind.MISSED_RUN_NUDGE)
    reminders_send(now=reminder_tick(TUESDAY))
    assert rows(Kind.MISSED_RUN_NUDGE) == []


def test_back_to_back_run_days_give_the_run_day_reminder_instead_of_a_nudge():
    athlete = athlete_with_plan(weekdays=(0, 1, 3))
    reminders_send(now=reminder_tick(TUESDAY))
    assert rows(Kind.MISSED_RUN_NUDGE) == []
    (reminder,) = rows(Kind.RUN_REMINDER)
    assert reminder.subject == "Today's run: Week 1, run 1"
    # Without run-day reminders, the nudge is what they get.
    other = athlete_with_plan(weekdays=(0, 1, 3))
    preference_turn_off(user=other, kind=Kind.RUN_REMINDER)
    reminders_send(now=reminder_tick(TUESDAY))
    assert [r.recipient for r in rows(Kind.MISSED_RUN_NUDGE)] == [other]
    assert [r.recipient for r in rows(Kind.RUN_REMINDER)] == [athlete]


# ---- pause-over invitations --------------------------------------------------------------


def test_the_day_a_pause_s_rest_ends_brings_one_check_in_invitation():
    athlete = athlete_with_plan()
    pause(athlete)  # until Monday 11 May
    for day in range(8):
        reminders_send(now=reminder_tick(MONDAY + timedelta(days=day)))
        reminders_send(now=reminder_tick(MONDAY + timedelta(days=day), 6, 35))
    (invite,) = rows(Kind.PAUSE_OVER)
    assert invite.dedupe_key == f"pause_over:{athlete.pk}:2026-05-11"
    assert invite.created_at == datetime(2026, 5, 4, 5, 0, tzinfo=UTC)  # the frozen clock
    assert invite.subject == "Your rest is over: time to check in"
    assert reminders.checkin_url() in invite.body_text
    assert rows(Kind.RUN_REMINDER) == []
    assert rows(Kind.MISSED_RUN_NUDGE) == []


def test_a_longer_pause_invites_on_its_new_last_day(clock):
    athlete = athlete_with_plan()
    pause(athlete)
    plan_pause(
        enrollment_id=plan_of(athlete).pk,
        by=None,
        reason="Still sore.",
        until=MONDAY + timedelta(days=10),
    )
    reminders_send(now=reminder_tick(MONDAY + timedelta(days=7)))
    assert rows(Kind.PAUSE_OVER) == []
    reminders_send(now=reminder_tick(MONDAY + timedelta(days=10)))
    assert [r.dedupe_key for r in rows(Kind.PAUSE_OVER)] == [f"pause_over:{athlete.pk}:2026-05-14"]


def test_no_pause_over_invitation_while_awaiting_clearance_or_turned_off():
    waiting, quiet = athlete_with_plan(), athlete_with_plan()
    await_clearance(waiting)
    pause(quiet)
    preference_turn_off(user=quiet, kind=Kind.PAUSE_OVER)
    reminders_send(now=reminder_tick(MONDAY + timedelta(days=7)))
    assert OutboxMessage.objects.count() == 0


# ---- cost, the task and the beat entry ---------------------------------------------------


# Pinned, like Zulip's query counts: one tick, whatever the number of people due (up to a
# batch of 500): the due pairs; per kind the ids due (outbox keys matched in SQL); per batch
# the people, their emails already there, their plans (three queries; for nudges four, and
# the day's reminders) and the outbox's own five.
TICK_READS = 24
# The beat task's own share: the due pairs, then one query per kind for the ids due.
FAN_OUT_READS = 4


@pytest.mark.parametrize("count", [10, 100])
def test_the_tick_costs_the_same_queries_for_10_and_100_people_due(count):
    for _ in range(count):
        athlete_with_plan()  # started Monday, runs Mon/Wed/Fri: due Wednesday
        athlete_with_plan(weekdays=(1, 3, 5))  # due Tuesday, missed it: nudged Wednesday
    with CaptureQueriesContext(connection) as queries:
        reminders_send(now=reminder_tick(WEDNESDAY))
    assert OutboxMessage.objects.filter(kind=Kind.RUN_REMINDER).count() == count
    assert OutboxMessage.objects.filter(kind=Kind.MISSED_RUN_NUDGE).count() == count
    inserts = sum(1 for q in queries if q["sql"].startswith("INSERT"))
    assert len(queries) - inserts == TICK_READS
    # One bulk insert per kind. SQLite takes at most 999 parameters in a statement, so there
    # Django splits 100 rendered rows in two; PostgreSQL has no such limit.
    split = connection.vendor == "sqlite" and count == 100
    assert inserts == (4 if split else 2)


def fan_out(now: datetime) -> list[tuple[str, date, list[int]]]:
    published: list[tuple[str, date, list[int]]] = []
    reminders.reminders_fan_out(
        now=now,
        publish=lambda kind, day, ids: published.append((kind, day, ids)),
        publish_selector=lambda name: None,
    )
    return published


def test_the_beat_task_only_selects_ids_and_hands_them_out_in_batches(
    monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(reminders, "BATCH_SIZE", 4)
    reminded = [athlete_with_plan() for _ in range(5)]  # due Wednesday
    nudged = [athlete_with_plan(weekdays=(1, 3, 5)) for _ in range(5)]  # missed Tuesday
    with django_assert_num_queries(FAN_OUT_READS):
        published = fan_out(reminder_tick(WEDNESDAY))
    assert not OutboxMessage.objects.exists()  # nothing is written by the tick itself
    # Selected in SQL by their plans' run days: Wednesday for a reminder, Tuesday for a
    # nudge (the batches decide whether a run is really due, or was missed).
    assert [(kind, day, len(batch)) for kind, day, batch in published] == [
        (Kind.RUN_REMINDER, WEDNESDAY, 4),
        (Kind.RUN_REMINDER, WEDNESDAY, 1),
        (Kind.MISSED_RUN_NUDGE, WEDNESDAY, 4),
        (Kind.MISSED_RUN_NUDGE, WEDNESDAY, 1),
    ]
    for kind, people in ((Kind.RUN_REMINDER, reminded), (Kind.MISSED_RUN_NUDGE, nudged)):
        assert [pk for k, _, b in published if k == kind for pk in b] == [a.pk for a in people]

    # The workers run the batches: each person gets the one email meant for them.
    for kind, day, batch in published:
        reminders.reminder_batch_send(kind, day, batch, now=reminder_tick(WEDNESDAY))
    assert {r.recipient for r in rows(Kind.RUN_REMINDER)} == set(reminded)
    assert {r.recipient for r in rows(Kind.MISSED_RUN_NUDGE)} == set(nudged)
    # The next ticks of the look-back find the written keys in SQL: no batch goes out again.
    assert fan_out(reminder_tick(WEDNESDAY, 6, 35)) == []


def test_a_batch_run_twice_writes_each_email_once():
    athlete = athlete_with_plan()
    ((kind, day, batch),) = [b for b in fan_out(reminder_tick(MONDAY)) if b[0] == "run_reminder"]
    assert reminders.reminder_batch_send(kind, day, batch, now=reminder_tick(MONDAY)) == 1
    assert reminders.reminder_batch_send(kind, day, batch, now=reminder_tick(MONDAY)) == 0
    assert [r.recipient for r in rows()] == [athlete]


def test_a_batch_reads_the_people_again_and_skips_who_turned_the_kind_off_since():
    athlete = athlete_with_plan()
    ((kind, day, batch),) = [b for b in fan_out(reminder_tick(MONDAY)) if b[0] == "run_reminder"]
    preference_turn_off(user=athlete, kind=Kind.RUN_REMINDER)
    assert reminders.reminder_batch_send(kind, day, batch, now=reminder_tick(MONDAY)) == 0
    assert not rows()


def test_a_tick_with_nobody_due_costs_one_query(django_assert_num_queries):
    athlete_with_plan()
    with django_assert_num_queries(1):
        assert reminders_send(now=reminder_tick(MONDAY, 12, 0)) == {
            Kind.RUN_REMINDER: 0,
            Kind.MISSED_RUN_NUDGE: 0,
            Kind.PAUSE_OVER: 0,
        }


def test_the_task_takes_no_arguments_reads_the_clock_and_can_run_twice(clock):
    from config.celery import app

    athlete_with_plan()
    clock.move_to(reminder_tick(MONDAY) + timedelta(seconds=3), tick=False)
    # Its batches run in this process (the real broker and worker: test_reminders_real).
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        assert send_reminders() == {
            Kind.RUN_REMINDER: 1,
            Kind.MISSED_RUN_NUDGE: 0,
            Kind.PAUSE_OVER: 0,
        }
        send_reminders()
    finally:
        app.conf.task_always_eager = saved
    assert len(rows()) == 1
    assert send_reminders.ignore_result


def test_the_beat_runs_the_tick_every_five_minutes_and_drops_stale_ticks():
    entry = settings.CELERY_BEAT_SCHEDULE["plans-send-reminders"]
    assert entry["task"] == send_reminders.name
    assert entry["schedule"] == crontab(minute="*/5")
    assert reminders.TICK_MINUTES == 5
    assert 0 < entry["options"]["expires"] < 5 * 60


def test_the_layers_above_plug_their_kinds_into_the_same_tick():
    coach = UserFactory(display_name="Alex Coach")
    confirm_email(coach)

    def digests(now):
        for user, day in people_due(User.objects.filter(pk=coach.pk), now):
            yield OutboxItem(
                recipient=user,
                kind=Kind.COACH_DIGEST,
                dedupe_key=dedupe_key(Kind.COACH_DIGEST, user.pk, day),
                template="coach_digest",
                context={"week_of": day, "groups": []},
            )

    register_selector("test_digest", digests)
    try:
        reminders_send(now=reminder_tick(MONDAY))
        reminders_send(now=reminder_tick(MONDAY))
    finally:
        unregister_selector("test_digest")
    assert [r.dedupe_key for r in rows(Kind.COACH_DIGEST)] == [
        f"coach_digest:{coach.pk}:2026-05-04"
    ]


def test_a_failing_kind_does_not_stop_the_others_and_is_raised():
    athlete_with_plan()
    coach = UserFactory()
    confirm_email(coach)

    def broken(now):
        raise RuntimeError("a bug in another layer")

    def working(now):
        yield OutboxItem(
            recipient=coach,
            kind=Kind.COACH_DIGEST,
            dedupe_key=dedupe_key(Kind.COACH_DIGEST, coach.pk, MONDAY),
            template="coach_digest",
            context={"groups": []},
        )

    register_selector("broken", broken)
    register_selector("working", working)
    try:
        with pytest.raises(RuntimeError, match="a bug in another layer"):
            reminders_send(now=reminder_tick(MONDAY))
    finally:
        unregister_selector("broken")
        unregister_selector("working")
    assert len(rows()) == 1
    assert len(rows(Kind.COACH_DIGEST)) == 1
