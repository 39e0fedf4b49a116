"""Settings for the archive, read from the environment (see the README's table)."""

from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

# A development key is tolerated only while DEBUG is on; the archive.E001 check
# refuses to serve with it otherwise.
DEV_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY") or DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"], required=True)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "taggit",
    "csp",
    "django_ratelimit",
    "huey.contrib.djhuey",
    "accounts",
    "archive",
    "conversation",
    "following",
    "jobs",
    "limits",
]
# The benchmark and corpus commands (bench/) are development tooling: only a source checkout
# has them, and they are installed while DEBUG is on, or with BENCH=true to measure with DEBUG
# off. Production (DEBUG off, BENCH unset) never loads them.
if env_bool("BENCH", False) and find_spec("bench") is None:
    raise ImproperlyConfigured("BENCH=true needs bench/, which only a source checkout has.")
if env_bool("BENCH", DEBUG) and find_spec("bench") is not None:
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "config.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's session middleware, answering 503 when the session cannot be saved.
    "config.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.RejectNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.display_settings",
                "conversation.context_processors.inbox_unread",
            ],
            # Numbers and languages are printed the same way on every page.
            "builtins": ["archive.templatetags.display"],
        },
    },
]

_database_url = env_str("DATABASE_URL")
if _database_url:
    try:
        # Connections are kept for a minute, and checked before reuse: after PostgreSQL
        # restarts, a worker's kept connection is dead, and the check reconnects instead of
        # failing that worker's next request.
        DATABASES = {
            "default": dj_database_url.parse(
                _database_url, conn_max_age=60, conn_health_checks=True
            )
        }
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not a usable database URL: {error}") from None
    # The archive runs on PostgreSQL or on its embedded SQLite; another database, or a URL
    # without a database name, is a mistake to report, not to try.
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/name); "
            "leave it empty to use SQLite."
        )
    if not DATABASES["default"]["NAME"]:
        raise ImproperlyConfigured("DATABASE_URL must name a database: postgres://…/name.")
    # The planner's default (4) assumes spinning disks; the archive's data is on SSD or in
    # memory, where an index lookup costs little more than a sequential read. With the
    # default, a tag page scans every work instead of using the tag index (150 ms vs 100 ms
    # at 100,000 works; BENCHMARKS.md).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"-c random_page_cost=1.1 {options.get('options', '')}".strip()
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH") or BASE_DIR / "db.sqlite3",
            # The app server and the job worker write to this one file at once, and SQLite
            # takes one writer at a time. A writer must wait its turn, not fail with the 503:
            # - WAL, so that readers never wait for the writer nor the writer for readers;
            # - BEGIN IMMEDIATE, so that a transaction takes the write lock before it reads:
            #   a deferred one that read first and then meets another writer is refused at
            #   once, without waiting (a deadlock to SQLite), which was issue 18's 503;
            # - a busy timeout longer than any write holds the lock (a fan-out batch, an
            #   import), and shorter than gunicorn's 30 s worker timeout;
            # - synchronous=NORMAL, safe with WAL: a power cut may lose the last commits,
            #   never corrupt the file, and a commit no longer waits for the disk.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            },
        }
    }

# A streaming read replica of the PostgreSQL primary (scripts/replica.sh makes one): GET pages
# read from it while it is healthy, everything else uses the primary (config/db_router.py).
_replica_url = env_str("REPLICA_DATABASE_URL")
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 2)
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10, minimum=1)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 1)
if _replica_url:
    if not _database_url:
        raise ImproperlyConfigured(
            "REPLICA_DATABASE_URL needs DATABASE_URL: a replica is of a PostgreSQL primary."
        )
    try:
        _replica = dj_database_url.parse(_replica_url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"REPLICA_DATABASE_URL is not a usable database URL: {error}"
        ) from None
    if _replica["ENGINE"] != "django.db.backends.postgresql" or not _replica["NAME"]:
        raise ImproperlyConfigured(
            "REPLICA_DATABASE_URL must be a PostgreSQL URL with the primary's database name."
        )
    _replica.setdefault("OPTIONS", {})
    _replica["OPTIONS"]["options"] = DATABASES["default"]["OPTIONS"]["options"]
    # A replica that does not answer is given up quickly: the primary serves meanwhile.
    _replica["OPTIONS"].setdefault("connect_timeout", 2)
    # The test databases are the primary's: a streaming replica is not a separate database.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
    # Before the session and the reader are read, so that they come from the same database.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("config.middleware.SessionMiddleware"),
        "config.db_router.ReplicaMiddleware",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.Reader"
# Django's model backend, reading the session's reader with what every page needs of them;
# the second only reads the readers of sessions the first signed in under its old path.
AUTHENTICATION_BACKENDS = ["config.auth.ReaderBackend", "accounts.backends.ReaderBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "archive:work_list"
LOGOUT_REDIRECT_URL = "archive:work_list"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Consent is kept in the server-side session. Sessions live in the database, which every app
# server shares; with REDIS_URL they are also cached in Redis (written through to the
# database, so a Redis restart logs nobody out), and Redis becomes the shared cache.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, for which Redis being away is a miss and a skipped write,
            # so pages are served from the database meanwhile (config/cache.py).
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            # When Redis stops answering, a request waits 2 s at most before going on without
            # it (redis-py waits forever by default), and the next few seconds' not at all.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Django's cached_db sessions, which stay true while Redis is away (config/sessions.py).
    SESSION_ENGINE = "config.sessions"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Security headers. HSTS is opt-in because it is hard to take back: set HSTS_SECONDS once
# the archive is served over HTTPS for good.
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", False)
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
# How many proxies in front append to X-Forwarded-For; config.clients.client_address takes
# the client's address from that far from the right.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1, minimum=1)
if BEHIND_PROXY:
    # The proxy terminates TLS and says so; only trust this header behind a proxy that sets it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Stylesheets are same-origin files. Reader display settings are a style attribute
        # on <html>, so that they hold from the first paint: inline styles are allowed in
        # attributes only, never as <style> elements. Scripts stay same-origin files.
        "style-src": [SELF],
        "style-src-elem": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Rate limits (django-ratelimit) count in the database, with or without Redis: one count for
# every worker and app server, which no other cache traffic can evict (limits/cache.py).
CACHES["limits"] = {"BACKEND": "limits.cache.RateCountCache"}
RATELIMIT_USE_CACHE = "limits"
# django-ratelimit warns about any backend not on its short list, which names no database one.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
RATELIMIT_VIEW = "config.views.rate_limited"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve straight from the app folders while developing, so `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = DEBUG

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

WORKS_PER_PAGE = env_int("WORKS_PER_PAGE", 20, minimum=1)
# The largest .txt, .html or .epub file that can be imported, uploaded or from the command line.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
# How many files, and how many bytes in all, one upload of several files may bring; they are
# kept in the database until imported.
IMPORT_BATCH_MAX_FILES = env_int("IMPORT_BATCH_MAX_FILES", 50, minimum=1)
IMPORT_BATCH_MAX_BYTES = env_int("IMPORT_BATCH_MAX_BYTES", 50 * 1024 * 1024, minimum=1)

# Password reset mail: printed to the console until an SMTP host is configured.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
# Without an SMTP host, mail may be written to files in this folder instead of the console
# (one file per connection), where a script or a test can read what was sent.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH")
if EMAIL_FILE_PATH and not EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "archive@localhost")
# The archive's address as readers reach it: mail sent by a job has no request to take links from.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if urlsplit(SITE_URL).scheme not in ("http", "https") or not urlsplit(SITE_URL).netloc:
    raise ImproperlyConfigured(
        f"SITE_URL must be an http:// or https:// address, not {SITE_URL!r}."
    )

# Background jobs (alerts, email, counters) run in huey workers, never in a request. The
# queue is Redis when REDIS_URL is set, which every app server and worker then shares, and
# otherwise a SQLite file beside the database for the one-machine archive, where `make run`
# starts a worker beside the server. JOBS_IMMEDIATE runs each job inside the call that
# enqueues it (tests, and scripts that must not leave work behind).
JOBS_IMMEDIATE = env_bool("JOBS_IMMEDIATE", False)
# A worker can die holding a job (killed, crashed, its machine gone), and an enqueue can fail;
# the database keeps what each job owes, and a job every minute takes up what is still undone
# this long after it was written (following.tasks, conversation.tasks).
JOBS_RESUME_AFTER_SECONDS = env_int("JOBS_RESUME_AFTER_SECONDS", 120)
# An email claimed by a worker that then died is claimed again after this long; longer than
# sending a batch of emails ever takes, so a slow worker's claim is not taken from it.
JOBS_LEASE_SECONDS = env_int("JOBS_LEASE_SECONDS", 600, minimum=1)
# How long a worker asked to stop waits for its running jobs before handing them back:
# within the ten seconds a container manager allows before it kills.
JOBS_SHUTDOWN_SECONDS = env_int("JOBS_SHUTDOWN_SECONDS", 8)
# Alerts written per transaction of a fan-out.
ALERT_BATCH_SIZE = env_int("ALERT_BATCH_SIZE", 500, minimum=1)


def _with_timeouts(url, *, connect, read):
    """A Redis URL that gives up on a silent server (redis-py reads these from the query)."""
    parts = urlsplit(url)
    if "socket_timeout" in parts.query:
        return url
    timeouts = f"socket_connect_timeout={connect}&socket_timeout={read}"
    return parts._replace(query="&".join(filter(None, [parts.query, timeouts]))).geturl()


HUEY = {
    "name": "archive",
    "immediate": JOBS_IMMEDIATE,
    # Results are never read: a job's effect is in the database.
    "results": False,
    "utc": True,
    # An enqueue while Redis does not answer gives up within seconds, like the cache,
    # instead of holding the request (redis-py waits forever by default); the job's row
    # stays in the database for the resume job. 5 s outlasts the worker's 1 s poll.
    **(
        {"huey_class": "huey.RedisHuey", "url": _with_timeouts(REDIS_URL, connect=2, read=5)}
        if REDIS_URL
        else {
            "huey_class": "huey.SqliteHuey",
            "filename": str(env_str("JOBS_SQLITE_PATH") or BASE_DIR / "jobs.sqlite3"),
        }
    ),
    # SIGTERM (what systemd, container managers and `make` send) stops a worker gracefully:
    # it takes no new job and finishes the ones it holds for up to JOBS_SHUTDOWN_SECONDS,
    # then hands back those still running (jobs.queue). SIGINT stops it at once.
    "consumer": {"graceful_signal": "TERM", "shutdown_timeout": JOBS_SHUTDOWN_SECONDS},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(message)s"},
        "django_events": {"()": "config.logs.DjangoEventFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "requests": {"class": "logging.StreamHandler", "formatter": "plain"},
        "django_events": {"class": "logging.StreamHandler", "formatter": "django_events"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # One JSON line per request, from config.middleware.RequestLogMiddleware.
        "archive.requests": {"handlers": ["requests"], "level": "INFO", "propagate": False},
        # Django's own records carry the raw path or Host header in their message, so they
        # are written as JSON without it. Its line per 4xx would repeat ours: errors only.
        "django.request": {"handlers": ["django_events"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["django_events"], "propagate": False},
        # The worker (run_huey) logs through a handler of its own; a second copy of each
        # line from the root logger would only double the log.
        "huey": {"handlers": [], "level": "WARNING", "propagate": False},
        # The PDF downloads' font subsetting narrates every font table at INFO.
        "fontTools": {"level": "WARNING"},
    },
}
