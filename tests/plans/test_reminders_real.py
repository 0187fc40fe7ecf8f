"""The reminder tick for real: Redis as the broker, a Celery worker, and an SMTP server that
receives the mail. Skipped on a laptop without Redis; a failure in CI (tests.conftest.need)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from notifications.localtime import tick_window
from notifications.models import NotificationPreference, OutboxMessage
from notifications.services import preferences_save
from notifications.tasks import send_outbox_message
from plans.progression import describe_main_set
from plans.reminders import TICK_MINUTES
from plans.tasks import send_reminders
from tests.factories import EnrollmentFactory, UserFactory
from tests.notifications.conftest import (
    confirm_email,
    need_redis,
    smtp,  # noqa: F401 (a fixture)
)
from tests.realservices import celery_worker, drain

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# No daylight saving: the current tick's local time always exists, and only once.
ZONE = "Asia/Kolkata"


def athlete_due_now():
    """An athlete whose reminder time is the current tick's, on a day their plan has a run."""
    _, end = tick_window(datetime.now(UTC), TICK_MINUTES)
    local = end.astimezone(ZoneInfo(ZONE))
    athlete = UserFactory(time_zone=ZONE, display_name="Sam Runner")
    confirm_email(athlete)
    preferences_save(user=athlete, choices={}, reminder_time=local.time())
    day = local.date()
    plan = EnrollmentFactory(
        athlete=athlete,
        start_date=day,
        today=day,
        weekdays=(day.weekday(), (day.weekday() + 3) % 7),
    )
    return athlete, plan.runs.order_by("sequence").first()


def test_a_due_athlete_gets_one_run_day_email_with_the_run_and_a_working_unsubscribe_link(
    smtp,  # noqa: F811 (the fixture imported above)
    client,
):
    need_redis()
    athlete, run = athlete_due_now()
    with celery_worker():
        # The beat tick twice (as a beat that fired twice would), through the broker.
        send_reminders.delay()
        send_reminders.delay()
        smtp.wait_for(1)
        message = OutboxMessage.objects.get(recipient=athlete)
        # The send task twice more, and another tick: still one email.
        send_outbox_message.delay(message.pk)
        send_outbox_message.delay(message.pk)
        send_reminders.delay()
        drain()
    assert len(smtp.messages) == 1
    (received,) = smtp.messages
    assert received["To"] == athlete.email
    assert received["Subject"] == "Today's run: Week 1, run 1"
    assert received["Message-ID"] == message.message_id
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    main_set = describe_main_set(run.segment_list)
    assert main_set == "5 x (1 min jog + 2 min walk)"
    assert "Hello Sam Runner," in text
    assert f"Main set: {main_set}." in text and f"Main set: {main_set}." in html
    assert f"/runs/{run.pk}/timer/" in text
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 1)

    link = re.search(r"Stop these emails \(one click\): (\S+)", text).group(1)
    assert received["List-Unsubscribe"].strip() == f"<{link}>"
    assert f'href="{link}"' in html
    path = urlsplit(link).path
    assert "Stop these emails?" in client.get(path).content.decode()
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not NotificationPreference.objects.get(user=athlete).run_reminder
