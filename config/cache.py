"""The Redis cache, with one connection pool per process instead of one per thread.

Django makes a cache object per thread, and its Redis client opens a pool of its own: a
threaded server opens connections in every request thread and never closes them, so they
leak when the thread ends. redis-py's pools are thread-safe, so every thread of the process
shares one pool per server address.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_pools: dict[tuple, object] = {}
_pools_lock = threading.Lock()


class SharedPoolRedisCacheClient(RedisCacheClient):
    def _get_connection_pool(self, write):
        url = self._servers[self._get_connection_pool_index(write)]
        key = (url, tuple(sorted((k, repr(v)) for k, v in self._pool_options.items())))
        with _pools_lock:
            if key not in _pools:
                _pools[key] = self._pool_class.from_url(url, **self._pool_options)
            return _pools[key]


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
