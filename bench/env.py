"""Where the benchmarks run: a PostgreSQL database and a Redis db of their own.

Both default to the local services and can be moved with BENCH_DATABASE_URL and
BENCH_REDIS_URL. The database is created if missing and migrated; it is never dropped, so the
data set survives between runs (bench/dataset.py checks for it and builds it only once).
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import urlsplit, urlunsplit

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/walkrun_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

# One key per benchmark run, shared by this process and the gunicorn it starts (sessions made
# in-process stay valid in the server).
_SECRET_KEY = os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50)

_configured_production: bool | None = None


def production_env() -> dict[str, str]:
    """The environment of the production profile (DEBUG=0), serving plain HTTP on loopback.

    Only what a loopback run needs differs from a real deployment: no redirect to HTTPS (there
    is no TLS proxy in front) and no HSTS. Secure cookies stay on: clients here send them back
    over http://127.0.0.1 as a TLS proxy would.
    """
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "DEBUG": "0",
        "SECRET_KEY": _SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SITE_URL": "http://127.0.0.1:8000",
        "LOG_LEVEL": "WARNING",
    }


def _ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(*, production: bool = False) -> None:
    """Point Django at the bench database, set it up and migrate. Safe to call again: later
    calls in the same process do nothing (settings cannot change once loaded)."""
    global _configured_production
    if _configured_production is not None:
        if _configured_production != production:
            raise RuntimeError(
                f"Django is already set up with production={_configured_production}."
            )
        return
    if production:
        os.environ.update(production_env())
    else:
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        os.environ["DATABASE_URL"] = DATABASE_URL
        os.environ["REDIS_URL"] = REDIS_URL
    _ensure_database(DATABASE_URL)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    _configured_production = production
