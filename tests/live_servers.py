"""Real app servers for the tests that need more than the test client (faults, scale-out,
concurrent writers, Redis away): gunicorn processes on loopback against a database of the
test's own (on PostgreSQL, or a SQLite file: see live_database), and a small browser that
keeps its cookies whichever server answers.

Those on PostgreSQL alone run in its pass of the suite. Where PostgreSQL or Redis cannot be
reached they skip, unless REQUIRE_SCALE_OUT_TESTS is set (as in CI), where that is a failure.
"""

import contextlib
import http.client
import http.cookiejar
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import dj_database_url
import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "live-server-tests-only-" + "k" * 40
TIMEOUT = 10


def skip_or_fail(reason):
    if os.environ.get("REQUIRE_SCALE_OUT_TESTS"):
        pytest.fail(f"{reason} (REQUIRE_SCALE_OUT_TESTS is set)")
    pytest.skip(reason)


def postgres_url():
    """The PostgreSQL server the suite runs against, or a skip on the SQLite pass."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("runs in the PostgreSQL pass of the suite (DATABASE_URL=postgres://…)")
    return url


def admin_connection(url):
    """An autocommit connection to the server's maintenance database."""
    import psycopg

    config = dj_database_url.parse(url)
    try:
        return psycopg.connect(
            dbname="postgres",
            host=config["HOST"] or None,
            port=config["PORT"] or None,
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            autocommit=True,
            connect_timeout=5,
        )
    except psycopg.OperationalError as error:
        skip_or_fail(f"PostgreSQL is unreachable: {error}")


def manage(*args, env):
    """Run a manage.py command in a process of its own with `env`; its output, or a failure."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class LiveDatabase:
    """A migrated database of its own on the suite's PostgreSQL server, dropped at the end."""

    def __init__(self, url, purpose, *, template=None):
        """Migrated afresh, or copied from `template`, a migrated database nobody is connected
        to (the suite's test database: a copy takes a second, migrating many)."""
        self.admin = admin_connection(url)
        self.name = f"archive_{purpose}_{uuid.uuid4().hex[:8]}"
        self.url = url.rsplit("/", 1)[0] + "/" + self.name
        if template:
            self.admin.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"')
        else:
            self.admin.execute(f'CREATE DATABASE "{self.name}"')
            self.manage("migrate", "--noinput", "--verbosity", "0")

    def env(self, **extra):
        """The environment of a server or command using this database."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))}
        env.update(
            DJANGO_SETTINGS_MODULE="tests.server_settings",
            DATABASE_URL=self.url,
            SECRET_KEY=SECRET_KEY,
            DEBUG="false",
            SECURE_COOKIES="false",
        )
        env.pop("REDIS_URL", None)
        env.update(extra)
        return env

    def manage(self, *args, **env):
        return manage(*args, env=self.env(**env))

    def run(self, code):
        """Run Python in Django against this database; what it prints last is read as JSON."""
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])

    def sql(self, statement, params=()):
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            return connection.execute(statement, params).fetchall()

    def refuse_connections(self):
        """What a PostgreSQL outage looks like to the app, without stopping the shared server:
        every connection to this database is cut, and new ones are refused."""
        self.admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self.cut_connections()

    def accept_connections(self):
        self.admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    def cut_connections(self):
        """Terminate the app servers' connections, as a PostgreSQL restart does."""
        self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.name],
        )

    def drop(self):
        self.accept_connections()
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.close()


class LiveSqlite:
    """A SQLite file of its own, with its job queue file beside it: the one-machine archive,
    as `make serve` runs it. Same interface as LiveDatabase."""

    def __init__(self, folder, *, copy_of=None):
        """Migrated afresh, or copied from `copy_of`, a migrated database's connection (the
        suite's test database: a copy takes milliseconds, migrating seconds)."""
        self.folder = Path(folder)
        self.path = self.folder / "archive.sqlite3"
        if copy_of is None:
            self.manage("migrate", "--noinput", "--verbosity", "0")
        else:
            with contextlib.closing(sqlite3.connect(self.path)) as copy:
                copy_of.backup(copy)

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))}
        for name in ("DATABASE_URL", "REDIS_URL", "JOBS_IMMEDIATE"):
            env.pop(name, None)
        env.update(
            DJANGO_SETTINGS_MODULE="tests.server_settings",
            SQLITE_PATH=str(self.path),
            JOBS_SQLITE_PATH=str(self.folder / "jobs.sqlite3"),
            SECRET_KEY=SECRET_KEY,
            DEBUG="false",
            SECURE_COOKIES="false",
        )
        env.update(extra)
        return env

    manage = LiveDatabase.manage
    run = LiveDatabase.run

    def drop(self):
        pass  # the test's temporary folder goes with it


def live_database(purpose, folder, django_db_blocker):
    """A database of the test's own on the kind of database the suite runs against: a copy of
    the suite's test database, on the PostgreSQL server or as a SQLite file in `folder`. The
    test is marked django_db(transaction=True), so that the copy holds nothing uncommitted."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            connection.close()  # PostgreSQL copies only a database nobody is connected to
            return LiveDatabase(postgres_url(), purpose, template=connection.settings_dict["NAME"])
        connection.ensure_connection()
        return LiveSqlite(folder, copy_of=connection.connection)


def sqlite_archive(folder, django_db_blocker):
    """A migrated, empty SQLite archive in `folder` (with its job queue file beside it), for
    a test of the one-machine archive on either pass of the suite: on the SQLite pass a copy
    of the suite's test database (see live_database), on the PostgreSQL pass migrated."""
    from django.db import connection

    if connection.vendor == "sqlite":
        return live_database("sqlite", folder, django_db_blocker)
    return LiveSqlite(folder)


class Server:
    """One gunicorn process on a free loopback port."""

    def __init__(self, env, log_path, *, workers=1, pids_log=None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.pids_log = pids_log
        command = [sys.executable, "-m", "gunicorn", "config.wsgi"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
        command += ["--access-logfile", str(pids_log or "/dev/null"), "--error-logfile", "-"]
        if pids_log:
            # One line per request: the pid of the worker that answered it.
            command += ["--access-logformat", "%(p)s"]
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_up()

    def _wait_until_up(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not listen within 60 s\n{self.log()}")

    def log(self):
        return Path(self.log_path).read_text(errors="replace")

    def pids(self):
        """The worker pid of each request answered so far, in order (needs `pids_log`)."""
        return Path(self.pids_log).read_text().split()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Answer:
    status: int
    text: str
    headers: dict
    seconds: float

    def json(self):
        return json.loads(self.text)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect itself is the answer to check


class Browser:
    """A person's browser: one cookie jar, whichever server it talks to (cookies do not
    depend on the port), a CSRF token on every form, and redirects not followed."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def get(self, url, headers=None):
        return self._send(urllib.request.Request(url, headers=headers or {}))

    def post(self, url, data=(), headers=None):
        return self._send(self._form_request(url, data, headers))

    def hold_posts(self, url, forms, headers=None):
        """Start a POST of each of `forms` to `url` and hold back their bodies until
        `HeldPosts.finish()`. On return, a worker has read the headers of each (it answered
        `Expect: 100-continue`) and waits for its body; a sync gunicorn worker takes no other
        connection meanwhile, so as many posts as the server has workers reach every worker."""
        return HeldPosts(self, [self._form_request(url, form, headers) for form in forms])

    def _form_request(self, url, data, headers):
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        pairs.append(("csrfmiddlewaretoken", self.cookie("csrftoken")))
        return urllib.request.Request(
            url, data=urlencode(pairs).encode(), headers=headers or {}, method="POST"
        )

    def login(self, server, username, password):
        self.get(server.url + "/login/")
        answer = self.post(server.url + "/login/", {"username": username, "password": password})
        assert answer.status == 302, answer.text
        return answer

    def sign_in_with(self, server, session_key):
        """Carry a session made beforehand (with the test client's force_login), instead of
        paying for a real password hash at every login."""
        cookie = http.cookiejar.Cookie(
            version=0,
            name="sessionid",
            value=session_key,
            port=None,
            port_specified=False,
            domain=urllib.parse.urlsplit(server.url).hostname,
            domain_specified=False,
            domain_initial_dot=False,
            path="/",
            path_specified=True,
            secure=False,
            expires=None,
            discard=True,
            comment=None,
            comment_url=None,
            rest={},
        )
        self.cookies.set_cookie(cookie)

    def cookie(self, name):
        return next((c.value for c in self.cookies if c.name == name), "")

    def _send(self, request):
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                status, body, headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, body, headers = error.code, error.read(), error.headers
        text = body.decode("utf-8", errors="replace")
        return Answer(status, text, dict(headers), time.monotonic() - started)


class HeldPosts:
    """Posts whose headers were sent, and read by a worker each, and whose bodies were not."""

    def __init__(self, browser, requests):
        self.browser = browser
        self.sent = [(request, self._send_headers(request)) for request in requests]

    def _send_headers(self, request):
        self.browser.cookies.add_cookie_header(request)
        parts = urllib.parse.urlsplit(request.full_url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
        connection.putrequest("POST", parts.path + (f"?{parts.query}" if parts.query else ""))
        headers = {
            **dict(request.header_items()),
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(request.data)),
            "Expect": "100-continue",
        }
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        # Only a free worker reads the headers: one that is still starting (as the second one
        # may be just after the server listens) is waited for as long as a server's start.
        connection.sock.settimeout(60)
        interim = b""
        while not interim.endswith(b"\r\n\r\n"):
            chunk = connection.sock.recv(1024)
            assert chunk, f"the server closed the connection after {interim!r}"
            interim += chunk
        assert interim.startswith(b"HTTP/1.1 100 "), interim
        connection.sock.settimeout(TIMEOUT)
        return connection

    def finish(self):
        """Send every body, then read every answer: their statuses, in order."""
        for request, connection in self.sent:
            connection.send(request.data)
        statuses = []
        for request, connection in self.sent:
            with contextlib.closing(connection):
                response = connection.getresponse()
                response.read()
                self.browser.cookies.extract_cookies(response, request)
                statuses.append(response.status)
        return statuses
