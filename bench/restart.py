"""Restart and reload: how long readers are refused while the archive is restarted or a new
version is deployed. Starts `make serve` on loopback with a SQLite archive of its own, polls
/healthz every 50 ms, then either stops and starts `make serve` again (`--restart`) or runs
`make reload` beside it (the default), and reports the refused and failed polls and the time
until the first 200 after the last failure.

    .venv/bin/python bench/restart.py                 # make reload, nothing changed
    .venv/bin/python bench/restart.py --static-changed # make reload after a static change
    .venv/bin/python bench/restart.py --restart       # stop make serve, start it again
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INTERVAL = 0.05
STAMP = BASE_DIR / "staticfiles" / ".sources.sha256"


@dataclass
class Poll:
    started: float
    seconds: float
    outcome: str  # "200", another status, "refused" or the error's name


@dataclass
class Poller:
    """GETs a URL every 50 ms on a thread of its own until stopped, keeping every outcome."""

    url: str
    timeout: float = 10
    polls: list = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.is_set():
            started = time.monotonic()
            outcome = self._get()
            self.polls.append(Poll(started, time.monotonic() - started, outcome))
            self._stop.wait(max(0.0, INTERVAL - (time.monotonic() - started)))

    def _get(self):
        try:
            with urllib.request.urlopen(self.url, timeout=self.timeout) as answer:
                answer.read()
                return str(answer.status)
        except urllib.error.HTTPError as error:
            return str(error.code)
        except urllib.error.URLError as error:
            if isinstance(error.reason, ConnectionRefusedError):
                return "refused"
            return type(error.reason).__name__
        except OSError as error:
            return type(error).__name__

    def report(self, since):
        """What readers met from `since` (a time.monotonic()) on."""
        polls = [poll for poll in self.polls if poll.started >= since]
        failed = [poll for poll in polls if poll.outcome != "200"]
        last_failure = failed[-1].started if failed else since
        back = next((p for p in polls if p.outcome == "200" and p.started >= last_failure), None)
        return {
            "polls": len(polls),
            "refused": sum(poll.outcome == "refused" for poll in polls),
            "failed": len(failed),
            "outcomes": sorted({poll.outcome for poll in failed}),
            "refused_seconds": _span(failed),
            "slowest_poll_seconds": max((poll.seconds for poll in polls), default=0.0),
            "back_after_seconds": (back.started + back.seconds - since) if back else None,
        }


def _span(failed):
    """Seconds from the first failed poll's start to the last one's end."""
    if not failed:
        return 0.0
    return failed[-1].started + failed[-1].seconds - failed[0].started


def serve_environment(workdir, **extra):
    """`make serve`'s environment for a benchmark or a test: an archive of its own in
    `workdir`, plain HTTP on loopback, and nothing from the caller's database settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST", "DJANGO"))
        and name not in ("DATABASE_URL", "REDIS_URL", "SERVE_MIGRATE", "MAKEFLAGS", "MFLAGS")
    }
    env.update(
        SQLITE_PATH=str(Path(workdir) / "db.sqlite3"),
        JOBS_SQLITE_PATH=str(Path(workdir) / "jobs.sqlite3"),
        SECURE_COOKIES="false",
        SERVE_PIDFILE=str(Path(workdir) / "gunicorn.pid"),
    )
    env.update(extra)
    return env


def make(target, port, env, *, makefile="Makefile", **popen):
    """`make TARGET` on loopback PORT, in a process group of its own (for `stop`)."""
    command = ["make", "-f", makefile, "--no-print-directory", target]
    command += ["HOST=127.0.0.1", f"PORT={port}"]
    return subprocess.Popen(command, cwd=BASE_DIR, env=env, start_new_session=True, **popen)


def wait_until_healthy(url, *, server, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"`make serve` stopped with status {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(INTERVAL)
    raise RuntimeError(f"{url} did not answer 200 within {timeout} s")


def stop(server):
    """Stop `make serve` and what it started (gunicorn, the job worker): its own process
    group, by id."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restart", action="store_true", help="Stop and start `make serve`.")
    parser.add_argument(
        "--static-changed",
        action="store_true",
        help="Forget the static files' stamp first, as after a change to them.",
    )
    parser.add_argument(
        "--makefile", default="Makefile", help="Another version's Makefile, to compare."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="restart-") as workdir:
        log_path = Path(workdir) / "serve.log"
        with open(log_path, "w") as log:
            bench = Bench(args.makefile, serve_environment(workdir), log)
            try:
                print(bench.run(restart=args.restart, static_changed=args.static_changed))
            finally:
                bench.stop()


class Bench:
    """`make serve` on a free port, polled while it is restarted or reloaded."""

    def __init__(self, makefile, env, log):
        self.makefile, self.env, self.log = makefile, env, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/healthz"
        self.server = self._make("serve")

    def run(self, *, restart, static_changed):
        wait_until_healthy(self.url, server=self.server, timeout=300)
        poller = Poller(self.url).start()
        time.sleep(1)
        if static_changed:
            STAMP.unlink(missing_ok=True)
        started = time.monotonic()
        if restart:
            stop(self.server)
            self.server = self._make("serve")
            wait_until_healthy(self.url, server=self.server, timeout=300)
        else:
            reload = self._make("reload")
            if reload.wait(timeout=300) != 0:
                raise RuntimeError(f"`make reload` failed with status {reload.returncode}")
        took = time.monotonic() - started
        time.sleep(3)  # the new workers take over after the signal
        poller.stop()
        report = poller.report(started)
        what = "stop, then `make serve`" if restart else "`make reload`"
        return f"{what} took {took:.1f} s; while it ran: " + ", ".join(
            f"{name} {value:.2f}" if isinstance(value, float) else f"{name} {value}"
            for name, value in report.items()
        )

    def stop(self):
        stop(self.server)

    def _make(self, target):
        return make(
            target,
            self.port,
            self.env,
            makefile=self.makefile,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )


if __name__ == "__main__":
    sys.exit(main())
