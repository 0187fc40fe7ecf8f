"""The access control matrix: every URL of the project, as everyone who might ask for it.

The URLs come from the resolver (recursively through every include, with namespaces), so a
URL added later cannot escape: one the table below does not know fails
`test_every_url_of_the_resolver_is_in_the_table` with its name.

Each URL is requested with GET and with POST, as each of seven people: anonymous, athlete A,
athlete B (in another coach's group), A's coach, a coach of another group, a coach with no
group and an athlete with no group. A cell is allowed when the method is one the URL accepts
and the person is one the table lets in; there the answer only has to be no 5xx. Every other
cell is forbidden: it answers 403, 404 or 405 (anonymous: a redirect to the login page also
counts, tallied apart) and leaves every table as it was: the row count of every model, and a
checksum of the rows of the tables that hold plans, runs, pain logs, groups and notes.

Every cell runs in a savepoint that is rolled back, so one world per URL serves all fourteen
cells. The admin is one family: staff only, and nobody here is staff.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RoutePattern

from accounts.models import Invite, Membership, TrainingGroup, User
from coaching.models import CoachNote
from notifications.tokens import unsubscribe_token
from plans.feeds import calendar_feed_issue
from plans.models import CalendarFeed, Enrollment, PlannedRun
from symptoms.models import PainLog
from tests.coaching.conftest import MONDAY_MORNING, member
from tests.factories import (
    CoachFactory,
    CoachNoteFactory,
    EnrollmentFactory,
    GroupFactory,
    InviteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# --- Who --------------------------------------------------------------------------------------

ANON = "anonymous"
A = "athlete A"
B = "athlete B"
COACH = "A's coach"
OTHER_COACH = "coach of another group"
LONE_COACH = "coach with no group"
LONE_ATHLETE = "athlete with no group"

ROLES = (ANON, A, B, COACH, OTHER_COACH, LONE_COACH, LONE_ATHLETE)
ANYONE = frozenset(ROLES)
SIGNED_IN = ANYONE - {ANON}
COACHES = frozenset({COACH, OTHER_COACH, LONE_COACH})
ONLY_A = frozenset({A})
ONLY_COACH = frozenset({COACH})
NOBODY = frozenset()

METHODS = ("GET", "POST")
GET = frozenset({"GET"})
POST = frozenset({"POST"})
BOTH = frozenset(METHODS)


# --- What -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One URL name: the world's objects its arguments are, the methods it accepts, who may."""

    methods: frozenset[str]
    allowed: frozenset[str]
    kwargs: dict[str, str] = field(default_factory=dict)  # URL kwarg -> key of World.ids
    data: dict[str, str] = field(default_factory=dict)  # what a POST sends


TABLE: dict[str, Row] = {
    # Public pages.
    "home": Row(GET, ANYONE),
    "healthz": Row(GET, ANYONE),
    # allauth, and the project's own login and sign-up views in front of it.
    "account_signup": Row(BOTH, ANYONE, data={"email": "", "password1": ""}),
    "account_login": Row(BOTH, ANYONE, data={"login": "nobody@example.com", "password": "x"}),
    "account_logout": Row(BOTH, ANYONE),
    "account_inactive": Row(BOTH, ANYONE),
    "account_reauthenticate": Row(BOTH, SIGNED_IN, data={"password": "wrong"}),
    "account_email": Row(BOTH, SIGNED_IN),
    "account_email_verification_sent": Row(GET, ANYONE),
    "account_change_password": Row(BOTH, SIGNED_IN),
    "account_set_password": Row(BOTH, SIGNED_IN),
    "account_reset_password": Row(BOTH, ANYONE, data={"email": "nobody@example.com"}),
    "account_confirm_login_code": Row(BOTH, ANYONE, data={"code": "000000"}),
    "account_confirm_email": Row(BOTH, ANYONE, {"key": "email_key"}),
    "account_reset_password_from_key_done": Row(BOTH, ANYONE),
    "account_reset_password_from_key": Row(
        BOTH, ANYONE, {"uidb36": "reset_uid", "key": "reset_key"}
    ),
    "account_reset_password_done": Row(BOTH, ANYONE),
    # accounts: everyone's own account; leaving a group is for its members.
    "accounts:profile": Row(BOTH, SIGNED_IN, data={"display_name": "Someone"}),
    "accounts:my_groups": Row(GET, SIGNED_IN),
    "accounts:leave_group": Row(POST, ONLY_A, {"group_id": "group"}),
    "accounts:data": Row(GET, SIGNED_IN),
    "accounts:data_download": Row(GET, SIGNED_IN),
    "accounts:data_delete": Row(BOTH, SIGNED_IN, data={"email": "wrong@example.com"}),
    "accounts:data_deleted": Row(GET, ANYONE),
    "accounts:join": Row(BOTH, ANYONE, {"token": "invite"}),
    # plans: everyone's own plan; a run is its athlete's alone; the feed's token is the key.
    "plans:today": Row(GET, SIGNED_IN),
    "plans:plan": Row(GET, SIGNED_IN),
    "plans:start": Row(BOTH, SIGNED_IN),
    "plans:extend": Row(POST, SIGNED_IN),
    "plans:run_done": Row(POST, ONLY_A, {"run_id": "planned_run"}),
    "plans:run_skip": Row(POST, ONLY_A, {"run_id": "planned_run"}),
    "plans:run_undo": Row(POST, ONLY_A, {"run_id": "done_run"}),
    "plans:run_timer": Row(GET, ONLY_A, {"run_id": "planned_run"}),
    "plans:calendar": Row(GET, SIGNED_IN),
    "plans:calendar_issue": Row(POST, SIGNED_IN),
    "plans:calendar_revoke": Row(POST, SIGNED_IN),
    "plans:calendar_feed": Row(GET, ANYONE, {"token": "calendar"}),
    # symptoms: a log is its athlete's; their history is open to their coach alone.
    "symptoms:log_for_run": Row(BOTH, ONLY_A, {"run_id": "done_run"}, {"pain": "0"}),
    "symptoms:history": Row(GET, SIGNED_IN),
    "symptoms:log_detail": Row(GET, ONLY_A, {"log_id": "log"}),
    "symptoms:checkin": Row(BOTH, SIGNED_IN, data={"pain": "0"}),
    # Not empty: an empty POST here is a 500 (see the report of issue 7), not an access matter.
    "symptoms:clearance": Row(
        BOTH, SIGNED_IN, data={"cleared_on": "2026-05-04", "clinician": "Dr Patel"}
    ),
    "symptoms:consent": Row(BOTH, SIGNED_IN),
    "symptoms:athlete_history": Row(GET, ONLY_COACH, {"athlete_id": "athlete"}),
    "symptoms:guides": Row(GET, ANYONE),
    "symptoms:guide": Row(GET, ANYONE, {"slug": "guide"}),
    # coaching: as tests/coaching/test_permissions.py.
    "coaching:home": Row(GET, COACHES),
    "coaching:group_create": Row(POST, COACHES, data={"name": "Brand new"}),
    "coaching:group_review": Row(GET, ONLY_COACH, {"group_id": "group"}),
    "coaching:group_export": Row(GET, ONLY_COACH, {"group_id": "group"}),
    "coaching:group_settings": Row(GET, ONLY_COACH, {"group_id": "group"}),
    "coaching:group_rename": Row(POST, ONLY_COACH, {"group_id": "group"}, {"name": "Renamed"}),
    "coaching:group_archive": Row(POST, ONLY_COACH, {"group_id": "group"}),
    "coaching:group_restore": Row(POST, ONLY_COACH, {"group_id": "group"}),
    "coaching:invite_regenerate": Row(POST, ONLY_COACH, {"group_id": "group"}),
    "coaching:invite_revoke": Row(POST, ONLY_COACH, {"group_id": "group"}),
    "coaching:member_remove": Row(BOTH, ONLY_COACH, {"group_id": "group", "athlete_id": "athlete"}),
    "coaching:athlete": Row(GET, ONLY_COACH, {"athlete_id": "athlete"}),
    "coaching:note_add": Row(POST, ONLY_COACH, {"athlete_id": "athlete"}, {"body": "A note"}),
    "coaching:note_edit": Row(BOTH, ONLY_COACH, {"note_id": "note"}, {"body": "Changed"}),
    "coaching:note_delete": Row(POST, ONLY_COACH, {"note_id": "note"}),
    "coaching:override": Row(
        POST,
        ONLY_COACH,
        {"athlete_id": "athlete"},
        {"change": "move_week", "week": "2", "reason": "Fine really"},
    ),
    "coaching:cap": Row(
        POST, ONLY_COACH, {"athlete_id": "athlete"}, {"cap_percent": "5", "reason": "Slower"}
    ),
    "coaching:clearance": Row(
        POST,
        ONLY_COACH,
        {"athlete_id": "athlete"},
        {"cleared_on": "2026-05-04", "clinician": "Dr Patel"},
    ),
    # notifications: everyone's own preferences; the unsubscribe token is the key.
    "notifications:preferences": Row(BOTH, SIGNED_IN),
    "notifications:unsubscribe": Row(BOTH, ANYONE, {"token": "unsubscribe"}),
}

# The admin is one family: staff only. Its login page is public, and its logout sends anyone
# who is not staff back to its index, which sends them to that login page.
ADMIN = "admin"
ADMIN_ROW = Row(BOTH, NOBODY)
ADMIN_PUBLIC = {"admin:login": Row(BOTH, ANYONE, data={"username": "x", "password": "y"})}
# An admin URL's arguments: A's row (the user admin's is A), and the users' content type.
ADMIN_KWARGS = {"object_id": "athlete", "id": "athlete", "content_type_id": "content_type"}
ROUTE_KWARG = re.compile(r"<(?:\w+:)?(\w+)>")


# --- The resolver -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str  # "namespace:name", or for an unnamed pattern "namespace:<route>"
    route: str  # the whole route from the root, for the unnamed ones
    regex: bool  # some part of the route is a regular expression


def resolver_patterns(resolver=None, prefix="", namespace="", regex=False) -> list[Pattern]:
    resolver = resolver or get_resolver()
    found = []
    for p in resolver.url_patterns:
        route = prefix + str(p.pattern)
        is_regex = regex or not isinstance(p.pattern, RoutePattern)
        if isinstance(p, URLResolver):
            inner = namespace + (f"{p.namespace}:" if p.namespace else "")
            found += resolver_patterns(p, route, inner, is_regex)
        elif isinstance(p, URLPattern):
            name = namespace + (p.name if p.name else f"<{route}>")
            found.append(Pattern(name, route, is_regex))
    return found


def row_for(name: str) -> Row | None:
    if name in TABLE:
        return TABLE[name]
    if name.split(":", 1)[0] == ADMIN:
        return ADMIN_PUBLIC.get(name, ADMIN_ROW)
    return None


PATTERNS = resolver_patterns()
# A name may appear twice (the project's login and sign-up views shadow allauth's, same URL):
# each pattern counts, one request covers both.
URLS = sorted({p.name: p for p in PATTERNS}.values(), key=lambda p: p.name)
SITE_URLS = [p for p in URLS if not p.name.startswith(f"{ADMIN}:")]
ADMIN_URLS = [p for p in URLS if p.name.startswith(f"{ADMIN}:")]


# --- The world --------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User]
    ids: dict[str, str]


def build_world(full: bool) -> World:
    """A's coach's group holds A (whose plan was rolled back by a logged pain, so every coach
    action applies) and has an invite; B is in another coach's group; a coach and an athlete
    with a plan belong to no group; the coach has a private note about A; A has a calendar feed.
    `full=False` is the admin's world: the people only."""
    group = GroupFactory(coach=CoachFactory())
    other_group = GroupFactory(coach=CoachFactory())
    lone_athlete = UserFactory()
    if full:
        athlete = member(group, "rolled_back", name="Athlete A")
        other = member(other_group, "on_track", name="Athlete B")
        EnrollmentFactory(athlete=lone_athlete)
    else:
        athlete, other = UserFactory(), UserFactory()
        Membership.objects.create(group=group, athlete=athlete)
        Membership.objects.create(group=other_group, athlete=other)
    users = {
        A: athlete,
        B: other,
        COACH: group.coach,
        OTHER_COACH: other_group.coach,
        LONE_COACH: CoachFactory(),
        LONE_ATHLETE: lone_athlete,
    }
    ids = {
        "athlete": str(athlete.pk),
        "group": str(group.pk),
        "content_type": str(ContentType.objects.get_for_model(User).pk),
    }
    if not full:
        return World(users, ids)
    runs = PlannedRun.objects.filter(enrollment__athlete=athlete).order_by("sequence")
    ids |= {
        "planned_run": str(runs.filter(status="planned").first().pk),
        "done_run": str(runs.filter(status="done").last().pk),
        "log": str(PainLog.objects.filter(athlete=athlete).latest("pk").pk),
        "note": str(CoachNoteFactory(coach=group.coach, athlete=athlete, member=False).pk),
        "invite": InviteFactory(group=group).token,
        "calendar": calendar_feed_issue(athlete=athlete).token,
        "unsubscribe": unsubscribe_token(user_id=athlete.pk, kind="run_reminder"),
        "email_key": "not-a-key",
        "reset_uid": "1",
        "reset_key": "set-password",
        "guide": "warm-up",
    }
    return World(users, ids)


@pytest.fixture
def world(request, time_machine) -> World:
    time_machine.move_to(MONDAY_MORNING, tick=False)
    return build_world(full=not request.node.name.startswith("test_admin"))


# --- What "unchanged" means -------------------------------------------------------------------


def _tables() -> dict[str, str]:
    models = apps.get_models(include_auto_created=True)
    return {
        m._meta.label: m._meta.db_table
        for m in models
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    }


TABLES = _tables()
# The rows that hold what a forbidden request would most like to change, field by field.
CHECKSUMMED = (User, TrainingGroup, Membership, Invite, Enrollment, PlannedRun, PainLog, CoachNote)
CHECKSUMMED += (CalendarFeed,)


@functools.cache
def _queries() -> tuple[str, dict[str, str]]:
    """Raw SQL, built once: the ORM's own overhead would be most of the matrix's runtime."""
    quote = connection.ops.quote_name
    counts = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in TABLES.values())
    rows = {}
    for model in CHECKSUMMED:
        columns = [
            quote(f.column)
            for f in model._meta.concrete_fields
            if f.attname != "last_login"  # force_login writes it, before the snapshot
        ]
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        rows[model._meta.label] = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {pk}"
    return counts, rows


def snapshot() -> tuple[dict[str, int], dict[str, str]]:
    count_sql, row_sql = _queries()
    with connection.cursor() as cursor:
        cursor.execute(count_sql)
        counts = dict(zip(TABLES, cursor.fetchone(), strict=True))
        sums = {}
        for label, sql in row_sql.items():
            cursor.execute(sql)
            sums[label] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
    return counts, sums


# --- The run ----------------------------------------------------------------------------------

# Filled as the matrix runs (and checked against the static figures at the end).
FIGURES: Counter = Counter()
# Anonymous POSTs answered with a redirect to the login page (login_required views): forbidden
# and harmless (nothing is written), but unlike signed_in_required they lose what was posted.
ANON_POST_REDIRECTS: set[str] = set()
OWN_APPS = {"config", "accounts", "notifications", "plans", "symptoms", "coaching"}


def url_for(pattern: Pattern, row: Row, world: World) -> str:
    if pattern.name.startswith(f"{ADMIN}:"):
        if pattern.name == f"{ADMIN}:app_list":
            return reverse(pattern.name, kwargs={"app_label": "accounts"})
        if pattern.name.startswith(f"{ADMIN}:<"):  # unnamed: a redirect or the catch-all
            if pattern.regex:
                return "/admin/no/such/page/"
            return "/" + ROUTE_KWARG.sub(lambda m: world.ids[ADMIN_KWARGS[m[1]]], pattern.route)
        kwargs = {k: world.ids[ADMIN_KWARGS[k]] for k in ROUTE_KWARG.findall(pattern.route)}
        return reverse(pattern.name, kwargs=kwargs)
    return reverse(pattern.name, kwargs={k: world.ids[v] for k, v in row.kwargs.items()})


def cell(client, world: World, pattern: Pattern, role: str, method: str) -> None:
    row = row_for(pattern.name)
    allowed = method in row.methods and role in row.allowed
    with transaction.atomic():
        url = url_for(pattern, row, world)
        before = snapshot()
        response = (
            client.get(url) if method == "GET" else client.post(url, row.data)
        )  # no redirects followed: each answer is the view's own
        status = response.status_code
        where = f"{method} {pattern.name} as {role}: {status}"
        FIGURES["cells"] += 1
        if allowed:
            FIGURES["allowed cells"] += 1
            assert status < 500, where
        else:
            FIGURES["forbidden cells"] += 1
            if method not in row.methods:
                FIGURES["forbidden cells: method not accepted"] += 1
            login = reverse("admin:login" if row is ADMIN_ROW else "account_login")
            location = response.get("Location", "")
            if status == 302 and location.startswith(reverse("admin:index")) and row is ADMIN_ROW:
                FIGURES["forbidden cells: redirected to the admin login"] += 1
                assert location.startswith(login + "?next=") or pattern.name == "admin:logout"
            elif status == 302 and role == ANON:
                assert location.startswith(login + "?next="), where + " to " + location
                FIGURES["forbidden cells: redirected to login"] += 1
                if method == "POST":
                    ANON_POST_REDIRECTS.add(pattern.name)
                    # Our own forms answer a post without a session with 403: a redirect would
                    # drop what was posted without saying why. Only allauth's views redirect.
                    view_app = resolve(url.split("?")[0]).func.__module__.split(".")[0]
                    assert view_app not in OWN_APPS, where + " redirected instead of 403"
            else:
                assert status in (403, 404, 405), where
                FIGURES[f"forbidden cells: {status}"] += 1
            assert snapshot() == before, where + " changed the database"
        transaction.set_rollback(True)


def run_matrix(client, world: World, pattern: Pattern) -> None:
    row = row_for(pattern.name)
    assert row is not None, pattern.name
    before = FIGURES.copy()
    for role in ROLES:
        # Signed in once per role, outside the cells' savepoints; each cell starts from that
        # session alone (a cell may have logged out, or left a message cookie).
        session = None
        if role != ANON:
            client.force_login(world.users[role])
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
        for method in METHODS:
            client.cookies.clear()
            if session:
                client.cookies[settings.SESSION_COOKIE_NAME] = session
            cell(client, world, pattern, role, method)
    FIGURES["urls"] += 1
    # Each URL checks its own share of the figures, so the whole matrix is checked even when
    # its URLs run in different processes (pytest-xdist).
    ran = FIGURES - before
    assert ran["cells"] == len(ROLES) * len(METHODS), pattern.name
    assert ran["forbidden cells"] == forbidden_cells(row), pattern.name


@pytest.mark.parametrize("pattern", SITE_URLS, ids=lambda p: p.name)
def test_only_those_allowed_get_through_and_the_rest_change_nothing(client, world, pattern):
    run_matrix(client, world, pattern)


@pytest.mark.parametrize("pattern", ADMIN_URLS, ids=lambda p: p.name)
def test_admin_is_staff_only(client, world, pattern):
    run_matrix(client, world, pattern)


# --- The counts -------------------------------------------------------------------------------


def forbidden_cells(row: Row) -> int:
    return sum(not (m in row.methods and role in row.allowed) for role in ROLES for m in METHODS)


def static_figures() -> dict[str, int]:
    rows = [row_for(p.name) for p in URLS]
    return {
        "url patterns": len(PATTERNS),
        "urls": len(URLS),
        "roles": len(ROLES),
        "methods": len(METHODS),
        "cells": len(URLS) * len(ROLES) * len(METHODS),
        "forbidden cells": sum(forbidden_cells(row) for row in rows),
    }


def test_every_url_of_the_resolver_is_in_the_table():
    unknown = sorted({p.name for p in PATTERNS if row_for(p.name) is None})
    assert not unknown, f"URLs the access matrix does not know: {unknown}"
    covered = [p for p in resolver_patterns() if row_for(p.name) is not None]
    assert len(covered) == len(resolver_patterns()) == static_figures()["url patterns"]
    stale = sorted(set(TABLE) - {p.name for p in PATTERNS})
    assert not stale, f"the table names URLs the resolver no longer has: {stale}"


def test_the_matrix_runs_every_url():
    """The parametrised tests above take every URL once: with each checking its own cells,
    together they check the whole matrix."""
    assert sorted(p.name for p in SITE_URLS + ADMIN_URLS) == sorted(p.name for p in URLS)
