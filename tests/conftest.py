from __future__ import annotations

import os
import shutil

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in the test thread; pytest-django's live_server
# needs Django to accept ORM calls from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = bool(os.environ.get("CI"))

# A loaded 2-core CI machine can take longer than Playwright's 5 s default to swap a fragment.
expect.set_options(timeout=15_000)
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def need(service: str, available: bool, how: str) -> None:
    """Skip a test for a missing service on a laptop; in CI a missing service is a failure."""
    if available:
        return
    message = f"{service} is not available: {how}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _no_kept_review_rows():
    # The review keeps computed rows in this process, keyed on database facts. Each test's
    # rollback can bring back the same ids (SQLite reuses them), so each test starts afresh.
    from coaching.review import forget_kept_rows

    forget_kept_rows()


@pytest.fixture(autouse=True)
def _quiet_rate_limits(settings):
    # allauth counts sign-ups and logins per address in the cache; tests all come from one
    # address. The throttling itself is tested where it matters, with limits switched back on.
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing is slow on purpose; tests only need it to be a hash. PBKDF2 stays listed
    # so hashes made at import time (the factories') still verify.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def athlete(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def coach(db):
    from tests.factories import CoachFactory

    return CoachFactory()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    need("Chromium", bool(shutil.which(CHROMIUM)), f"install Debian's chromium ({CHROMIUM})")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # bypass_csp lets the accessibility checker inject axe-core; our own scripts never need it.
    return {**browser_context_args, "bypass_csp": True, "viewport": {"width": 390, "height": 844}}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, and no stray connection left when they are dropped.

    Playwright's sync API keeps an event loop on the test thread, so Django's per-context
    connections can leave one behind from an earlier test that nothing can reach to close;
    PostgreSQL then refuses to drop the test database "being accessed by other users".
    """
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            if connection.vendor != "postgresql":
                continue
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
