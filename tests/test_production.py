"""What makes the archive safe to put on the internet: headers, deploy checks, error pages,
the request log, rate limits and a clean 503 when the database is away."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.urls import reverse

from tests.factories import PASSWORD, make_reader, make_work

BASE_DIR = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def test_security_headers_on_every_page(client):
    response = client.get(reverse("archive:work_list"))
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
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


def test_deploy_check_passes_under_the_documented_production_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PYTEST"))}
    for line in (BASE_DIR / ".env.production.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = value
    env["SECRET_KEY"] = "x" * 20 + "a-long-random-value-for-the-deploy-check-0123456789"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("code", [400, 403, 404, 429, 500, 503])
def test_error_pages_are_friendly_with_one_heading(code):
    from django.template.loader import render_to_string

    page = render_to_string(f"{code}.html")
    assert page.count("<h1") == 1
    assert "Traceback" not in page


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


def test_login_is_throttled_after_repeated_failures(client):
    make_reader("target")
    for _ in range(10):
        response = client.post(reverse("accounts:login"), {"username": "target", "password": "no"})
        assert response.status_code == 200
    response = client.post(reverse("accounts:login"), {"username": "target", "password": PASSWORD})
    assert response.status_code == 429
    assert "Slow down" in response.content.decode()
    assert "_auth_user_id" not in client.session


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
