"""With REDIS_URL, Redis being away costs the archive its cache, not its pages: reads are
misses, writes are skipped, each process stops asking Redis for a few seconds after it failed
to answer, and only changing or ending a session (whose copy in Redis must not outlive it)
answers the 503 with Retry-After. Issue 18: a 6 s outage answered 503 to every request."""

import socket
import time

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from archive.models import Bookmark, Kudos
from tests.factories import make_reader, make_work
from tests.live_servers import TIMEOUT, Browser, Server, live_database

# A Redis database number of these tests' own: only it is ever emptied.
REDIS_URL = "redis://127.0.0.1:6379/14"
GATED = {"rating": "mature", "warnings": ("graphic-violence",)}


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def use_redis(settings, url, *, timeout=2):
    """The settings config.settings makes of REDIS_URL=url."""
    settings.REDIS_URL = url
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        },
    }
    settings.SESSION_ENGINE = "config.sessions"


@pytest.fixture
def redis_away(settings):
    use_redis(settings, f"redis://127.0.0.1:{closed_port()}/0")


@pytest.fixture
def reader_when_redis_goes(settings):
    """A reader signed in while Redis was there, and Redis going away."""

    def sign_in(username):
        client = signed_in(make_reader(username))
        use_redis(settings, f"redis://127.0.0.1:{closed_port()}/0")
        return client

    return sign_in


@pytest.fixture
def silent_redis(settings):
    """A Redis that takes connections and never answers, as a hung or unreachable one."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        use_redis(settings, f"redis://127.0.0.1:{listener.getsockname()[1]}/0", timeout=0.3)
        yield


@pytest.fixture
def real_redis(settings):
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is unreachable at {REDIS_URL}: {error}")
    client.flushdb()
    use_redis(settings, REDIS_URL)
    yield client
    client.flushdb()


def signed_in(reader):
    client = Client(raise_request_exception=False)
    client.force_login(reader)
    return client


# The cache


def test_reads_are_misses_and_writes_are_skipped_while_redis_is_away(redis_away):
    started = time.monotonic()
    assert cache.get("key", "default") == "default"
    assert cache.get_many(["key", "other"]) == {}
    assert "key" not in cache
    assert cache.set("key", 1) is None
    assert cache.set_many({"key": 1}) == ["key"]
    assert cache.add("key", 1) is False
    assert cache.delete("key") is False
    assert cache.get_or_set("key", "computed") == "computed"
    with pytest.raises(ValueError):
        cache.incr("key")
    assert time.monotonic() - started < 1


def test_a_silent_redis_is_waited_for_once_then_not_until_the_retry_time(silent_redis):
    started = time.monotonic()
    assert cache.get("key") is None
    assert time.monotonic() - started >= 0.3  # the socket timeout, once

    started = time.monotonic()
    for _ in range(20):
        assert cache.get("key") is None
        cache.set("key", 1)
    assert time.monotonic() - started < 0.2  # not asked at all

    cache.circuit.retry_at = time.monotonic() - 1  # the retry time has come
    started = time.monotonic()
    assert cache.get("key") is None
    assert time.monotonic() - started >= 0.3  # asked again, and waited for again


def test_the_cache_is_used_again_once_redis_answers(real_redis):
    cache.circuit.retry_at = time.monotonic() - 1  # away a while ago
    cache.set("key", "value")
    assert cache.circuit.retry_at is None
    assert cache.get("key") == "value"
    cache.forget("key")
    assert cache.get("key") is None


# Sessions


@pytest.mark.django_db
def test_a_signed_in_reader_reads_and_writes_while_redis_is_away(reader_when_redis_goes):
    work = make_work(chapters=1)
    client = reader_when_redis_goes("steady-reader")
    for url in [reverse("archive:work_list"), work.get_absolute_url(), "/bookmarks/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Log out" in response.content.decode()  # still signed in
    kudos = client.post(
        reverse("archive:kudos", args=[work.pk]), headers={"accept": "application/json"}
    )
    assert kudos.status_code == 200
    saved = client.post(reverse("archive:bookmark_work", args=[work.pk]), {"notes": "again"})
    assert saved.status_code == 302
    assert Kudos.objects.get().reader.username == "steady-reader"
    assert Bookmark.objects.get().reader.username == "steady-reader"


@pytest.mark.django_db
def test_a_guest_agrees_to_a_work_while_redis_is_away(redis_away):
    """A new session has no copy in Redis to outlive it: it is made in the database."""
    work = make_work(**GATED)
    client = Client(raise_request_exception=False)
    agreed = client.post(reverse("archive:consent", args=[work.pk]), {"items": ["rating:mature"]})
    assert agreed.status_code == 302
    assert Session.objects.count() == 1


@pytest.mark.django_db
def test_changing_or_ending_a_session_while_redis_is_away_is_the_503(reader_when_redis_goes):
    work = make_work(**GATED)
    client = reader_when_redis_goes("patient-reader")
    [before] = Session.objects.values_list("session_key", "session_data")

    for answer in [
        client.post(reverse("archive:consent", args=[work.pk]), {"items": ["rating:mature"]}),
        client.post(reverse("accounts:logout")),
    ]:
        assert answer.status_code == 503
        assert answer["Retry-After"] == "30"
        assert "briefly unavailable" in answer.content.decode()
    assert list(Session.objects.values_list("session_key", "session_data")) == [before]
    assert "Log out" in client.get(reverse("archive:work_list")).content.decode()


@pytest.mark.django_db
def test_a_sign_out_refused_during_an_outage_leaves_no_copy_to_come_back(real_redis):
    """Were the session deleted from the database alone, its copy would sign the reader in
    again once Redis is back, for whoever holds the cookie."""
    client = signed_in(make_reader("returning-reader"))
    assert client.get(reverse("archive:work_list")).status_code == 200  # cached now
    cache.circuit.retry_at = time.monotonic() + 60  # Redis away
    assert client.post(reverse("accounts:logout")).status_code == 503
    cache.circuit.retry_at = time.monotonic() - 1  # and back
    assert "Log out" in client.get(reverse("archive:work_list")).content.decode()

    cookie = client.cookies["sessionid"].value
    assert client.post(reverse("accounts:logout")).status_code == 302
    stolen = Client()
    stolen.cookies["sessionid"] = cookie
    assert "Log out" not in stolen.get(reverse("archive:work_list")).content.decode()
    assert not real_redis.keys("*sessions*")


# A real app server, with REDIS_URL where nothing listens

SETUP = """
import json
from django.test import Client
from archive.exporting import downloads
from archive.models import Tag
from tests.factories import make_reader, make_work

reader = make_reader("outage-reader")
client = Client()
client.force_login(reader)
work = make_work(chapters=2, tags=[("Lighthouse Keepers", "fandom")])
gated = make_work(rating="mature", warnings=("graphic-violence",))
print(json.dumps({
    "work": work.pk,
    "gated": gated.pk,
    "tag": Tag.objects.get(name="Lighthouse Keepers").get_absolute_url(),
    "epub": downloads.download_url(work, "epub"),
    "session": client.cookies["sessionid"].value,
}))
"""


@pytest.fixture
def server_without_redis(tmp_path, django_db_blocker):
    database = live_database("redisaway", tmp_path, django_db_blocker)
    server = None
    try:
        env = database.env(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
        data = database.run(SETUP)
        server = Server(env, tmp_path / "server.log")
        yield server, data
    finally:
        if server:
            server.stop()
        database.drop()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # the suite's test database is copied for the server
def test_guests_and_readers_are_served_while_redis_is_away(server_without_redis):
    server, data = server_without_redis
    work, gated = f"/works/{data['work']}", f"/works/{data['gated']}"
    guest = Browser()
    server_log = server.log
    guest.get(server.url + "/works/")  # the worker loads the app

    for path in [
        "/works/",
        f"{work}/",
        f"{work}/chapters/2/",
        f"{work}/entire/",
        "/search/?q=storytext",
        data["tag"],
        "/feeds/works.atom",
        "/opds/latest/",
        data["epub"],  # built, and not kept
        f"{gated}/chapters/1/",  # the interstitial
    ]:
        answer = guest.get(server.url + path)
        assert answer.status == 200, (path, answer.status, server_log()[-3000:])
        assert answer.seconds < 2, path  # never a socket timeout's wait

    # A guest's first agreement makes a new session, in the database.
    agreed = guest.post(f"{server.url}{gated}/consent/", {"items": "rating:mature"})
    assert agreed.status == 302, server_log()[-3000:]

    reader = Browser()
    reader.sign_in_with(server, data["session"])
    page = reader.get(f"{server.url}{work}/chapters/1/")
    assert page.status == 200
    assert "Log out" in page.text
    kudos = reader.post(f"{server.url}{work}/kudos/", headers={"Accept": "application/json"})
    assert kudos.status == 200 and kudos.json()["created"] is True
    saved = reader.post(f"{server.url}{work}/bookmark/", {"notes": "", "tags": "storm"})
    assert saved.status == 302
    assert "storm" in reader.get(server.url + "/bookmarks/").text

    # Only ending the session needs Redis: a clear 503, and the reader is still signed in.
    left = reader.post(server.url + "/logout/")
    assert left.status == 503
    assert left.headers["Retry-After"] == "30"
    assert left.seconds < TIMEOUT
    assert "Log out" in reader.get(server.url + "/bookmarks/").text
    assert "Traceback" not in server_log()
