"""When the database goes away, a real app server answers with the friendly 503 (never a 500,
never a hang), saves nothing half way, and serves again once the database is back, without
a restart. The database "goes away" by refusing connections to a database of the test's own,
so the shared PostgreSQL server keeps running (bench/load.py --faults stops the real one)."""

import pytest
from django.db import OperationalError
from django.test import Client

from tests.factories import PASSWORD, make_work
from tests.live_servers import TIMEOUT, Browser, LiveDatabase, Server, postgres_url

pytestmark = pytest.mark.slow

SETUP = """
import json
from tests.factories import make_reader, make_work
make_reader("faulty-reader")
gated = make_work(rating="mature", warnings=("graphic-violence",), chapters=2)
print(json.dumps({"gated": gated.pk, "open": make_work(chapters=1).pk}))
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    database = LiveDatabase(postgres_url(), "faults")
    server = None
    try:
        works = database.run(SETUP)
        # One worker, so every request meets the same persistent database connection.
        server = Server(database.env(), tmp_path_factory.mktemp("faults") / "server.log")
        yield database, server, works
    finally:
        if server:
            server.stop()
        database.drop()


@pytest.fixture
def reader(live):
    database, server, works = live
    database.accept_connections()
    browser = Browser()
    browser.login(server, "faulty-reader", PASSWORD)
    return browser


def _rows(database):
    [row] = database.sql(
        "SELECT (SELECT count(*) FROM archive_kudos), (SELECT count(*) FROM archive_bookmark), "
        "(SELECT count(*) FROM archive_bookmarktag), (SELECT sum(kudos_count) FROM archive_work)"
    )
    return row


def test_requests_during_an_outage_get_the_friendly_503_and_save_nothing(live, reader):
    database, server, works = live
    gated, opened = works["gated"], works["open"]
    assert reader.get(f"{server.url}/works/").status == 200
    before = _rows(database)
    database.refuse_connections()
    try:
        answers = {
            "index": reader.get(f"{server.url}/works/"),
            "search": reader.get(f"{server.url}/search/?q=storytext"),
            "chapter": reader.get(f"{server.url}/works/{opened}/chapters/1/"),
            "consent": reader.post(
                f"{server.url}/works/{gated}/consent/", {"items": "rating:mature"}
            ),
            "kudos": reader.post(
                f"{server.url}/works/{opened}/kudos/", headers={"Accept": "application/json"}
            ),
            "bookmark": reader.post(
                f"{server.url}/works/{opened}/bookmark/", {"notes": "n", "tags": "to reread"}
            ),
            "healthz": reader.get(f"{server.url}/healthz"),
        }
    finally:
        database.accept_connections()
    for name, answer in answers.items():
        assert answer.status == 503, (name, answer.status, server.log()[-3000:])
        assert answer.seconds < TIMEOUT, name
    for name, answer in answers.items():
        if name != "healthz":
            assert "briefly unavailable" in answer.text, name
            assert answer.headers["Retry-After"] == "30"
    assert _rows(database) == before
    assert "Traceback" not in server.log()


def test_the_server_serves_again_once_the_database_is_back_without_a_restart(live, reader):
    database, server, works = live
    database.refuse_connections()
    assert reader.get(f"{server.url}/works/").status == 503
    database.accept_connections()
    # The very first request after the outage succeeds, and the reader is still signed in.
    assert reader.get(f"{server.url}/healthz").status == 200
    assert reader.get(f"{server.url}/bookmarks/").status == 200
    kudos = reader.post(
        f"{server.url}/works/{works['open']}/kudos/", headers={"Accept": "application/json"}
    )
    assert kudos.status == 200
    [(rows, counted)] = database.sql(
        "SELECT count(*), (SELECT kudos_count FROM archive_work WHERE id = %s) "
        "FROM archive_kudos WHERE work_id = %s",
        [works["open"], works["open"]],
    )
    assert rows == counted == 1


def test_a_connection_cut_while_idle_does_not_fail_the_next_request(live, reader):
    """What every worker meets after PostgreSQL restarts: its kept connection is dead."""
    database, server, works = live
    assert reader.get(f"{server.url}/works/").status == 200
    database.cut_connections()
    assert reader.get(f"{server.url}/works/").status == 200
    assert reader.get(f"{server.url}/works/{works['open']}/chapters/1/").status == 200


@pytest.mark.django_db
@pytest.mark.xfail(
    strict=True,
    reason="Only a view's database errors become the 503: one raised after the view, as "
    "SessionMiddleware saves the session, is a 500 until handler500 answers 503 for them",
)
def test_losing_the_database_while_the_session_is_saved_is_a_503_too(monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    work = make_work(rating="mature", warnings=("graphic-violence",))

    def cut_off(self, must_create=False):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(SessionStore, "save", cut_off)
    client = Client(raise_request_exception=False)
    response = client.post(f"/works/{work.pk}/consent/", {"items": ["rating:mature"]})
    assert response.status_code == 503
