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
from tests.live_servers import Browser, Server, live_database, skip_or_fail

# The servers' database is a copy of the suite's test database (see `live`).
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

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
def live(tmp_path_factory, django_db_setup, django_db_blocker):
    folder = tmp_path_factory.mktemp("limits-served")
    extra = {"BEHIND_PROXY": "true", "DJANGO_SETTINGS_MODULE": "tests.limits.server_settings"}
    redis = None
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        redis = _redis()
        extra["REDIS_URL"] = REDIS_URL
    # A copy of the suite's test database, migrated and empty: no test of this module holds
    # a transaction open while it is made.
    database = live_database("limits", folder, django_db_blocker)
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
        # A worker writes its line of the access log after sending the answer.
        deadline = time.monotonic() + 10
        while True:
            self.workers = Counter(self.server.pids()[self.before :])
            if len(self.workers) == 2 or time.monotonic() > deadline:
                return
            time.sleep(0.05)


def _assert_both_workers_answered(spread):
    assert len(spread.workers) == 2, spread.workers


def _limit_then_one_more(browser, url, limit, *, form=lambda n: {}, headers=None):
    """The statuses of the `limit` posts a limit allows, sorted, then of one more.

    The first two are held open together (Browser.hold_posts), so that each of the two workers
    answers one of them; the rest go four at a time, and reach either worker."""
    statuses = browser.hold_posts(url, [form(0), form(1)], headers).finish()
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses += pool.map(lambda n: browser.post(url, form(n), headers).status, range(2, limit))
    return sorted(statuses) + [browser.post(url, form(limit), headers).status]


def test_the_eleventh_failed_login_is_refused_and_then_even_the_right_password(live):
    server, setup = live
    username = _fresh(list(setup["readers"])[: READERS // 2], 300, margin=40)
    address = _fresh(_addresses("203.0.113"), 300, value=lambda a: f"{a}/32", margin=40)
    browser = _guest(server, address)
    forwarded = {"X-Forwarded-For": address}
    url = server.url + "/login/"

    def attempt(password):
        return {"username": username, "password": password}

    with _Spread(server) as spread:
        statuses = _limit_then_one_more(
            browser, url, 10, form=lambda _: attempt("guess"), headers=forwarded
        )
        assert statuses == [200] * 10 + [429]
        assert browser.post(url, attempt(PASSWORD), headers=forwarded).status == 429
    _assert_both_workers_answered(spread)


def test_the_eleventh_sign_up_from_one_address_in_an_hour_is_refused(live):
    server, _ = live
    address = _fresh(_addresses("198.51.100"), 3600, value=lambda a: f"{a}/32")
    browser = _guest(server, address)

    with _Spread(server) as spread:
        statuses = _limit_then_one_more(
            browser,
            server.url + "/signup/",
            10,
            form=lambda _: {"username": "x"},
            headers={"X-Forwarded-For": address},
        )
    assert statuses == [200] * 10 + [429]
    _assert_both_workers_answered(spread)


def test_the_thirty_first_kudos_in_a_minute_is_refused(live):
    server, setup = live
    address = _fresh(_addresses("192.0.2"), 60, value=lambda a: f"address:{a}/32")
    browser = _guest(server, address)

    with _Spread(server) as spread:
        url = f"{server.url}/works/{setup['work']}/kudos/"
        statuses = _limit_then_one_more(browser, url, 30, headers={"X-Forwarded-For": address})
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
        url = f"{server.url}/works/{setup['work']}/comments/"
        statuses = _limit_then_one_more(
            browser, url, 10, form=lambda n: {"body": f"Kind word number {n}."}
        )
    assert statuses == [302] * 10 + [429]
    _assert_both_workers_answered(spread)


def test_the_sixty_first_bookmark_in_a_minute_is_refused(live):
    server, setup = live
    browser = _signed_in(server, setup)

    with _Spread(server) as spread:
        url = f"{server.url}/works/{setup['work']}/bookmark/"
        statuses = _limit_then_one_more(browser, url, 60, form=lambda _: {"notes": ""})
    assert statuses == [302] * 60 + [429]
    _assert_both_workers_answered(spread)


def test_requests_at_the_same_moment_let_exactly_the_limit_through(live):
    server, _ = live
    address = _fresh(_addresses("100.64.0"), 3600, value=lambda a: f"{a}/32")
    browser = _guest(server, address)
    url, headers = server.url + "/signup/", {"X-Forwarded-For": address}

    def sign_up(number):
        return browser.post(url, {"username": f"burst-{number}"}, headers=headers).status

    with _Spread(server) as spread, ThreadPoolExecutor(max_workers=8) as pool:
        # Both workers wait for the body of a sign-up each while the others queue up behind
        # them; then all sixteen are answered at once, by both.
        held = browser.hold_posts(url, [{"username": "burst-0"}, {"username": "burst-1"}], headers)
        others = pool.map(sign_up, range(2, 16))
        statuses = held.finish() + list(others)
    assert sorted(statuses) == [200] * 10 + [429] * 6
    _assert_both_workers_answered(spread)
