"""The README's first steps: the staff command it documents works after `make run` and after
`make serve`, where plain `manage.py` stops at the archive.E001 check."""

import os
import sqlite3
import subprocess

import pytest

from bench.restart import BASE_DIR, serve_environment
from tests.live_servers import sqlite_archive

README = (BASE_DIR / "README.md").read_text()
# The suite runs in an installed environment; the install step is not what is tested here.
VENV = os.environ.get("VENV", ".venv")
INSTALLED = f"{VENV}/.installed-serve"


def shell_after_make(tmp_path):
    """The environment of a shell in which `make run` or `make serve` was typed: neither sets
    DEBUG or SECRET_KEY in it (they set them for their own commands only)."""
    env = serve_environment(tmp_path)
    for name in ("DEBUG", "SECRET_KEY", "BENCH"):
        env.pop(name, None)
    return env


def run(command, env):
    return subprocess.run(
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180
    )


def make(target, env, *args):
    return run(["make", "--no-print-directory", "--old-file", INSTALLED, target, *args], env)


def test_the_readme_documents_make_createsuperuser():
    first_steps = README[README.index("## First steps") : README.index("## Serving for real")]
    assert "make createsuperuser" in first_steps
    assert "/admin/" in first_steps
    assert "manage.py createsuperuser" not in README.replace("make createsuperuser", "")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_make_createsuperuser_makes_a_staff_account_where_manage_py_alone_stops(
    tmp_path, django_db_blocker
):
    # The archive `make run` or `make serve` left: migrated (a copy of the suite's database).
    archive = sqlite_archive(tmp_path, django_db_blocker)
    env = shell_after_make(tmp_path) | {"SQLITE_PATH": str(archive.path)}

    account = {
        "DJANGO_SUPERUSER_USERNAME": "keeper",
        "DJANGO_SUPERUSER_EMAIL": "keeper@example.com",
        "DJANGO_SUPERUSER_PASSWORD": "a long and unusual passphrase",
    }
    plain = run([f"{VENV}/bin/python", "manage.py", "createsuperuser", "--noinput"], env | account)
    assert plain.returncode != 0
    assert "archive.E001" in plain.stderr

    made = make("createsuperuser", env | account, "ARGS=--noinput")
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Superuser created successfully." in made.stdout
    with sqlite3.connect(archive.path) as database:
        rows = database.execute(
            "SELECT username, is_staff, is_superuser FROM accounts_reader"
        ).fetchall()
    assert rows == [("keeper", 1, 1)]
