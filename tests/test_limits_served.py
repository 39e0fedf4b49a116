"""Every limit the README promises holds exactly under `make serve`: gunicorn with two workers,
each request on a new connection so that both workers answer, and yet one count per client.
On the SQLite pass this is the embedded default (no Redis); on the PostgreSQL pass the
servers also have REDIS_URL, as several app servers would."""

import json
import os
import time
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.factories import PASSWORD
from tests.live_servers import (
    Browser,
    LiveDatabase,
    LiveSqlite,
    Server,
    postgres_url,
    skip_or_fail,
)

pytestmark = pytest.mark.slow

# A Redis database number of these tests' own: it is emptied before and after.
REDIS_URL = "redis://127.0.0.1:6379/11"
# Half of them for the login lock-out, the other half sign in to bookmark.
READERS = 10

SETUP = f"""
import json
from tests.factories import make_reader, make_work
readers = {{r.username: r.pk for r in (make_reader(f"counted-{{n}}") for n in range({READERS}))}}
print(json.dumps({{"readers": readers, "work": make_work(chapters=1).pk}}))
"""


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis is unreachable at {REDIS_URL}: {error}")
    client.flushdb()
    return client


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("limits-served")
    extra = {"BEHIND_PROXY": "true", "DJANGO_SETTINGS_MODULE": "tests.limits.server_settings"}
    redis = None
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        redis = _redis()
        extra["REDIS_URL"] = REDIS_URL
        database = LiveDatabase(postgres_url(), "limits")
    else:
        database = LiveSqlite(folder)
    server = None
    try:
        setup = json.loads(database.manage("shell", "-c", SETUP, **extra).splitlines()[-1])
        server = Server(
            database.env(**extra), folder / "server.log", workers=2, pids_log=folder / "pids.log"
        )
        yield server, setup
    finally:
        if server:
            server.stop()
        database.drop()
        if redis:
            redis.flushdb()


def _seconds_left(value, period):
    """How long the current window of a limit lasts for this key's value: django-ratelimit's
    fixed windows each start at an offset of their own, crc32(value) % period."""
    now = int(time.time())
    end = now - now % period + zlib.crc32(value.encode()) % period
    return end - now if end >= now else end + period - now


def _fresh(candidates, period, *, value=str, margin=25):
    """The first candidate whose window will not end while the test runs, so that all its
    requests are counted in one window."""
    for candidate in candidates:
        if _seconds_left(value(candidate), period) >= margin:
            return candidate
    raise AssertionError("no candidate with a window long enough")


def _addresses(block):
    return [f"{block}.{n}" for n in range(1, 60)]


def _guest(server, address):
    browser = Browser()
    browser.get(server.url + "/login/", headers={"X-Forwarded-For": address})  # the CSRF cookie
    return browser


class _Spread:
    """Which workers answered the requests made inside the block."""

    def __init__(self, server):
        self.server = server

    def __enter__(self):
        self.before = len(self.server.pids())
        return self

    def __exit__(self, *exc_info):
        self.workers = Counter(self.server.pids()[self.before :])


def _assert_both_workers_answered(spread):
    assert len(spread.workers) == 2, spread.workers


def _limit_then_one_more(call, limit):
    """`call(n)` for the `limit` requests a limit allows, four at a time, then once more.

    A sync gunicorn worker takes no connection while it answers one, so requests made at
    once reach both workers; made one after another they may all reach the same one."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        allowed = sorted(pool.map(call, range(limit)))
    return allowed + [call(limit)]


def test_the_eleventh_failed_login_is_refused_and_then_even_the_right_password(live):
    server, setup = live
    username = _fresh(list(setup["readers"])[: READERS // 2], 300, margin=40)
    address = _fresh(_addresses("203.0.113"), 300, value=lambda a: f"{a}/32", margin=40)
    browser = _guest(server, address)
    forwarded = {"X-Forwarded-For": address}

    def log_in(password):
        data = {"username": username, "password": password}
        return browser.post(server.url + "/login/", data, headers=forwarded).status

    with _Spread(server) as spread:
        assert _limit_then_one_more(lambda _: log_in("guess"), 10) == [200] * 10 + [429]
        assert log_in(PASSWORD) == 429
    _assert_both_workers_answered(spread)


def _statuses(server, browser, path, address, limit, data=()):
    headers = {"X-Forwarded-For": address}
    return _limit_then_one_more(
        lambda _: browser.post(server.url + path, data, headers=headers).status, limit
    )


def test_the_eleventh_sign_up_from_one_address_in_an_hour_is_refused(live):
    server, _ = live
    address = _fresh(_addresses("198.51.100"), 3600, value=lambda a: f"{a}/32")
    browser = _guest(server, address)

    with _Spread(server) as spread:
        statuses = _statuses(server, browser, "/signup/", address, 10, {"username": "x"})
    assert statuses == [200] * 10 + [429]
    _assert_both_workers_answered(spread)


def test_the_thirty_first_kudos_in_a_minute_is_refused(live):
    server, setup = live
    address = _fresh(_addresses("192.0.2"), 60, value=lambda a: f"address:{a}/32")
    browser = _guest(server, address)

    with _Spread(server) as spread:
        path = f"/works/{setup['work']}/kudos/"
        statuses = _statuses(server, browser, path, address, 30)
    assert statuses == [302] * 30 + [429]
    _assert_both_workers_answered(spread)


def _signed_in(server, setup):
    """A browser signed in as a reader whose minute windows will not end during the test
    (readers are counted by account, wherever they are)."""
    readers = setup["readers"]
    candidates = list(readers)[READERS // 2 :]
    username = _fresh(candidates, 60, value=lambda name: f"reader:{readers[name]}")
    browser = Browser()
    browser.login(server, username, PASSWORD)
    return browser


def test_the_eleventh_comment_in_a_minute_is_refused(live):
    server, setup = live
    browser = _signed_in(server, setup)

    with _Spread(server) as spread:
        path = f"/works/{setup['work']}/comments/"
        statuses = _limit_then_one_more(
            lambda n: browser.post(server.url + path, {"body": f"Kind word number {n}."}).status,
            10,
        )
    assert statuses == [302] * 10 + [429]
    _assert_both_workers_answered(spread)


def test_the_sixty_first_bookmark_in_a_minute_is_refused(live):
    server, setup = live
    browser = _signed_in(server, setup)

    with _Spread(server) as spread:
        path = f"/works/{setup['work']}/bookmark/"
        statuses = _limit_then_one_more(
            lambda _: browser.post(server.url + path, {"notes": ""}).status, 60
        )
    assert statuses == [302] * 60 + [429]
    _assert_both_workers_answered(spread)


def test_requests_at_the_same_moment_let_exactly_the_limit_through(live):
    server, _ = live
    address = _fresh(_addresses("100.64.0"), 3600, value=lambda a: f"{a}/32")
    browser = _guest(server, address)

    def sign_up(number):
        data = {"username": f"burst-{number}"}
        headers = {"X-Forwarded-For": address}
        return browser.post(server.url + "/signup/", data, headers=headers).status

    with _Spread(server) as spread, ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(sign_up, range(16)))
    assert sorted(statuses) == [200] * 10 + [429] * 6
    _assert_both_workers_answered(spread)
