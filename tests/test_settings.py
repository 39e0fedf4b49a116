"""Settings from the environment: strict parsing, and what each variable changes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parents[1]
# Every variable the settings read, so the developer's own environment cannot leak in.
SETTINGS_VARIABLES = [
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "SQLITE_PATH",
    "SECURE_COOKIES",
    "WORKS_PER_PAGE",
    "LOG_LEVEL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
    "BEHIND_PROXY",
    "TRUSTED_PROXY_COUNT",
    "REDIS_URL",
    "SITE_URL",
    "JOBS_IMMEDIATE",
    "JOBS_SQLITE_PATH",
    "BENCH",
]
LOAD_SETTINGS = (
    "import json, os, sys; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
    "from django.conf import settings; "
    "print(json.dumps({name: getattr(settings, name) for name in sys.argv[1:]}, default=str))"
)


def run_python(args, **variables):
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(variables)
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=60
    )


def load_settings(*names, **variables):
    """The named settings as a fresh process reads them with these variables set."""
    result = run_python(["-c", LOAD_SETTINGS, *names], **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def settings_error(**variables):
    """The last line of the traceback when settings refuse these variables."""
    result = run_python(["-c", LOAD_SETTINGS, "DEBUG"], **variables)
    assert result.returncode != 0, result.stdout
    return result.stderr.strip().splitlines()[-1]


# config.env


@pytest.mark.parametrize("raw", ["1", "true", "True", "YES", "on", " true "])
def test_env_bool_reads_yes(monkeypatch, raw):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", False) is True


@pytest.mark.parametrize("raw", ["0", "false", "FALSE", "no", "off", ""])
def test_env_bool_reads_no(monkeypatch, raw):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", True) is False


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_unset_is_the_default(monkeypatch, default):
    monkeypatch.delenv("FLAG", raising=False)
    assert env_bool("FLAG", default) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "yes please", "tru"])
def test_env_bool_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv("FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match=f"^FLAG must be true or false, not '{raw}'"):
        env_bool("FLAG", False)


def test_env_int_reads_a_whole_number(monkeypatch):
    monkeypatch.setenv("COUNT", " 25 ")
    assert env_int("COUNT", 20) == 25


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_env_int_unset_or_blank_is_the_default(monkeypatch, raw):
    if raw is None:
        monkeypatch.delenv("COUNT", raising=False)
    else:
        monkeypatch.setenv("COUNT", raw)
    assert env_int("COUNT", 20) == 20


@pytest.mark.parametrize("raw", ["ten", "2.5", "1e3"])
def test_env_int_refuses_anything_but_a_whole_number(monkeypatch, raw):
    monkeypatch.setenv("COUNT", raw)
    with pytest.raises(ImproperlyConfigured, match=f"^COUNT must be a whole number, not '{raw}'"):
        env_int("COUNT", 20)


def test_env_int_refuses_a_number_below_the_minimum(monkeypatch):
    monkeypatch.setenv("COUNT", "0")
    with pytest.raises(ImproperlyConfigured, match="^COUNT must be at least 1, not 0"):
        env_int("COUNT", 20, minimum=1)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example ,, b.example, ")
    assert env_list("HOSTS", ["default"]) == ["a.example", "b.example"]


def test_env_list_unset_is_a_copy_of_the_default(monkeypatch):
    monkeypatch.delenv("HOSTS", raising=False)
    default = ["localhost"]

    hosts = env_list("HOSTS", default)

    assert hosts == ["localhost"]
    assert hosts is not default


def test_env_str_is_the_value_as_given_or_the_default(monkeypatch):
    monkeypatch.delenv("NAME", raising=False)
    assert env_str("NAME", "fallback") == "fallback"
    monkeypatch.setenv("NAME", " spaced ")
    assert env_str("NAME", "fallback") == " spaced "


# config.settings, read by a fresh process


def test_a_fresh_clone_runs_on_sqlite_with_debug_off():
    values = load_settings("DEBUG", "DATABASES")

    assert values["DEBUG"] is False
    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(BASE_DIR / "db.sqlite3")


def test_sqlite_path_moves_the_sqlite_database(tmp_path):
    path = tmp_path / "archive.sqlite3"

    values = load_settings("DATABASES", SQLITE_PATH=str(path))

    assert values["DATABASES"]["default"]["NAME"] == str(path)


def test_database_url_switches_to_postgresql():
    url = "postgres://archivist:s3cret@db.example:5433/archive"

    database = load_settings("DATABASES", DATABASE_URL=url)["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.example", 5433, "archive")
    assert (database["USER"], database["PASSWORD"]) == ("archivist", "s3cret")


@pytest.mark.parametrize("url", ["nonsense://db.example/archive", "not a url"])
def test_unusable_database_url_is_a_clear_error(url):
    error = settings_error(DATABASE_URL=url)

    assert error.startswith(
        "django.core.exceptions.ImproperlyConfigured: DATABASE_URL is not a usable database URL"
    )


@pytest.mark.parametrize(("raw", "debug"), [("true", True), ("1", True), ("off", False)])
def test_debug_is_read_from_the_environment(raw, debug):
    assert load_settings("DEBUG", DEBUG=raw)["DEBUG"] is debug


def test_debug_maybe_is_an_error_with_a_clear_message():
    error = settings_error(DEBUG="maybe")

    assert error == (
        "django.core.exceptions.ImproperlyConfigured: DEBUG must be true or false, not 'maybe'."
    )


def test_secure_cookies_follow_debug_unless_set():
    assert load_settings("SESSION_COOKIE_SECURE")["SESSION_COOKIE_SECURE"] is True
    assert load_settings("SESSION_COOKIE_SECURE", DEBUG="true")["SESSION_COOKIE_SECURE"] is False
    values = load_settings("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", SECURE_COOKIES="no")
    assert values == {"SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False}


def test_secure_cookies_must_be_a_clear_boolean():
    error = settings_error(SECURE_COOKIES="sometimes")

    assert error.endswith("SECURE_COOKIES must be true or false, not 'sometimes'.")


def test_secret_key_comes_from_the_environment():
    assert load_settings("SECRET_KEY", SECRET_KEY="k" * 50)["SECRET_KEY"] == "k" * 50


@pytest.mark.parametrize("variables", [{}, {"SECRET_KEY": ""}])
def test_without_a_secret_key_the_development_key_is_used(variables):
    values = load_settings("SECRET_KEY", "DEV_SECRET_KEY", **variables)

    assert values["SECRET_KEY"] == values["DEV_SECRET_KEY"]


def test_allowed_hosts_and_trusted_origins_are_comma_separated():
    values = load_settings(
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        ALLOWED_HOSTS="archive.example, www.archive.example",
        CSRF_TRUSTED_ORIGINS="https://archive.example",
    )

    assert values["ALLOWED_HOSTS"] == ["archive.example", "www.archive.example"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://archive.example"]


def test_allowed_hosts_default_to_this_machine():
    assert load_settings("ALLOWED_HOSTS")["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]


def test_works_per_page_is_a_whole_number_of_at_least_one():
    assert load_settings("WORKS_PER_PAGE")["WORKS_PER_PAGE"] == 20
    assert load_settings("WORKS_PER_PAGE", WORKS_PER_PAGE="50")["WORKS_PER_PAGE"] == 50
    assert settings_error(WORKS_PER_PAGE="0").endswith("WORKS_PER_PAGE must be at least 1, not 0.")
    assert settings_error(WORKS_PER_PAGE="ten").endswith(
        "WORKS_PER_PAGE must be a whole number, not 'ten'."
    )


def test_static_files_are_hashed_and_compressed_only_in_production():
    production = load_settings("STORAGES", "WHITENOISE_USE_FINDERS")
    development = load_settings("STORAGES", "WHITENOISE_USE_FINDERS", DEBUG="true")

    assert production["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert production["WHITENOISE_USE_FINDERS"] is False
    assert development["STORAGES"]["staticfiles"]["BACKEND"] == (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    assert development["WHITENOISE_USE_FINDERS"] is True


def test_system_checks_accept_the_development_key_while_debugging():
    result = run_python(["manage.py", "check"], DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert "archive.E001" not in result.stderr


def test_system_checks_refuse_to_serve_with_the_development_key():
    result = run_python(["manage.py", "check"], ALLOWED_HOSTS="archive.example")

    assert result.returncode != 0
    assert "(archive.E001) SECRET_KEY is not set, and DEBUG is off." in result.stderr


def test_system_checks_pass_in_production_with_a_secret_key():
    result = run_python(
        ["manage.py", "check"], SECRET_KEY="s" * 50, ALLOWED_HOSTS="archive.example"
    )

    assert result.returncode == 0, result.stderr


def test_behind_the_proxy_one_proxy_is_trusted_by_default():
    values = load_settings("BEHIND_PROXY", "TRUSTED_PROXY_COUNT", BEHIND_PROXY="true")

    assert values == {"BEHIND_PROXY": True, "TRUSTED_PROXY_COUNT": 1}


def test_trusted_proxy_count_is_a_whole_number_of_at_least_one():
    values = load_settings("TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT="2")

    assert values["TRUSTED_PROXY_COUNT"] == 2
    assert settings_error(TRUSTED_PROXY_COUNT="0").endswith(
        "TRUSTED_PROXY_COUNT must be at least 1, not 0."
    )
    assert settings_error(TRUSTED_PROXY_COUNT="1,2").endswith(
        "TRUSTED_PROXY_COUNT must be a whole number, not '1,2'."
    )


def test_redis_never_leaves_a_worker_waiting_forever():
    caches = load_settings("CACHES", REDIS_URL="redis://127.0.0.1:6379/0")["CACHES"]

    assert caches["default"]["OPTIONS"] == {"socket_connect_timeout": 2, "socket_timeout": 2}


def test_allowed_hosts_of_nothing_but_commas_is_an_error():
    error = settings_error(ALLOWED_HOSTS=" , ")

    assert error.endswith("ALLOWED_HOSTS must name at least one value, not ' , '.")


@pytest.mark.parametrize(
    "url", ["mysql://user@db.example/archive", "sqlite:////tmp/archive.sqlite3"]
)
def test_database_url_must_be_postgresql(url):
    assert "DATABASE_URL must be a PostgreSQL URL" in settings_error(DATABASE_URL=url)


def test_database_url_must_name_a_database():
    error = settings_error(DATABASE_URL="postgres://user@db.example:5432/")

    assert error.endswith("DATABASE_URL must name a database: postgres://…/name.")


def test_postgresql_is_told_the_data_is_on_fast_storage():
    url = "postgres://archivist@db.example/archive?options=-c%20statement_timeout%3D5000"
    options = load_settings("DATABASES", DATABASE_URL=url)["DATABASES"]["default"]["OPTIONS"]

    assert options["options"] == "-c random_page_cost=1.1 -c statement_timeout=5000"


def test_an_app_server_will_not_start_without_a_secret_key():
    result = run_python(["-c", "import config.wsgi"], DEBUG="false")

    assert result.returncode != 0
    assert "archive.E001" in result.stderr
    assert (
        run_python(["-c", "import config.wsgi"], DEBUG="false", SECRET_KEY="s" * 50).returncode == 0
    )


def test_the_job_queue_is_a_sqlite_file_by_default_and_redis_with_redis_url(tmp_path):
    queue = load_settings("HUEY", JOBS_SQLITE_PATH=str(tmp_path / "q.sqlite3"))["HUEY"]
    assert queue["huey_class"] == "huey.SqliteHuey"
    assert queue["filename"] == str(tmp_path / "q.sqlite3")
    assert queue["immediate"] is False
    queue = load_settings("HUEY", REDIS_URL="redis://127.0.0.1:6379/3")["HUEY"]
    assert queue["huey_class"] == "huey.RedisHuey"
    # An enqueue gives up on a Redis that does not answer instead of holding the request.
    assert queue["url"] == "redis://127.0.0.1:6379/3?socket_connect_timeout=2&socket_timeout=5"
    assert load_settings("HUEY", JOBS_IMMEDIATE="yes")["HUEY"]["immediate"] is True


def test_the_job_queues_redis_timeouts_keep_what_the_url_says():
    url = "redis://127.0.0.1:6379/3?socket_timeout=9"
    assert load_settings("HUEY", REDIS_URL=url)["HUEY"]["url"] == url


def test_site_url_must_be_a_web_address():
    assert load_settings("SITE_URL", SITE_URL="https://archive.example.org/")["SITE_URL"] == (
        "https://archive.example.org"
    )
    assert "SITE_URL must be an http:// or https:// address" in settings_error(
        SITE_URL="archive.example.org"
    )
