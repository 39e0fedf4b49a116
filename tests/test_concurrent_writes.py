"""The web process and the job worker write to one SQLite file at the same time, and neither
fails for it: a write waits for the other writer instead of answering "cannot reach its
database". Issue 18: a creator posting chapters met the 503 whenever the worker began
delivering the last one's alerts. SQLite only: PostgreSQL locks rows, not the database."""

import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from django.db import connection

from tests.live_servers import BASE_DIR, Browser, Server, live_database

# The suite's test database is copied for the servers (transaction=True: nothing uncommitted).
pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "sqlite",
        reason="SQLite takes one writer at a time; PostgreSQL locks rows, not the database",
    ),
]

# Long enough for several deliveries to overlap the requests, short enough for the suite.
SECONDS = 4
SUBSCRIBERS = 1000

SETUP = """
import json
from django.contrib.auth.hashers import make_password
from django.test import Client
from accounts.models import Reader
from archive.writing import posting
from bench.alerts import make_subscribers
from tests.factories import make_work

def session_for(reader):
    client = Client()
    client.force_login(reader)
    return client.cookies["sessionid"].value

def reader(name):
    return Reader.objects.create(username=name, password=make_password(None))

poster = reader("poster")
serial = posting.create_work(
    creator=poster, title="Serial", rating="general", warnings=["no-warnings"]
)
posting.add_chapter(work=serial, body="<p>One.</p>")
posting.post_work(work=serial)
make_subscribers(serial, %(subscribers)d)
print(json.dumps({
    "serial": serial.pk,
    "works": [make_work(chapters=1).pk for _ in range(12)],
    "poster": session_for(poster),
    "readers": [session_for(reader(f"busy-reader-{n}")) for n in range(3)],
}))
"""


@pytest.fixture
def archive(tmp_path, django_db_blocker):
    database = live_database("writers", tmp_path, django_db_blocker)
    server = worker = None
    try:
        data = database.run(SETUP % {"subscribers": SUBSCRIBERS})
        # As `make serve` runs them: the job worker beside two gunicorn workers.
        with open(tmp_path / "worker.log", "w") as log:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "run_huey",
                    "--workers",
                    "2",
                    "--worker-type",
                    "thread",
                ],
                cwd=BASE_DIR,
                env=database.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = Server(database.env(), tmp_path / "server.log", workers=2)
        _wait_for(lambda: "consumer started" in (tmp_path / "worker.log").read_text())
        yield server, data, tmp_path / "worker.log"
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=20)
        if server:
            server.stop()
        database.drop()


def _wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the job worker did not start"
        time.sleep(0.1)


def test_requests_never_fail_while_the_worker_delivers_alerts(archive):
    server, data, worker_log = archive
    answers = []
    # Each browser's first page (which also gives it its CSRF cookie) waits for gunicorn's
    # workers to load the app; the clock starts once every browser has had it.
    ready = threading.Barrier(1 + len(data["readers"]))
    until = None

    def start(answer, name):
        nonlocal until
        answers.append((name, answer.status))
        if ready.wait() == 0:
            until = time.monotonic() + SECONDS
        ready.wait()

    def post_chapters():
        """Each chapter enqueues a delivery to every subscriber, which the worker starts at
        once, while the creator's browser follows the redirect to the chapter."""
        browser = Browser()
        browser.sign_in_with(server, data["poster"])
        new_chapter = f"{server.url}/works/{data['serial']}/chapters/new/"
        start(browser.get(new_chapter), "chapter form")
        n = 0
        while time.monotonic() < until:
            n += 1
            posted = browser.post(new_chapter, {"title": f"Part {n}", "body": f"<p>{n}.</p>"})
            answers.append(("post chapter", posted.status))
            if posted.status == 302:
                answers.append(
                    ("posted chapter", browser.get(server.url + posted.headers["Location"]).status)
                )

    def read_and_write(session_key, offset):
        """A signed-in reader: reading records the place, kudos and bookmarks write."""
        browser = Browser()
        browser.sign_in_with(server, session_key)
        works = data["works"][offset:] + data["works"][:offset]
        start(browser.get(f"{server.url}/works/{works[-1]}/"), "work")
        n = 0
        while time.monotonic() < until:
            work = works[n % len(works)]
            n += 1
            answers.append(
                ("chapter", browser.get(f"{server.url}/works/{work}/chapters/1/").status)
            )
            kudos = browser.post(
                f"{server.url}/works/{work}/kudos/", headers={"Accept": "application/json"}
            )
            answers.append(("kudos", kudos.status))
            saved = browser.post(f"{server.url}/works/{work}/bookmark/", {"notes": f"{n}"})
            answers.append(("bookmark", saved.status))

    errors = []

    def run(target, *args):
        try:
            target(*args)
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(post_chapters,))] + [
        threading.Thread(target=run, args=(read_and_write, key, 4 * n))
        for n, key in enumerate(data["readers"])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    failed = Counter(name for name, status in answers if status >= 500)
    assert not failed, (failed, len(answers), server.log()[-3000:])
    assert Counter(name for name, _status in answers)["post chapter"] >= 2
    # The worker was delivering meanwhile, and did not fail on a lock either (its retry
    # would deliver later, but a writer should wait, not fail).
    log = worker_log.read_text(errors="replace")
    assert "Executing following.tasks.deliver" in log, log[-3000:]
    assert "database is locked" not in log, log[-3000:]
