"""A real job worker (huey's run_huey) killed or stopped in the middle of an alert fan-out
loses nothing: once a worker runs again, every subscriber has one alert and the emails they
chose, none twice. On SQLite with the SQLite queue, and on PostgreSQL with Redis."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.live_servers import LiveDatabase, manage, postgres_url, skip_or_fail, sqlite_archive

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/13"
SUBSCRIBERS = 600
DAILY = 200  # readers 0, 3, 6… choose an email each, 1, 4, 7… the daily digest, 2, 5, 8… none

pytestmark = pytest.mark.slow

# Makes a creator, a posted work and SUBSCRIBERS readers following it (a third of them each
# email choice), then posts a chapter: its fan-out is enqueued for the worker.
POST = """
from accounts.models import Reader
from archive.writing import posting
from following.models import Subscription, Update
choices = ["each", "daily", "off"]
prefix = "{prefix}"
author = Reader.objects.create_user(prefix + "author", prefix + "author@example.com", "x")
work = posting.create_work(creator=author, title="Kept", rating="general", warnings=["no-warnings"])
posting.add_chapter(work=work, body="<p>One.</p>")
posting.post_work(work=work)
readers = Reader.objects.bulk_create(
    Reader(username=f"{{prefix}}{{n}}", email=f"{{prefix}}{{n}}@example.com", password="!",
           alert_email=choices[n % 3])
    for n in range({count})
)
readers = Reader.objects.filter(username__regex=rf"^{{prefix}}[0-9]+$")
Subscription.objects.bulk_create(Subscription(reader=r, kind="work", work=work) for r in readers)
chapter = posting.add_chapter(work=work, body="<p>Two.</p>")
print(Update.objects.get(chapter=chapter).pk)
"""


class SqliteArchive:
    """An archive on a SQLite file, with the SQLite job queue beside it."""

    def __init__(self, template, folder):
        self.path = folder / "archive.sqlite3"
        self.path.write_bytes(template.read_bytes())
        self.base_env = sqlite_env(self.path, folder / "jobs.sqlite3")

    def env(self, **extra):
        return {**self.base_env, **extra}

    def row(self, query, params=()):
        with sqlite3.connect(self.path, timeout=10) as connection:
            return tuple(connection.execute(query.replace("%s", "?"), params).fetchone())

    def count(self, query, params=()):
        return self.row(query, params)[0]


class PostgresArchive:
    """An archive on a PostgreSQL database of its own, with the job queue in Redis."""

    def __init__(self, database, redis):
        self.database = database
        redis.flushdb()

    def env(self, **extra):
        return self.database.env(REDIS_URL=REDIS_URL, **extra)

    def row(self, query, params=()):
        return tuple(self.database.sql(query, params)[0])

    def count(self, query, params=()):
        return self.row(query, params)[0]


def sqlite_env(database, queue):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "JOBS_IMMEDIATE"}
        and not key.startswith(("PYTEST", "DJANGO"))
    }
    env.update(DEBUG="true", SQLITE_PATH=str(database), JOBS_SQLITE_PATH=str(queue))
    return env


def shell(code, *, env):
    """Run Python in Django; returns the last line it printed."""
    return manage("shell", "-c", code, env=env).strip().splitlines()[-1]


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory, django_db_setup, django_db_blocker):
    """One migrated database, copied for each test: migrating takes longer than the test."""
    return sqlite_archive(tmp_path_factory.mktemp("template"), django_db_blocker).path


@pytest.fixture(scope="module")
def postgres_database():
    database = LiveDatabase(postgres_url(), "jobs")
    yield database
    database.drop()


@pytest.fixture(scope="module")
def redis_db():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis is unreachable at {REDIS_URL}: {error}")
    yield client
    client.flushdb()


@pytest.fixture(params=["sqlite", "postgres"])
def archive(request, tmp_path):
    if request.param == "sqlite":
        return SqliteArchive(request.getfixturevalue("sqlite_template"), tmp_path)
    database = request.getfixturevalue("postgres_database")
    return PostgresArchive(database, request.getfixturevalue("redis_db"))


class Worker:
    """`manage.py run_huey` as `make worker` starts it, its output in a file."""

    def __init__(self, env, log_path):
        self.log_path = log_path
        with open(log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "run_huey", "--workers", "2"],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self, signum):
        self.process.send_signal(signum)
        return self.process.wait(timeout=30)

    def log(self):
        return Path(self.log_path).read_text(errors="replace")


def wait_for(condition, *, seconds=60, every=0.02):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def alerts(archive, update_id, *, where=""):
    query = f"SELECT COUNT(*) FROM following_alert WHERE update_id = %s {where}"
    return archive.count(query, [update_id])


def delivered(archive, update_id):
    query = "SELECT COUNT(*) FROM following_update WHERE id = %s AND delivered_at IS NOT NULL"
    return archive.count(query, [update_id]) == 1


def recipients(mail_folder):
    """Who was sent each message the file mail backend wrote."""
    found = Counter()
    for path in mail_folder.glob("*.log"):
        found.update(re.findall(r"^To: (\S+)$", path.read_text(), flags=re.MULTILINE))
    return found


def chose(prefix, remainder):
    return Counter(f"{prefix}{n}@example.com" for n in range(remainder, SUBSCRIBERS, 3))


def everything_delivered(archive, update_id):
    return delivered(archive, update_id) and not alerts(
        archive, update_id, where="AND email = 'each' AND emailed_at IS NULL"
    )


def start_fan_out(archive, tmp_path, prefix, **settings):
    """Post a chapter for SUBSCRIBERS readers and start a worker; returns once the fan-out
    has written its first alerts, with the update's id and the worker."""
    settings = {"JOBS_RESUME_AFTER_SECONDS": "0", **settings}
    env = archive.env(EMAIL_FILE_PATH=str(tmp_path / "mail"), ALERT_BATCH_SIZE="10", **settings)
    update_id = int(shell(POST.format(prefix=prefix, count=SUBSCRIBERS), env=env))
    worker = Worker(env, tmp_path / "worker.log")
    assert wait_for(lambda: alerts(archive, update_id) > 0), worker.log()
    return env, update_id, worker


def assert_each_once(archive, update_id, tmp_path, prefix):
    """One alert and one inbox notice per subscriber, and one email to each who chose one."""
    assert alerts(archive, update_id) == SUBSCRIBERS  # unique per reader: a constraint
    notices = (
        "SELECT COUNT(DISTINCT reader_id), COUNT(*) FROM conversation_inboxitem WHERE kind = "
        "'update' AND chapter_id = (SELECT chapter_id FROM following_update WHERE id = %s)"
    )
    assert archive.row(notices, [update_id]) == (SUBSCRIBERS, SUBSCRIBERS)
    assert recipients(tmp_path / "mail") == chose(prefix, 0)
    # Those who chose the daily digest have theirs waiting for the morning's, unsent and
    # unclaimed (the digests' own resume is tested in tests/following/test_resume.py).
    waiting = "AND email = 'daily' AND emailed_at IS NULL AND email_claimed_at IS NULL"
    assert alerts(archive, update_id, where=waiting) == DAILY


def test_a_worker_killed_mid_fan_out_loses_nothing_once_resumed(archive, tmp_path):
    prefix = f"k{os.getpid()}x"
    env, update_id, worker = start_fan_out(archive, tmp_path, prefix)
    worker.stop(signal.SIGKILL)
    cut_off_at = alerts(archive, update_id)
    assert 0 < cut_off_at < SUBSCRIBERS, "the kill must come mid fan-out"
    assert not delivered(archive, update_id)

    # A new worker runs the resume job as it starts (and every minute after): the update is
    # older than JOBS_RESUME_AFTER_SECONDS, here 0, and still undelivered.
    worker = Worker(env, tmp_path / "worker.log")
    try:
        assert wait_for(lambda: everything_delivered(archive, update_id), every=0.2), worker.log()
    finally:
        worker.stop(signal.SIGTERM)
    assert_each_once(archive, update_id, tmp_path, prefix)


def test_a_worker_stopped_mid_fan_out_hands_its_job_back(archive, tmp_path):
    prefix = f"t{os.getpid()}x"
    # No time to finish: the stop hands the running fan-out back to the queue at once. The
    # resume job is kept out of it (an hour's grace), so only the handed-back job can finish.
    env, update_id, worker = start_fan_out(
        archive, tmp_path, prefix, JOBS_SHUTDOWN_SECONDS="0", JOBS_RESUME_AFTER_SECONDS="3600"
    )
    assert worker.stop(signal.SIGTERM) == 0
    assert "handed back" in worker.log()
    assert alerts(archive, update_id) < SUBSCRIBERS

    # The next worker takes it up from the queue, with no resume job.
    worker = Worker(env, tmp_path / "worker.log")
    try:
        assert wait_for(lambda: everything_delivered(archive, update_id), every=0.2), worker.log()
    finally:
        worker.stop(signal.SIGTERM)
    assert_each_once(archive, update_id, tmp_path, prefix)
