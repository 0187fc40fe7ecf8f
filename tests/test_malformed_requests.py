"""Malformed requests: every URL of the resolver, sent a corpus of bad input, answers below 500.

The URLs, their arguments (real ids from one world) and the people come from the access matrix
(tests/test_access_matrix.py). Each URL is asked by anonymous and by its owner: athlete A where
A may use it, else A's coach; the admin's "owner" is A too (nobody here is staff; A is the
signed-in person it must turn away), plus a superuser for the admin's list pages.

The corpus (`CORPUS`): missing fields, extra fields, wrong types, NUL bytes in values, in the
query string and in the URL's own text arguments, invalid UTF-8 (query, url-encoded and
multipart bodies), a broken multipart body, JSON, duplicate keys, huge values, a body over
DATA_UPLOAD_MAX_MEMORY_SIZE and over DATA_UPLOAD_MAX_NUMBER_FIELDS (those two must be a 400:
Django's RequestDataTooBig and TooManyFieldsSent, read by the CSRF check as in production),
PUT, PATCH, DELETE and OPTIONS. The requests that reach a form go once more with HX-Request
(HTMX_LABELS). The admin's pages, which turn away anyone but staff before reading anything,
get a shorter corpus (ADMIN_LABELS).

Each request runs in a savepoint that is rolled back, so every one starts from the same world.
Any answer of 500 or more fails; a refused one (400 or more) must leave the row count of every
table as it was (the sign-in throttle's failure log and the session table aside).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test import Client
from django.urls import resolve

from accounts.models import User
from tests.coaching.conftest import MONDAY_MORNING
from tests.test_access_matrix import (
    ADMIN,
    ADMIN_PUBLIC,
    ANON,
    COACH,
    TABLES,
    URLS,
    A,
    Pattern,
    Row,
    World,
    _queries,
    build_world,
    row_for,
    url_for,
)

pytestmark = pytest.mark.django_db

# --- The corpus -------------------------------------------------------------------------------

# Every field name a form of the project (or allauth's sign-up and login) reads, so that "wrong
# types" and "NUL bytes" reach each field whatever the URL.
FIELD_NAMES = [
    "display_name",
    "email",
    "password",
    "password1",
    "password2",
    "login",
    "remember",
    "role",
    "time_zone",
    "invite",
    "token",
    "code",
    "key",
    "name",
    "q",
    "status",
    "sort",
    "page",
    "body",
    "change",
    "week",
    "reason",
    "cap_percent",
    "cleared_on",
    "clinician",
    "note",
    "agree",
    "next",
    "start_date",
    "weekdays",
    "back_to_back",
    "actual_minutes",
    "pain",
    "radiating",
    "numbness_tingling",
    "leg_weakness",
    "bladder_bowel",
    "saddle_numbness",
    "where",
    "sharp",
    "swelling",
    "spasms",
    "persists_at_rest",
    "eased_after_warmup",
    "altered_stride",
    "submission",
    "reminder_time",
    "run_reminder",
    "checkin_invite",
    "missed_run_nudge",
    "pause_over",
    "coach_digest",
    "action",
    "username",
]

WRONG_TYPES = [
    "abc",
    "-1",
    "1e309",
    "99999999999999999999999999",
    "NaN",
    "[]",
    '{"a": 1}',
    "2026-02-30",
    "25:61",
    "0x1F",
    "  ",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "\u202eevil\u200b",
    "🏃" * 50,
    "-0",
    "1.5",
    "on",
    "None",
]
NUL = "a\x00b"
HUGE_VALUE = "x" * 100_000  # a large value, well inside DATA_UPLOAD_MAX_MEMORY_SIZE

BOUNDARY = "BoUnDaRyfuzz"
OVER_MEMORY = b"a=" + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
OVER_FIELDS = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 5))
INVALID_UTF8 = b"name=\xff\xfe\xfd&body=\xc3\x28&pain=\xed\xa0\x80&email=\xf0\x28\x8c\xbc&q=%ff%fe"
MULTIPART_INVALID_UTF8 = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="name"\r\n\r\n\udcff'.encode(
        "utf-8", "surrogateescape"
    )
    + b"\xff\xfe\r\n"
    + f"--{BOUNDARY}\r\n".encode()
    + b'Content-Disposition: form-data; name="\xff\xfe"\r\n\r\n\xc3\x28\r\n'
    + f"--{BOUNDARY}\r\n".encode()
    + b'Content-Disposition: form-data; name="file"; filename="\xff.txt"\r\n'
    + b"Content-Type: text/plain\r\n\r\n\x00\xff\x00\r\n"
    + f"--{BOUNDARY}--\r\n".encode()
)
MULTIPART_BROKEN = f"--{BOUNDARY}\r\nContent-Disposition: form-da".encode()


def wrong_types(shift: int) -> dict[str, str]:
    return {f: WRONG_TYPES[(i + shift) % len(WRONG_TYPES)] for i, f in enumerate(FIELD_NAMES)}


@dataclass(frozen=True)
class Bad:
    """One malformed request: how to send it to a URL, given the URL's usual POST data."""

    label: str
    method: str
    # data(row_data) -> the data; or a raw body with its content type
    data: Any = None
    body: bytes | None = None
    content_type: str | None = None
    query: str = ""
    nul_in_path: bool = False
    must_be_400: bool = False  # over a limit of Django's: the POST is read by the CSRF check

    def send(self, client: Client, url: str, row: Row, htmx: bool):
        headers = {"HX-Request": "true"} if htmx else {}
        if self.query:
            url = f"{url}?{self.query}"
        method = getattr(client, self.method.lower())
        if self.body is not None:
            return method(url, data=self.body, content_type=self.content_type, headers=headers)
        data = self.data(dict(row.data)) if self.data else {}
        if self.method == "GET":
            return client.get(url, data, headers=headers)
        if self.method == "POST":
            if self.content_type:
                return client.post(url, data, content_type=self.content_type, headers=headers)
            return client.post(url, data, headers=headers)
        # PUT, PATCH, DELETE, OPTIONS: url-encoded, as a browser form would not send them.
        from urllib.parse import urlencode

        return method(
            url,
            urlencode(data, doseq=True),
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        )


def _without_first(d: dict) -> dict:
    return dict(list(d.items())[1:])


CORPUS: list[Bad] = [
    # Missing fields.
    Bad("POST nothing", "POST", data=lambda d: {}),
    Bad("POST a field short", "POST", data=_without_first),
    Bad("POST blank values", "POST", data=lambda d: {k: "" for k in d} | {"pain": ""}),
    # Extra fields, some of them names of model fields nobody should set from a form.
    Bad(
        "POST extra fields",
        "POST",
        data=lambda d: (
            d
            | {"extra": "1", "id": "1", "pk": "1", "athlete": "1", "coach": "1", "is_staff": "on"}
            | {"is_superuser": "on", "role": "coach", "user_id": "1", "csrfmiddlewaretoken": "x"}
        ),
    ),
    # Wrong types, three rotations over every field name.
    *[
        Bad(f"POST wrong types #{n}", "POST", data=lambda d, n=n: d | wrong_types(n))
        for n in range(3)
    ],
    # NUL bytes: in every value, in the query string, in the URL's own text arguments.
    Bad(
        "POST NUL in values",
        "POST",
        data=lambda d: {f: NUL for f in FIELD_NAMES} | d | {k: f"{v}\x00" for k, v in d.items()},
    ),
    Bad("POST NUL in names", "POST", data=lambda d: d | {"na\x00me": "x", "\x00": "\x00"}),
    Bad("GET NUL in query", "GET", query="q=%00&page=%00&next=%00&invite=%00&status=a%00b"),
    Bad("POST NUL in query", "POST", data=lambda d: d, query="next=%00&q=%00&invite=%00"),
    Bad("GET NUL in path", "GET", nul_in_path=True),
    Bad("POST NUL in path", "POST", data=lambda d: d, nul_in_path=True),
    # Query strings: wrong types, invalid UTF-8, too many fields, huge.
    Bad("GET wrong types in query", "GET", data=lambda d: wrong_types(1)),
    Bad("GET control characters in query", "GET", query="next=/a%0d%0ab&q=%0d%0a%1b&page=%09"),
    Bad("GET invalid UTF-8 in query", "GET", query="q=%ff%fe%fd&page=%c3%28&next=%ed%a0%80"),
    Bad("GET too many query fields", "GET", query=OVER_FIELDS),
    Bad("GET huge query", "GET", query="q=" + "x" * 20_000),
    # Bodies: invalid UTF-8 (url-encoded, multipart), a broken multipart body, JSON.
    Bad(
        "POST invalid UTF-8 url-encoded",
        "POST",
        body=INVALID_UTF8,
        content_type="application/x-www-form-urlencoded",
    ),
    Bad(
        "POST invalid UTF-8 multipart",
        "POST",
        body=MULTIPART_INVALID_UTF8,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    ),
    Bad(
        "POST broken multipart",
        "POST",
        body=MULTIPART_BROKEN,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    ),
    Bad(
        "POST multipart without boundary",
        "POST",
        body=b"name=x",
        content_type="multipart/form-data",
    ),
    Bad(
        "POST JSON",
        "POST",
        data=lambda d: d | {"pain": [1, 2], "name": {"a": None}},
        content_type="application/json",
    ),
    Bad("POST text", "POST", body=b"\x00\xff hello", content_type="text/plain; charset=utf-8"),
    # Duplicate keys: every field twice, the second value hostile.
    Bad(
        "POST duplicate keys",
        "POST",
        data=lambda d: {f: [d.get(f, "1"), "abc"] for f in [*d, *FIELD_NAMES]},
    ),
    # Huge: one huge value; a body over the memory limit; too many fields.
    Bad(
        "POST huge values",
        "POST",
        data=lambda d: (
            d
            | {f: HUGE_VALUE for f in d}
            | {"note": HUGE_VALUE, "body": HUGE_VALUE, "name": HUGE_VALUE}
        ),
    ),
    Bad(
        "POST over DATA_UPLOAD_MAX_MEMORY_SIZE",
        "POST",
        body=OVER_MEMORY,
        content_type="application/x-www-form-urlencoded",
        must_be_400=True,
    ),
    Bad(
        "POST over DATA_UPLOAD_MAX_NUMBER_FIELDS",
        "POST",
        body=OVER_FIELDS.encode(),
        content_type="application/x-www-form-urlencoded",
        must_be_400=True,
    ),
    # Wrong methods.
    *[Bad(f"{m} with data", m, data=lambda d: d) for m in ("PUT", "PATCH", "DELETE", "OPTIONS")],
]

# --- Who asks ---------------------------------------------------------------------------------

STAFF = "superuser"


def owner(pattern: Pattern, row: Row) -> str:
    if A in row.allowed or pattern.name.startswith(f"{ADMIN}:"):
        return A
    if COACH in row.allowed:
        return COACH
    return A


# Tables a refused request may still write: the sign-in throttle logs a failed login (a 400 on
# the login page), and a session may be saved (a message for the next page).
# The review page answers a bad query with 400, says so and shows the group as it would
# without it: that shows pain data, and the read is audited.
MAY_CHANGE_WHEN_REFUSED = {
    "axes.AccessAttempt",
    "axes.AccessFailureLog",
    "sessions.Session",
    "symptoms.PainDataRead",
}


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(_queries()[0])
        counts = dict(zip(TABLES, cursor.fetchone(), strict=True))
    return {k: v for k, v in counts.items() if k not in MAY_CHANGE_WHEN_REFUSED}


def nul_path(url: str, pattern: Pattern) -> str | None:
    """The URL with a NUL byte in each of its text arguments, or None if it has none."""
    match = resolve(url)
    text = [k for k, v in match.kwargs.items() if isinstance(v, str) and v and not v.isdigit()]
    if not text:
        return None
    for key in text:
        url = url.replace(f"/{match.kwargs[key]}", f"/{match.kwargs[key]}%00", 1)
    return url


# --- The run ----------------------------------------------------------------------------------

FAMILIES = {
    "site": lambda n: ":" not in n,
    "accounts": lambda n: n.startswith("accounts:"),
    "plans": lambda n: n.startswith("plans:"),
    "symptoms": lambda n: n.startswith("symptoms:"),
    "coaching": lambda n: n.startswith("coaching:"),
    "notifications": lambda n: n.startswith("notifications:"),
    "admin": lambda n: n.startswith(f"{ADMIN}:"),
}
FIGURES: Counter = Counter()


def _signed_in(client: Client, user: User | None) -> str | None:
    client.cookies.clear()
    if user is None:
        return None
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


CSRF_SECRET = "a" * 32


def send_corpus(
    world: World,
    pattern: Pattern,
    who: str,
    user: User | None,
    corpus: list[tuple[Bad, bool]],
) -> list[str]:
    row = row_for(pattern.name)
    base_url = url_for(pattern, row, world)
    client = Client(raise_request_exception=False)
    strict = Client(raise_request_exception=False, enforce_csrf_checks=True)
    session = _signed_in(client, user)
    problems = []
    for bad, htmx in corpus:
        url = base_url
        if bad.nul_in_path:
            url = nul_path(base_url, pattern)
            if url is None:
                continue
        c = strict if bad.must_be_400 else client
        c.cookies.clear()
        if session:
            c.cookies[settings.SESSION_COOKIE_NAME] = session
        c.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
        where = f"{bad.label} to {pattern.name} ({url[:80]}) as {who}{' (htmx)' if htmx else ''}"
        with transaction.atomic():
            before = row_counts()
            response = bad.send(c, url, row, htmx)
            status = response.status_code
            FIGURES["requests"] += 1
            if status >= 500:
                problems.append(f"{where}: {status}")
            elif status >= 400:
                after = row_counts()
                if after != before:
                    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
                    problems.append(f"{where}: {status} but changed {changed}")
            exempt = getattr(resolve(base_url.split("?")[0]).func, "csrf_exempt", False)
            if bad.must_be_400 and not exempt and status != 400:
                problems.append(f"{where}: {status}, not 400")
            transaction.set_rollback(True)
    return problems


@pytest.fixture(autouse=True)
def _quiet_logs():
    # Thousands of 4xx (and any 5xx) would each print a warning with its traceback: slow, and
    # noise. A 5xx fails the test with its URL and label instead.
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


@pytest.fixture
def world(time_machine) -> World:
    time_machine.move_to(MONDAY_MORNING, tick=False)
    world = build_world(full=True)
    # As sign-up leaves them: allauth would otherwise add the missing address row on a visit to
    # its pages, whatever the request (a write that is no part of the request's own work).
    for user in world.users.values():
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return world


# The admin's pages (but its login) answer anyone but staff with a redirect before reading
# anything, and know nothing of htmx: a shorter corpus, sent plain only, covers them.
ADMIN_LABELS = {
    "POST nothing",
    "POST NUL in values",
    "GET NUL in query",
    "GET NUL in path",
    "POST invalid UTF-8 url-encoded",
    "POST invalid UTF-8 multipart",
    "POST over DATA_UPLOAD_MAX_MEMORY_SIZE",
    "PUT with data",
}
ADMIN_CORPUS = [b for b in CORPUS if b.label in ADMIN_LABELS]
# With HX-Request too (the views that answer htmx with a fragment take these paths): the
# requests that reach a form. The rest of the corpus is refused before any view branches.
HTMX_LABELS = {
    "POST nothing",
    "POST extra fields",
    "POST wrong types #0",
    "POST NUL in values",
    "GET NUL in query",
    "GET wrong types in query",
    "POST invalid UTF-8 url-encoded",
    "POST duplicate keys",
    "POST huge values",
}


def corpus_for(pattern: Pattern) -> list[tuple[Bad, bool]]:
    """The corpus for a URL, each request with whether it goes with HX-Request."""
    if pattern.name.startswith(f"{ADMIN}:") and pattern.name not in ADMIN_PUBLIC:
        return [(b, False) for b in ADMIN_CORPUS]
    return [(b, False) for b in CORPUS] + [(b, True) for b in CORPUS if b.label in HTMX_LABELS]


@pytest.mark.parametrize("family", FAMILIES)
def test_no_malformed_request_gets_a_5xx_or_saves_half_way(world, family):
    patterns = [p for p in URLS if FAMILIES[family](p.name)]
    assert patterns
    problems = []
    for pattern in patterns:
        row = row_for(pattern.name)
        who = owner(pattern, row)
        corpus = corpus_for(pattern)
        problems += send_corpus(world, pattern, ANON, None, corpus)
        problems += send_corpus(world, pattern, who, world.users[who], corpus)
        FIGURES["urls"] += 1
    assert not problems, f"{len(problems)} bad answers:\n" + "\n".join(problems[:60])


# The admin's list pages as a superuser: a search, a filter and an order, all malformed.
STAFF_CORPUS = [
    Bad("GET NUL search", "GET", query="q=%00"),
    Bad("GET NUL filter", "GET", query="id__exact=%00&o=%00&p=%00&_changelist_filters=%00"),
    Bad("GET wrong types", "GET", query="id__exact=abc&o=abc&p=-1&all=%ff"),
    Bad("GET invalid UTF-8 search", "GET", query="q=%ff%fe%fd"),
    Bad("POST NUL action", "POST", data=lambda d: {"action": NUL, "_selected_action": NUL}),
]


def test_admin_lists_take_malformed_queries_from_staff(world):
    staff = User.objects.create(
        email="staff@example.com",
        display_name="Staff",
        is_staff=True,
        is_superuser=True,
        password=make_password("x"),
    )
    lists = [p for p in URLS if p.name.startswith(f"{ADMIN}:") and p.name.endswith("changelist")]
    assert lists
    problems = []
    for pattern in lists:
        problems += send_corpus(world, pattern, STAFF, staff, [(b, False) for b in STAFF_CORPUS])
    assert not problems, f"{len(problems)} bad answers:\n" + "\n".join(problems[:60])


def test_the_corpus_covers_what_the_issue_lists():
    labels = " ".join(b.label for b in CORPUS)
    for kind in ("nothing", "extra", "wrong types", "NUL in values", "NUL in query", "UTF-8"):
        assert kind in labels, kind
    for kind in ("multipart", "duplicate", "MAX_MEMORY", "MAX_NUMBER_FIELDS", "PUT", "PATCH"):
        assert kind in labels, kind
    assert "DELETE" in labels and "OPTIONS" in labels
    assert json.dumps(FIELD_NAMES)
