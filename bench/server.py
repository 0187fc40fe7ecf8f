"""A real production server on loopback: gunicorn running config.wsgi with DEBUG=0.

    with production_server(port=8765) as base_url:
        ...  # http://127.0.0.1:8765, static files collected, /healthz answering

Static files are collected into STATIC_ROOT (staticfiles/, ignored by git) with the production
storage (compressed and fingerprinted), as a deployment would before starting the server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.env import production_env

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 30.0


def collectstatic() -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=production_env(),
        check=True,
    )


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"gunicorn did not answer /healthz in {STARTUP_TIMEOUT}s:\n{log.read_text()}"
    )


@contextmanager
def production_server(*, port: int, workers: int = 2) -> Iterator[str]:
    """Start gunicorn on 127.0.0.1:port, yield its base URL, and stop it on the way out."""
    collectstatic()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-gunicorn-") as tmp:
        log = Path(tmp) / "gunicorn.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(workers),
                    "--worker-class",
                    "sync",
                    "--timeout",
                    "60",
                    "--graceful-timeout",
                    "10",
                    "--error-logfile",
                    "-",
                ],
                cwd=ROOT,
                env=production_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_healthy(url, proc, log)
            yield url
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
