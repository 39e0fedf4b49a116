"""The one-machine default end to end: a chapter posted in one process is delivered by the
job worker `make run` starts (huey's run_huey on the SQLite queue file), in another."""

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.live_servers import sqlite_archive

BASE_DIR = Path(__file__).resolve().parents[2]

# On the SQLite pass the archive is a copy of the suite's test database (transaction=True:
# nothing uncommitted).
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

POST = """
from accounts.models import Reader
from archive.writing import posting
from following.subscriptions import subscribe
author = Reader.objects.create_user("author", "author@example.com", "x")
work = posting.create_work(
    creator=author, title="Queued", rating="general", warnings=["no-warnings"]
)
posting.add_chapter(work=work, body="<p>One.</p>")
posting.post_work(work=work)
subscribe(reader=Reader.objects.create_user("fan", "fan@example.com", "x"), target=work)
posting.add_chapter(work=work, body="<p>Two.</p>")
"""


def manage(*args, env, **options):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **options,
    )


def alerts(database, *, emailed=False):
    query = "SELECT COUNT(*) FROM following_alert"
    if emailed:
        query += " WHERE emailed_at IS NOT NULL"
    with sqlite3.connect(database) as connection:
        return connection.execute(query).fetchone()[0]


def sqlite_env(tmp_path, database):
    """The environment of `make run` on this archive file: SQLite, and the SQLite job queue."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "JOBS_IMMEDIATE"}
    }
    env.update(
        DEBUG="true", SQLITE_PATH=str(database), JOBS_SQLITE_PATH=str(tmp_path / "jobs.sqlite3")
    )
    return env


def run_worker_until_emailed(env, database):
    """Run `run_huey` until an alert is emailed (a minute at most); returns what it printed."""
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--workers", "1", "--worker-type", "thread"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while alerts(database, emailed=True) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    return output


def test_the_worker_beside_the_server_delivers_what_a_post_enqueued(tmp_path, django_db_blocker):
    database = sqlite_archive(tmp_path, django_db_blocker).path
    env = sqlite_env(tmp_path, database)
    posted = manage("shell", "-c", POST, env=env)
    assert posted.returncode == 0, posted.stderr
    assert alerts(database) == 0  # enqueued, waiting for a worker

    output = run_worker_until_emailed(env, database)
    assert alerts(database) == alerts(database, emailed=True) == 1
    # The console mail backend printed the alert's email in the worker.
    assert 'Subject: New chapter of "Queued" by author' in output
    assert "To: fan@example.com" in output
