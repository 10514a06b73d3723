"""The default cache as one instance per process, for code that runs in sockets' threads.

Django keeps a cache instance per context (`caches` is an asgiref Local that is not
thread-critical, so every asyncio task and every thread it hands work to has its own), and a
Redis cache instance opens its own connection pool. Under ASGI every socket is a task of its
own: each one that touched the cache (a rate-limited send, the flood cool-down) opened Redis
connections of its own, kept while it lived, and the rate limit's registered script (one per
pool) was kept for ever. Shared here instead: redis-py's pool is thread-safe, and the locmem
cache keeps its entries per name whatever the instance.
"""

import os
import threading

from django.core.cache import BaseCache, caches
from django.core.signals import setting_changed

_shared: tuple[int, BaseCache] | None = None
_lock = threading.Lock()


def shared_cache() -> BaseCache:
    """The "default" cache, one instance per process (a forked child makes its own)."""
    global _shared
    shared = _shared
    if shared is None or shared[0] != os.getpid():
        with _lock:
            shared = _shared
            if shared is None or shared[0] != os.getpid():
                shared = _shared = (os.getpid(), caches.create_connection("default"))
    return shared[1]


def _forget(*, setting, **kwargs) -> None:
    global _shared
    if setting == "CACHES":
        _shared = None


setting_changed.connect(_forget)
