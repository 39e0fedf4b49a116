"""The served benchmark: bench.served's clients and the bench_served command, against a small
HTTP server of the test's own standing in for `make serve` (no timing assertions)."""

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bench import pages, restart, served


class Answers(BaseHTTPRequestHandler):
    """200 with a short body for every path, except 500 for paths starting /works/ when told."""

    failing = ""
    asked = []

    def do_GET(self):
        self.asked.append(self.path)
        status = 500 if self.failing and self.path.startswith(self.failing) else 200
        body = b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    Answers.failing, Answers.asked = "", []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address
    server.shutdown()
    server.server_close()
    thread.join()


def test_hammer_sends_the_asked_requests_from_several_clients_and_times_them(http_server):
    host, port = http_server

    measured = served.hammer(host, port, "/healthz", clients=3, requests=20, page="floor")

    assert (measured.page, measured.url, measured.status, measured.requests) == (
        "floor",
        "/healthz",
        200,
        20,
    )
    assert Answers.asked == ["/healthz"] * 20
    assert measured.per_second > 0 and 0 < measured.p50_ms <= measured.p95_ms


def test_hammer_reports_the_worst_status_and_a_refused_connection_as_0(http_server):
    host, port = http_server
    Answers.failing = "/works/"

    assert served.hammer(host, port, "/works/", clients=2, requests=4).status == 500
    assert served.get("127.0.0.1", restart.free_port(), "/healthz", timeout=2) == 0
    with pytest.raises(ValueError):
        served.hammer(host, port, "/healthz", clients=1)


def test_rows_give_each_page_as_a_share_of_the_floors_throughput_and_multiples_of_its_times():
    floor = served.Throughput("floor", "/healthz", 200, 1000, 100.0, 10.0, 20.0)
    page = served.Throughput("index", "/works/", 200, 250, 25.0, 40.0, 100.0)

    assert served.rows([floor, page]) == [
        ["floor", "200", "1,000", "100.0", "10.0", "20.0", "1.000", "1.0×", "1.0×"],
        ["index", "200", "250", "25.0", "40.0", "100.0", "0.250", "4.0×", "5.0×"],
    ]
    assert served.markdown_table([floor, page]).splitlines()[0].startswith("| page | status")


def test_the_server_uses_the_callers_database_without_migrating_working_or_rate_limits(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/archive_corpus")
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings")
    monkeypatch.setenv("BENCH", "true")

    env = served.server_environment(tmp_path, workers=3)

    assert env["DATABASE_URL"] == "postgres://postgres@127.0.0.1:5432/archive_corpus"
    assert "DJANGO_SETTINGS_MODULE" not in env and "BENCH" not in env
    assert not any(name.startswith("PYTEST") for name in env)
    assert env["WEB_CONCURRENCY"] == "3"
    assert (env["SERVE_MIGRATE"], env["SERVE_WORKER"], env["RATELIMIT_ENABLE"]) == (
        "false",
        "false",
        "false",
    )
    assert env["SERVE_PIDFILE"].startswith(str(tmp_path))


@pytest.fixture
def served_here(db, http_server, monkeypatch):
    """bench_served measuring the test's server instead of starting `make serve`."""

    @contextlib.contextmanager
    def serve(*, workers):
        yield (*http_server, None)

    monkeypatch.setattr(served, "serve", serve)
    call_command("generate_corpus", "--works", "30", "--seed", "2", verbosity=0)


def run_bench_served(*options):
    out = StringIO()
    call_command(
        "bench_served", "--duration", "0.2", "--warmup", "1", *options, stdout=out, verbosity=0
    )
    return out.getvalue()


def test_bench_served_measures_every_page_against_the_floor_and_writes_markdown(
    served_here, tmp_path
):
    output = tmp_path / "served.md"

    printed = run_bench_served("--output", str(output))

    written = output.read_text()
    for page, url in pages.to_measure():
        assert page in printed and f"| {page} | 200 |" in written
        assert url in Answers.asked
    assert "| floor: /healthz | 200 |" in written and "| 1.000 | 1.0× | 1.0× |" in written
    assert "load average" in written and "gunicorn with 2 workers" in written


def test_bench_served_fails_on_a_server_error_after_measuring_every_page(served_here):
    Answers.failing = "/works/"

    with pytest.raises(CommandError, match="server error"):
        run_bench_served()
    assert "/search/?q=lantern" in Answers.asked  # measured after the failing index


def test_bench_served_refuses_bad_numbers_and_an_empty_database(db):
    with pytest.raises(CommandError, match="--duration"):
        call_command("bench_served", "--duration", "0", verbosity=0)
    with pytest.raises(CommandError, match="generate a corpus first"):
        call_command("bench_served", verbosity=0)
