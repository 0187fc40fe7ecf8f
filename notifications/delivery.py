"""Delivering outbox rows: claim, send over SMTP, record; and the sweep that catches strays.

At-least-once, and where a duplicate can happen
------------------------------------------------
A send claims its row with one conditional UPDATE (pending -> sending); a second task for the
same row finds nothing to claim and stops. So a task delivered twice, a tick run twice, or a
sweep racing a retry all send once.

The one window left is the gap between the SMTP server accepting the message (its reply to
DATA) and our UPDATE to "sent". A worker killed in that gap leaves the row in "sending"; the
sweep reclaims it once the lease (SENDING_LEASE, 10 minutes) has passed and it is sent again.
So: a worker lost mid-send means that one email may arrive twice, ten-odd minutes apart, and
nothing is ever lost. A worker lost before the server's reply causes no duplicate, because a
server discards a message whose sender vanished before the end of DATA.

The lease must stay longer than the send task's hard time limit (2 minutes), so a slow send
that is still alive is never reclaimed under it. The "solo" and "threads" pools do not enforce
time limits; run the prefork pool in production.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.services import enqueue_sends

log = logging.getLogger(__name__)

Status = OutboxMessage.Status

# Transport trouble worth retrying: SMTPException is an OSError, and so are refused and timed
# out connections and TLS errors.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)

# A row claimed longer ago than this is taken to belong to a dead worker.
SENDING_LEASE = timedelta(minutes=10)
# The sweep pushes each row it enqueues this far back, so a backlog is not enqueued again on
# every tick while the workers catch up.
SWEEP_BACKOFF = timedelta(minutes=5)
# Claims of one row (sends, retries, reclaims) before it is given up as failed.
MAX_CLAIMS = 8
PURGE_AFTER = timedelta(days=180)


class DeliveryRefused(Exception):
    """The server refused this message for good (5xx for the address or the content)."""


def outbox_deliver(message_id: int, *, retry_in: timedelta | None) -> str:
    """Send one outbox row if it is still waiting; return what happened.

    On a transport error the row goes back to pending for ``retry_in`` (or to failed when
    ``retry_in`` is None: the last try) and the error is raised again for Celery to retry.
    """
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(pk=message_id, status=Status.PENDING).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return "not pending"  # sent, suppressed, gone, or another worker holds it
    message = OutboxMessage.objects.get(pk=message_id)
    mine = OutboxMessage.objects.filter(
        pk=message_id, status=Status.SENDING, attempts=message.attempts
    )
    try:
        _smtp_send(message)
    except TRANSIENT_ERRORS as exc:
        if _is_permanent(exc):
            mine.update(status=Status.FAILED, last_error=_describe(exc))
            raise DeliveryRefused(_describe(exc)) from exc
        if retry_in is None:
            mine.update(status=Status.FAILED, last_error=_describe(exc))
        else:
            mine.update(
                status=Status.PENDING,
                next_attempt_at=timezone.now() + retry_in,
                last_error=_describe(exc),
            )
        raise
    except Exception as exc:
        # A bug, not the network: record it, stop retrying this row, and let it be seen.
        mine.update(status=Status.FAILED, last_error=_describe(exc))
        raise
    if mine.update(status=Status.SENT, sent_at=timezone.now(), last_error="") != 1:
        log.warning("Outbox %s was sent after its lease ran out.", message_id)
    return "sent"


def _smtp_send(message: OutboxMessage) -> None:
    headers = {
        "Message-ID": message.message_id,
        # RFC 3834: no out-of-office replies to an automated message.
        "Auto-Submitted": "auto-generated",
    }
    if message.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
        headers=headers,
    )
    email.attach_alternative(message.body_html, "text/html")
    email.send()


def _is_permanent(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return False


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def outbox_sweep(*, min_age: timedelta, batch_size: int = 500, max_batches: int = 20) -> int:
    """Enqueue what fell through the cracks; return how many rows were enqueued.

    Pending rows whose time came more than ``min_age`` ago (their enqueue failed or was lost)
    and rows stuck in "sending" past the lease (their worker died) are enqueued again, in
    batches. The claim in ``outbox_deliver`` makes an extra enqueue harmless. Broker errors
    are raised: the sweep runs in a worker, and the next tick tries again.
    """
    now = timezone.now()
    stale = now - SENDING_LEASE
    gave_up = OutboxMessage.objects.filter(
        status=Status.SENDING, claimed_at__lt=stale, attempts__gte=MAX_CLAIMS
    ).update(status=Status.FAILED, last_error="Gave up: the worker was lost on every attempt.")
    if gave_up:
        log.error("Outbox: gave up on %d message(s) whose workers kept dying.", gave_up)
    reclaimed = OutboxMessage.objects.filter(status=Status.SENDING, claimed_at__lt=stale).update(
        status=Status.PENDING,
        next_attempt_at=now - min_age,
        last_error="Reclaimed: the worker sending it was lost.",
    )
    if reclaimed:
        log.warning("Outbox: reclaimed %d message(s) from lost workers.", reclaimed)
    enqueued = 0
    for _ in range(max_batches):
        ids = list(
            OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now - min_age)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        OutboxMessage.objects.filter(pk__in=ids, status=Status.PENDING).update(
            next_attempt_at=now + SWEEP_BACKOFF
        )
        enqueued += enqueue_sends(ids, swallow_broker_errors=False)
    return enqueued


def outbox_retry(ids: list[int]) -> int:
    """Give failed rows another go (the admin's "send again")."""
    now = timezone.now()
    retry = list(
        OutboxMessage.objects.filter(pk__in=ids, status=Status.FAILED).values_list("pk", flat=True)
    )
    OutboxMessage.objects.filter(pk__in=retry, status=Status.FAILED).update(
        status=Status.PENDING, next_attempt_at=now, attempts=0
    )
    return len(retry)


def outbox_purge(*, now=None, batch_size: int = 1000) -> int:
    """Delete finished rows older than PURGE_AFTER. Their keys name past days or old logs,
    which nothing creates again, so no duplicate can follow."""
    cutoff = (now or timezone.now()) - PURGE_AFTER
    finished = [Status.SENT, Status.FAILED, Status.SUPPRESSED]
    deleted = 0
    while True:
        ids = list(
            OutboxMessage.objects.filter(status__in=finished, created_at__lt=cutoff).values_list(
                "pk", flat=True
            )[:batch_size]
        )
        if not ids:
            return deleted
        deleted += OutboxMessage.objects.filter(pk__in=ids).delete()[0]
