"""Front end: what a phone downloads for the main pages, and what Lighthouse makes of them.

What it measures, and why. The people using the app are beginners on their phones, often
outdoors on a mobile connection, and coaches glancing at their group between sessions. So:

1. Page weight. For Today, the pain-log form and the coach's group review page (50 and 500
   athletes), the HTML and every stylesheet and script the page loads (htmx included), in
   bytes: raw, and gzip-compressed as the production server sends them to a browser that
   accepts gzip (WhiteNoise serves precompressed static files, GZipMiddleware the pages).
   Brotli sizes are computed with node (no brotli module for Python is installed, so
   WhiteNoise makes no .br files here). Goal: under 100 KB compressed per page.
2. Lighthouse (12, mobile profile: a mid-range phone on slow 4G, simulated) on Today, the
   pain-log form and the review page of the 50 group, three runs each, median scores. Goal:
   Performance at least 95 and Accessibility 100.

Everything runs against the production profile (DEBUG=0, gunicorn, collected and compressed
static files) on loopback, signed in with a session made in this process (the server shares
the bench's SECRET_KEY and database).

Needs node and `npm ci` in bench/ (bench/package.json pins Lighthouse); CHROME_PATH defaults
to /usr/bin/chromium. Run it alone with ``python -m bench.frontend`` (about 2-3 minutes).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import statistics
import subprocess
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.env import setup_django

BENCH = Path(__file__).resolve().parent
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
CHROME_PATH = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"
PORT = 8791
RUNS = 3
GOAL_KB = 100
GOAL_PERFORMANCE = 95
GOAL_ACCESSIBILITY = 100
ASSET = re.compile(
    r"""<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"|<script[^>]+src="([^"]+)\"""", re.I
)


def say(message: str) -> None:
    print(f"[frontend] {message}", flush=True)


@dataclass
class Page:
    name: str
    path: str
    cookie: str


@dataclass
class Weight:
    name: str
    files: int
    raw: int
    gzip: int
    brotli: int
    html_raw: int
    html_gzip: int


# ---- the pages and a signed-in session for each ----------------------------------------------


def _session_cookie(user, warm: str) -> str:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    client.get(warm)  # let the session middleware settle the session's fields
    return f"sessionid={client.cookies['sessionid'].value}"


def pages() -> list[Page]:
    from accounts.models import User
    from bench.dataset import ensure_dataset
    from plans.models import PlannedRun
    from symptoms.models import PainLog

    dataset = ensure_dataset()
    coach = User.objects.get(pk=dataset.coach_id)
    # An athlete of the 50 group, on track in week 2 of a plan with history. Not one of the
    # load benchmark's athletes: it resets their rows (new run ids) as it goes.
    athlete_id = next(pk for pk in dataset.athletes[50] if pk not in set(dataset.load_athlete_ids))
    athlete = User.objects.get(pk=athlete_id)
    run = (
        PlannedRun.objects.filter(enrollment__athlete=athlete, enrollment__finished_at=None)
        .exclude(pk__in=PainLog.objects.filter(run__isnull=False).values("run_id"))
        .order_by("-status", "sequence")  # a done run without a log, else the next one
        .first()
    )
    if run is None:
        raise RuntimeError(f"Athlete {athlete_id} has no run to log pain for.")
    athlete_cookie = _session_cookie(athlete, "/today/")
    coach_cookie = _session_cookie(coach, "/coach/")
    return [
        Page("Today", "/today/", athlete_cookie),
        Page("Pain-log form", f"/runs/{run.pk}/pain/", athlete_cookie),
        Page("Group review (50)", f"/coach/groups/{dataset.groups[50]}/", coach_cookie),
        Page("Group review (500)", f"/coach/groups/{dataset.groups[500]}/", coach_cookie),
    ]


# ---- page weight ------------------------------------------------------------------------------


def _get(url: str, cookie: str, encoding: str) -> tuple[bytes, dict[str, str]]:
    request = urllib.request.Request(
        url, headers={"Cookie": cookie, "Accept-Encoding": encoding, "Accept": "*/*"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.status != 200 or response.url != url:
            raise RuntimeError(f"{url}: HTTP {response.status} at {response.url} (signed out?)")
        return response.read(), {k.lower(): v for k, v in response.headers.items()}


def _brotli_sizes(bodies: list[bytes]) -> list[int]:
    """Brotli (quality 11, as WhiteNoise would) sizes, computed with node's zlib: no brotli
    module for Python is installed, so WhiteNoise here serves gzip only."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, body in enumerate(bodies):
            path = Path(tmp) / f"{i}.bin"
            path.write_bytes(body)
            paths.append(str(path))
        script = (
            "const z=require('zlib'),f=require('fs');"
            "console.log(JSON.stringify(process.argv.slice(1).map(p=>"
            "z.brotliCompressSync(f.readFileSync(p),{params:{"
            "[z.constants.BROTLI_PARAM_QUALITY]:11}}).length)))"
        )
        out = subprocess.run(
            ["node", "-e", script, *paths], capture_output=True, text=True, check=True
        ).stdout
    return json.loads(out)


def weigh(base: str, page: Page) -> tuple[Weight, list[str]]:
    html, _ = _get(base + page.path, page.cookie, "identity")
    served, headers = _get(base + page.path, page.cookie, "gzip")
    notes = []
    if headers.get("content-encoding") == "gzip":
        html_gzip = len(served)
    else:
        notes.append(f"{page.name}: HTML served uncompressed (gzip size computed here)")
        html_gzip = len(gzip.compress(html, 6))
    assets = [a or b for a, b in ASSET.findall(html.decode())]
    raws = [html]
    gzipped = [html_gzip]
    for asset in assets:
        raw, _ = _get(base + asset, page.cookie, "identity")
        served, asset_headers = _get(base + asset, page.cookie, "gzip")
        if asset_headers.get("content-encoding") != "gzip":
            notes.append(f"{asset} is served uncompressed")
        if "max-age" not in asset_headers.get("cache-control", ""):
            notes.append(f"{asset} has no long cache lifetime")
        raws.append(raw)
        gzipped.append(len(served))
    brotli = _brotli_sizes(raws)
    weight = Weight(
        name=page.name,
        files=len(raws),
        raw=sum(len(r) for r in raws),
        gzip=sum(gzipped),
        brotli=sum(brotli),
        html_raw=len(html),
        html_gzip=html_gzip,
    )
    return weight, notes


# ---- Lighthouse ---------------------------------------------------------------------------


@dataclass
class Audit:
    name: str
    performance: list[int]
    accessibility: list[int]
    failing: set[str]

    @property
    def perf(self) -> int:
        return round(statistics.median(self.performance))

    @property
    def a11y(self) -> int:
        return round(statistics.median(self.accessibility))


# Lighthouse sometimes loses the trace of a page load ("Something went wrong with recording
# the trace", NO_NAVSTART) and says to run it again: once more, then it counts as a failure.
RETRYABLE = ("Please run Lighthouse again",)


def lighthouse(url: str, cookie: str, *, tries: int = 2) -> dict:
    for attempt in range(1, tries + 1):
        try:
            return _lighthouse_once(url, cookie)
        except RuntimeError as exc:
            if attempt == tries or not any(text in str(exc) for text in RETRYABLE):
                raise
            print(f"[frontend] Lighthouse lost the trace of {url}; running it again", flush=True)
    raise AssertionError("unreachable")


def _lighthouse_once(url: str, cookie: str) -> dict:
    if not LIGHTHOUSE.exists():
        raise RuntimeError("Lighthouse is not installed: run `npm ci` in bench/.")
    with tempfile.TemporaryDirectory(prefix="bench-lh-") as tmp:
        report = Path(tmp) / "report.json"
        done = subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={report}",
                "--only-categories=performance,accessibility",
                "--form-factor=mobile",
                f"--chrome-flags={CHROME_FLAGS}",
                f"--extra-headers={json.dumps({'Cookie': cookie})}",
            ],
            env={**os.environ, "CHROME_PATH": CHROME_PATH},
            capture_output=True,
            text=True,
            timeout=180,
        )
        if done.returncode != 0:
            raise RuntimeError(f"Lighthouse failed on {url}:\n{done.stderr[-2000:]}")
        return json.loads(report.read_text())


def audit(base: str, page: Page) -> Audit:
    result = Audit(page.name, [], [], set())
    for run in range(1, RUNS + 1):
        report = lighthouse(base + page.path, page.cookie)
        if report.get("finalDisplayedUrl", "").rstrip("/") != (base + page.path).rstrip("/"):
            raise RuntimeError(f"{page.name}: ended on {report.get('finalDisplayedUrl')}")
        categories = report["categories"]
        performance = round(categories["performance"]["score"] * 100)
        accessibility = round(categories["accessibility"]["score"] * 100)
        result.performance.append(performance)
        result.accessibility.append(accessibility)
        for category in categories.values():
            for ref in category["auditRefs"]:
                found = report["audits"][ref["id"]]
                if ref.get("weight") and found.get("score") is not None and found["score"] < 0.9:
                    result.failing.add(f"{found['id']} ({found['score']:.2f})")
        say(f"{page.name} run {run}: performance {performance}, accessibility {accessibility}")
    return result


# ---- the report ---------------------------------------------------------------------------


def main() -> str:
    setup_django(production=True)  # as bench/run.py sets it up: the server shares the key
    from bench.server import production_server

    checked = pages()
    with production_server(port=PORT) as base:
        weights = []
        notes: list[str] = []
        for page in checked:
            weight, page_notes = weigh(base, page)
            weights.append(weight)
            notes += page_notes
            say(
                f"{page.name}: {weight.files} files, {weight.raw / 1024:.1f} KB raw, "
                f"{weight.gzip / 1024:.1f} KB gzip, {weight.brotli / 1024:.1f} KB brotli"
            )
        audits = [audit(base, page) for page in checked[:3]]
    kb = 1024
    heaviest = max(w.gzip for w in weights)
    lines = [
        "## Front end: page weight and Lighthouse (mobile)",
        "",
        "HTML + CSS + JS of each page (htmx included) from gunicorn with the production "
        "settings, as served to a browser that accepts gzip (static files precompressed by "
        "WhiteNoise, pages by Django's GZipMiddleware). Brotli sizes are computed (no "
        "brotli module is installed, so nothing is served as brotli here).",
        "",
        "| Page | Files | Raw | gzip (as served) | brotli (computed) | HTML raw / gzip |",
        "|---|---|---|---|---|---|",
        *(
            f"| {w.name} | {w.files} | {w.raw / kb:.1f} KB | {w.gzip / kb:.1f} KB | "
            f"{w.brotli / kb:.1f} KB | {w.html_raw / kb:.1f} / {w.html_gzip / kb:.1f} KB |"
            for w in weights
        ),
        "",
        f"Lighthouse {_lighthouse_version()} mobile (simulated slow 4G, 4x CPU slowdown), "
        f"median of {RUNS} runs:",
        "",
        "| Page | Performance (runs) | Accessibility (runs) | Audits under 0.9 |",
        "|---|---|---|---|",
        *(
            f"| {a.name} | {a.perf} ({', '.join(map(str, a.performance))}) | {a.a11y} "
            f"({', '.join(map(str, a.accessibility))}) | "
            f"{', '.join(sorted(a.failing)) or 'none'} |"
            for a in audits
        ),
        "",
        f"- Goal: every page under {GOAL_KB} KB compressed: "
        f"{'met' if heaviest < GOAL_KB * kb else 'NOT met'} (heaviest {heaviest / kb:.1f} KB "
        "gzip).",
        f"- Goal: Lighthouse Performance >= {GOAL_PERFORMANCE}: "
        f"{'met' if all(a.perf >= GOAL_PERFORMANCE for a in audits) else 'NOT met'} "
        f"({', '.join(f'{a.name} {a.perf}' for a in audits)}).",
        f"- Goal: Lighthouse Accessibility {GOAL_ACCESSIBILITY}: "
        f"{'met' if all(a.a11y >= GOAL_ACCESSIBILITY for a in audits) else 'NOT met'} "
        f"({', '.join(f'{a.name} {a.a11y}' for a in audits)}).",
    ]
    if notes:
        lines += ["", "Notes: " + "; ".join(sorted(set(notes))) + "."]
    return "\n".join(lines) + "\n"


def _lighthouse_version() -> str:
    package = BENCH / "node_modules" / "lighthouse" / "package.json"
    try:
        return json.loads(package.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "?"


if __name__ == "__main__":
    print(main())
