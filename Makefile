# The README's two commands: `make run` and `make test`. Everything they need installs itself.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Local development serves with DEBUG on unless the environment says otherwise.
DEV_ENV := DEBUG=$${DEBUG:-true}
HOST ?= 127.0.0.1
PORT ?= 8000
# The rich-text editor's files from npm (below); the source maps come too, since
# collectstatic's manifest follows the scripts' references to them.
EDITOR_FILES := $(addprefix static/vendor/quill/,quill.js quill.js.map quill.js.LICENSE.txt \
	quill.snow.css quill.snow.css.map)

.PHONY: install install-serve run serve worker migrate createsuperuser test lint format fixtures load faults load-replica replica replica-stop clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)

# Serving installs only what serving needs; the test, lint and load tools (Playwright,
# Locust, Hypothesis, ruff: most of the environment) come with `make test` or `make install`.
$(VENV)/.installed-serve: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e . -c constraints.txt
	touch $@

$(VENV)/.installed: $(VENV)/.installed-serve
	$(BIN)/python -m pip install --quiet -e '.[dev]' -c constraints.txt
	touch $@

install-serve: $(VENV)/.installed-serve $(EDITOR_FILES)
install: $(VENV)/.installed $(EDITOR_FILES)

# The job worker (alerts, email, counters) runs beside the server and stops with it: told
# to stop (SIGTERM), it finishes its running jobs for up to JOBS_SHUTDOWN_SECONDS and hands
# back the rest to the queue, and the target waits for that, leaving nothing running.
WORKER_CMD = $(BIN)/python manage.py run_huey --workers $${JOB_WORKERS:-2} --worker-type thread
WITH_WORKER = $(WORKER_CMD) & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM;

run: install-serve
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py load_seed_works
	$(DEV_ENV) $(WITH_WORKER) $(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production-style serving: gunicorn, DEBUG off, compressed and hashed static files from
# WhiteNoise. Without SECRET_KEY a key is made once and kept in .secret_key (git-ignored).
# Cookies are Secure (HTTPS only) unless SECURE_COOKIES=false, as for plain HTTP on loopback.
SERVE_ENV := DEBUG=false SECRET_KEY=$${SECRET_KEY:-$$(cat .secret_key 2>/dev/null)}
# SQLite is one machine's archive, so `make serve` migrates it and seeds an empty one. With
# DATABASE_URL several app servers may share the database: `make migrate` runs once, from one
# machine, and `make serve` only refuses to start while migrations are pending.
SERVE_MIGRATE ?= $(if $(DATABASE_URL),false,true)
# `make serve` starts one job worker beside gunicorn; with SERVE_WORKER=false the app server
# only enqueues, and `make worker` runs on the machines that work the queue.
SERVE_WORKER ?= true

.secret_key:
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

migrate: install-serve .secret_key
	$(SERVE_ENV) $(BIN)/python manage.py migrate --noinput
	$(SERVE_ENV) $(BIN)/python manage.py load_seed_works

# gunicorn's process id while it runs, for `make reload`: one file per port, so servers side by
# side in one checkout each have their own. The job worker's is kept beside it.
SERVE_PIDFILE ?= .serve-$(PORT).pid
WORKER_PIDFILE = $(SERVE_PIDFILE:.pid=.worker.pid)
SERVE_RUNNING = kill -0 $$(cat $(SERVE_PIDFILE) 2>/dev/null) 2>/dev/null

# What a version needs before it serves, for `make serve` and `make reload` alike: the deploy
# checks, migrations (see SERVE_MIGRATE) or a check that none is pending, and the static files,
# compressed and fingerprinted again only when their sources changed (that takes seconds).
prepare: install-serve .secret_key
	$(SERVE_ENV) $(BIN)/python manage.py check --deploy --fail-level ERROR
	@case "$(SERVE_MIGRATE)" in \
		true) $(MAKE) --no-print-directory migrate ;; \
		false) ;; \
		*) echo "SERVE_MIGRATE must be true or false, not '$(SERVE_MIGRATE)'." >&2; exit 1 ;; \
	esac
	$(if $(filter false,$(SERVE_MIGRATE)),@$(SERVE_ENV) $(BIN)/python manage.py migrate --check \
		--noinput >/dev/null || { \
		echo "The database has migrations to apply: run 'make migrate' once first." >&2; exit 1; })
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic_if_changed

serve: install-serve .secret_key
	@case "$(SERVE_WORKER)" in true|false) ;; \
		*) echo "SERVE_WORKER must be true or false, not '$(SERVE_WORKER)'." >&2; exit 1 ;; esac
	@$(MAKE) --no-print-directory prepare
	$(if $(filter true,$(SERVE_WORKER)),$(SERVE_ENV) $(WITH_WORKER) echo $$! > $(WORKER_PIDFILE);,rm -f $(WORKER_PIDFILE);) \
	$(SERVE_ENV) $(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --pid $(SERVE_PIDFILE) \
		--workers $${WEB_CONCURRENCY:-2} --access-logfile /dev/null --error-logfile -

# A new version without refusing a request: the steps above run while the server goes on
# serving, then gunicorn starts new workers, which import the new code, and stops the old ones
# as they finish their requests (HUP); the job worker restarts once its running jobs are done.
# The environment stays the one `make serve` started with: a change to it needs a restart.
reload: install-serve .secret_key
	@$(SERVE_RUNNING) || { echo "No 'make serve' runs on port $(PORT) ($(SERVE_PIDFILE))." >&2; exit 1; }
	@$(MAKE) --no-print-directory prepare
	kill -HUP $$(cat $(SERVE_PIDFILE))
	@worker=$$(cat $(WORKER_PIDFILE) 2>/dev/null) && ps -o args= -p $$worker | grep -q run_huey \
		&& kill -HUP $$worker || true

.PHONY: prepare reload

# The job worker alone, for machines that run workers apart from the app servers (with
# REDIS_URL, which carries the queue between them). JOB_WORKERS threads, default 2.
worker: install-serve .secret_key
	$(SERVE_ENV) $(WORKER_CMD)

# A staff account, made with `make serve`'s environment (DEBUG off, the key kept in
# .secret_key), so it works beside `make run` and `make serve` alike: both use the same
# database. Without a terminal: DJANGO_SUPERUSER_USERNAME, _EMAIL, _PASSWORD and ARGS=--noinput.
createsuperuser: install-serve .secret_key
	$(SERVE_ENV) $(BIN)/python manage.py createsuperuser $(ARGS)

# Load and faults (README): 64 signed-in readers against `make serve` on PostgreSQL, in a
# database of their own that is made and filled with a generated corpus on first use; then a
# check that no confirmed write was lost. `make faults` also stops the machine's PostgreSQL
# for a few seconds mid-run. More options: make load LOAD_ARGS="--clients 32 --duration 30".
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/archive_load

# The load test's clients speak plain HTTP on loopback, so its server's cookies are not Secure.
LOAD_ENV := SECURE_COOKIES=false LOAD_DATABASE_URL=$(LOAD_DATABASE_URL)

load: install .secret_key
	$(LOAD_ENV) $(BIN)/python bench/load.py $(LOAD_ARGS)

faults: install .secret_key
	$(LOAD_ENV) $(BIN)/python bench/load.py --faults $(LOAD_ARGS)

# The same load on the primary alone, then with GET reads routed to the streaming replica
# (made and started by scripts/replica.sh), side by side, with the replica's replay lag.
load-replica: install .secret_key
	$(LOAD_ENV) $(BIN)/python bench/load.py --replica compare $(LOAD_ARGS)

# A streaming read replica of the machine's PostgreSQL on port 5433 (README, "Growing past one
# machine"): made with pg_basebackup on first use, started, and checked to stream. Serve with
# REPLICA_DATABASE_URL=postgres://postgres@127.0.0.1:5433/<the primary's database name>.
replica:
	scripts/replica.sh start

replica-stop:
	scripts/replica.sh stop

# The JavaScript from npm, at the versions package-lock.json pins: the chapter editor (Quill)
# for serving, and axe-core for the accessibility tests. Without npm the chapter text is a
# plain text box and those tests skip (and fail when REQUIRE_BROWSER_TESTS is set, as in CI).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm not found: no rich-text editor, and the accessibility tests will skip (apt-get install npm)"; fi

# The editor's prebuilt files as its package ships them (never edited here), copied where
# WhiteNoise serves them (EDITOR_FILES, at the top).
static/vendor/quill/%: node_modules/.installed
	@if [ -f node_modules/quill/dist/$* ]; then mkdir -p $(@D) && cp node_modules/quill/dist/$* $@; \
	else echo "node_modules/quill is missing: the chapter text stays a plain text box"; fi

# The suite runs in TEST_WORKERS processes (pytest-xdist; 0 runs it in this one), each module's
# tests in one of them, in order: a module's app servers, database copies and Redis database
# number stay its own. One more than the cores: a fifth of the time a worker waits on a
# browser, a server or a command it started (4:25 against 4:43 with one per core, on two).
# On PostgreSQL it runs in one process: the served tests copy the test database as a
# template, which PostgreSQL allows only while no other session is connected to it.
TEST_WORKERS ?= $(if $(DATABASE_URL),0,$(shell echo $$(( $$(nproc) + 1 ))))

# Python keeps compiled modules (and pytest its rewritten test modules) even where the
# environment says not to (PYTHONDONTWRITEBYTECODE): each worker, server and command the suite
# starts would otherwise compile the project again, and collecting alone takes 12 s, not 3 s.
test: install node_modules/.installed $(EDITOR_FILES)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest --numprocesses $(TEST_WORKERS) --dist loadfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Rebuild fixtures/seed_works.json after changing the importer or a seed's metadata.
fixtures: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py build_seed_fixture

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles .pytest_cache .ruff_cache
