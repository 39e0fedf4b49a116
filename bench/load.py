"""Load and faults: many signed-in readers read, filter, search, consent, leave kudos and
bookmark against `make serve` on PostgreSQL, on loopback, for a bounded time; afterwards
every write the server confirmed must be in the database, and every counter must agree.

    make load      # 64 readers for 60 s against a 10,000-work corpus in archive_load
    make faults    # the same, with PostgreSQL stopped for a few seconds in the middle
    make load-replica  # the same load twice: the primary alone, then reads routed to a
                       # streaming replica (scripts/replica.sh), with the replica's lag

The phases that use Django (prepare, check) run in child processes of their own: locust
patches the standard library for gevent when it is imported, and the ORM stays out of that.
"""

import argparse
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/archive_load"
PASSWORD = "load-test-password-not-for-humans"
# Bookmark tags are shared between readers, so their first uses race to create them.
BOOKMARK_TAGS = ["to reread", "comfort read", "favourite", "slow burn", "finished", "gift"]
FILTERS = [
    {"rating": "teen"},
    {"rating": "general", "sort": "kudos"},
    {"warning": "no-warnings", "complete": "yes"},
    {"exclude_rating": "explicit", "sort": "words"},
    {"words_from": "5000", "words_to": "50000", "sort": "hits"},
    {"category": "f/f", "sort": "bookmarks"},
]
INTERSTITIAL = 'class="interstitial"'
CPU_KINDS = ["app server", "PostgreSQL", "load generator"]
CHAPTER_TEXT = 'class="userstuff"'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL"))
    parser.add_argument("--works", type=int, default=10_000, help="Corpus size if none yet.")
    parser.add_argument("--clients", type=int, default=64, help="Concurrent signed-in readers.")
    parser.add_argument("--duration", type=float, default=60, help="Seconds of measured load.")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 4)))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis-url", default="", help="Serve with this REDIS_URL.")
    parser.add_argument("--timeout", type=float, default=30, help="Client timeout in seconds.")
    parser.add_argument("--faults", action="store_true", help="Take the database away mid-run.")
    parser.add_argument("--outage", type=float, default=8, help="Seconds the database is away.")
    parser.add_argument(
        "--outage-kind",
        choices=["stop", "refuse"],
        default="stop",
        help="stop: stop and start the machine's PostgreSQL; refuse: cut and refuse connections "
        "to the load database only (safe where others share the server)",
    )
    parser.add_argument(
        "--replica",
        choices=["off", "on", "compare"],
        default="off",
        help="on: serve with reads routed to the streaming replica on REPLICA_PORT (made and "
        "started by scripts/replica.sh); compare: run the load on the primary alone, then so",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--phase", choices=["prepare", "check"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.database_url = args.database_url or DEFAULT_DATABASE_URL
    if args.phase == "prepare":
        prepare(args)
    elif args.phase == "check":
        check(args)
    elif args.replica == "compare":
        sys.exit(compare_replica(args))
    else:
        sys.exit(orchestrate(args)[0])


# Orchestration: prepare, serve, load, stop, check, report.


def orchestrate(args):
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("The load test runs against PostgreSQL: give a postgres:// --database-url.")
    if args.faults and args.outage > 15:
        sys.exit("Keep the outage under 15 seconds: the PostgreSQL server is shared.")
    workdir = Path(tempfile.mkdtemp(prefix="archive-load-"))
    args.workdir = workdir
    print(f"Preparing {args.database_url} (logs and results in {workdir})", flush=True)
    _child_phase(args, "prepare")
    if args.replica == "on":
        subprocess.run([str(BASE_DIR / "scripts" / "replica.sh"), "start"], check=True)
    plan = json.loads((workdir / "plan.json").read_text())
    server = _start_server(args, workdir / "server.log")
    try:
        _wait_until_healthy(args.port, timeout=300, server=server)
        print(f"Serving with {args.workers} workers; {args.clients} readers log in", flush=True)
        result = run_load(args, plan, server_group=server.pid)
    finally:
        _stop_server(server)
        if args.faults:
            _bring_database_back(args)
    (workdir / "ledger.json").write_text(json.dumps(result.pop("ledger")))
    _child_phase(args, "check")
    checked = json.loads((workdir / "checked.json").read_text())
    server_log = _read_server_log(workdir / "server.log")
    report = {**result, "plan": plan["facts"], "checked": checked, "server": server_log}
    (workdir / "report.json").write_text(json.dumps(report, indent=2))
    print(markdown_report(args, report))
    mismatches = json.loads((workdir / "mismatches.json").read_text())
    if mismatches:
        print(f"\nBookmarks not as the form sent them:\n{json.dumps(mismatches[:5], indent=1)}")
    return (0 if verdict(args, report) else 1), report


def compare_replica(args):
    """The same load on the primary alone, then with reads routed to the replica, and both
    side by side: requests per second and p95 of each kind of request."""
    results, lag = {}, []
    for mode in ("off", "on"):
        args.replica = mode
        print(f"\n## Replica {mode}\n", flush=True)
        code, report = orchestrate(args)
        if code:
            return code
        rows = summarise(report["records"], report["started"], args.duration)
        results[mode] = {row["name"]: row for row in rows}
        lag = report["replica_lag"]
    print("\n## Primary alone beside primary + replica\n")
    print("| requests | per second, primary | per second, + replica | p95 ms | p95 ms, + replica |")
    print("|---|--:|--:|--:|--:|")
    for name, alone in results["off"].items():
        if routed := results["on"].get(name):
            print(
                f"| {name} | {alone['per_second']:.1f} | {routed['per_second']:.1f} "
                f"| {alone['p95']:.0f} | {routed['p95']:.0f} |"
            )
    print(f"\nReplica replay lag during the load: {_lag_line(lag)}.")
    return 0


def _lag_line(lag):
    if not lag:
        return "not sampled"
    ordered = [seconds * 1000 for seconds in sorted(lag)]
    p50, p95 = _percentile(ordered, 0.5), _percentile(ordered, 0.95)
    return (
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {ordered[-1]:.0f} ms over {len(ordered)} samples"
    )


def _child_phase(args, phase):
    command = [sys.executable, __file__, "--phase", phase, "--workdir", str(args.workdir)]
    command += ["--database-url", args.database_url, "--works", str(args.works)]
    command += ["--clients", str(args.clients), "--seed", str(args.seed)]
    subprocess.run(command, check=True, cwd=BASE_DIR, env=_django_env(args))


def _django_env(args):
    env = {**os.environ, "DATABASE_URL": args.database_url}
    env.setdefault("SECRET_KEY", _secret_key())
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return env


def _secret_key():
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        subprocess.run(["make", ".secret_key"], cwd=BASE_DIR, check=True)
    return path.read_text().strip()


def _start_server(args, log_path):
    # Every client shares one address on loopback, which the rate limits would rightly
    # take for one abuser: they are switched off for the load test only.
    env = {**_django_env(args), "WEB_CONCURRENCY": str(args.workers), "RATELIMIT_ENABLE": "false"}
    if args.replica == "on":
        env["REPLICA_DATABASE_URL"] = _replica_url(args)
    command = ["make", "--no-print-directory", "serve", "HOST=127.0.0.1", f"PORT={args.port}"]
    log = log_path.open("w")
    return subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _replica_url(args):
    """The load database's URL on the replica: the same host, user and name, its port."""
    primary = urlsplit(args.database_url)
    netloc = primary.netloc.rsplit("@", 1)[0] + "@" if "@" in primary.netloc else ""
    netloc += f"{primary.hostname}:{os.environ.get('REPLICA_PORT', '5433')}"
    return urlunsplit(primary._replace(netloc=netloc))


def _replica_lag(args):
    """Seconds the replica's replay is behind the primary, as the primary sees it (0 when
    it has replayed everything sent)."""
    server = args.database_url.rsplit("/", 1)[0]
    command = [
        "psql",
        f"{server}/postgres",
        "-qAtc",
        "SELECT COALESCE(EXTRACT(EPOCH FROM replay_lag), 0) FROM pg_stat_replication "
        "WHERE application_name = 'archive_replica'",
    ]
    answer = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    try:
        return float(answer.stdout.strip().splitlines()[0])
    except (ValueError, IndexError):
        return None


def _wait_until_healthy(port, *, timeout, server):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"`make serve` stopped with status {server.returncode}; see its log.")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"The server did not answer /healthz within {timeout} s.")


def _stop_server(server):
    """Stop `make serve` and the gunicorn it started: its own process group, by id."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _read_server_log(path):
    """What the server said: statuses from the request log, worker timeouts, tracebacks."""
    statuses, events = Counter(), Counter()
    worker_timeouts = tracebacks = 0
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if "status" in entry:
                statuses[str(entry["status"])] += 1
            elif "event" in entry:
                events[entry["event"]] += 1
        elif "WORKER TIMEOUT" in line:
            worker_timeouts += 1
        elif line.startswith("Traceback"):
            tracebacks += 1
    return {
        "statuses": dict(statuses),
        "events": dict(events),
        "worker_timeouts": worker_timeouts,
        "tracebacks": tracebacks,
    }


# Prepare (Django): the database, the corpus, the readers, and what the clients may ask for.


def _setup_django():
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # generate_corpus is a command of the development-only bench app, and DEBUG is off here.
    os.environ["BENCH"] = "true"
    import django

    django.setup()


def prepare(args):
    _create_database(args.database_url)
    _setup_django()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db.models import Count

    from accounts.models import Reader
    from archive.models import Tag, Work
    from bench import pages
    from bench.corpus import PREFIX, SEARCH_WORD

    call_command("migrate", verbosity=0)
    if not Work.objects.filter(creator_name__startswith=PREFIX).exists():
        print(f"Generating a corpus of {args.works:,} works (a few minutes)", flush=True)
        call_command("generate_corpus", works=args.works, seed=args.seed, verbosity=0)
    # Readers of this run only, so the check can tell their writes from every earlier run's.
    run = time.strftime("%Y%m%d%H%M%S")
    password = make_password(PASSWORD)  # hashed once: hashing is slow on purpose
    names = [f"load-{run}-{number:03}" for number in range(args.clients)]
    Reader.objects.bulk_create(Reader(username=name, password=password) for name in names)
    rng = random.Random(args.seed)
    posted = list(Work.objects.posted().filter(chapter_count__gte=1).values_list("pk", flat=True))
    sample = rng.sample(posted, min(2000, len(posted)))
    rank = {pk: number for number, pk in enumerate(sample)}
    works = [
        {"id": work.pk, "chapters": work.chapter_count, "items": work.consent_items()}
        for work in Work.objects.filter(pk__in=sample).prefetch_related("warnings")
    ]
    tags = Tag.objects.annotate(uses=Count("tagged_works")).order_by("-uses")
    plan = {
        "run": run,
        "readers": names,
        "password": PASSWORD,
        "works": sorted(works, key=lambda work: rank[work["id"]]),
        "tag_slugs": [tag.slug for tag in tags[:200]],
        "fandoms": [tag.name for tag in tags.filter(kind="fandom")[:20]],
        "search_words": [SEARCH_WORD, "river", "letter", "storm", "garden", "lantern light"],
        "bookmark_tags": BOOKMARK_TAGS + [f"load run {run}"],
        "facts": {**pages.machine(), **pages.database(), **pages.corpus()},
    }
    (args.workdir / "plan.json").write_text(json.dumps(plan))


def _create_database(url):
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    params = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
        name = config["NAME"]
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not found.fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


# Load (locust): the readers, the traffic, and a ledger of every write and what it got back.


def run_load(args, plan, *, server_group):
    import gevent
    from gevent.event import Event
    from gevent.lock import BoundedSemaphore
    from locust import FastHttpUser, constant, task
    from locust.env import Environment

    records, ledger = [], []
    readers = list(plan["readers"])
    logged_in, login_failures, start = [], [], Event()
    # Logging in is slow on purpose (password hashing): readers take turns, as many at once
    # as there are workers, so that none waits past the timeout; the measurement starts once
    # every one of them is in.
    login_turns = BoundedSemaphore(args.workers)
    rng = random.Random(args.seed)
    works = plan["works"]
    # A Zipf-like choice, so that many readers write to the same popular works at once.
    hot = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(works))))

    def choose_work():
        return rng.choices(works, cum_weights=hot)[0]

    class LoadReader(FastHttpUser):
        host = f"http://127.0.0.1:{args.port}"
        wait_time = constant(0)
        network_timeout = connection_timeout = args.timeout

        def on_start(self):
            self.username = readers.pop()
            self.consented, self.maybe_consented = set(), set()
            with login_turns:
                self.client.get("/login/", name="login form")
                form = {"username": self.username, "password": plan["password"]}
                with self._request("POST", "/login/", "login", form) as answer:
                    if _location(answer) != "/works/":
                        answer.failure(f"login answered {answer.status_code}")
                        login_failures.append(f"{answer.status_code} {answer.error}")
            logged_in.append(self.username)
            if len(logged_in) == args.clients:
                start.set()
            start.wait()

        @task(20)
        def index(self):
            self._get(f"/works/?page={rng.randint(1, 25)}", name="index")

        @task(12)
        def filtered_index(self):
            query = dict(rng.choice(FILTERS))
            if rng.random() < 0.3:
                query["tag"] = rng.choice(plan["fandoms"])
            self._get("/works/?" + urlencode(query), name="filtered index")

        @task(10)
        def tag_page(self):
            self._get(f"/tags/{rng.choice(plan['tag_slugs'])}/", name="tag page")

        @task(8)
        def search(self):
            self._get("/search/?" + urlencode({"q": rng.choice(plan["search_words"])}), "search")

        @task(25)
        def read_chapter(self):
            work = rng.choice(works)
            if self._through_gate(work):
                position = rng.randint(1, work["chapters"])
                path = f"/works/{work['id']}/chapters/{position}/"
                self._get(path, name="chapter", must_contain=CHAPTER_TEXT)

        @task(8)
        def leave_kudos(self):
            work = choose_work()
            if not self._through_gate(work):
                return
            entry = self._ledger("kudos", work["id"])
            with self._request(
                "POST",
                f"/works/{work['id']}/kudos/",
                "kudos",
                data={},
                headers={"Accept": "application/json"},
            ) as answer:
                if answer.status_code == 200:
                    entry["outcome"] = "created" if answer.json()["created"] else "already"
                else:
                    entry["outcome"] = _uncertain_or_refused(answer.status_code)
                    answer.failure(f"kudos answered {answer.status_code}")

        @task(6)
        def bookmark(self):
            work = choose_work()
            tags = sorted(rng.sample(plan["bookmark_tags"], rng.randint(0, 3)))
            notes = f"{self.username} note {rng.randrange(10**6)}"
            # A comma after every tag: taggit splits a list without commas at its spaces,
            # so a lone "slow burn" would be saved as "slow" and "burn".
            form = {"notes": notes, "tags": "".join(f"{tag}, " for tag in tags)}
            private, recommend = rng.random() < 0.2, rng.random() < 0.3
            form.update({"private": "on"} if private else {})
            form.update({"recommend": "on"} if recommend else {})
            entry = self._ledger(
                "bookmark", work["id"], tags=tags, private=private, notes=form["notes"]
            )
            with self._request(
                "POST", f"/works/{work['id']}/bookmark/", "bookmark", data=form
            ) as answer:
                if answer.status_code == 302 and _location(answer) == "/bookmarks/":
                    entry["outcome"] = "saved"
                else:
                    entry["outcome"] = _uncertain_or_refused(answer.status_code)
                    answer.failure(f"bookmark answered {answer.status_code}")

        def _through_gate(self, work):
            """Pass the work's interstitial the way a person does, once per work."""
            if not work["items"] or work["id"] in self.consented:
                return True
            path = f"/works/{work['id']}/chapters/1/"
            with self._request("GET", path, "interstitial") as answer:
                if answer.status_code != 200:
                    answer.failure(f"answered {answer.status_code}")
                    return False
                if CHAPTER_TEXT in answer.text and work["id"] in self.maybe_consented:
                    self.consented.add(work["id"])  # an unanswered consent had been saved
                    return True
                if INTERSTITIAL not in answer.text:
                    answer.failure("text shown before consent")
                    return False
            data = [("items", item) for item in work["items"]] + [("next", path)]
            with self._request("POST", f"/works/{work['id']}/consent/", "consent", data) as answer:
                if answer.status_code == 302 and _location(answer) == path:
                    self.consented.add(work["id"])
                    return True
                self.maybe_consented.add(work["id"])
                answer.failure(f"consent answered {answer.status_code}")
                return False

        def _get(self, path, name, *, must_contain=None):
            with self._request("GET", path, name) as answer:
                if answer.status_code != 200:
                    answer.failure(f"answered {answer.status_code}")
                elif must_contain and must_contain not in answer.text:
                    answer.failure(f"answered without {must_contain}")

        def _post(self, path, data, *, name):
            with self._request("POST", path, name, data) as answer:
                if answer.status_code != 302:
                    answer.failure(f"answered {answer.status_code}")

        def _request(self, method, path, name, data=None, headers=None):
            headers = dict(headers or {})
            if method == "POST":
                pairs = list(data.items()) if isinstance(data, dict) else list(data)
                pairs.append(("csrfmiddlewaretoken", self._csrf_token()))
                data = urlencode(pairs)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            return self.client.request(
                method,
                path,
                name=name,
                data=data,
                headers=headers,
                allow_redirects=False,
                catch_response=True,
            )

        def _csrf_token(self):
            # Django accepts the cookie's secret itself as the form's token.
            return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

        def _ledger(self, kind, work_id, **fields):
            # Written before the request is sent: a request cut off by the end of the run
            # stays "pending", which the check treats like a 503 (it may or may not be saved).
            entry = {"kind": kind, "reader": self.username, "work": work_id, **fields}
            entry["outcome"] = "pending"
            ledger.append(entry)
            return entry

    def on_request(name, response_time, response, exception, start_time, **kwargs):
        status = getattr(response, "status_code", 0) or 0
        failure = None if exception is None else f"{type(exception).__name__}: {exception}"
        records.append((start_time, response_time, name, status, failure))

    environment = Environment(user_classes=[LoadReader], stop_timeout=args.timeout + 5)
    environment.events.request.add_listener(on_request)
    runner = environment.create_local_runner()
    runner.start(args.clients, spawn_rate=args.clients)
    if not start.wait(timeout=600) or login_failures:
        runner.quit()
        print(f"Login failures: {Counter(login_failures)}")
        sys.exit(f"{len(logged_in) - len(login_failures)} of {args.clients} readers logged in.")
    started, busy = time.time(), os.getloadavg()[0]
    print(f"All logged in; measuring for {args.duration:.0f} s", flush=True)
    meter = CpuMeter(server_group, args.database_url.rsplit("/", 1)[1])
    metering = gevent.spawn(meter.run)
    outage = {}
    if args.faults:
        outage_greenlet = gevent.spawn_later(args.duration / 3, _outage, args, outage)
    lag = []
    if args.replica == "on":
        lagging = gevent.spawn(_sample_lag, args, lag)
    gevent.sleep(args.duration)
    if args.replica == "on":
        lagging.kill()
    metering.kill()
    meter.sample()
    runner.quit()
    stopped = time.time()
    if args.faults:
        outage_greenlet.join()
    return {
        "started": started,
        "stopped": stopped,
        "records": records,
        "ledger": ledger,
        "outage": outage,
        "replica_lag": lag,
        "load_average": busy,
        "cpu_seconds": meter.used(),
    }


def _sample_lag(args, samples):
    import gevent

    while True:
        seconds = _replica_lag(args)
        if seconds is not None:
            samples.append(seconds)
        gevent.sleep(1)


class CpuMeter:
    """CPU seconds used during the run by the app server's processes, the load database's
    PostgreSQL backends and this load generator, read from /proc: what requests cost, whatever
    else the machine is running."""

    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_group, database):
        self.server_group = server_group
        self.backend = f" {database} ".encode()
        self.first, self.last = {}, {}
        self.generator = self._own_cpu()
        self.sample()
        self.first = dict(self.last)  # processes born later started from nothing

    def run(self):
        import gevent

        while True:
            gevent.sleep(0.5)
            self.sample()

    def sample(self):
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                command = (stat.parent / "cmdline").read_bytes()
            except OSError:
                continue  # the process ended
            if int(fields[2]) == self.server_group:
                kind = "app server"
            elif command.startswith(b"postgres: ") and self.backend in command:
                kind = "PostgreSQL"
            else:
                continue
            self.last[kind, stat.parent.name] = (int(fields[11]) + int(fields[12])) / self.TICKS

    def used(self):
        used = Counter()
        for key, seconds in self.last.items():
            used[key[0]] += seconds - self.first.get(key, 0)
        used["load generator"] = self._own_cpu() - self.generator
        return dict(used)

    @staticmethod
    def _own_cpu():
        times = os.times()
        return times.user + times.system


def _location(answer):
    return (answer.headers or {}).get("location")


def _uncertain_or_refused(status):
    """A 5xx or no answer may or may not have been saved; any other answer must not be."""
    return "uncertain" if status == 0 or status >= 500 else "refused"


def _outage(args, outage):
    """Take the database away, wait, bring it back: always brought back."""
    import gevent

    outage["stopping"] = time.time()
    try:
        _take_database_away(args)
        outage["stopped"] = time.time()
        print(f"Database away ({args.outage_kind}); back in {args.outage:.0f} s", flush=True)
        gevent.sleep(args.outage)
    finally:
        outage["starting"] = time.time()
        _bring_database_back(args)
        outage["started"] = time.time()
        print("Database back", flush=True)


def _take_database_away(args):
    if args.outage_kind == "stop":
        _postgres_control("stop").check_returncode()
    else:
        _psql(args, 'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        _psql(
            args,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )


def _bring_database_back(args):
    """Whatever happened to the run, leave the database serving."""
    if args.outage_kind == "stop":
        if _postgres_control("status").returncode != 0:
            _postgres_control("start").check_returncode()
    else:
        _psql(args, 'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def _postgres_control(action):
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action]
    return subprocess.run(command, timeout=60, check=False)


def _psql(args, statement):
    """Run a statement about the load database from the server's maintenance database."""
    server, name = args.database_url.rsplit("/", 1)
    command = ["psql", f"{server}/postgres", "-qAtc", statement.format(name=name)]
    subprocess.run(command, check=True, timeout=30, capture_output=True)


# Check (Django): every confirmed write is in the database, and nothing is half written.


def check(args):
    _setup_django()
    from archive.models import Bookmark, Chapter, Kudos, Work

    ledger = json.loads((args.workdir / "ledger.json").read_text())
    plan = json.loads((args.workdir / "plan.json").read_text())
    readers = plan["readers"]
    kudos_rows = set(
        Kudos.objects.filter(reader__username__in=readers).values_list("reader__username", "work")
    )
    bookmark_rows = {
        (b.reader.username, b.work_id): (sorted(t.name for t in b.tags.all()), b.private, b.notes)
        for b in Bookmark.objects.filter(reader__username__in=readers)
        .select_related("reader")
        .prefetch_related("tags")
    }
    mismatches = []
    checked = {
        **_check_kudos(ledger, kudos_rows),
        **_check_bookmarks(ledger, bookmark_rows, mismatches),
        "works with kudos_count unlike their kudos": _miscounted(Work, "kudos_count", Kudos),
        "works with public_bookmark_count unlike their public bookmarks": _miscounted(
            Work, "public_bookmark_count", Bookmark.objects.filter(private=False)
        ),
        "works with chapter_count unlike their chapters": _miscounted(
            Work, "chapter_count", Chapter
        ),
    }
    (args.workdir / "checked.json").write_text(json.dumps(checked))
    (args.workdir / "mismatches.json").write_text(json.dumps(mismatches, indent=1))


def _check_kudos(ledger, rows):
    entries = [entry for entry in ledger if entry["kind"] == "kudos"]
    created = Counter((e["reader"], e["work"]) for e in entries if e["outcome"] == "created")
    unsure = {(e["reader"], e["work"]) for e in entries if e["outcome"] in ("uncertain", "pending")}
    return {
        "kudos confirmed": sum(created.values()),
        "kudos confirmed twice": sum(1 for count in created.values() if count > 1),
        "kudos uncertain (5xx, no answer)": len(unsure),
        "kudos rows of these readers": len(rows),
        "kudos lost": len(set(created) - rows),
        "kudos saved though refused": len(rows - set(created) - unsure),
    }


def _check_bookmarks(ledger, rows, mismatches):
    """Each bookmark must be as its last confirmed save left it (or as a later unanswered
    save would have left it); one that was never confirmed may only come from an unanswered save."""
    attempts = defaultdict(list)
    for entry in ledger:
        if entry["kind"] == "bookmark":
            attempts[entry["reader"], entry["work"]].append(entry)
    saves = lost = unexplained = 0
    for key, tries in attempts.items():
        confirmed = [i for i, entry in enumerate(tries) if entry["outcome"] == "saved"]
        saves += len(confirmed)
        since = tries[confirmed[-1] :] if confirmed else []
        unsure = [e for e in tries if e["outcome"] in ("uncertain", "pending")]
        allowed = [e for e in since if e["outcome"] != "refused"] if confirmed else unsure
        states = {(e["tags"], e["private"], e["notes"]) for e in map(_state, allowed)}
        row = rows.get(key)
        row = row and (tuple(row[0]), row[1], row[2])
        if confirmed and row not in states:
            lost += 1
        elif not confirmed and row is not None and row not in states:
            unexplained += 1
        else:
            continue
        mismatches.append({"bookmark": key, "in the database": row, "attempts": tries})
    unexplained += len(set(rows) - set(attempts))
    return {
        "bookmark saves confirmed": saves,
        "bookmarks of these readers": len(rows),
        "bookmarks lost or not as last saved": lost,
        "bookmarks saved though refused": unexplained,
    }


def _state(entry):
    return {**entry, "tags": tuple(entry["tags"])}


def _miscounted(model, field, related):
    from django.db.models import Count, F, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    rows = related if hasattr(related, "filter") else related.objects
    counted = (
        rows.filter(work=OuterRef("pk")).order_by().values("work").annotate(n=Count("pk"))
    ).values("n")
    actual = Coalesce(Subquery(counted), 0)
    return model.objects.annotate(actual=actual).exclude(**{field: F("actual")}).count()


# Report.


def summarise(records, since, seconds):
    """Percentiles and failures of the requests made once every reader was in; throughput
    counts the answers that arrived within the measured seconds."""
    chosen = [r for r in records if r[0] >= since]
    by_name = defaultdict(list)
    for record in chosen:
        by_name[record[2]].append(record)
    rows = [_row("all", chosen, since, seconds)]
    rows += [_row(name, group, since, seconds) for name, group in sorted(by_name.items())]
    return rows


def _row(name, records, since, seconds):
    timings = sorted(r[1] for r in records)
    failures = Counter(_failure_kind(r) for r in records if r[4])
    answered = sum(1 for r in records if r[0] + r[1] / 1000 <= since + seconds)
    return {
        "name": name,
        "requests": len(records),
        "per_second": answered / seconds,
        "p50": _percentile(timings, 0.50),
        "p95": _percentile(timings, 0.95),
        "p99": _percentile(timings, 0.99),
        "max": timings[-1] if timings else 0,
        "failures": dict(failures),
    }


def _failure_kind(record):
    status = record[3]
    return f"HTTP {status}" if status else record[4].split(":")[0]


def _percentile(timings, share):
    if not timings:
        return 0
    return timings[max(0, int(-(-share * len(timings) // 1)) - 1)]


def fault_phases(records, outage, grace=5.0):
    """Requests before the outage, overlapping it, during the grace after it, and after."""
    down, up = outage["stopping"], outage["started"]
    phases = defaultdict(list)
    for record in records:
        begin, end = record[0], record[0] + record[1] / 1000
        if end < down:
            phases["before"].append(record)
        elif begin <= up:
            phases["during"].append(record)
        elif begin <= up + grace:
            phases["recovering"].append(record)
        else:
            phases["after"].append(record)
    return phases


def verdict(args, report):
    checked = report["checked"]
    lost = (
        checked["kudos lost"]
        + checked["kudos confirmed twice"]
        + checked["kudos saved though refused"]
        + checked["bookmarks lost or not as last saved"]
        + checked["bookmarks saved though refused"]
        + sum(value for key, value in checked.items() if key.startswith("works with"))
    )
    records = [r for r in report["records"] if report["started"] <= r[0]]
    if not args.faults:
        return lost == 0 and not any(r[4] for r in records)
    phases = fault_phases(records, report["outage"])
    clean_outage = all(r[3] == 503 for r in phases["during"] if r[4])
    return (
        lost == 0
        and clean_outage
        and any(r[3] == 503 for r in phases["during"])
        and not any(r[4] for r in phases["before"] + phases["after"])
        and bool(phases["after"])
        and "500" not in report["server"]["statuses"]
    )


def markdown_report(args, report):
    facts, checked, server = report["plan"], report["checked"], report["server"]
    seconds = args.duration
    lines = [
        f"Machine: {facts['CPUs']} CPUs ({facts['CPU model']}), {facts['memory']}, "
        f"{facts['system']}, Python {facts['Python']}, Django {facts['Django']}.",
        f"Database: {facts['database']} ({facts['database size']}); corpus of "
        f"{facts['works']:,} works, {facts['chapters']:,} chapters, {facts['kudos']:,} kudos, "
        f"{facts['bookmarks']:,} bookmarks.",
        f"Server: `make serve`, gunicorn with {args.workers} sync workers, DEBUG off, "
        f"{'Redis cache and sessions' if args.redis_url else 'database sessions, no Redis'}, "
        f"{'GET reads routed to the streaming replica' if args.replica == 'on' else 'no replica'}, "
        "rate limits off; load generator (locust, FastHttpUser) on the same machine.",
        f"Load: {args.clients} signed-in readers, no think time, {seconds:.0f} s measured "
        f"after all logged in; client timeout {args.timeout:.0f} s; the machine's load "
        f"average was {report['load_average']:.1f} as the measurement began.",
        "",
        "| requests | per second | p50 ms | p95 ms | p99 ms | max ms | failures |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = summarise(report["records"], report["started"], seconds)
    for row in rows:
        lines.append(
            f"| {row['name']}: {row['requests']:,} | {row['per_second']:.1f} | {row['p50']:.0f} "
            f"| {row['p95']:.0f} | {row['p99']:.0f} | {row['max']:.0f} "
            f"| {_failures(row['failures'])} |"
        )
    lines += _cpu_lines(rows[0], seconds, report["cpu_seconds"])
    if args.replica == "on":
        lines += ["", f"Replica replay lag during the load: {_lag_line(report['replica_lag'])}."]
    if args.faults:
        lines += _fault_lines(args, report)
    lines += ["", "| write check | count |", "|---|---|"]
    lines += [f"| {key} | {value:,} |" for key, value in checked.items()]
    lines += [
        "",
        f"Server log: statuses {json.dumps(server['statuses'], sort_keys=True)}, "
        f"events {json.dumps(server['events'])}, worker timeouts {server['worker_timeouts']}, "
        f"tracebacks {server['tracebacks']}.",
    ]
    return "\n".join(lines)


def _cpu_lines(total, seconds, cpu):
    answered = total["per_second"] * seconds
    if not answered:
        return []
    each = {kind: cpu.get(kind, 0) * 1000 / answered for kind in CPU_KINDS}
    serving = each["app server"] + each["PostgreSQL"]
    return [
        "",
        "CPU per answered request: "
        + ", ".join(f"{kind} {ms:.0f} ms" for kind, ms in each.items())
        + f". At that cost, {os.cpu_count()} cores given to the app server and PostgreSQL "
        f"alone would answer about {os.cpu_count() * 1000 / serving:.0f} requests a second.",
    ]


def _fault_lines(args, report):
    outage = report["outage"]
    records = [r for r in report["records"] if r[0] >= report["started"]]
    phases = fault_phases(records, outage)
    after_start = [r for r in records if r[0] > outage["started"] and not r[4]]
    first_success = min((r[0] for r in after_start), default=None)
    how = {
        "stop": "PostgreSQL stopped (pg_ctlcluster stop, fast mode) and started again",
        "refuse": "connections to the load database cut and refused, then allowed again",
    }[args.outage_kind]
    lines = [
        "",
        f"Outage: {how}, from {outage['stopping'] - report['started']:.1f} s into the run; "
        f"taking it away took {outage['stopped'] - outage['stopping']:.1f} s, it stayed away "
        f"{outage['starting'] - outage['stopped']:.1f} s, bringing it back took "
        f"{outage['started'] - outage['starting']:.1f} s. "
        + (
            f"First success {first_success - outage['started']:.2f} s after it was back."
            if first_success
            else "No success after it was back."
        ),
        "",
        "| phase | requests | failures | slowest ms |",
        "|---|---|---|---|",
    ]
    for phase in ["before", "during", "recovering", "after"]:
        group = phases[phase]
        failures = Counter(_failure_kind(r) for r in group if r[4])
        slowest = max((r[1] for r in group), default=0)
        lines.append(f"| {phase} | {len(group):,} | {_failures(failures)} | {slowest:.0f} |")
    return lines


def _failures(failures):
    return ", ".join(f"{count:,} × {kind}" for kind, count in sorted(failures.items())) or "0"


if __name__ == "__main__":
    main()
