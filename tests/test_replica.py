"""An app server reading from a real streaming replica (`scripts/replica.sh`, port 5433) of the
suite's PostgreSQL primary: listings read from the replica, a reader always sees their own
kudos, bookmarks and consent, and a replica that lags or stops leaves every page working from
the primary.

A streaming replica copies the whole primary, so these tests make a database on the primary
and read it on the replica, through app servers of their own. They run in the PostgreSQL pass
and skip where no replica streams, unless REQUIRE_REPLICA_TESTS is set (as in CI).
"""

import os
import subprocess
import time

import dj_database_url
import pytest

from tests.factories import PASSWORD
from tests.live_servers import BASE_DIR, Browser, LiveDatabase, Server, postgres_url

pytestmark = pytest.mark.slow

JSON = {"Accept": "application/json"}
SCRIPT = BASE_DIR / "scripts" / "replica.sh"
REPLICA_PORT = int(os.environ.get("REPLICA_PORT", "5433"))

SETUP = """
import json
from tests.factories import make_reader, make_work
make_reader("steady-reader")
gated = make_work(rating="mature", warnings=("graphic-violence",), chapters=2, title="Tidewater")
plain = make_work(chapters=1, title="Open Field")
print(json.dumps({"gated": gated.pk, "plain": plain.pk}))
"""


def _skip_or_fail(reason):
    if os.environ.get("REQUIRE_REPLICA_TESTS"):
        pytest.fail(f"{reason} (REQUIRE_REPLICA_TESTS is set)")
    pytest.skip(reason)


def _replica_url(primary_url, name):
    config = dj_database_url.parse(primary_url)
    user = config["USER"] or "postgres"
    return f"postgres://{user}@{config['HOST'] or '127.0.0.1'}:{REPLICA_PORT}/{name}"


def _connect(url, timeout=5):
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=timeout)


def _wait_for(what, condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception:  # the replica may be starting, or the database arriving
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} within {seconds} s")


class Replica:
    """The replica's view of the test's database, and the switches the tests pull."""

    def __init__(self, url):
        self.url = url

    def sql(self, statement, params=()):
        with _connect(self.url) as connection:
            return connection.execute(statement, params).fetchall()

    def has_reader(self, username):
        rows = self.sql("SELECT 1 FROM accounts_reader WHERE username = %s", [username])
        return bool(rows)

    def pause(self):
        self.sql("SELECT pg_wal_replay_pause()")

    def resume(self):
        self.sql("SELECT pg_wal_replay_resume()")

    def app_queries(self, database):
        """The last statement of each app connection the replica serves for this database."""
        return [
            query
            for (query,) in self.sql(
                "SELECT query FROM pg_stat_activity WHERE datname = %s "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                [database],
            )
        ]

    def control(self, action):
        result = subprocess.run(
            [str(SCRIPT), action], capture_output=True, text=True, timeout=180, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def replicated(tmp_path_factory):
    """A migrated database on the primary, seen on the replica, and two app servers reading
    from it: one that tolerates any lag (to tell replica from primary by stale data) and one
    with the default lag limit."""
    url = postgres_url()
    try:
        with _connect(_replica_url(url, "postgres")) as probe:
            in_recovery = probe.execute("SELECT pg_is_in_recovery()").fetchone()[0]
    except Exception as error:
        _skip_or_fail(f"no replica answers on port {REPLICA_PORT} (scripts/replica.sh): {error}")
    if not in_recovery:
        _skip_or_fail(f"the server on port {REPLICA_PORT} is not a streaming replica")
    database = LiveDatabase(url, "replica")
    replica = Replica(_replica_url(url, database.name))
    started = []
    try:
        works = database.run(SETUP)
        _wait_for("the replica has the test's rows", lambda: replica.has_reader("steady-reader"))
        logs = tmp_path_factory.mktemp("replica")
        env = database.env(REPLICA_DATABASE_URL=replica.url, REPLICA_CHECK_SECONDS="1")
        tolerant = Server({**env, "REPLICA_MAX_LAG_SECONDS": "1000000"}, logs / "tolerant.log")
        started.append(tolerant)
        strict = Server({**env, "REPLICA_MAX_LAG_SECONDS": "2"}, logs / "strict.log")
        started.append(strict)
        yield database, replica, tolerant, strict, works
    finally:
        replica.resume()
        for server in started:
            server.stop()
        database.drop()


def test_a_listing_is_read_from_the_replica(replicated):
    database, replica, tolerant, _, works = replicated
    page = Browser().get(tolerant.url + "/works/")
    assert page.status == 200 and "Open Field" in page.text
    # The app's connection to the replica ran the listing's statements.
    assert any("archive_" in query for query in replica.app_queries(database.name))

    # With replay paused, a work posted on the primary is missing from the replica's listing,
    # so what a guest's listing shows came from the replica.
    replica.pause()
    try:
        database.run(
            "import json; from tests.factories import make_work; "
            "print(json.dumps(make_work(title='Late Arrival').pk))"
        )
        assert "Late Arrival" not in Browser().get(tolerant.url + "/works/").text
    finally:
        replica.resume()
    _wait_for(
        "the replica's listing shows the new work",
        lambda: "Late Arrival" in Browser().get(tolerant.url + "/works/").text,
    )


def test_a_reader_sees_their_kudos_bookmark_and_consent_on_their_next_page(replicated):
    _, replica, tolerant, _, works = replicated
    gated, plain = works["gated"], works["plain"]
    chapter = f"/works/{gated}/chapters/1/"
    reader = Browser()
    reader.login(tolerant, "steady-reader", PASSWORD)
    # The replica replays nothing from here on: whatever the reader sees of their own doing
    # must come from the primary.
    replica.pause()
    try:
        assert 'class="interstitial"' in reader.get(tolerant.url + chapter).text
        agreed = reader.post(
            f"{tolerant.url}/works/{gated}/consent/",
            [("items", "rating:mature"), ("items", "warning:graphic-violence"), ("next", chapter)],
        )
        assert agreed.status == 302
        page = reader.get(tolerant.url + chapter)
        assert f"storytext-{gated}-1" in page.text and 'class="interstitial"' not in page.text

        kudos = reader.post(f"{tolerant.url}/works/{plain}/kudos/", headers=JSON)
        assert kudos.json()["created"] is True
        page = reader.get(f"{tolerant.url}/works/{plain}/chapters/1/").text
        assert "You left kudos on this work." in page

        saved = reader.post(
            f"{tolerant.url}/works/{plain}/bookmark/", {"notes": "", "tags": "meadow"}
        )
        assert saved.status == 302
        listed = reader.get(tolerant.url + "/bookmarks/").text
        assert "Open Field" in listed and "meadow" in listed

        # A guest, who wrote nothing, reads the paused replica: the kudos is not there yet.
        guest = Browser().get(f"{tolerant.url}/works/{plain}/chapters/1/").text
        assert "steady-reader left kudos" not in guest
    finally:
        replica.resume()
    _wait_for(
        "the replica shows the kudos",
        lambda: (
            "steady-reader left kudos"
            in Browser().get(f"{tolerant.url}/works/{plain}/chapters/1/").text
        ),
    )


def test_a_lagging_replica_is_left_for_the_primary(replicated):
    database, replica, _, strict, works = replicated
    replica.pause()
    try:
        database.run(
            "import json; from tests.factories import make_work; "
            "print(json.dumps(make_work(title='Behind Schedule').pk))"
        )
        # More than REPLICA_MAX_LAG_SECONDS behind: the server reads from the primary again.
        _wait_for(
            "the lagging replica is given up",
            lambda: "Behind Schedule" in Browser().get(strict.url + "/works/").text,
            seconds=10,
        )
    finally:
        replica.resume()


def test_a_stopped_replica_falls_back_to_the_primary_without_errors(replicated):
    database, replica, _, strict, works = replicated
    guest, reader = Browser(), Browser()
    reader.login(strict, "steady-reader", PASSWORD)
    pages = ["/works/", "/works/?rating=general", "/search/?q=work", f"/works/{works['plain']}/"]
    for path in pages:
        assert guest.get(strict.url + path).status == 200  # the replica holds a connection
    replica.control("stop")
    try:
        for path in pages * 2:
            answer = guest.get(strict.url + path)
            assert answer.status in (200, 302), (path, answer.status)
        assert reader.get(strict.url + "/bookmarks/").status == 200
        saved = reader.post(
            f"{strict.url}/works/{works['plain']}/bookmark/", {"notes": "still here", "tags": ""}
        )
        assert saved.status == 302
    finally:
        replica.control("start")
    # Once it streams again, listings go back to it.
    _wait_for(
        "the server reads from the replica again",
        lambda: (
            Browser().get(strict.url + "/works/").status == 200
            and any("archive_" in query for query in replica.app_queries(database.name))
        ),
    )
    assert "Traceback" not in strict.log()
