"""When the database goes away, a real app server answers with the friendly 503 (never a 500,
never a hang), saves nothing half way, and serves again once the database is back, without
a restart. The database "goes away" by refusing connections to a database of the test's own,
so the shared PostgreSQL server keeps running (bench/load.py --faults stops the real one)."""

import pytest
from django.db import OperationalError
from django.test import Client

from tests.factories import PASSWORD, make_reader, make_work
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


def _database_lost(*args, **kwargs):
    raise OperationalError("terminating connection due to administrator command")


@pytest.mark.django_db
def test_losing_the_database_while_the_session_is_saved_is_a_503_too(monkeypatch):
    """The session is saved by SessionMiddleware after the view, where no view's error
    handling reaches: agreeing to a work writes the consent there."""
    from django.contrib.sessions.backends.db import SessionStore

    work = make_work(rating="mature", warnings=("graphic-violence",))
    monkeypatch.setattr(SessionStore, "save", _database_lost)
    client = Client(raise_request_exception=False)
    response = client.post(f"/works/{work.pk}/consent/", {"items": ["rating:mature"]})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "briefly unavailable" in response.content.decode()


@pytest.mark.django_db
def test_losing_the_database_while_an_existing_session_is_updated_is_a_503(monkeypatch):
    """Django's database session store reports any database error while updating a session
    as "session interrupted" (a 400); seen in `make faults` as PostgreSQL stopped."""
    from django.contrib.sessions.models import Session

    first, second = (make_work(rating="mature", warnings=("graphic-violence",)) for _ in "ab")
    client = Client(raise_request_exception=False)
    client.post(f"/works/{first.pk}/consent/", {"items": ["rating:mature"]})
    assert Session.objects.count() == 1
    monkeypatch.setattr(Session, "save", _database_lost)
    response = client.post(f"/works/{second.pk}/consent/", {"items": ["rating:mature"]})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


@pytest.mark.django_db
def test_a_session_ended_elsewhere_is_still_the_400(monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    first, second = (make_work(rating="mature", warnings=("graphic-violence",)) for _ in "ab")
    client = Client(raise_request_exception=False)
    client.post(f"/works/{first.pk}/consent/", {"items": ["rating:mature"]})
    original_save = SessionStore.save

    def save_after_logging_out_elsewhere(store, must_create=False):
        Session.objects.all().delete()  # another tab logged out while this request ran
        return original_save(store, must_create=must_create)

    monkeypatch.setattr(SessionStore, "save", save_after_logging_out_elsewhere)
    response = client.post(f"/works/{second.pk}/consent/", {"items": ["rating:mature"]})
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_signed_in_readers_404_during_an_outage_is_the_503(monkeypatch):
    """The 404 page asks for the reader (for the menu and display settings), and so for the
    session, only while it is rendered: handler500 turns that error into the 503."""
    from django.contrib.sessions.backends.db import SessionStore

    client = Client(raise_request_exception=False)
    client.force_login(make_reader("outage-reader"))
    monkeypatch.setattr(SessionStore, "load", _database_lost)
    response = client.get("/no/such/page/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "briefly unavailable" in response.content.decode()


@pytest.mark.django_db
def test_any_other_error_is_still_the_500_page(monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    def broken(*args, **kwargs):
        raise RuntimeError("a bug, not an outage")

    client = Client(raise_request_exception=False)
    client.force_login(make_reader("unlucky-reader"))
    monkeypatch.setattr(SessionStore, "load", broken)
    response = client.get("/no/such/page/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
