"""The load test's users, for locust (run by bench/load.py, not imported by anything else).

Athletes (one load athlete each, from BENCH_ATHLETES) do what they do after a run: open
Today, mark the next run done, and log how their back felt, as the htmx forms send it; when
their plan is finished they start the next block. Coaches (all signed in as the bench coach)
open the review page of the 500, 50 or 5 group and now and then export the 500 group as CSV.
Everyone signs in first through the real login form (GET for the CSRF cookie, then POST).

Every request after the warm-up is written to BENCH_LOAD_OUT (JSON) with its name, time and
outcome, so bench/load.py can compute exact percentiles. A request fails when its status is
not 2xx/3xx or its body is not the page it should be.
"""

from __future__ import annotations

import json
import os
import random
import re
import time

from locust import HttpUser, between, events, task
from requests.adapters import HTTPAdapter

ATHLETES = [e for e in os.environ.get("BENCH_ATHLETES", "").split(",") if e]
ATHLETE_PASSWORD = os.environ.get("BENCH_ATHLETE_PASSWORD", "")
COACH_EMAIL = os.environ.get("BENCH_COACH_EMAIL", "")
COACH_PASSWORD = os.environ.get("BENCH_COACH_PASSWORD", "")
GROUPS = json.loads(os.environ.get("BENCH_GROUPS", "{}"))  # {"5": id, "50": id, "500": id}
WARMUP = float(os.environ.get("BENCH_WARMUP", "5"))
OUT = os.environ.get("BENCH_LOAD_OUT", "")

RUN_DONE = re.compile(r'action="/runs/(\d+)/done/"')
HTMX = {"HX-Request": "true"}

_started = time.monotonic()
_addresses = iter(range(2, 250))
_samples: list[tuple[str, float, bool, int]] = []
_logins: list[float] = []


@events.request.add_listener
def _record(name, response_time, exception, response=None, **kwargs):
    if name == "login":
        _logins.append(response_time)
    elif time.monotonic() - _started >= WARMUP:
        status = getattr(response, "status_code", 0) or 0
        _samples.append((name, response_time, exception is None, status))


@events.test_start.add_listener
def _start(**kwargs):
    global _started
    _started = time.monotonic()


_addresses = iter(range(2, 250))


@events.quitting.add_listener
def _write(**kwargs):
    if OUT:
        with open(OUT, "w") as f:
            json.dump({"samples": _samples, "logins": _logins, "warmup": WARMUP}, f)


class FromAddress(HTTPAdapter):
    """Connect from this loopback address: each simulated person has their own, as people
    out there do (allauth limits sign-ins per address; one address for all would hit it)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


class SignedIn(HttpUser):
    abstract = True
    email = ""
    password = ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.client.mount("http://", FromAddress(f"127.0.0.{next(_addresses)}"))

    def _plain_cookies(self) -> None:
        # The production profile marks cookies Secure; a TLS proxy would carry them, and on
        # loopback there is none, so send them back over plain HTTP as a browser would.
        for cookie in self.client.cookies:
            cookie.secure = False

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def post(self, path: str, data: dict, name: str, *, htmx: bool = False, expect: str = ""):
        headers = {"X-CSRFToken": self.csrf(), "Referer": self.host + path}
        if htmx:
            headers.update(HTMX)
        with self.client.post(
            path, data=data, headers=headers, name=name, catch_response=True
        ) as response:
            self._check(response, expect)
        self._plain_cookies()
        return response

    def get(self, path: str, name: str, *, expect: str = ""):
        with self.client.get(path, name=name, catch_response=True) as response:
            self._check(response, expect)
        self._plain_cookies()
        return response

    @staticmethod
    def _check(response, expect: str) -> None:
        if not 200 <= response.status_code < 400:
            response.failure(f"status {response.status_code}")
        elif expect and expect not in response.text:
            response.failure(f"no {expect!r} in the page")
        else:
            response.success()

    def on_start(self) -> None:
        self.client.get("/accounts/login/", name="login")
        self._plain_cookies()
        with self.client.post(
            "/accounts/login/",
            data={"login": self.email, "password": self.password},
            headers={"X-CSRFToken": self.csrf(), "Referer": self.host + "/accounts/login/"},
            allow_redirects=False,
            name="login",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login refused ({response.status_code})")
        self._plain_cookies()


class Athlete(SignedIn):
    fixed_count = int(os.environ.get("BENCH_ATHLETE_USERS", "1"))
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.email = ATHLETES.pop(0) if ATHLETES else ""
        self.password = ATHLETE_PASSWORD
        if not self.email:
            self.stop()  # more athlete users than load athletes
            return
        super().on_start()

    @task
    def after_a_run(self) -> None:
        today = self.get("/today/", "Today", expect="run-card")
        found = RUN_DONE.search(today.text or "")
        if found is None:
            if 'action="/plan/next-block/"' in (today.text or ""):
                self.post("/plan/next-block/", {}, "next block")
            return
        run = found.group(1)
        self.post(f"/runs/{run}/done/", {"actual_minutes": "30"}, "run done (htmx)", htmx=True)
        self.post(
            f"/runs/{run}/pain/",
            {"pain": random.choice("0011"), "eased_after_warmup": "yes"},
            "pain log (htmx)",
            htmx=True,
            expect="pain-verdict",
        )


class Coach(SignedIn):
    fixed_count = int(os.environ.get("BENCH_COACH_USERS", "1"))
    wait_time = between(2, 4)

    def on_start(self) -> None:
        self.email, self.password = COACH_EMAIL, COACH_PASSWORD
        super().on_start()

    @task(6)
    def review_500(self) -> None:
        self.get(f"/coach/groups/{GROUPS['500']}/", "review 500", expect="review-table")

    @task(2)
    def review_50(self) -> None:
        self.get(f"/coach/groups/{GROUPS['50']}/", "review 50", expect="review-table")

    @task(1)
    def review_5(self) -> None:
        self.get(f"/coach/groups/{GROUPS['5']}/", "review 5", expect="review-table")

    @task(1)
    def export_500(self) -> None:
        self.get(f"/coach/groups/{GROUPS['500']}/export.csv", "CSV export 500", expect="Athlete")
