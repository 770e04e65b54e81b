"""Caches that fail as an unreachable Redis does, for the tests of what depends on the cache."""

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache


class UnreachableCache(BaseCache):
    """Every operation fails, as with Redis down."""

    def __init__(self, location, params):
        super().__init__(params)

    def _fail(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    add = get = set = delete = touch = incr = has_key = clear = _fail


class UnstorableCache(LocMemCache):
    """Claims and reads work; storing an answer fails (Redis gone mid-request)."""

    def set(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")
