"""Health data rights: the download holds every row about a person (checked against every model
in the project), and deleting an account leaves no row anywhere pointing at them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.data_rights import account_delete, export_user_data
from accounts.models import TrainingGroup, User
from coaching import services as coaching
from coaching.review import athlete_rows
from notifications.models import NotificationPreference, OutboxMessage
from plans.feeds import calendar_feed_issue
from plans.models import Enrollment, PlanEvent
from plans.services import local_today
from symptoms.models import PainDataRead, PainLog
from tests.coaching.conftest import MONDAY_MORNING, do_runs, log
from tests.factories import CoachFactory, EnrollmentFactory, UserFactory

# Models that hold nothing about a person, or whose personal part is handled elsewhere.
NOT_PERSONAL = {
    "auth.Permission": "what a role may do; no person in it",
    "auth.Group": "permission roles; a person's roles are exported in accounts.profile",
    "contenttypes.ContentType": "the list of models",
    "sites.Site": "the site's own name and domain",
    "sessions.Session": "opaque sign-in state, not data about the person; every session of "
    "a deleted account is removed (tested below)",
    "axes.AccessAttempt": "sign-in throttling by typed name and address: a security record "
    "kept for lockout (SECURITY.md), not keyed to an account",
    "axes.AccessLog": "sign-in security log, as above",
    "axes.AccessFailureLog": "sign-in security log, as above",
    "axes.AccessAttemptExpiration": "when a lockout ends, as above",
}

# Where each personal model's rows appear in the download: (app key, section) lists whose items
# carry the row's "id" (or a dict that is the row).
COVERED: dict[str, list[tuple[str, ...]]] = {
    "accounts.User": [("accounts", "profile")],
    "accounts.TrainingGroup": [("accounts", "coached_groups")],
    "accounts.Membership": [("accounts", "memberships"), ("accounts", "coached_groups", "members")],
    "accounts.Invite": [("accounts", "invites")],
    "account.EmailAddress": [("accounts", "email_addresses")],
    "account.EmailConfirmation": [("accounts", "email_confirmations")],
    "admin.LogEntry": [("accounts", "admin_log")],
    "notifications.NotificationPreference": [("notifications", "preferences")],
    "notifications.OutboxMessage": [("notifications", "emails")],
    "plans.Enrollment": [("plans", "plans")],
    "plans.PlannedRun": [("plans", "runs")],
    "plans.PlanEvent": [("plans", "plan_events"), ("plans", "plan_changes_made_for_others")],
    "plans.CalendarFeed": [("plans", "calendar_feeds")],
    "plans.TrainingRecord": [("plans", "training_record")],
    "symptoms.HealthDataConsent": [("symptoms", "consents")],
    "symptoms.PainLog": [("symptoms", "pain_logs")],
    "symptoms.ClinicianClearance": [
        ("symptoms", "clearances"),
        ("symptoms", "clearances_you_recorded_for_others"),
    ],
    "symptoms.PainDataRead": [("symptoms", "pain_data_reads"), ("symptoms", "pain_data_you_read")],
    "coaching.CoachNote": [("coaching", "notes_about_you"), ("coaching", "notes_you_wrote")],
    "coaching.CoachAction": [
        ("coaching", "actions_about_you"),
        ("coaching", "your_actions_as_coach"),
    ],
}


def _label(model) -> str:
    return model._meta.label


def _foreign_keys(model) -> list[models.ForeignKey]:
    return [
        f
        for f in model._meta.get_fields()
        if f.concrete and f.is_relation and (f.many_to_one or f.one_to_one)
    ]


def personal_models() -> set[str]:
    """Models with a chain of foreign keys to the user model."""
    personal = {_label(User)}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if _label(model) in personal:
                continue
            if any(_label(f.related_model) in personal for f in _foreign_keys(model)):
                personal.add(_label(model))
                changed = True
    return personal


def rows_about(user: User) -> dict[str, set[int]]:
    """Every row reachable from the user by foreign keys pointing at them (or at their rows)."""
    owned: dict[str, set[int]] = {_label(User): {user.pk}}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            ids = set(owned.get(_label(model), set()))
            for f in _foreign_keys(model):
                targets = owned.get(_label(f.related_model))
                if targets:
                    ids |= set(
                        model._base_manager.filter(**{f"{f.attname}__in": targets}).values_list(
                            "pk", flat=True
                        )
                    )
            if ids != owned.get(_label(model), set()):
                owned[_label(model)] = ids
                changed = True
    return {label: ids for label, ids in owned.items() if ids}


def _ids_at(data, path: tuple[str, ...]) -> set[int]:
    items = [data]
    for key in path:
        nxt = []
        for item in items:
            value = item.get(key) if isinstance(item, dict) else None
            if isinstance(value, list):
                nxt.extend(value)
            elif value is not None:
                nxt.append(value)
        items = nxt
    return {item["id"] for item in items if isinstance(item, dict) and "id" in item}


@pytest.fixture
def people(db, time_machine):
    """A coach with a group and an athlete in it whose plan, logs and history touch every app."""
    time_machine.move_to(MONDAY_MORNING, tick=False)
    coach = CoachFactory(display_name="Casey Coach")
    group = coaching.coach_group_create(coach=coach, name="Monday beginners")
    coaching.coach_invite_regenerate(coach=coach, group=group)
    athlete = UserFactory(display_name="Ana Athlete")
    EmailAddress.objects.create(user=athlete, email=athlete.email, verified=True, primary=True)
    group.memberships.create(athlete=athlete)
    plan = EnrollmentFactory(athlete=athlete)
    (first,) = do_runs(plan, 1)
    log(first, pain=0)
    (second,) = do_runs(plan, 1)
    log(second, pain=3, radiating=True)  # a red flag: coach alerted, plan awaits clearance
    coaching.coach_record_clearance(
        coach=coach, athlete=athlete, cleared_on=local_today(athlete), clinician="Dr Physio"
    )
    coaching.note_add(coach=coach, athlete=athlete, body="Watch her stride on hills.")
    calendar_feed_issue(athlete=athlete)
    NotificationPreference.objects.create(user=athlete, run_reminder=False)
    OutboxMessage.objects.create(
        recipient=athlete, kind="run_reminder", dedupe_key=f"run_reminder:{athlete.pk}:x"
    )
    PainDataRead.objects.create(
        coach=coach, coach_name=str(coach), athlete=athlete, page=PainDataRead.Page.HISTORY
    )
    return coach, athlete, group


def test_every_model_is_exported_or_explained():
    unknown = {_label(m) for m in apps.get_models()} - set(COVERED) - set(NOT_PERSONAL)
    assert not unknown, (
        f"Add these models to an exporter (and COVERED) or to NOT_PERSONAL: {unknown}"
    )
    leaking = personal_models() & set(NOT_PERSONAL)
    assert not leaking, f"These models point at a person but are not exported: {leaking}"


@pytest.mark.parametrize("who", ["athlete", "coach"])
def test_export_holds_every_row_about_the_person(people, who):
    coach, athlete, _group = people
    user = {"athlete": athlete, "coach": coach}[who]
    data = json.loads(json.dumps(export_user_data(user)))  # JSON-serialisable as it stands
    owned = rows_about(user)
    assert set(owned) - {"accounts.User"}, "the fixture gives the person some rows"
    for label, ids in owned.items():
        assert label in COVERED, f"{label} holds rows about the person but is not exported"
        exported = set().union(*(_ids_at(data, path) for path in COVERED[label]))
        assert ids <= exported, f"{label} rows {sorted(ids - exported)} missing from the export"


def test_athlete_export_is_rich_and_keeps_coach_notes_private(people):
    coach, athlete, _group = people
    data = export_user_data(athlete)
    assert data["accounts"]["memberships"][0]["coach"] == "Casey Coach"
    assert len(data["symptoms"]["pain_logs"]) == 2
    assert data["symptoms"]["consents"] and data["symptoms"]["clearances"]
    assert data["plans"]["calendar_feeds"] and data["plans"]["plan_events"]
    assert data["notifications"]["preferences"]["run_reminder"] is False
    assert data["symptoms"]["pain_data_reads"][0]["coach_name"] == "Casey Coach"
    (note,) = data["coaching"]["notes_about_you"]
    assert note["by"] == "Casey Coach"
    assert "on hills" not in json.dumps(data)  # the note's text stays the coach's
    coach_data = export_user_data(coach)
    assert coach_data["coaching"]["notes_you_wrote"][0]["body"] == "Watch her stride on hills."
    assert coach.email not in json.dumps(data)  # another person's address never appears


# --- Deletion ---------------------------------------------------------------------------------


def _user_references(user_id: int) -> list[str]:
    found = []
    for model in apps.get_models():
        for f in _foreign_keys(model):
            if f.related_model is User and model._base_manager.filter(**{f.attname: user_id}):
                found.append(f"{_label(model)}.{f.name}")
    return found


def _signed_in_session(client, user) -> str:
    client.force_login(user)
    return client.session.session_key


def test_deleting_an_athlete_leaves_nothing_pointing_at_them(people, client):
    coach, athlete, group = people
    other = _signed_in_session(client.__class__(), athlete)  # another device
    _signed_in_session(client, athlete)
    owned = rows_about(athlete)
    plan_ids = owned["plans.Enrollment"]
    log_ids = owned["symptoms.PainLog"]
    assert OutboxMessage.objects.filter(recipient=coach, kind="coach_alert").exists()

    response = client.post(reverse("accounts:data_delete"), {"email": athlete.email.upper()})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:data_deleted")
    assert not User.objects.filter(pk=athlete.pk).exists()
    assert _user_references(athlete.pk) == []
    for model in apps.get_models():
        for f in _foreign_keys(model):
            if f.related_model is Enrollment:
                assert not model._base_manager.filter(**{f"{f.attname}__in": plan_ids}).exists()
    assert not PlanEvent.objects.filter(source_log_id__in=log_ids).exists()
    # The coach's alert about her red flag described her health: it goes with her.
    assert not OutboxMessage.objects.filter(recipient=coach, kind="coach_alert").exists()
    assert not Session.objects.filter(session_key=other).exists()
    assert not [s for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY)]
    # The coach's pages no longer list her.
    assert athlete_rows([group.pk], now=timezone.now()) == []
    client.force_login(coach)
    page = client.get(reverse("coaching:group_review", args=[group.pk]))
    assert "Ana Athlete" not in page.content.decode()


def test_the_goodbye_page_follows_and_the_person_is_signed_out(people, client):
    _coach, athlete, _group = people
    client.force_login(athlete)
    response = client.post(reverse("accounts:data_delete"), {"email": athlete.email}, follow=True)
    assert "Your account is deleted" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert client.get(reverse("accounts:data")).status_code == 302  # to the login page


def test_deleting_a_coach_keeps_their_athletes_and_their_name_in_history(people):
    coach, athlete, group = people
    coach_id = coach.pk
    account_delete(user=coach)

    assert not TrainingGroup.objects.filter(pk=group.pk).exists()
    assert not athlete.memberships.exists()
    assert _user_references(coach_id) == []
    # The athlete keeps her plan, logs and the history that names the coach.
    assert Enrollment.objects.filter(athlete=athlete).exists()
    assert PainLog.objects.filter(athlete=athlete).count() == 2
    cleared = PlanEvent.objects.get(enrollment__athlete=athlete, kind="cleared")
    assert cleared.actor_id is None and cleared.by == "Casey Coach"
    assert athlete.clearances.get().recorded_by_name == "Casey Coach"
    read = PainDataRead.objects.get(athlete=athlete)
    assert read.coach_id is None and read.coach_name == "Casey Coach"


def test_a_wrong_confirmation_deletes_nothing(people, client):
    _coach, athlete, _group = people
    client.force_login(athlete)
    before = {_label(m): m._base_manager.count() for m in apps.get_models()}

    response = client.post(reverse("accounts:data_delete"), {"email": "someone@example.com"})

    assert response.status_code == 400
    assert "nothing was deleted" in response.content.decode()
    assert {_label(m): m._base_manager.count() for m in apps.get_models()} == before
    assert client.get(reverse("accounts:data")).status_code == 200  # still signed in
    assert client.post(reverse("accounts:data_delete"), {}).status_code == 400


# --- Pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["data", "data_download", "data_delete"])
def test_it_requires_login(client, db, name):
    response = client.get(reverse(f"accounts:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_downloads_json_that_is_not_cached(people, client):
    _coach, athlete, _group = people
    client.force_login(athlete)
    response = client.get(reverse("accounts:data_download"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="walk-run-coach-data')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["accounts"]["profile"]["email"] == athlete.email


def test_the_account_page_links_to_your_data(client, athlete):
    client.force_login(athlete)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("accounts:data") in page
    data_page = client.get(reverse("accounts:data"))
    assert reverse("accounts:data_download") in data_page.content.decode()
    assert "no-store" in data_page["Cache-Control"]


def test_the_delete_page_tells_a_coach_what_goes(people, client):
    coach, _athlete, _group = people
    client.force_login(coach)
    page = client.get(reverse("accounts:data_delete")).content.decode()
    assert "Monday beginners" in page
    assert "Your athletes stay" in page


# --- Coach reads of pain data are audited -----------------------------------------------------


def assert_one_read(coach, athlete, page) -> None:
    """Exactly one read recorded: this coach, by name too, of this athlete, on this page, now."""
    read = PainDataRead.objects.get()
    assert (read.coach, read.coach_name, read.athlete, read.page) == (
        coach,
        "Casey Coach",
        athlete,
        page,
    )
    assert timezone.now() - read.read_at < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("coaching:athlete", PainDataRead.Page.ATHLETE),
        ("symptoms:athlete_history", PainDataRead.Page.HISTORY),
    ],
)
def test_a_coach_reading_pain_data_is_recorded(people, client, url, page):
    coach, athlete, _group = people
    PainDataRead.objects.all().delete()
    client.force_login(coach)
    assert client.get(reverse(url, args=[athlete.pk])).status_code == 200
    assert_one_read(coach, athlete, page)


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("coaching:group_review", PainDataRead.Page.GROUP_REVIEW),
        ("coaching:group_export", PainDataRead.Page.GROUP_EXPORT),
    ],
)
def test_a_group_page_records_a_read_for_each_athlete_whose_pain_it_shows(
    people, client, url, page
):
    coach, athlete, group = people
    newcomer = UserFactory(display_name="Nell Newcomer")  # in the group, nothing logged yet
    group.memberships.create(athlete=newcomer)
    PainDataRead.objects.all().delete()
    client.force_login(coach)
    response = client.get(reverse(url, args=[group.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"Nell Newcomer" in body and b"Ana Athlete" in body
    assert_one_read(coach, athlete, page)


def test_a_group_page_read_again_within_the_hour_is_the_same_read(people, client, time_machine):
    coach, athlete, group = people
    PainDataRead.objects.all().delete()
    client.force_login(coach)
    url = reverse("coaching:group_review", args=[group.pk])
    for _ in range(3):  # refreshing, sorting, filtering
        assert client.get(url, {"sort": "name"}).status_code == 200
    assert PainDataRead.objects.count() == 1
    time_machine.shift(timedelta(minutes=61))
    assert client.get(url).status_code == 200
    assert PainDataRead.objects.count() == 2
    # Another page is another read.
    assert client.get(reverse("coaching:group_export", args=[group.pk])).status_code == 200
    assert PainDataRead.objects.filter(page=PainDataRead.Page.GROUP_EXPORT).count() == 1


def test_a_refused_read_is_not_recorded(people, client):
    _coach, athlete, _group = people
    PainDataRead.objects.all().delete()
    client.force_login(CoachFactory())
    assert client.get(reverse("symptoms:athlete_history", args=[athlete.pk])).status_code == 404
    assert client.get(reverse("coaching:athlete", args=[athlete.pk])).status_code == 404
    assert client.get(reverse("coaching:group_review", args=[_group.pk])).status_code == 404
    assert client.get(reverse("coaching:group_export", args=[_group.pk])).status_code == 404
    assert not PainDataRead.objects.exists()
