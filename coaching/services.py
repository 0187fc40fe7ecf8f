"""What a coach does, each in one transaction that also records a CoachAction naming them.

Groups, invites and memberships are written by accounts' services, plan changes by plans'
services (which write a PlanEvent naming the coach), clearances by symptoms' service; these
functions add the audit row and the checks that only make sense for a coach. Failures the
coach can act on raise CoachingError with a sentence to show them; nothing is saved half-way.

Access is checked here as well as in the views: a coach acts only on athletes who are members
of a group the coach owns (accounts.authorizers.coach_can_see).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import services as accounts
from accounts.authorizers import coach_can_see
from accounts.models import TrainingGroup, User
from coaching.models import NOTE_MAX_LENGTH, ActionKind, CoachAction, CoachNote
from plans import services as plans
from plans.models import Enrollment, PlanEvent
from symptoms import services as symptoms

REASON_MAX_LENGTH = 1000
GROUP_NAME_MAX_LENGTH = 80


class CoachingError(Exception):
    """An action we cannot take; `field` names the form field the message belongs to."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotYourAthlete(CoachingError):
    """The athlete is in none of the coach's groups (the views answer 404)."""


def _audit(
    *,
    coach: User,
    kind: str,
    group: TrainingGroup | None = None,
    athlete: User | None = None,
    plan_event: PlanEvent | None = None,
    reason: str = "",
    data: dict | None = None,
) -> CoachAction:
    return CoachAction.objects.create(
        coach=coach,
        coach_name=str(coach)[:80],
        kind=kind,
        group=group,
        athlete=athlete,
        plan_event=plan_event,
        reason=reason,
        data=data or {},
    )


def _check_coach_sees(coach: User, athlete: User) -> None:
    if not coach.is_coach or not coach_can_see(coach, athlete.pk):
        raise NotYourAthlete("This athlete is not in any of your groups.")


def _checked_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CoachingError(
            "Please write why you are making this change: the athlete sees it on their plan.",
            field="reason",
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise CoachingError(f"Keep the reason to {REASON_MAX_LENGTH} characters.", field="reason")
    return reason


def _checked_group_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise CoachingError("Please give the group a name.", field="name")
    if len(name) > GROUP_NAME_MAX_LENGTH:
        raise CoachingError(f"Keep the name to {GROUP_NAME_MAX_LENGTH} characters.", field="name")
    return name


def _name_taken(coach: User, name: str, exclude_pk: int | None = None) -> bool:
    return (
        TrainingGroup.objects.filter(coach=coach, name__iexact=name, archived_at=None)
        .exclude(pk=exclude_pk)
        .exists()
    )


# --- Groups, invites, members -----------------------------------------------------------------


def coach_group_create(*, coach: User, name: str) -> TrainingGroup:
    """A new group with a live invite link."""
    name = _checked_group_name(name)
    if _name_taken(coach, name):
        raise CoachingError("You already have a group with this name.", field="name")
    try:
        with transaction.atomic():
            group = accounts.group_create(coach=coach, name=name)
            _audit(coach=coach, kind=ActionKind.GROUP_CREATED, group=group, data={"name": name})
    except IntegrityError:  # a double click raced us to the same name
        raise CoachingError("You already have a group with this name.", field="name") from None
    return group


def coach_group_rename(*, coach: User, group: TrainingGroup, name: str) -> TrainingGroup:
    name = _checked_group_name(name)
    if name == group.name:
        return group
    if group.archived_at is None and _name_taken(coach, name, exclude_pk=group.pk):
        raise CoachingError("You already have a group with this name.", field="name")
    old = group.name
    try:
        with transaction.atomic():
            group.name = name
            group.save(update_fields=["name"])
            _audit(
                coach=coach,
                kind=ActionKind.GROUP_RENAMED,
                group=group,
                data={"from": old, "to": name},
            )
    except IntegrityError:
        group.name = old
        raise CoachingError("You already have a group with this name.", field="name") from None
    return group


def coach_group_archive(*, coach: User, group: TrainingGroup) -> bool:
    """Archive a group: its invite link stops working and no alerts come from it. Athletes
    stay members (and can leave); the coach can still read it. Archiving twice changes
    nothing. Returns whether it was archived now."""
    with transaction.atomic():
        locked = TrainingGroup.objects.select_for_update().get(pk=group.pk)
        if locked.archived_at is not None:
            return False
        locked.archived_at = timezone.now()
        locked.save(update_fields=["archived_at"])
        # Revoke the link too, so restoring the group does not bring an old link back.
        accounts.invite_revoke(group=locked)
        _audit(coach=coach, kind=ActionKind.GROUP_ARCHIVED, group=locked)
    group.archived_at = locked.archived_at
    return True


def coach_group_restore(*, coach: User, group: TrainingGroup) -> bool:
    """Bring an archived group back (without an invite link until the coach makes one)."""
    try:
        with transaction.atomic():
            locked = TrainingGroup.objects.select_for_update().get(pk=group.pk)
            if locked.archived_at is None:
                return False
            if _name_taken(coach, locked.name, exclude_pk=locked.pk):
                raise CoachingError(
                    "You have another group with this name: rename one of them first."
                )
            locked.archived_at = None
            locked.save(update_fields=["archived_at"])
            _audit(coach=coach, kind=ActionKind.GROUP_RESTORED, group=locked)
    except IntegrityError:
        raise CoachingError(
            "You have another group with this name: rename one of them first."
        ) from None
    group.archived_at = None
    return True


def coach_invite_regenerate(*, coach: User, group: TrainingGroup):
    if group.archived_at is not None:
        raise CoachingError("This group is archived: restore it before inviting anyone.")
    with transaction.atomic():
        invite = accounts.invite_regenerate(group=group)
        _audit(coach=coach, kind=ActionKind.INVITE_REGENERATED, group=group)
    return invite


def coach_invite_revoke(*, coach: User, group: TrainingGroup) -> int:
    with transaction.atomic():
        revoked = accounts.invite_revoke(group=group)
        if revoked:
            _audit(coach=coach, kind=ActionKind.INVITE_REVOKED, group=group)
    return revoked


def coach_member_remove(*, coach: User, group: TrainingGroup, athlete: User) -> bool:
    """Take an athlete out of the group: from then on the coach sees nothing new of them
    (unless they are in another of the coach's groups)."""
    with transaction.atomic():
        removed = accounts.membership_remove(group=group, athlete_id=athlete.pk)
        if removed:
            _audit(coach=coach, kind=ActionKind.ATHLETE_REMOVED, group=group, athlete=athlete)
    return removed


# --- Notes ------------------------------------------------------------------------------------


def _checked_note(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise CoachingError("Write something in the note first.", field="body")
    if len(body) > NOTE_MAX_LENGTH:
        raise CoachingError(f"Keep a note to {NOTE_MAX_LENGTH} characters.", field="body")
    return body


def note_add(*, coach: User, athlete: User, body: str) -> CoachNote:
    """A private note: only the coach who wrote it ever sees it."""
    _check_coach_sees(coach, athlete)
    body = _checked_note(body)
    with transaction.atomic():
        note = CoachNote.objects.create(coach=coach, athlete=athlete, body=body)
        _audit(coach=coach, kind=ActionKind.NOTE_ADDED, athlete=athlete, data={"note": note.pk})
    return note


def note_edit(*, coach: User, note: CoachNote, body: str) -> CoachNote:
    if note.coach_id != coach.pk:
        raise NotYourAthlete("This note is not yours.")
    _check_coach_sees(coach, note.athlete)
    body = _checked_note(body)
    if body == note.body:
        return note
    with transaction.atomic():
        note.body = body
        note.updated_at = timezone.now()
        note.save(update_fields=["body", "updated_at"])
        _audit(
            coach=coach, kind=ActionKind.NOTE_EDITED, athlete=note.athlete, data={"note": note.pk}
        )
    return note


def note_delete(*, coach: User, note: CoachNote) -> None:
    if note.coach_id != coach.pk:
        raise NotYourAthlete("This note is not yours.")
    _check_coach_sees(coach, note.athlete)
    with transaction.atomic():
        note_id = note.pk
        note.delete()
        _audit(
            coach=coach, kind=ActionKind.NOTE_DELETED, athlete=note.athlete, data={"note": note_id}
        )


# --- Plan changes -----------------------------------------------------------------------------


def open_plan(athlete: User) -> Enrollment | None:
    """The athlete's plan in progress (running, paused or waiting for a clearance)."""
    return Enrollment.objects.filter(athlete=athlete, finished_at=None).first()


def _plan_for_change(coach: User, athlete: User) -> Enrollment:
    _check_coach_sees(coach, athlete)
    enrollment = open_plan(athlete)
    if enrollment is None:
        raise CoachingError(f"{athlete} has no plan in progress.")
    return enrollment


def _latest_event(enrollment: Enrollment, coach: User, kind: str) -> PlanEvent | None:
    return (
        PlanEvent.objects.filter(enrollment=enrollment, actor=coach, kind=kind)
        .order_by("-pk")
        .first()
    )


def coach_move_week(*, coach: User, athlete: User, week: int, reason: str) -> Enrollment:
    """Put the athlete on another week, e.g. to undo a roll-back the coach disagrees with."""
    reason = _checked_reason(reason)
    enrollment = _plan_for_change(coach, athlete)
    from_week = enrollment.current_week
    try:
        with transaction.atomic():
            enrollment = plans.plan_move_to_week(
                enrollment_id=enrollment.pk, by=coach, week=week, reason=reason
            )
            _audit(
                coach=coach,
                kind=ActionKind.WEEK_MOVED,
                athlete=athlete,
                plan_event=_latest_event(enrollment, coach, PlanEvent.Kind.OVERRIDE),
                reason=reason,
                data={"from_week": from_week, "to_week": week},
            )
    except plans.PlanError as exc:
        raise CoachingError(str(exc), field="week") from None
    return enrollment


def coach_cancel_hold(*, coach: User, athlete: User, reason: str) -> Enrollment:
    """The current week will not be repeated after all."""
    reason = _checked_reason(reason)
    enrollment = _plan_for_change(coach, athlete)
    if not enrollment.repeat_current_week:
        raise CoachingError("There is no hold to cancel: the week is not set to be repeated.")
    try:
        with transaction.atomic():
            enrollment = plans.plan_hold_cancel(
                enrollment_id=enrollment.pk, by=coach, reason=reason
            )
            _audit(
                coach=coach,
                kind=ActionKind.HOLD_CANCELLED,
                athlete=athlete,
                plan_event=_latest_event(enrollment, coach, PlanEvent.Kind.OVERRIDE),
                reason=reason,
                data={"week": enrollment.current_week},
            )
    except plans.PlanError as exc:
        raise CoachingError(str(exc)) from None
    return enrollment


def coach_lower_cap(*, coach: User, athlete: User, cap: Decimal | str, reason: str) -> Enrollment:
    """Lower how much the athlete's weekly running may grow (only down, during a plan)."""
    reason = _checked_reason(reason)
    enrollment = _plan_for_change(coach, athlete)
    old = enrollment.weekly_increase_cap
    if Decimal(str(cap)) == old:
        raise CoachingError(f"The cap is {enrollment.cap_percent}% already.", field="cap_percent")
    try:
        with transaction.atomic():
            enrollment = plans.plan_set_cap(
                enrollment_id=enrollment.pk, by=coach, cap=cap, reason=reason
            )
            _audit(
                coach=coach,
                kind=ActionKind.CAP_LOWERED,
                athlete=athlete,
                plan_event=_latest_event(enrollment, coach, PlanEvent.Kind.CAP_CHANGED),
                reason=reason,
                data={"from": str(old), "to": str(enrollment.weekly_increase_cap)},
            )
    except plans.PlanError as exc:
        raise CoachingError(str(exc), field="cap_percent") from None
    return enrollment


def coach_record_clearance(
    *,
    coach: User,
    athlete: User,
    cleared_on: date,
    clinician: str,
    note: str = "",
    now: datetime | None = None,
):
    """A clinician cleared the athlete to run: the plan restarts one week back."""
    _check_coach_sees(coach, athlete)
    try:
        with transaction.atomic():
            clearance = symptoms.clearance_record(
                athlete=athlete,
                recorded_by=coach,
                cleared_on=cleared_on,
                clinician=clinician,
                note=note,
                now=now,
            )
            _audit(
                coach=coach,
                kind=ActionKind.CLEARANCE_RECORDED,
                athlete=athlete,
                plan_event=_latest_event(clearance.enrollment, coach, PlanEvent.Kind.CLEARED),
                reason=f"Cleared by {clearance.clinician} on {cleared_on.isoformat()}.",
                data={"clearance": clearance.pk, "cleared_on": cleared_on.isoformat()},
            )
    except symptoms.SymptomsError as exc:
        raise CoachingError(str(exc), field=exc.field) from None
    return clearance
