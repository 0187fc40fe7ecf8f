"""A pytest plugin loaded before Django's settings (``-p tests.parallel`` in addopts).

pytest-django gives each parallel worker of pytest-xdist a test database of its own; this
gives each one a Redis database of its own too, so one worker's Celery worker never takes
another's tasks and their queues and cache keys stay apart.
"""

from __future__ import annotations

import os
import re

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", … in a worker
_url = os.environ.get("REDIS_URL", "")
_parts = re.fullmatch(r"(rediss?://[^/]+)(?:/(\d*))?", _url)
if _worker.startswith("gw") and _parts:
    _db = int(_parts[2] or 0) + int(_worker[2:])
    os.environ["REDIS_URL"] = f"{_parts[1]}/{_db}"
