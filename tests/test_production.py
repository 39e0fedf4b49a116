"""What makes the archive safe to put on the internet: headers, deploy checks, error pages,
the logs, rate limits, and a clean 503 when the database or the cache is away."""

import io
import json
import logging
import os
import re
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse

from archive.models import Bookmark, Kudos
from config.clients import client_address
from config.limits import LOGIN_FAILURES
from config.logs import DjangoEventFormatter
from limits.models import RateCount
from tests.factories import PASSWORD, body_marker, make_reader, make_work

BASE_DIR = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def test_security_headers_on_every_page(client):
    response = client.get(reverse("archive:work_list"))
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    # Inline styles only in attributes (the reader's display settings on <html>).
    assert directives["style-src"] == directives["style-src-elem"] == "'self'"
    assert directives["style-src-attr"] == "'unsafe-inline'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_page_has_inline_script(client, seeded):
    for url in [reverse("archive:work_list"), seeded[0].get_absolute_url()]:
        content = client.get(url).content.decode()
        assert "<script>" not in content
        assert " on" + "click=" not in content


def test_session_and_csrf_cookies_are_http_only_and_same_site(client, settings):
    make_reader("cookie")
    client.post(reverse("accounts:login"), {"username": "cookie", "password": PASSWORD})
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"]
    assert session["samesite"] == "Lax"


def _deploy_check(env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _documented_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PYTEST"))}
    for line in (BASE_DIR / ".env.production.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = value
    return env


def test_deploy_check_passes_under_the_documented_production_environment():
    """The example file as its first comment says to use it: with a key of your own."""
    env = _documented_environment() | {"SECRET_KEY": secrets.token_urlsafe(50)}
    result = _deploy_check(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_example_files_placeholder_key_is_refused():
    result = _deploy_check(_documented_environment())
    assert result.returncode != 0
    assert "archive.E002" in result.stdout + result.stderr


@pytest.mark.parametrize("code", [400, 403, 404, 429, 500, 503])
def test_error_pages_are_friendly_with_one_heading(code):
    from django.template.loader import render_to_string

    page = render_to_string(f"{code}.html")
    assert page.count("<h1") == 1
    assert "Traceback" not in page


@pytest.mark.parametrize("name", ["400", "403", "403_csrf", "404", "429", "500", "503"])
def test_error_pages_need_no_reader_and_no_session(name):
    """A request refused by the first middleware has neither: the page still renders, with
    every context processor."""
    from django.template.loader import render_to_string

    page = render_to_string(f"{name}.html", request=RequestFactory().get("/works/"))
    assert page.count("<h1") == 1


def test_unknown_page_is_the_friendly_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_database_failure_is_a_503_page(client, monkeypatch):
    from archive.views import listing

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(listing, "_listing", broken)
    response = client.get(reverse("archive:work_list"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "briefly unavailable" in response.content.decode()


def test_request_log_is_one_json_line_without_personal_data(client, caplog):
    reader = make_reader("private-person")
    client.force_login(reader)
    with caplog.at_level(logging.INFO, logger="archive.requests"):
        client.get(reverse("archive:reader_bookmarks", args=["private-person"]) + "?q=secret")
    [record] = [r for r in caplog.records if r.name == "archive.requests"]
    line = json.loads(record.getMessage())
    assert line == {
        "method": "GET",
        "route": "/readers/<str:username>/bookmarks/",
        "view": "archive:reader_bookmarks",
        "status": 200,
        "ms": line["ms"],
    }
    assert "private-person" not in record.getMessage()
    assert "secret" not in record.getMessage()


def login(client, username, password, **extra):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, **extra
    )


def test_login_is_throttled_after_ten_failures_against_one_account(client):
    make_reader("target")
    for _ in range(10):
        assert login(client, "target", "no").status_code == 200
    response = login(client, "target", PASSWORD)
    assert response.status_code == 429
    assert LOGIN_FAILURES in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_successful_logins_never_count_towards_the_throttle(client):
    make_reader("regular")
    for _ in range(15):
        assert login(client, "regular", PASSWORD).status_code == 302
        client.logout()


def test_a_reader_who_got_their_password_wrong_a_few_times_still_gets_in(client):
    make_reader("forgetful")
    for _ in range(9):
        login(client, "forgetful", "nearly")
    assert login(client, "forgetful", PASSWORD).status_code == 302


def test_failures_against_one_account_do_not_lock_out_another_elsewhere(client):
    make_reader("attacked")
    make_reader("bystander")
    for _ in range(10):
        login(client, "attacked", "guess", REMOTE_ADDR="198.51.100.66")
    assert login(Client(), "bystander", PASSWORD, REMOTE_ADDR="203.0.113.5").status_code == 302


def test_one_address_guessing_at_many_accounts_is_throttled(client):
    for number in range(30):
        login(client, f"someone{number}", "guess")
    make_reader("next-victim")
    assert login(client, "next-victim", PASSWORD).status_code == 429


def test_other_spellings_of_a_username_count_as_the_same_account(client):
    make_reader("spelled")
    for spelling in ["spelled", "SPELLED", " Spelled "] * 4:
        login(Client(), spelling, "guess", REMOTE_ADDR=f"203.0.113.{len(spelling)}")
    assert login(client, "spelled", PASSWORD).status_code == 429


def test_signup_is_rate_limited(client):
    for number in range(10):
        client.post(reverse("accounts:signup"), {"username": f"spam{number}"})
    response = client.post(reverse("accounts:signup"), {"username": "one-more"})
    assert response.status_code == 429


def test_kudos_are_rate_limited_and_nothing_is_saved_past_the_limit(client):
    from archive.models import Kudos

    works = [make_work(chapters=1) for _ in range(31)]
    statuses = [client.post(reverse("archive:kudos", args=[w.pk])).status_code for w in works]
    assert statuses[:30] == [302] * 30
    assert statuses[30] == 429
    assert Kudos.objects.count() == 30


def test_bookmarks_are_rate_limited_and_nothing_is_saved_past_the_limit(client):
    client.force_login(make_reader("collector"))
    works = [make_work(chapters=1) for _ in range(61)]
    statuses = [
        client.post(reverse("archive:bookmark_work", args=[work.pk]), {"notes": ""}).status_code
        for work in works
    ]
    assert statuses[:60] == [302] * 60
    assert statuses[60] == 429
    assert Bookmark.objects.count() == 60


def test_a_script_over_a_limit_gets_json_with_a_message(client):
    work = make_work(chapters=1)
    url = reverse("archive:kudos", args=[work.pk])
    for _ in range(30):
        client.post(url, HTTP_ACCEPT="application/json")
    response = client.post(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "too many times" in response.json()["message"]


def reset(client, email, address="203.0.113.20"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_password_reset_mail_is_limited_per_email(client, mailoutbox):
    make_reader("lantern")
    statuses = [
        reset(Client(), "lantern@example.com", f"203.0.113.{n}").status_code for n in range(6)
    ]
    assert statuses == [302] * 5 + [429]
    assert len(mailoutbox) == 5
    assert reset(Client(), "LANTERN@example.com ", "198.51.100.1").status_code == 429


def test_password_reset_is_limited_per_client_address(client):
    statuses = [reset(client, f"nobody{n}@example.com").status_code for n in range(21)]
    assert statuses == [302] * 20 + [429]
    assert reset(Client(), "nobody@example.com", "198.51.100.2").status_code == 302


# Behind the proxy: every request comes from the proxy's address.

PROXY = "10.0.0.2"


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXY_COUNT = 1


def through_proxy(forwarded_for):
    """What the proxy hands on: its own address, and the header with the client's appended."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded_for}


def address_of(settings, forwarded_for, **changes):
    for name, value in changes.items():
        setattr(settings, name, value)
    return client_address(RequestFactory().get("/", **through_proxy(forwarded_for)))


def test_without_the_proxy_setting_the_header_is_ignored(settings):
    assert address_of(settings, "203.0.113.1", BEHIND_PROXY=False) == PROXY


def test_behind_the_proxy_the_address_it_appended_is_the_client(settings, behind_proxy):
    assert address_of(settings, "203.0.113.1") == "203.0.113.1"
    assert address_of(settings, "6.6.6.6, 203.0.113.1") == "203.0.113.1"
    assert address_of(settings, "2001:DB8::1") == "2001:db8::1"


def test_with_two_proxies_the_second_hop_from_the_right_is_the_client(settings, behind_proxy):
    two = {"TRUSTED_PROXY_COUNT": 2}
    assert address_of(settings, "6.6.6.6, 203.0.113.1, 10.0.0.1", **two) == "203.0.113.1"
    assert address_of(settings, "203.0.113.1", **two) == PROXY


@pytest.mark.parametrize("header", ["", "not-an-address", "203.0.113.1:443", "6.6.6.6, ", "a,,b"])
def test_a_malformed_header_is_the_proxys_address_never_a_new_client(
    settings, behind_proxy, header
):
    assert address_of(settings, header) == PROXY


def test_guests_behind_the_proxy_each_leave_their_own_kudos(behind_proxy):
    work = make_work(chapters=1)
    for guest in ["203.0.113.1", "203.0.113.2", "198.51.100.3"]:
        Client().post(reverse("archive:kudos", args=[work.pk]), **through_proxy(guest))
    assert Kudos.objects.filter(work=work).count() == 3


def test_a_forged_left_hand_hop_does_not_make_one_guest_many(behind_proxy):
    work = make_work(chapters=1)
    for forged in ["1.1.1.1", "2.2.2.2", "3.3.3.3, 4.4.4.4"]:
        hops = f"{forged}, 203.0.113.1"
        Client().post(reverse("archive:kudos", args=[work.pk]), **through_proxy(hops))
    assert Kudos.objects.filter(work=work).count() == 1


def test_behind_the_proxy_limits_count_each_real_client(behind_proxy):
    def sign_up(hops):
        return Client().post(reverse("accounts:signup"), {}, **through_proxy(hops)).status_code

    assert [sign_up(f"{n}.{n}.{n}.{n}, 203.0.113.1") for n in range(1, 11)] == [200] * 10
    assert sign_up("9.9.9.9, 203.0.113.1") == 429
    assert sign_up("203.0.113.2") == 200


# Hostile Host headers, through every middleware.

HOSTILE_HOSTS = ["evil.example", "203.0.113.9", "[2001:db8::1]", "a" * 300 + ".example", "x:y:z"]


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
def test_a_host_the_archive_does_not_serve_is_the_friendly_400(host):
    response = Client(raise_request_exception=False).get("/works/", HTTP_HOST=host)
    assert response.status_code == 400
    assert "That request could not be understood" in response.content.decode()


def test_a_bad_host_is_a_400_for_a_signed_in_reader_and_for_a_post_too():
    client = Client(raise_request_exception=False)
    client.force_login(make_reader("hosted"))
    assert client.get("/works/", HTTP_HOST="evil.example").status_code == 400
    assert client.post("/logout/", HTTP_HOST="evil.example").status_code == 400
    assert "_auth_user_id" in client.session


# Django's own log records, as the configured handler writes them.


@pytest.fixture
def django_log():
    """What the django.request and django.security loggers write, through their handler."""
    stream = io.StringIO()
    handlers = {
        handler
        for name in ("django.request", "django.security")
        for handler in logging.getLogger(name).handlers
        if isinstance(handler.formatter, DjangoEventFormatter)
    }
    assert handlers, "Django's request and security logs have no handler of their own"
    previous = {handler: handler.setStream(stream) for handler in handlers}
    yield stream
    for handler, old in previous.items():
        handler.setStream(old)


def test_djangos_request_and_security_records_never_reach_the_root_console_handler():
    for name in ("django.request", "django.security"):
        logger = logging.getLogger(name)
        assert not logger.propagate
        assert any(
            isinstance(handler.formatter, DjangoEventFormatter) for handler in logger.handlers
        )


def events(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_503_is_logged_without_its_path(django_log, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    client = Client(raise_request_exception=False)
    response = client.get("/readers/private-person/bookmarks/")
    assert response.status_code == 503
    assert "private-person" not in django_log.getvalue()
    assert {"level": "ERROR", "logger": "django.request", "status": 503} in events(django_log)


def test_a_csrf_failure_is_logged_without_the_reset_token(django_log):
    reader = make_reader("resetter")
    path = f"/password-reset/{reader.pk}-uid/secret-reset-token/"
    response = Client(enforce_csrf_checks=True).post(path, {"new_password1": "x"})
    assert response.status_code == 403
    assert "secret-reset-token" not in django_log.getvalue()
    assert "password-reset" not in django_log.getvalue()
    [event] = events(django_log)
    assert event == {"level": "WARNING", "logger": "django.security.csrf", "status": 403}


def test_a_bad_host_is_logged_without_the_host(django_log):
    Client(raise_request_exception=False).get("/works/", HTTP_HOST="evil-host.example")
    assert "evil-host" not in django_log.getvalue()
    [event] = events(django_log)
    assert event["logger"] == "django.security.DisallowedHost"
    assert (event["status"], event["error"]) == (400, "DisallowedHost")


def test_a_500_is_logged_with_the_exception_type_and_where_without_its_message(
    django_log, monkeypatch
):
    from archive.views import listing

    def broken(*args, **kwargs):
        raise ValueError("a reader's private words")

    monkeypatch.setattr(listing, "_listing", broken)
    response = Client(raise_request_exception=False).get("/works/?q=secret")
    assert response.status_code == 500
    [event] = events(django_log)
    assert (event["status"], event["error"]) == (500, "ValueError")
    assert any("in broken" in frame for frame in event["where"])
    assert "private words" not in django_log.getvalue()
    assert "secret" not in django_log.getvalue()


# The cache (Redis) away.


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.REDIS_URL = url
    settings.CACHES = {
        # The rate limits' counts stay where they are, in the database.
        **settings.CACHES,
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    settings.SESSION_ENGINE = "config.sessions"


def test_healthz_says_redis_does_not_answer_but_keeps_the_server_in_the_balancer(
    client, redis_down
):
    """Pages are served without Redis (config.cache): taking every app server out of the
    balancer for it would make its outage the archive's."""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok\ncache unavailable\n"


def test_a_rate_limited_post_while_redis_is_away_is_counted_and_saved(redis_down):
    """Limits count in the database, so an outage of Redis neither fails them nor lifts them."""
    work = make_work(chapters=1)
    response = Client(raise_request_exception=False).post(reverse("archive:kudos", args=[work.pk]))
    assert response.status_code == 302
    assert Kudos.objects.count() == 1
    assert RateCount.objects.get().count == 1


def test_the_login_lock_out_holds_while_redis_is_away(redis_down):
    make_reader("steadfast")
    client = Client(raise_request_exception=False)
    for _ in range(10):
        assert login(client, "steadfast", "guess").status_code == 200
    assert login(client, "steadfast", PASSWORD).status_code == 429


def test_a_guest_with_a_session_reads_while_redis_is_away(redis_down):
    from django.contrib.sessions.backends.db import SessionStore

    # A guest's consent, saved in the database: read from there while Redis is away.
    work = make_work(rating="mature", chapters=1)
    session = SessionStore()
    session["consent_for_session"] = ["rating:mature"]
    session.create()
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = session.session_key
    assert client.get(reverse("archive:work_list")).status_code == 200
    chapter = client.get(reverse("archive:chapter_detail", args=[work.pk, 1]))
    assert chapter.status_code == 200
    assert body_marker(work.pk, 1) in chapter.content.decode()


# The Makefile and the README say the same as the settings.


def make_dry_run(target, **variables):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SERVE_MIGRATE")}
    result = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", target],
        cwd=BASE_DIR,
        env=env | variables,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_serve_on_sqlite_migrates_and_seeds_before_serving():
    commands = make_dry_run("serve")
    assert commands.index("migrate --noinput") < commands.index("gunicorn")
    assert "load_seed_works" in commands


def test_make_serve_with_a_shared_database_only_checks_for_pending_migrations():
    commands = make_dry_run("serve", DATABASE_URL="postgres://archive@db.example/archive")
    assert "migrate --check" in commands
    assert "migrate --noinput" not in commands
    assert "load_seed_works" not in commands


def test_make_migrate_migrates_and_seeds():
    commands = make_dry_run("migrate", DATABASE_URL="postgres://archive@db.example/archive")
    assert "migrate --noinput" in commands
    assert "load_seed_works" in commands


def test_make_serve_leaves_secure_cookies_to_the_settings():
    assert "SECURE_COOKIES" not in make_dry_run("serve")


def test_every_variable_the_settings_read_is_in_the_readme():
    names = re.findall(r'env_\w+\("(\w+)"', (BASE_DIR / "config/settings.py").read_text())
    readme = (BASE_DIR / "README.md").read_text()
    assert names
    assert [name for name in names if f"`{name}`" not in readme] == []
