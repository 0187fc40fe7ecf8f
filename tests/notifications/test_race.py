"""Two requests racing for the same outbox key on PostgreSQL: one row, one send."""

from __future__ import annotations

import threading
import time as clock

import pytest
from django.db import connection, connections, transaction

from notifications.models import Kind, OutboxMessage
from notifications.services import email_send_once
from tests.conftest import need

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_second_of_two_racing_inserts_gets_the_first_ones_row(runner, published):
    need("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL")
    key = f"coach_alert:{runner.pk}:log:7"
    results: dict[str, int] = {}
    errors: list[BaseException] = []
    inserted, commit = threading.Event(), threading.Event()

    def send(name: str, hold: bool) -> None:
        try:
            with transaction.atomic():
                message = email_send_once(
                    recipient=runner,
                    kind=Kind.COACH_ALERT,
                    dedupe_key=key,
                    template="coach_alert",
                    context={"athlete_name": "Sam", "urgent": True, "athlete_url": "http://x/"},
                )
                results[name] = message.pk
                if hold:
                    inserted.set()
                    assert commit.wait(10)
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    first = threading.Thread(target=send, args=("first", True))
    first.start()
    assert inserted.wait(10)
    second = threading.Thread(target=send, args=("second", False))
    second.start()
    # Wait until the second insert is blocked on the first one's uncommitted key.
    deadline = clock.monotonic() + 10
    with connection.cursor() as cursor:
        while clock.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'INSERT INTO \"notifications_outboxmessage\"%%'"
            )
            if cursor.fetchone()[0]:
                break
            clock.sleep(0.02)
        else:
            pytest.fail("the second insert never waited on the first")
    commit.set()
    first.join(10)
    second.join(10)
    assert not errors, errors
    assert results["first"] == results["second"]
    assert OutboxMessage.objects.filter(dedupe_key=key).count() == 1
    assert published == [results["first"]]
