"""`make bench`: build the data set once, run every benchmark, write bench/results.md.

Each benchmark module has a main() that returns a markdown section (a heading, a table, one
line on the goal and whether it was met). A benchmark that fails gets its error written in
its section; the others still run, and the command exits non-zero at the end.
"""

from __future__ import annotations

import importlib
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench.env import DATABASE_URL, REDIS_URL, setup_django

SECTIONS = ("bench.page_cost", "bench.load", "bench.fanout", "bench.frontend")
# BENCH_ONLY=page_cost,load runs only those sections (results.md then has only them).
ONLY = {f"bench.{n.strip()}" for n in os.environ.get("BENCH_ONLY", "").split(",") if n.strip()}
RESULTS = Path(__file__).resolve().parent / "results.md"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def redis_version() -> str:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL).info("server")["redis_version"]
    except Exception as exc:  # noqa: BLE001 - the header says what went wrong
        return f"unreachable ({exc})"


def machine() -> str:
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs ({cpu_model()}){memory}; "
        f"Python {platform.python_version()}; PostgreSQL {postgres_version()}; "
        f"Redis {redis_version()}"
    )


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=RESULTS.parent.parent,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            cwd=RESULTS.parent.parent,
        ).stdout.strip()
        return out.stdout.strip() + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    started = time.monotonic()
    when = datetime.now(UTC)
    print(f"Setting up the bench database ({DATABASE_URL}) ...", flush=True)
    setup_django(production=True)
    from bench.dataset import ensure_dataset

    ensure_dataset()
    header = [
        "# Walk-Run Coach benchmarks",
        "",
        f"- Date: {when:%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Commit: {git_commit()}",
        f"- Load average when started: {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
        "(anything else running on the machine slows every figure here)",
        "- Command: `make bench` (bench/run.py)",
        "",
    ]
    sections = []
    failed = []
    for name in SECTIONS:
        if ONLY and name not in ONLY:
            continue
        t0 = time.monotonic()
        print(f"\n=== {name} ===", flush=True)
        try:
            section = importlib.import_module(name).main().strip()
        except Exception:  # noqa: BLE001 - recorded in the results, the run goes on
            failed.append(name)
            error = traceback.format_exc()
            print(error, file=sys.stderr, flush=True)
            section = f"## {name}\n\nFailed:\n\n```\n{error.strip()}\n```"
        took = time.monotonic() - t0
        section += f"\n\n_{name} took {took:.0f} s._"
        print(section, flush=True)
        sections.append(section)
    total = time.monotonic() - started
    footer = f"Total wall time of `make bench`: {total:.0f} s."
    if failed:
        footer += f" Failed: {', '.join(failed)}."
    RESULTS.write_text("\n".join(header) + "\n" + "\n\n".join(sections) + f"\n\n{footer}\n")
    print(f"\n{footer}\nWritten to {RESULTS}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
