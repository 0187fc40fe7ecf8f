"""A person's data rights: everything we hold about them in one download, and account deletion.

The registry lives in the bottom layer so no app imports a higher one: each app registers, in
its AppConfig.ready(), an exporter (what it holds about a person, as JSON-ready data) and, where
a plain cascade from the user row is not enough, an eraser (run in the deletion's transaction,
before the user row goes). accounts itself exports the profile, groups and email addresses.

tests/accounts/test_data_rights.py enumerates every model: one that holds personal data but
appears in no export fails it, so a new model cannot escape.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts.models import Invite, Membership, TrainingGroup, User

Exporter = Callable[[User], Any]
Eraser = Callable[[User], None]

EXPORT_FORMAT = 1

_exporters: dict[str, Exporter] = {}
_erasers: dict[str, Eraser] = {}


def register_exporter(name: str, fn: Exporter) -> None:
    """`fn(user)` returns a JSON-serialisable dict or list of all the app holds about `user`.

    Registering the same name again replaces the earlier function (ready() may run twice)."""
    _exporters[name] = fn


def register_eraser(name: str, fn: Eraser) -> None:
    """`fn(user)` deletes rows about `user` that no foreign key to them would cascade to."""
    _erasers[name] = fn


def fields(obj, *names: str) -> dict[str, Any]:
    """The named attributes of a row, with dates as ISO strings and decimals as strings."""
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif value is not None and not isinstance(value, bool | int | float | str | list | dict):
            value = str(value)
        out[name] = value
    return out


def _accounts_export(user: User) -> dict[str, Any]:
    from allauth.account.models import EmailAddress, EmailConfirmation
    from django.contrib.admin.models import LogEntry

    memberships = Membership.objects.filter(athlete=user).select_related("group__coach")
    groups = TrainingGroup.objects.filter(coach=user).order_by("pk")
    return {
        "profile": {
            **fields(user, "id", "email", "display_name", "time_zone", "role"),
            **fields(user, "date_joined", "last_login", "is_active", "is_staff"),
            "permission_groups": list(user.groups.values_list("name", flat=True)),
        },
        "memberships": [
            {
                **fields(m, "id", "joined_at"),
                "group": m.group.name,
                "group_id": m.group_id,
                "coach": m.group.coach.display_name,
            }
            for m in memberships.order_by("pk")
        ],
        "coached_groups": [
            {
                **fields(g, "id", "name", "created_at", "archived_at"),
                # Who is in the group, by membership and athlete id only.
                "members": [
                    fields(m, "id", "athlete_id", "joined_at") for m in g.memberships.order_by("pk")
                ],
            }
            for g in groups
        ],
        "invites": [
            fields(i, "id", "group_id", "token", "created_at", "revoked_at")
            for i in Invite.objects.filter(group__coach=user).order_by("pk")
        ],
        "email_addresses": [
            fields(e, "id", "email", "verified", "primary")
            for e in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "email_confirmations": [
            {**fields(c, "id", "created", "sent"), "email": c.email_address.email}
            for c in EmailConfirmation.objects.filter(email_address__user=user).order_by("pk")
        ],
        "admin_log": [
            fields(e, "id", "action_time", "object_repr", "change_message")
            for e in LogEntry.objects.filter(user=user).order_by("pk")
        ],
    }


def export_user_data(user: User) -> dict[str, Any]:
    """Everything every app holds about `user`, keyed by app."""
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "accounts": _accounts_export(user),
    }
    for name, exporter in sorted(_exporters.items()):
        data[name] = exporter(user)
    return data


def user_sessions(user: User) -> list[str]:
    """Keys of the database sessions signed in as `user` (any device)."""
    keys = []
    # Expired rows too: they still name the person until clearsessions runs.
    for session in Session.objects.iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            keys.append(session.session_key)
    return keys


def account_delete(*, user: User) -> None:
    """Delete the person and everything that is theirs, in one transaction.

    Rows about them cascade from the user row (plans, logs, notes, memberships; a coach's
    groups, invites and memberships in them). Records of what they did to someone else's plan
    keep their name only (PlanEvent.actor_name, CoachAction.coach_name, recorded_by_name).
    Registered erasers remove what no foreign key reaches (e.g. coach alerts about their logs).
    Their sessions on every device end too.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        for _name, eraser in sorted(_erasers.items()):
            eraser(user)
        Session.objects.filter(session_key__in=user_sessions(user)).delete()
        user.delete()
