"""Throughput of the archive's pages as `make serve` serves them: gunicorn with its workers,
DEBUG off, over loopback HTTP, against the database the caller uses.

Several clients ask for one page at a time, as fast as answers come, for a while; each page's
requests per second, p50 and p95 are compared with /healthz's in the same run, so the ratios
hold even when the machine's load makes the times themselves wander. The clients run in the
caller's process, on the same cores as the server: on a small machine they take a share of
the CPU, which lowers every page's throughput alike and /healthz's most.
"""

import contextlib
import http.client
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench import restart
from bench.pages import markdown, percentile, plain


@dataclass
class Throughput:
    """One page under load: the worst status seen, and what the clients got through."""

    page: str
    url: str
    status: int
    requests: int
    per_second: float
    p50_ms: float
    p95_ms: float


def server_environment(workdir, workers):
    """`make serve`'s environment for the run: the caller's database settings kept (the corpus
    is there), no job worker, no rate limits (every client shares one address), plain HTTP,
    and no migration or seed works: the database must be migrated already."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST", "DJANGO"))
        and name not in ("BENCH", "DEBUG", "MAKEFLAGS", "MFLAGS")
    }
    env.update(
        WEB_CONCURRENCY=str(workers),
        SERVE_WORKER="false",
        SERVE_MIGRATE="false",
        RATELIMIT_ENABLE="false",
        SECURE_COOKIES="false",
        SERVE_PIDFILE=str(Path(workdir) / "gunicorn.pid"),
    )
    return env


@contextlib.contextmanager
def serve(*, workers=2, timeout=300):
    """`make serve` on a free loopback port while the block runs; yields (host, port, log)."""
    port = restart.free_port()
    with tempfile.TemporaryDirectory(prefix="bench-served-") as workdir:
        log_path = Path(workdir) / "serve.log"
        with log_path.open("w") as log:
            env = server_environment(workdir, workers)
            server = restart.make("serve", port, env, stdout=log, stderr=subprocess.STDOUT)
            try:
                try:
                    url = f"http://127.0.0.1:{port}/healthz"
                    restart.wait_until_healthy(url, server=server, timeout=timeout)
                except RuntimeError as error:
                    said = log_path.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"{error}; `make serve` said:\n{said}") from None
                yield "127.0.0.1", port, log_path
            finally:
                restart.stop(server)


def get(host, port, path, timeout=60):
    """One GET on a connection of its own (gunicorn's sync workers close each): its status,
    0 when the connection failed."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    except OSError:
        return 0
    finally:
        connection.close()


def hammer(host, port, path, *, clients, duration=None, requests=None, page=""):
    """`clients` threads GET `path` one request after another until `duration` seconds have
    passed or `requests` have been sent, whichever comes first (one of them is needed)."""
    if duration is None and requests is None:
        raise ValueError("hammer needs a duration or a number of requests")
    deadline = None if duration is None else time.monotonic() + duration
    budget = iter(range(requests)) if requests is not None else None
    lock = threading.Lock()
    timings, statuses = [], set()

    def another():
        if deadline is not None and time.monotonic() >= deadline:
            return False
        if budget is None:
            return True
        with lock:
            return next(budget, None) is not None

    def client():
        while another():
            started = time.perf_counter()
            status = get(host, port, path)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                timings.append(elapsed)
                statuses.add(status)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if not timings:
        raise RuntimeError(f"No request to {path} was sent: give a longer duration.")
    # A refused connection (0) is worse than any status.
    worst = 0 if 0 in statuses else max(statuses)
    return Throughput(
        page=page or path,
        url=path,
        status=worst,
        requests=len(timings),
        per_second=len(timings) / seconds,
        p50_ms=percentile(timings, 0.5),
        p95_ms=percentile(timings, 0.95),
    )


COLUMNS = ["page", "status", "requests", "req/s", "p50 ms", "p95 ms", "req/s ÷ floor"]
COLUMNS += ["p50/floor", "p95/floor"]


def rows(measured):
    """Table rows, each page also as a share of the floor's throughput (the first page) and its
    times as multiples of the floor's."""
    floor = measured[0]
    return [
        [
            m.page,
            str(m.status),
            f"{m.requests:,}",
            f"{m.per_second:.1f}",
            f"{m.p50_ms:.1f}",
            f"{m.p95_ms:.1f}",
            f"{m.per_second / floor.per_second:.3f}",
            f"{m.p50_ms / floor.p50_ms:.1f}×",
            f"{m.p95_ms / floor.p95_ms:.1f}×",
        ]
        for m in measured
    ]


def text_table(measured):
    return plain([COLUMNS, *rows(measured)])


def markdown_table(measured):
    return markdown([COLUMNS, *rows(measured)])
