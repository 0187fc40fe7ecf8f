"""Server-side cost of the main pages, as a multiple of a baseline page.

Every request goes through the whole Django stack in this process (the test Client: URL
routing, all middleware, the view, templates, PostgreSQL), with the production settings
(DEBUG=0). No network and no gunicorn: this measures what the app itself costs.

The baseline is the guides page (/guides/): a real page with the same middleware, the same
signed-in session and the same base layout, whose view reads nothing from the database. So
"3x" means: the page costs three times a page that only renders a template. Baseline and page
requests alternate, so both see the same machine; each figure is the median of many requests.

Pages:
* Today (an athlete in week 3 of their plan, with history);
* the pain-log POST (htmx, as the form sends it), each time for a run just marked done, by a
  different athlete (the run is marked done through the service beforehand, untimed);
* the coach's group review page and the group CSV export for groups of 5, 50 and 500.

Goal (issue #8): every page at most 3x the baseline at 500 athletes, and the review page's
SQL query count the same for 5, 50 and 500.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.env import setup_django

GOAL_RATIO = 3.0
# Requests per page (and as many baseline requests): on a shared machine single requests vary
# by 50% and more, so the medians need this many to settle within a few percent.
REPEAT = 60
WARMUP = 3
BASELINE = "/guides/"


@dataclass
class Measured:
    name: str
    athletes: int | None
    page_ms: float
    base_ms: float
    queries: int
    status: int

    @property
    def ratio(self) -> float:
        return self.page_ms / self.base_ms


def _client(user):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    client.force_login(user)
    client.get(BASELINE)  # the CSRF cookie, and a warm session
    return client


def _consume(response) -> int:
    if response.streaming:
        b"".join(response.streaming_content)
    else:
        response.content  # noqa: B018 - already rendered; touch it like a server would
    return response.status_code


def _timed(request: Callable[[], object]) -> tuple[float, int]:
    t0 = time.perf_counter()
    status = _consume(request())
    return (time.perf_counter() - t0) * 1000, status


def _queries(request: Callable[[], object]) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        status = _consume(request())
    return len(captured.captured_queries), status


def _pair(
    name: str,
    athletes: int | None,
    client,
    request: Callable[[], object],
    repeat: int,
    prepare: Callable[[int], Callable[[], object]] | None = None,
) -> Measured:
    """Alternate baseline and page requests; medians of both. With `prepare`, each round first
    prepares (untimed) and returns the request to time."""

    def base():
        return client.get(BASELINE)

    for _ in range(WARMUP):
        _consume(base())
        if prepare is None:
            _consume(request())
    base_times, page_times, statuses = [], [], set()
    for i in range(repeat):
        page = prepare(i) if prepare else request
        if i % 2:
            ms, status = _timed(page)
            base_ms, _ = _timed(base)
        else:
            base_ms, _ = _timed(base)
            ms, status = _timed(page)
        base_times.append(base_ms)
        page_times.append(ms)
        statuses.add(status)
    if prepare is None:
        queries, status = _queries(request)
        statuses.add(status)
    else:
        queries, status = _queries(prepare(repeat))
        statuses.add(status)
    if len(statuses) != 1:
        raise RuntimeError(f"{name}: mixed statuses {sorted(statuses)}")
    return Measured(
        name=name,
        athletes=athletes,
        page_ms=statistics.median(page_times),
        base_ms=statistics.median(base_times),
        queries=queries,
        status=statuses.pop(),
    )


def _pain_post(dataset) -> Measured:
    """Each round: another athlete marks their next run done (service, untimed), then the
    timed POST of its pain log, as the htmx form sends it."""
    from accounts.models import User
    from plans.models import PlannedRun
    from plans.services import run_complete

    athletes = list(User.objects.filter(pk__in=dataset.load_athlete_ids).order_by("email"))
    repeat = REPEAT
    client = _client(athletes[0])

    def prepare(i: int):
        athlete = athletes[i % len(athletes)]  # each one a run further on the second time
        client.force_login(athlete)
        client.get(BASELINE)
        run = (
            PlannedRun.objects.filter(
                enrollment__athlete=athlete,
                enrollment__finished_at=None,
                status=PlannedRun.Status.PLANNED,
            )
            .order_by("sequence")
            .first()
        )
        run_complete(run=run, by=athlete, actual_seconds=run.total_seconds)
        url = f"/runs/{run.pk}/pain/"
        data = {
            "pain": str(i % 2),
            "eased_after_warmup": "yes" if i % 2 else "",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        }
        return lambda: client.post(url, data, HTTP_HX_REQUEST="true")

    return _pair("Pain-log POST (htmx)", None, client, lambda: None, repeat, prepare)


def measure(dataset) -> list[Measured]:
    from accounts.models import User
    from bench.dataset import reset_athletes
    from bench.server import collectstatic

    collectstatic()  # the production storage needs its manifest, as in a deployment
    reset_athletes(dataset.load_athlete_ids)
    results = []
    athlete = User.objects.get(pk=dataset.load_athlete_ids[-1])
    client = _client(athlete)
    results.append(_pair("Today", None, client, lambda: client.get("/today/"), REPEAT))
    results.append(_pain_post(dataset))

    coach = User.objects.get(pk=dataset.coach_id)
    client = _client(coach)
    for size in sorted(dataset.groups):
        group = dataset.groups[size]
        review = f"/coach/groups/{group}/"
        export = f"/coach/groups/{group}/export.csv"
        results.append(_pair("Group review", size, client, lambda u=review: client.get(u), REPEAT))
        results.append(_pair("CSV export", size, client, lambda u=export: client.get(u), REPEAT))
    reset_athletes(dataset.load_athlete_ids)
    return results


def report(results: list[Measured]) -> str:
    lines = [
        "## Server-side page cost (in-process, full Django stack, DEBUG=0)",
        "",
        f"Median of {REPEAT} requests, each alternating with "
        f"a baseline request to `{BASELINE}` (same middleware and session, no database work "
        "in the view). Queries: SQL queries of one request, session and user included.",
        "",
        "| page | athletes | ms/request | baseline ms | ratio | SQL queries | status |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in results:
        lines.append(
            f"| {m.name} | {m.athletes or ''} | {m.page_ms:.1f} | {m.base_ms:.1f} | "
            f"{m.ratio:.2f}x | {m.queries} | {m.status} |"
        )
    worst = max(results, key=lambda m: m.ratio)
    at_500 = [m for m in results if m.athletes in (None, 500)]
    ratio_ok = all(m.ratio <= GOAL_RATIO for m in at_500)
    review_queries = {m.athletes: m.queries for m in results if m.name == "Group review"}
    queries_ok = len(set(review_queries.values())) == 1
    lines += [
        "",
        f"Goal: every page at most {GOAL_RATIO:.0f}x the baseline at 500 athletes: "
        f"**{'met' if ratio_ok else 'not met'}** (highest: {worst.name}"
        f"{f' ({worst.athletes})' if worst.athletes else ''}, {worst.ratio:.2f}x). "
        "Review page's query count the same for "
        f"{', '.join(str(k) for k in review_queries)}: "
        f"**{'met' if queries_ok else 'not met'}** "
        f"({', '.join(str(v) for v in review_queries.values())}).",
    ]
    return "\n".join(lines)


def main() -> str:
    setup_django(production=True)
    from bench.dataset import ensure_dataset

    return report(measure(ensure_dataset()))


if __name__ == "__main__":
    print(main())
