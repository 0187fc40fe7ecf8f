"""Sending email once: the outbox, and each person's preferences.

Other apps call ``email_send_once`` (one email, e.g. a coach alert when a log is saved) or
``email_send_once_bulk`` (a beat tick's batch). Both write the outbox row inside the caller's
transaction and enqueue the send only after it commits. If the broker cannot be reached the
row simply stays pending and ``outbox_sweep`` enqueues it later: the caller never fails
because Redis is down.

Who gets nothing (the row is written with status "suppressed", so the key still holds and the
admin shows why):

- a person who turned that kind off (coach alerts cannot be turned off);
- a person whose address is not confirmed -- for every kind, coach alerts included. A coach
  alert names an athlete and says they reported a red flag: health information about someone
  else, which must not go to an address nobody has proved they own (a typo sends it to a
  stranger). The safety of the athlete does not hang on this email: the athlete is told what
  to do on the page the moment they log, and the coach's group page lists red flags first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from itertools import islice
from typing import Any

import kombu.exceptions
import redis.exceptions
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.fields import TimeField
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse

from notifications.models import (
    ALWAYS_ON_KINDS,
    DEFAULT_REMINDER_TIME,
    OPTIONAL_KINDS,
    Kind,
    NotificationPreference,
    OutboxMessage,
)
from notifications.tokens import unsubscribe_token

log = logging.getLogger(__name__)

Status = OutboxMessage.Status
# What a publish raises when Redis is down or unreachable. Nothing else is swallowed.
BROKER_ERRORS = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
ENQUEUE_BATCH = 500


@dataclass(frozen=True)
class OutboxItem:
    """One email for ``email_send_once_bulk``: the same arguments as ``email_send_once``."""

    recipient: Any  # accounts.User
    kind: str
    dedupe_key: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


# ---- sending ---------------------------------------------------------------------------


def email_send_once(
    *, recipient, kind: str, dedupe_key: str, template: str, context: Mapping[str, Any]
) -> OutboxMessage:
    """Write the outbox row for this key unless it exists, and send it after commit.

    ``template`` names ``templates/email/<template>.txt`` and ``.html`` (usually the kind).
    Returns the row: newly pending, suppressed, or the one that already held this key (which
    is not enqueued again; if it is still pending the sweep owns it).
    """
    _check_kind(kind)
    existing = _existing(dedupe_key)
    if existing is not None:
        return existing
    preference = NotificationPreference.objects.filter(user=recipient).first()
    reason = _suppression_reason(
        kind,
        wants=preference.wants(kind) if preference else True,
        verified=recipient.has_verified_email,
    )
    message = _build(recipient, kind, dedupe_key, template, context, suppressed=reason)
    try:
        # A savepoint: losing the race must not break the caller's transaction.
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        winner = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if winner is None:  # the error was about something else
            raise
        return winner
    if message.status == Status.PENDING:
        enqueue_on_commit([message.pk])
    return message


def email_send_once_bulk(items: Iterable[OutboxItem], *, batch_size: int = 500) -> int:
    """The bulk form for a beat tick: a handful of queries per batch, none per person.

    Keys that already exist are skipped without rendering; rows are inserted with
    ``ignore_conflicts`` so a tick running twice (or beside another) cannot duplicate them;
    the rows this call inserted that are pending are enqueued after commit, in batches.
    Returns how many rows were handed to the broker (or left for the sweep).
    """
    queued = 0
    iterator = iter(items)
    while batch := list(islice(iterator, batch_size)):
        queued += _send_batch(batch)
    return queued


def _existing(dedupe_key: str) -> OutboxMessage | None:
    # Cheap and usually right; the unique index is what makes it certain.
    return OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()


def _send_batch(items: Sequence[OutboxItem]) -> int:
    unique: dict[str, OutboxItem] = {}
    for item in items:
        _check_kind(item.kind)
        unique.setdefault(item.dedupe_key, item)
    taken = set(
        OutboxMessage.objects.filter(dedupe_key__in=unique).values_list("dedupe_key", flat=True)
    )
    fresh = [item for key, item in unique.items() if key not in taken]
    if not fresh:
        return 0
    user_ids = {item.recipient.pk for item in fresh}
    preferences = {
        p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)
    }
    verified = verified_user_ids(user_ids)
    rows = []
    for item in fresh:
        preference = preferences.get(item.recipient.pk)
        reason = _suppression_reason(
            item.kind,
            wants=preference.wants(item.kind) if preference else True,
            verified=item.recipient.pk in verified.get(item.recipient.email.lower(), ()),
        )
        rows.append(
            _build(
                item.recipient,
                item.kind,
                item.dedupe_key,
                item.template,
                item.context,
                suppressed=reason,
            )
        )
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    # Pending rows under our fresh keys: ours, or a racing tick's (a second enqueue of the
    # same row is harmless: the send task claims it once).
    ids = list(
        OutboxMessage.objects.filter(
            dedupe_key__in=[item.dedupe_key for item in fresh], status=Status.PENDING
        ).values_list("pk", flat=True)
    )
    if ids:
        enqueue_on_commit(ids)
    return len(ids)


def enqueue_on_commit(ids: Sequence[int]) -> None:
    transaction.on_commit(lambda: enqueue_sends(ids, swallow_broker_errors=True))


def enqueue_sends(ids: Sequence[int], *, swallow_broker_errors: bool) -> int:
    """Publish one send task per row id, sharing one broker connection per batch.

    With ``swallow_broker_errors`` a broker that cannot be reached is logged, and the rows
    stay pending for the sweep. Returns how many were published.
    """
    from config.celery import app
    from notifications.tasks import send_outbox_message

    published = 0
    try:
        for start in range(0, len(ids), ENQUEUE_BATCH):
            with app.producer_or_acquire() as producer:
                for pk in ids[start : start + ENQUEUE_BATCH]:
                    send_outbox_message.apply_async((pk,), producer=producer)
                    published += 1
    except BROKER_ERRORS as exc:
        if not swallow_broker_errors:
            raise
        log.warning(
            "Broker unreachable; %d outbox message(s) left pending for the sweep: %s",
            len(ids) - published,
            exc,
        )
    return published


def _check_kind(kind: str) -> None:
    if kind not in Kind.values:
        raise ValueError(f"{kind!r} is not a kind of email we send.")


def _suppression_reason(kind: str, *, wants: bool, verified: bool) -> str:
    if not wants:
        return OutboxMessage.Suppressed.TURNED_OFF
    if not verified:
        return OutboxMessage.Suppressed.UNVERIFIED
    return ""


def _build(recipient, kind, dedupe_key, template, context, *, suppressed: str) -> OutboxMessage:
    message = OutboxMessage(recipient=recipient, kind=kind, dedupe_key=dedupe_key)
    if suppressed:
        message.status = Status.SUPPRESSED
        message.suppressed_reason = suppressed
        return message
    # Rendered now, so a retry next hour sends exactly what was meant now.
    unsubscribe_url = ""
    if kind not in ALWAYS_ON_KINDS:
        unsubscribe_url = absolute_url(
            reverse(
                "notifications:unsubscribe",
                args=[unsubscribe_token(user_id=recipient.pk, kind=kind)],
            )
        )
    full_context = {
        **context,
        "recipient": recipient,
        "kind": kind,
        "kind_label": Kind(kind).label,
        "site_url": settings.SITE_URL,
        "preferences_url": absolute_url(reverse("notifications:preferences")),
        "unsubscribe_url": unsubscribe_url,
    }
    message.to_email = recipient.email
    message.subject = " ".join(
        render_to_string(f"email/{template}.txt#subject", full_context).split()
    )
    message.body_text = render_to_string(f"email/{template}.txt", full_context).strip() + "\n"
    message.body_html = render_to_string(f"email/{template}.html", full_context)
    message.unsubscribe_url = unsubscribe_url
    return message


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# ---- who wants what ----------------------------------------------------------------------


def verified_user_ids(user_ids: Iterable[int]) -> dict[str, set[int]]:
    """Confirmed addresses of these people, in one query: {lower-case email: {user ids}}."""
    found: dict[str, set[int]] = {}
    for user_id, email in EmailAddress.objects.filter(
        user_id__in=list(user_ids), verified=True
    ).values_list("user_id", "email"):
        found.setdefault(email.lower(), set()).add(user_id)
    return found


def wants_email(kind: str) -> Q:
    """A filter for ``User`` querysets: people who would receive this kind of email.

    For a tick's selection: ``User.objects.filter(wants_email("run_reminder"), ...)``.
    """
    _check_kind(kind)
    confirmed = Exists(
        EmailAddress.objects.filter(user=OuterRef("pk"), email__iexact=OuterRef("email"))
        .filter(verified=True)
        .values("pk")
    )
    if kind in ALWAYS_ON_KINDS:
        return Q(confirmed)
    return Q(confirmed) & (
        Q(notification_preference__isnull=True) | Q(**{f"notification_preference__{kind}": True})
    )


def with_reminder_time(users):
    """Annotate a ``User`` queryset with ``reminder_at``: their local reminder time."""
    return users.annotate(
        reminder_at=Coalesce(
            "notification_preference__reminder_time",
            Value(DEFAULT_REMINDER_TIME, output_field=TimeField()),
        )
    )


def preferences_for(user) -> NotificationPreference:
    """The person's preferences; an unsaved row with the defaults if they never saved any."""
    found = NotificationPreference.objects.filter(user=user).first()
    return found or NotificationPreference(user=user)


@transaction.atomic
def preferences_save(
    *, user, choices: Mapping[str, bool], reminder_time: time | None = None
) -> NotificationPreference:
    """Save someone's choices; what they turn off stops at once, queued emails included."""
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    for kind, enabled in choices.items():
        if kind not in OPTIONAL_KINDS:
            raise ValueError(f"{kind!r} cannot be turned on or off.")
        setattr(preference, kind, bool(enabled))
    if reminder_time is not None:
        preference.reminder_time = reminder_time.replace(second=0, microsecond=0)
    preference.save()
    turned_off = [kind for kind in OPTIONAL_KINDS if not getattr(preference, kind)]
    if turned_off:
        OutboxMessage.objects.filter(
            recipient=user, kind__in=turned_off, status=Status.PENDING
        ).update(status=Status.SUPPRESSED, suppressed_reason=OutboxMessage.Suppressed.TURNED_OFF)
    return preference


def preference_turn_off(*, user, kind: str) -> NotificationPreference:
    return preferences_save(user=user, choices={kind: False})
