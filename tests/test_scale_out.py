"""Two app servers against one PostgreSQL and one Redis: whichever server answers, a reader's
session, consents, kudos and bookmarks are the same, since no server keeps any of it itself."""

import pytest

from tests.factories import PASSWORD
from tests.live_servers import Browser, LiveDatabase, Server, postgres_url, skip_or_fail

pytestmark = pytest.mark.slow

# A Redis database number of these tests' own: it is emptied before they start.
REDIS_URL = "redis://127.0.0.1:6379/7"
JSON = {"Accept": "application/json"}

SETUP = """
import json
from tests.factories import make_reader, make_work
make_reader("roaming-reader")
gated = make_work(rating="mature", warnings=("graphic-violence",), chapters=2, title="Far Shore")
print(json.dumps({"gated": gated.pk}))
"""


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis is unreachable at {REDIS_URL}: {error}")
    return client


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    url = postgres_url()
    redis = _redis()
    redis.flushdb()
    database = LiveDatabase(url, "scaleout")
    started = []
    try:
        works = database.run(SETUP)
        logs = tmp_path_factory.mktemp("scale-out")
        env = database.env(REDIS_URL=REDIS_URL)
        started.append(Server(env, logs / "a.log"))
        started.append(Server(env, logs / "b.log"))
        yield started[0], started[1], works, redis
    finally:
        for server in started:
            server.stop()
        database.drop()
        redis.flushdb()


def test_a_reader_is_the_same_reader_whichever_server_answers(servers):
    a, b, works, redis = servers
    browser = Browser()
    chapter = f"/works/{works['gated']}/chapters/1/"

    browser.login(a, "roaming-reader", PASSWORD)
    assert browser.get(b.url + "/bookmarks/").status == 200  # signed in on B too

    # Consent given on A lets the reader read on B without the interstitial.
    assert 'class="interstitial"' in browser.get(b.url + chapter).text
    agreed = browser.post(
        f"{a.url}/works/{works['gated']}/consent/",
        [("items", "rating:mature"), ("items", "warning:graphic-violence"), ("next", chapter)],
    )
    assert agreed.status == 302
    page = browser.get(b.url + chapter)
    assert f"storytext-{works['gated']}-1" in page.text
    assert 'class="interstitial"' not in page.text

    # Kudos left on B are known on A.
    kudos = browser.post(f"{b.url}/works/{works['gated']}/kudos/", headers=JSON)
    assert kudos.json()["created"] is True
    again = browser.post(f"{a.url}/works/{works['gated']}/kudos/", headers=JSON)
    assert again.json()["created"] is False
    assert "roaming-reader left kudos" in browser.get(a.url + chapter).text

    # A bookmark made on A is listed on B.
    saved = browser.post(
        f"{a.url}/works/{works['gated']}/bookmark/", {"notes": "", "tags": "lighthouse"}
    )
    assert saved.status == 302
    listed = browser.get(b.url + "/bookmarks/").text
    assert "Far Shore" in listed and "lighthouse" in listed

    # The session lives in Redis (cached) and the database, not in either server.
    assert redis.keys("*django.contrib.sessions.cached_db*")
    browser.post(b.url + "/logout/")
    assert browser.get(a.url + "/bookmarks/").status == 302  # signed out everywhere


def test_a_guests_consent_holds_on_both_servers(servers):
    a, b, works, _ = servers
    browser = Browser()
    chapter = f"/works/{works['gated']}/chapters/2/"
    assert 'class="interstitial"' in browser.get(a.url + chapter).text
    agreed = browser.post(
        f"{b.url}/works/{works['gated']}/consent/",
        [("items", "rating:mature"), ("items", "warning:graphic-violence"), ("next", chapter)],
    )
    assert agreed.status == 302
    assert f"storytext-{works['gated']}-2" in browser.get(a.url + chapter).text
