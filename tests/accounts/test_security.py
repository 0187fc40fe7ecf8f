"""Authentication and transport guarantees: login throttling, session limits, headers, and the
production profile's security settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.lockout import client_ip
from tests.factories import PASSWORD, EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent.parent
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def log_in(client, email, password=PASSWORD, address="10.0.0.1"):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address
    )


def signed_in_as(client, user) -> bool:
    return client.get(reverse("accounts:profile")).status_code == 200


# --- Login throttling -------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_and_refuse_the_right_one(client):
    bo = UserFactory(email="bo@example.com")
    for _ in range(4):
        assert log_in(client, bo.email, "wrong password").status_code == 400
    assert log_in(client, bo.email, "wrong password").status_code == 429
    response = log_in(client, bo.email)
    assert response.status_code == 429
    assert not signed_in_as(client, bo)


def test_the_locked_page_says_when_to_try_again_and_links_password_reset(client):
    bo = UserFactory(email="bo@example.com")
    for _ in range(5):
        response = log_in(client, bo.email, "wrong password")
    page = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "<h1>Too many login attempts</h1>" in page
    assert "try again in 15 minutes" in page
    assert reverse("account_reset_password") in page
    assert "<nav" in page  # our styled page, not a bare message


def test_the_account_is_counted_however_the_email_is_typed_and_from_any_address(client):
    bo = UserFactory(email="bo@example.com")
    typings = ["bo@example.com", "BO@example.com", " Bo@Example.COM ", "bO@example.com"]
    for n, typed in enumerate(typings):
        log_in(client, typed, "nope", address=f"10.0.1.{n}")
    assert log_in(client, "BO@EXAMPLE.COM", "nope", address="10.0.1.9").status_code == 429
    # Locked for the account itself: the right password from a fresh address is refused too.
    assert log_in(Client(), bo.email, address="10.9.9.9").status_code == 429


def test_an_address_that_failed_five_times_is_locked_for_every_account(client):
    ann = UserFactory(email="ann@example.com")
    for n in range(5):
        log_in(client, f"guess{n}@example.com", "nope")
    assert log_in(client, ann.email).status_code == 429
    assert not signed_in_as(client, ann)
    # Ann herself is not locked: from her own address she gets in.
    elsewhere = Client()
    assert log_in(elsewhere, ann.email, address="10.0.0.2").status_code == 302
    assert signed_in_as(elsewhere, ann)


def test_the_lock_lifts_after_the_cool_off(client, time_machine):
    time_machine.move_to(T0, tick=False)
    bo = UserFactory(email="bo@example.com")
    for _ in range(5):
        log_in(client, bo.email, "nope")
    time_machine.move_to(T0 + timedelta(minutes=14), tick=False)
    assert log_in(client, bo.email).status_code == 429
    # Trying while locked restarts the 15 minutes, as the page says.
    time_machine.move_to(T0 + timedelta(minutes=14 + 16), tick=False)
    assert log_in(client, bo.email).status_code == 302
    assert signed_in_as(client, bo)


def test_a_successful_login_resets_the_count(client):
    bo = UserFactory(email="bo@example.com")
    for _ in range(4):
        log_in(client, bo.email, "nope")
    assert log_in(client, bo.email).status_code == 302
    client.post(reverse("account_logout"))
    for _ in range(4):
        assert log_in(client, bo.email, "nope").status_code == 400
    assert log_in(client, bo.email).status_code == 302


def test_the_admin_login_counts_against_the_same_account(client):
    UserFactory(email="boss@example.com", is_staff=True, is_superuser=True)
    for n in range(5):
        client.post(
            reverse("admin:login"),
            {"username": "Boss@example.com", "password": "nope"},
            REMOTE_ADDR=f"10.0.2.{n}",
        )
    assert log_in(client, "boss@example.com", address="10.0.3.1").status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.1"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.5", "203.0.113.7"),
        (1, "", "10.0.0.1"),
    ],
)
def test_the_client_address_trusts_only_our_own_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# --- Sessions ---------------------------------------------------------------------------------


def test_logging_in_rotates_the_session_key(client):
    bo = UserFactory()
    session = client.session
    session["visited"] = True
    session.save()
    before = client.cookies["sessionid"].value
    log_in(client, bo.email)
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert signed_in_as(client, bo)


def test_a_logged_out_session_cookie_no_longer_signs_anyone_in(client):
    bo = UserFactory()
    log_in(client, bo.email)
    stolen = client.cookies["sessionid"].value
    client.post(reverse("account_logout"))
    replay = Client()
    replay.cookies["sessionid"] = stolen
    assert replay.get(reverse("accounts:profile")).status_code == 302
    assert not Session.objects.filter(session_key=stolen).exists()


def test_a_session_ends_after_two_weeks_without_a_visit(client, time_machine):
    time_machine.move_to(T0, tick=False)
    bo = UserFactory()
    log_in(client, bo.email)
    time_machine.move_to(T0 + timedelta(days=10), tick=False)
    assert signed_in_as(client, bo)
    time_machine.move_to(T0 + timedelta(days=23), tick=False)  # 13 days after the last visit
    assert signed_in_as(client, bo)
    time_machine.move_to(T0 + timedelta(days=23 + 15), tick=False)
    assert not signed_in_as(client, bo)


def test_a_session_ends_thirty_days_after_login_however_active(client, time_machine):
    time_machine.move_to(T0, tick=False)
    bo = UserFactory()
    log_in(client, bo.email)
    for day in range(1, 30):
        time_machine.move_to(T0 + timedelta(days=day), tick=False)
        assert signed_in_as(client, bo), day
    time_machine.move_to(T0 + timedelta(days=30, hours=1), tick=False)
    assert not signed_in_as(client, bo)
    # Logging in again starts a new 30 days.
    log_in(client, bo.email)
    assert signed_in_as(client, bo)


def test_a_visit_within_the_hour_does_not_write_the_session(client, time_machine):
    time_machine.move_to(T0, tick=False)
    bo = UserFactory()
    client.force_login(bo)
    saved = Session.objects.get().expire_date
    time_machine.move_to(T0 + timedelta(minutes=30), tick=False)
    assert signed_in_as(client, bo)
    assert Session.objects.get().expire_date == saved
    time_machine.move_to(T0 + timedelta(minutes=90), tick=False)
    assert signed_in_as(client, bo)
    assert Session.objects.get().expire_date == saved + timedelta(minutes=90)


# --- Headers ----------------------------------------------------------------------------------


def test_athlete_pages_carry_the_security_headers_and_are_never_stored(client):
    plan = EnrollmentFactory()
    client.force_login(plan.athlete)
    for name in ["plans:today", "plans:plan", "symptoms:history", "accounts:profile"]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert response["Cache-Control"] == "no-store, private", name
        policy = dict(
            part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
        )
        assert policy["script-src"] == "'self'"
        assert policy["style-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_anonymous_pages_are_not_stored_either_but_a_view_keeps_its_own_rule(client):
    assert client.get(reverse("home"))["Cache-Control"] == "no-store, private"
    assert "no-store" in client.get(reverse("account_login"))["Cache-Control"]
    assert "must-revalidate" in client.get(reverse("healthz"))["Cache-Control"]


def test_static_files_stay_cacheable(client):
    response = client.get("/static/manifest.webmanifest")
    assert "no-store" not in response.get("Cache-Control", "")
    response.close()


PROFILE_SCRIPT = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    name: getattr(s, name) for name in [
        "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
        "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY", "CONTENT_SECURITY_POLICY", "DEBUG",
        "AUTHENTICATION_BACKENDS", "MIDDLEWARE", "SESSION_COOKIE_AGE", "SESSION_ABSOLUTE_AGE",
        "AXES_FAILURE_LIMIT", "AXES_LOCKOUT_PARAMETERS", "AUTH_PASSWORD_VALIDATORS",
        "ACCOUNT_PREVENT_ENUMERATION",
    ]
}))
"""


def test_the_production_profile_switches_on_every_transport_protection():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "prod-" + "k3y-" * 16,
        "ALLOWED_HOSTS": "walkrun.example.org",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    for name in ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_AGE"]:
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", PROFILE_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout.strip().splitlines()[-1])
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]
    assert s["CSRF_COOKIE_SECURE"]
    assert s["SESSION_COOKIE_SAMESITE"] == s["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and s["SECURE_HSTS_PRELOAD"]
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert s["SECURE_REFERRER_POLICY"] == "same-origin"
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert s["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    directives = s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert s["AUTHENTICATION_BACKENDS"][0] == "axes.backends.AxesStandaloneBackend"
    assert s["MIDDLEWARE"][-1] == "axes.middleware.AxesMiddleware"
    assert "accounts.middleware.SessionLimitsMiddleware" in s["MIDDLEWARE"]
    assert "accounts.middleware.NoStoreMiddleware" in s["MIDDLEWARE"]
    assert s["SESSION_COOKIE_AGE"] == 14 * 24 * 3600
    assert s["SESSION_ABSOLUTE_AGE"] == 30 * 24 * 3600
    assert s["AXES_FAILURE_LIMIT"] == 5
    assert s["AXES_LOCKOUT_PARAMETERS"] == ["username", "ip_address"]
    min_length = next(
        v["OPTIONS"]["min_length"] for v in s["AUTH_PASSWORD_VALIDATORS"] if "OPTIONS" in v
    )
    assert min_length >= 12
    assert s["ACCOUNT_PREVENT_ENUMERATION"] is True
