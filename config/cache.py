"""The shared cache in Redis, forgiving an outage: while Redis is away a read is a miss and a
write is skipped, so pages are built from the database instead of failing with the 503.

Everything the archive caches can be rebuilt from the database (listing counts, download
files, sessions' copies), so losing the cache for a while costs time, never a page. After
Redis fails to answer, each process stops asking it for `RETRY_SECONDS`, so that the requests
meanwhile do not each wait for a connection that times out; then the next one tries again.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# How long a process goes without asking Redis after it failed to answer.
RETRY_SECONDS = 5
# What an outage looks like to redis-py: no connection, or no answer in the socket timeout.
OUTAGE = (RedisConnectionError, RedisTimeoutError)


class RedisAway(RedisConnectionError):
    """Redis is known to be away: not asked again before the circuit's retry time."""


class Circuit:
    """Whether to ask one Redis server at all: after a failure, not for RETRY_SECONDS."""

    def __init__(self, location):
        self.location = location
        self.retry_at = None

    @property
    def is_open(self):
        return self.retry_at is not None and time.monotonic() < self.retry_at

    def call(self, operation, *args):
        """operation(*args); raises RedisAway at once while the circuit is open."""
        if self.is_open:
            raise RedisAway(f"Redis is away; asking again within {RETRY_SECONDS} s")
        try:
            answer = operation(*args)
        except OUTAGE as error:
            if self.retry_at is None:
                # One line per outage and process; the requests meanwhile are not logged.
                logger.warning(
                    "Redis unavailable (%s): the cache is skipped, asking again every %s s",
                    type(error).__name__,
                    RETRY_SECONDS,
                )
            self.retry_at = time.monotonic() + RETRY_SECONDS
            raise
        if self.retry_at is not None:
            self.retry_at = None
            logger.warning("Redis answers again: the cache is used")
        return answer


_circuits = {}


def circuit_for(location):
    """The process's circuit for one Redis server, shared by the cache and archive.reading.hits."""
    return _circuits.setdefault(str(location), Circuit(location))


class ForgivingRedisCache(RedisCache):
    """Django's Redis cache, for which Redis being away is a miss on reads and a skipped
    write (see the module's docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self.circuit = circuit_for(server)

    def _or(self, otherwise, operation, *args):
        try:
            return self.circuit.call(operation, *args)
        except OUTAGE:
            return otherwise

    def get(self, key, default=None, version=None):
        return self._or(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._or({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._or(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        try:
            return self.circuit.call(super().incr, key, delta, version)
        except OUTAGE:
            # What Django's caches raise for a missing key: a miss, like a read.
            raise ValueError(f"Key '{key}' not found (the cache is away).") from None

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(False, super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # The keys that were not stored: all of them.
        return self._or(list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._or(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._or(None, super().delete_many, keys, version)

    def clear(self):
        return self._or(False, super().clear)

    def forget(self, key, version=None):
        """Delete `key`, or raise a RedisError when Redis is away: for a copy that must not
        outlive its source (config.sessions), unlike whatever else is cached."""
        return self.circuit.call(super().delete, key, version)

    def is_reachable(self):
        """Whether Redis answers now (for /healthz)."""
        return self._or(False, lambda: self._cache.get_client().ping())
