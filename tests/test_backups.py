"""Backups as the README documents them: `dumpdata`/`loaddata` on any database, and
`pg_dump`/`pg_restore` on PostgreSQL, each restored into an empty database where every row is
found again."""

import datetime
import json
import os
import re
import shutil
import subprocess
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts import relations
from accounts.models import ExcludedTag, FeedToken, SavedFilter
from archive.models import ImportBatch, KeptUpload, Reading, Series, Tag
from archive.reading import bookmarks, kudos
from archive.vocabulary import ConsentItem, StandingChoice, TagKind
from archive.writing import drafts, posting, series
from conversation import comments
from conversation.models import WorkCommentSettings
from following.subscriptions import subscribe
from jobs.models import FailedJob
from tests.factories import make_reader, make_work
from tests.live_servers import manage

# The README's backup command. Content types and permissions are left out: `migrate` makes
# them in the new database, under other ids, so rows refer to them by natural key. Sessions
# are short-lived and signed with the old server's key. Primary keys are kept as they are
# (no --natural-primary: taggit's through models claim natural keys they cannot give).
DUMPDATA_OPTIONS = [
    "--natural-foreign",
    "--exclude=contenttypes",
    "--exclude=auth.permission",
    "--exclude=sessions",
]
# Tables filled on PostgreSQL only.
POSTGRES_ONLY = {"archive.searchdocument"}

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def build_archive():
    """An archive with at least one row of every kind a real one has."""
    creator = make_reader("backup-creator")
    reader = make_reader("backup-reader")
    shower = make_reader("backup-shower", choice=StandingChoice.SHOW)
    reader.consent_choices.create(item=ConsentItem.EXPLICIT, choice=StandingChoice.HIDE)
    staff = make_reader("backup-staff", is_staff=True)
    wranglers = Group.objects.create(name="wranglers")
    wranglers.permissions.add(
        Permission.objects.get(codename="change_tag", content_type__app_label="archive")
    )
    staff.groups.add(wranglers)
    staff.user_permissions.add(Permission.objects.get(codename="change_work"))

    tags = [
        ("Lantern Tales", TagKind.FANDOM),
        ("Ada/Brin", TagKind.RELATIONSHIP),
        ("Ada", TagKind.CHARACTER),
        ("Found Family", TagKind.ADDITIONAL),
    ]
    gated = make_work(
        rating="mature",
        warnings=("graphic-violence", "major-character-death"),
        creator=creator,
        chapters=3,
        tags=tags,
        complete=True,
    )
    canonical = Tag.objects.get(name="Found Family")
    synonym = Tag.objects.create(
        name="found family", slug="found-family-2", kind=TagKind.ADDITIONAL, canonical=canonical
    )
    opened = make_work(
        tags=[("Lantern Tales", TagKind.FANDOM), (synonym.name, synonym.kind)], chapters=1
    )
    make_work(creator=creator, is_posted=False, title="A draft")

    kudos.give_kudos(work=gated, reader=reader)
    kudos.give_kudos(work=gated, guest_key=kudos.guest_key("203.0.113.7"))
    bookmarks.save_bookmark(reader=reader, work=gated, notes="Again!", tags=["reread", "comfort"])
    bookmarks.save_bookmark(reader=creator, work=opened, private=True, recommend=True)
    bookmarks.mark_for_later(reader=reader, work=opened)
    Reading.objects.create(
        reader=reader,
        work=gated,
        chapter=gated.chapters.get(position=2),
        paragraph=4,
        chapters_seen=3,
        last_read_at=timezone.now(),
    )
    ExcludedTag.objects.create(reader=reader, tag=synonym)
    SavedFilter.objects.create(reader=reader, name="Short ones", query="words_to=5000")
    FeedToken.objects.create(reader=reader, key=uuid.uuid4().hex)
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Tag),
        object_id=str(synonym.pk),
        object_repr=str(synonym),
        action_flag=CHANGE,
        change_message="Made a synonym",
        action_time=timezone.now() - datetime.timedelta(days=1),
    )

    # Conversation, following and jobs. The tests run jobs at once, so the chapter posted
    # to a followed work leaves its update, the alert and the inbox notice behind.
    relations.block(blocker=creator, blocked=staff)
    relations.mute(reader=staff, muted=creator)
    saga = Series.objects.create(creator=creator, title="The Lantern Cycle", summary="Both.")
    series.add_work_to_series(series=saga, work=gated)
    WorkCommentSettings.objects.create(work=gated, moderated=True)
    comment = comments.post_comment(work=gated, body="<p>Held for approval.</p>", author=reader)
    comments.approve_comment(comment=comment, by=creator)
    comments.report_comment(comment=comment, reason="spam", reporter=staff)
    subscribe(reader=shower, target=gated)  # the reader excludes one of its tags
    posting.add_chapter(work=gated, body="<p>A fourth chapter.</p>")
    drafts.save_draft(creator=creator, work=gated, chapter=None, body="<p>Autosaved.</p>")
    FailedJob.objects.create(task="deliver", task_id=uuid.uuid4().hex, error="Boom", attempts=6)

    # Imports: a file kept for a refused form, and a batch with a file imported and one waiting.
    KeptUpload.objects.create(reader=creator, name="kept.txt", data=b"Kept \x00 bytes.")
    batch = ImportBatch.objects.create(
        reader=creator, rating="teen", warnings=["no-warnings"], fandoms=["Lantern Tales"]
    )
    batch.files.create(
        position=1, name="one.txt", size=9, data=b"", status="imported", message="ok", work=gated
    )
    batch.files.create(position=2, name="two.txt", size=9, data=b"Two \xff\x00 .")


def dump(path, env=None):
    """The README's backup command, in this process or against another database."""
    if env is None:
        call_command("dumpdata", *DUMPDATA_OPTIONS, output=str(path), verbosity=0)
    else:
        manage("dumpdata", *DUMPDATA_OPTIONS, f"--output={path}", env=env)
    return json.loads(Path(path).read_text())


# dumpdata writes times to the millisecond: one saved less than a millisecond past a second
# ("…:23.000Z") comes back as the whole second and is written again as "…:23Z".
_WHOLE_MILLISECONDS = re.compile(r"(T\d\d:\d\d:\d\d)\.000(?=Z|[+-]\d)")


def objects(data):
    """The dumped rows, comparable whatever order they come in."""
    return Counter(_WHOLE_MILLISECONDS.sub(r"\1", json.dumps(row, sort_keys=True)) for row in data)


def kinds(data):
    return Counter(row["model"] for row in data)


def empty_database_env(tmp_path):
    """The environment of commands against a new, empty database on the suite's server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))}
    env.update(DEBUG="true", DJANGO_SETTINGS_MODULE="config.settings")
    env.pop("REDIS_URL", None)
    if connection.vendor == "postgresql":
        name = f"archive_restore_{uuid.uuid4().hex[:8]}"
        _postgres(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = _database_url(name)
        return env, lambda: _postgres(f'DROP DATABASE "{name}" WITH (FORCE)')
    env.pop("DATABASE_URL", None)
    env["SQLITE_PATH"] = str(tmp_path / "restored.sqlite3")
    return env, lambda: None


def test_every_kind_of_row_survives_dumpdata_and_loaddata_into_an_empty_database(tmp_path):
    build_archive()
    backup = dump(tmp_path / "backup.json")
    expected = {
        f"{model._meta.app_label}.{model._meta.model_name}"
        for app in ("accounts", "archive", "conversation", "following", "jobs")
        for model in apps.get_app_config(app).get_models()
    } | {"auth.group", "admin.logentry"}
    if connection.vendor != "postgresql":
        expected -= POSTGRES_ONLY
    assert expected <= set(kinds(backup)), "add a row of each new kind to build_archive()"

    env, drop = empty_database_env(tmp_path)
    try:
        manage("migrate", "--noinput", "--verbosity=0", env=env)
        manage("loaddata", str(tmp_path / "backup.json"), "--verbosity=0", env=env)
        restored = dump(tmp_path / "restored.json", env)
    finally:
        drop()
    assert kinds(restored) == kinds(backup)
    assert objects(restored) == objects(backup)


def test_pg_dump_and_pg_restore_bring_back_every_row(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore are for PostgreSQL; SQLite is backed up by copying")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed (apt-get install postgresql-client)")
    build_archive()
    source = connection.settings_dict["NAME"]
    backup = tmp_path / "archive.dump"
    _client("pg_dump", "--format=custom", f"--file={backup}", f"--dbname={source}")
    name = f"archive_restore_{uuid.uuid4().hex[:8]}"
    _postgres(f'CREATE DATABASE "{name}"')
    try:
        _client("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={name}", str(backup))
        assert _row_counts(name) == _row_counts(source)
        assert _next_ids(name) == _next_ids(source)
    finally:
        _postgres(f'DROP DATABASE "{name}" WITH (FORCE)')
    assert _row_counts(source)["archive_kudos"] == 2


def _row_counts(database):
    tables = _query(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {table: _query(database, f'SELECT count(*) FROM "{table}"')[0][0] for (table,) in tables}


def _next_ids(database):
    """Where each sequence stands, so that rows added after a restore get fresh ids."""
    return dict(_query(database, "SELECT sequencename, last_value FROM pg_sequences"))


def _query(database, sql):
    import psycopg

    with psycopg.connect(**_connection_params(database)) as link:
        return link.execute(sql).fetchall()


def _postgres(sql):
    import psycopg

    with psycopg.connect(**_connection_params("postgres"), autocommit=True) as link:
        link.execute(sql)


def _connection_params(database):
    settings = connection.settings_dict
    params = {"dbname": database, "user": settings["USER"], "password": settings["PASSWORD"]}
    params |= {"host": settings["HOST"], "port": settings["PORT"]}
    return {key: value for key, value in params.items() if value}


def _database_url(name):
    settings = connection.settings_dict
    login = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgres://{login}@{settings['HOST']}:{settings['PORT'] or 5432}/{name}"


def _client(program, *args):
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings["PASSWORD"] or ""}
    command = [program, f"--host={settings['HOST']}", f"--username={settings['USER']}"]
    command += [f"--port={settings['PORT'] or 5432}", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
