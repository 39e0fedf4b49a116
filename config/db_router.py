"""Reads from a streaming read replica, writes (and reads that must see them) on the primary.

With `REPLICA_DATABASE_URL` set, `ReplicaMiddleware` lets a GET or HEAD request read from the
"replica" database while the replica is healthy; `ReplicaRouter` sends those reads there.
Everything else uses the primary ("default"):

- every write, and every read after the request's first write or inside a transaction;
- every request that is not a GET or HEAD (a form post, kudos, consent), and every request
  for `REPLICA_PIN_SECONDS` after the browser's last such request (read-your-writes, marked
  by a signed cookie), so that a reader always sees what they just did;
- everything outside a request: jobs, management commands, the shell;
- every request while the replica is down, not streaming, or more than
  `REPLICA_MAX_LAG_SECONDS` behind (checked at most every `REPLICA_CHECK_SECONDS` in each
  process), so pages go on working from the primary instead of failing.

Without a replica neither class is installed (config/settings.py) and nothing changes.
"""

import contextlib
import contextvars
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "primary_reads"
_PIN_SALT = "config.db_router.pin"
_READ_ONLY_METHODS = {"GET", "HEAD"}


@dataclass
class _Route:
    """How the current request reads: from the replica until it writes."""

    replica: bool
    wrote: bool = False


_route = contextvars.ContextVar("database_route", default=None)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        route = _route.get()
        if route is None or not route.replica or route.wrote:
            return DEFAULT_DB_ALIAS
        # A transaction on the primary reads what it wrote itself, not the replica's past.
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        route = _route.get()
        if route is not None:
            route.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read from one is the same row.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def reads_from_replica():
    """Whether the current request's next read would go to the replica."""
    return ReplicaRouter().db_for_read(None) == REPLICA


class route_reads:
    """Route the reads inside the block as a request would (`replica=True`: to the replica
    until the first write); for the middleware, the bench and tests."""

    def __init__(self, *, replica):
        self.route = _Route(replica=replica)

    def __enter__(self):
        self.token = _route.set(self.route)
        return self.route

    def __exit__(self, *exc_info):
        _route.reset(self.token)


class ReplicaMiddleware:
    """Chooses, for each request, whether its reads may use the replica; marks the browser
    after a request that may have written, so its next pages read from the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        use_replica = (
            request.method in _READ_ONLY_METHODS and not _pinned(request) and replica_ready()
        )
        with route_reads(replica=use_replica):
            response = self.get_response(request)
        if use_replica and response.status_code == 503:
            # The replica may have gone away during this request: check it again before the
            # next one instead of trusting the last check.
            _health.checked = 0.0
        # A GET that wrote (reading history) keeps to the primary for itself only: pinning the
        # pages after every chapter read would leave the replica idle.
        if request.method not in _READ_ONLY_METHODS:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=_PIN_SALT,
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def _pinned(request):
    value = request.get_signed_cookie(
        PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=settings.REPLICA_PIN_SECONDS
    )
    return value is not None


@dataclass
class _Health:
    ok: bool = False
    checked: float = 0.0
    lag: float | None = None


_health = _Health()

# On a replica that has replayed everything it received, the lag is nothing; otherwise it is
# how long ago the last transaction it replayed was committed on the primary (an upper bound).
_LAG_SQL = """
SELECT pg_is_in_recovery(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""


def replica_ready():
    """Whether this process may read from the replica now: it answers, streams from the
    primary and is not too far behind. Checked at most every REPLICA_CHECK_SECONDS; the
    connection itself is checked on each request, so a stopped replica is noticed at once."""
    now = time.monotonic()
    if now - _health.checked >= settings.REPLICA_CHECK_SECONDS:
        _health.ok, _health.lag = _check_replica()
        _health.checked = now
    if not _health.ok:
        return False
    try:
        # A kept connection is checked once per request, as CONN_HEALTH_CHECKS does for the
        # first query: a replica stopped since the last check falls back here, not in a view.
        connections[REPLICA].close_if_health_check_failed()
        connections[REPLICA].ensure_connection()
    except DatabaseError:
        _health.ok, _health.lag, _health.checked = False, None, now
        logger.warning("replica unreachable: reading from the primary")
        return False
    return True


def replica_status():
    """(healthy, lag in seconds or None) as last checked, for /healthz-like reports."""
    return _health.ok, _health.lag


def _check_replica():
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_LAG_SQL)
            in_recovery, streaming, lag = cursor.fetchone()
    except DatabaseError:
        _close_quietly()
        return False, None
    lag = float(lag) if lag is not None else None
    ok = bool(in_recovery and streaming and lag is not None)
    return ok and lag <= settings.REPLICA_MAX_LAG_SECONDS, lag


def _close_quietly():
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()
