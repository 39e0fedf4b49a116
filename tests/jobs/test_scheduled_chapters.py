"""A scheduled chapter whose time came while no worker ran is posted by the job worker as soon
as one starts (huey's run_huey on the SQLite queue file, as `make run` starts it), and its
subscriber is told then."""

import sqlite3

import pytest

from tests.jobs.test_worker import alerts, manage, run_worker_until_emailed, sqlite_env
from tests.live_servers import sqlite_archive

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCHEDULE = """
from datetime import timedelta
from django.utils import timezone
from accounts.models import Reader
from archive.writing import posting
from following.subscriptions import subscribe
author = Reader.objects.create_user("author", "author@example.com", "x")
work = posting.create_work(
    creator=author, title="Scheduled", rating="general", warnings=["no-warnings"]
)
posting.add_chapter(work=work, body="<p>One.</p>")
posting.post_work(work=work)
subscribe(reader=Reader.objects.create_user("fan", "fan@example.com", "x"), target=work)
# Due a minute ago, while no worker was running.
posting.add_chapter(work=work, body="<p>Two.</p>", post_at=timezone.now() - timedelta(minutes=1))
"""


def posted_chapters(database):
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT COUNT(*) FROM archive_chapter WHERE is_posted"
        ).fetchone()[0]


def test_a_worker_starting_after_the_time_posts_the_chapter(tmp_path, django_db_blocker):
    database = sqlite_archive(tmp_path, django_db_blocker).path
    env = sqlite_env(tmp_path, database)
    scheduled = manage("shell", "-c", SCHEDULE, env=env)
    assert scheduled.returncode == 0, scheduled.stderr
    assert (posted_chapters(database), alerts(database)) == (1, 0)

    output = run_worker_until_emailed(env, database)
    assert posted_chapters(database) == 2
    assert alerts(database) == alerts(database, emailed=True) == 1
    assert 'Subject: New chapter of "Scheduled" by author' in output
