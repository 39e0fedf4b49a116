"""The cache backend django-ratelimit counts in (`RATELIMIT_USE_CACHE = "limits"`).

A count is a RateCount row in the primary database, so every process of every app server
sees the same count, and a flood of other cache entries cannot evict it as it would in an
in-memory cache; the database holds nothing else that could crowd it out. Each operation is
one SQL statement (an upsert, or an UPDATE ... RETURNING), so counts made at the same moment
by many processes all add up: SQLite 3.35 or newer and PostgreSQL both run them. Statements
go to the primary directly, never through the read-replica router.

Only whole numbers are kept, and every count expires: django-ratelimit asks for nothing more.
"""

import datetime

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from limits.models import RateCount

# How many expired rows each new window clears: enough to keep the table near the size of
# the live counts, few enough that no request waits on a large delete.
PURGE_BATCH = 100


class RateCountCache(BaseCache):
    def __init__(self, location, params):
        # The database is the location: LOCATION names nothing.
        super().__init__(params)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """Start a count unless a live one exists; an expired row is taken over."""
        key = self.make_and_validate_key(key, version=version)
        added = self._fetch(
            f"INSERT INTO {_TABLE} ({_KEY}, count, expires_at) VALUES (%s, %s, %s) "
            f"ON CONFLICT ({_KEY}) DO UPDATE SET count = excluded.count, "
            f"expires_at = excluded.expires_at WHERE {_TABLE}.expires_at <= %s RETURNING count",
            [key, int(value), self._expiry(timeout), self._now()],
        )
        if added is not None:
            self._purge()
        return added is not None

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        count = self._fetch(
            f"SELECT count FROM {_TABLE} WHERE {_KEY} = %s AND expires_at > %s",
            [key, self._now()],
        )
        return default if count is None else count

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._fetch(
            f"INSERT INTO {_TABLE} ({_KEY}, count, expires_at) VALUES (%s, %s, %s) "
            f"ON CONFLICT ({_KEY}) DO UPDATE SET count = excluded.count, "
            "expires_at = excluded.expires_at RETURNING count",
            [key, int(value), self._expiry(timeout)],
        )

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        count = self._fetch(
            f"UPDATE {_TABLE} SET count = count + %s WHERE {_KEY} = %s AND expires_at > %s "
            "RETURNING count",
            [int(delta), key, self._now()],
        )
        if count is None:
            # Django's contract, which django-ratelimit reads as "no count": it then refuses.
            raise ValueError(f"Key '{key}' not found")
        return count

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._execute(
            f"UPDATE {_TABLE} SET expires_at = %s WHERE {_KEY} = %s AND expires_at > %s",
            [self._expiry(timeout), key, self._now()],
        )

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._execute(f"DELETE FROM {_TABLE} WHERE {_KEY} = %s", [key])

    def clear(self):
        self._execute(f"DELETE FROM {_TABLE}", [])

    def _purge(self):
        # Oldest first, by the expiry index. On PostgreSQL rows another process is already
        # deleting are skipped, so two purges never wait on (or deadlock over) each other.
        connection = connections[DEFAULT_DB_ALIAS]
        skip = (
            " FOR UPDATE SKIP LOCKED"
            if connection.features.has_select_for_update_skip_locked
            else ""
        )
        # The batch is chosen once, in a CTE: as a subquery of the DELETE, PostgreSQL may
        # run it again for each row it checks, and each run skips the rows the last one
        # locked, so the statement deleted every expired row instead of a batch.
        self._execute(
            f"WITH batch AS (SELECT id FROM {_TABLE} WHERE expires_at <= %s "
            f"ORDER BY expires_at LIMIT {PURGE_BATCH}{skip}) "
            f"DELETE FROM {_TABLE} WHERE id IN (SELECT id FROM batch)",
            [self._now()],
        )

    def _expiry(self, timeout):
        timeout = self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout
        if timeout is None:
            raise ValueError("Rate counts always expire: give a timeout in seconds.")
        return self._now() + datetime.timedelta(seconds=timeout)

    def _now(self):
        return timezone.now()

    def _fetch(self, sql, params):
        """The first column of the statement's first row, or None."""
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(sql, _adapted(params))
            row = cursor.fetchone()
        return None if row is None else row[0]

    def _execute(self, sql, params):
        """Whether the statement changed any row."""
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(sql, _adapted(params))
            return cursor.rowcount > 0


def _adapted(params):
    ops = connections[DEFAULT_DB_ALIAS].ops
    return [
        ops.adapt_datetimefield_value(value) if isinstance(value, datetime.datetime) else value
        for value in params
    ]


def _quoted(name):
    return connections[DEFAULT_DB_ALIAS].ops.quote_name(name)


_TABLE = _quoted(RateCount._meta.db_table)
_KEY = _quoted("key")
