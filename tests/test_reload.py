"""`make reload`: a new version is served without refusing a request, and `make serve` and
`make reload` collect static files only when their sources changed."""

import io
import os
import subprocess
import time
import urllib.request

import pytest
from django.core.management import call_command

from bench.restart import (
    BASE_DIR,
    Poller,
    free_port,
    make,
    serve_environment,
    stop,
    wait_until_healthy,
)
from tests.live_servers import LiveSqlite, live_database

# New code for the running server: a settings module of the test's own adds one route whose
# answer the test rewrites between `make serve` and `make reload`.
PROBE_SETTINGS = 'from config.settings import *  # noqa: F403\nROOT_URLCONF = "probe_urls"\n'
PROBE_URLS = """from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site

VERSION = {version!r}
urlpatterns = [path("probe-version", lambda request: HttpResponse(VERSION)), *site]
"""


def _write_probe(folder, version):
    (folder / "probe_urls.py").write_text(PROBE_URLS.format(version=version))


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read().decode()


@pytest.fixture
def database(tmp_path, django_db_blocker):
    """A migrated database of the test's own, a copy of the suite's test database: in the
    PostgreSQL pass shared as app servers share one (so `make serve` and `make reload` only
    check for pending migrations), in the SQLite pass the archive's file, which `make serve`
    migrates (nothing to do) and seeds."""
    database = live_database("reload", tmp_path, django_db_blocker)
    if isinstance(database, LiveSqlite):
        yield {"SQLITE_PATH": str(database.path)}
    else:
        yield {"DATABASE_URL": database.url}
    database.drop()


@pytest.fixture
def served(tmp_path, database):
    """`make serve` on a free port, serving the probe."""
    (tmp_path / "probe_settings.py").write_text(PROBE_SETTINGS)
    _write_probe(tmp_path, "first")
    env = serve_environment(
        tmp_path,
        DJANGO_SETTINGS_MODULE="probe_settings",
        PYTHONPATH=str(tmp_path),
        PYTHONDONTWRITEBYTECODE="1",
        WEB_CONCURRENCY="1",
        **database,
    )
    port = free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        server = make("serve", port, env, stdout=log, stderr=subprocess.STDOUT)
    try:
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}/healthz", server=server, timeout=120)
        except RuntimeError as error:
            pytest.fail(f"{error}\n{log_path.read_text()}")
        yield env, port, log_path
    finally:
        stop(server)


# The database is copied from the suite's (transaction=True: nothing uncommitted).
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_make_reload_serves_new_code_without_refusing_a_request(served, tmp_path):
    env, port, log_path = served
    url = f"http://127.0.0.1:{port}"
    assert _get(url + "/probe-version") == "first"
    poller = Poller(url + "/healthz").start()
    try:
        _write_probe(tmp_path, "second")
        reload = subprocess.run(
            ["make", "--no-print-directory", "reload", f"PORT={port}"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert reload.returncode == 0, reload.stdout + reload.stderr
        assert "Static files unchanged" in reload.stdout
        deadline = time.monotonic() + 30
        while _get(url + "/probe-version") != "second":
            assert time.monotonic() < deadline, "the old code is still served"
            time.sleep(0.1)
    finally:
        poller.stop()
    report = poller.report(poller.polls[0].started)
    assert report["polls"] > 10
    assert report["failed"] == 0, report
    # The job worker restarts too, with the new code, once its running jobs are done.
    deadline = time.monotonic() + 30
    while "Consumer will restart" not in log_path.read_text():
        assert time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.1)


def test_make_reload_without_a_running_server_says_so_and_does_nothing(tmp_path):
    env = serve_environment(tmp_path)
    result = subprocess.run(
        ["make", "--no-print-directory", "reload", f"PORT={free_port()}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "No 'make serve' runs on port" in result.stderr
    assert "check --deploy" not in result.stdout
    assert not (tmp_path / "db.sqlite3").exists()


def test_make_serve_and_reload_collect_only_changed_static_files():
    for target in ("serve", "reload"):
        commands = subprocess.run(
            ["make", "--dry-run", "--no-print-directory", target],
            cwd=BASE_DIR,
            env={k: v for k, v in os.environ.items() if k != "MAKEFLAGS"},
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
        assert "collectstatic_if_changed" in commands
        assert "collectstatic --noinput" not in commands


# The command itself, with plain storage so that collecting takes no time.


@pytest.fixture
def static_folders(tmp_path, settings):
    source, root = tmp_path / "source", tmp_path / "root"
    source.mkdir()
    (source / "site.css").write_text("body { color: black; }")
    settings.STATICFILES_DIRS = [source]
    settings.STATIC_ROOT = root
    return source, root


def collect(**options):
    """What the command said: whether it collected."""
    out = io.StringIO()
    call_command("collectstatic_if_changed", stdout=out, **options)
    return out.getvalue()


def edit(path, text):
    """Write a source file, a second newer than anything collected before."""
    path.write_text(text)
    later = time.time_ns() + 1_000_000_000
    os.utime(path, ns=(later, later))


def test_static_files_are_collected_the_first_time(static_folders):
    source, root = static_folders
    assert "Static files collected" in collect()
    assert (root / "site.css").read_text() == "body { color: black; }"
    assert (root / "admin" / "css" / "base.css").is_file()


def test_unchanged_static_files_are_not_collected_again(static_folders):
    source, root = static_folders
    collect()
    assert "unchanged" in collect()


def test_a_changed_source_is_collected(static_folders):
    source, root = static_folders
    collect()
    edit(source / "site.css", "body { color: navy; }")
    assert "Static files collected" in collect()
    assert (root / "site.css").read_text() == "body { color: navy; }"


def test_a_new_source_is_collected(static_folders):
    source, root = static_folders
    collect()
    edit(source / "new.js", "// new")
    assert "Static files collected" in collect()
    assert (root / "new.js").is_file()


def test_another_static_url_collects_again(static_folders, settings):
    collect()
    settings.STATIC_URL = "/assets/"
    assert "Static files collected" in collect()


def test_a_dry_run_collects_nothing(static_folders):
    source, root = static_folders
    assert "would be collected" in collect(dry_run=True)
    assert not root.exists()


def test_after_a_collection_that_failed_the_files_are_collected_again(static_folders):
    """Even when the sources are back as they were at the last collection: the failed one
    may have copied some of its files."""
    source, root = static_folders
    collect()
    edit(source / "site.css", "body { color: navy; }")
    (source / "fonts").mkdir()
    edit(source / "fonts" / "serif.css", "")
    (root / "fonts").write_text("a file where collectstatic needs a folder")
    with pytest.raises(OSError):
        collect()
    (source / "fonts" / "serif.css").unlink()
    (source / "fonts").rmdir()
    edit(source / "site.css", "body { color: black; }")
    assert "Static files collected" in collect()
    assert (root / "site.css").read_text() == "body { color: black; }"
