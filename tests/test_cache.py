"""The Redis cache shares one connection pool across threads, so a thread that ends leaks no
socket (Django's own backend opened a pool per thread and never closed it)."""

import gc
import sys
import threading

from django.conf import settings as live
from django.core.cache import cache

from tests.conftest import need


def test_threads_share_one_pool_and_leave_no_open_socket_behind():
    need("Redis", bool(live.REDIS_URL), "set REDIS_URL to a running Redis")
    assert live.CACHES["default"]["BACKEND"] == "config.cache.SharedPoolRedisCache"

    pools = set()

    def request_in_a_thread(n: int) -> None:
        cache.set(f"cache-test-{n}", n, 30)
        assert cache.get(f"cache-test-{n}") == n
        pools.add(id(cache._cache._get_connection_pool(write=True)))

    threads = [threading.Thread(target=request_in_a_thread, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    leaked = []
    saved_hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: leaked.append(str(unraisable.exc_value))
    try:
        gc.collect()
    finally:
        sys.unraisablehook = saved_hook
    assert len(pools) == 1, "each thread opened a pool of its own"
    assert not [m for m in leaked if "6379" in m or "socket" in m], leaked
