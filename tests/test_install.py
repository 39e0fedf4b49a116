"""Serving installs what serving needs; the test and load tools come with `make test`."""

import subprocess
import tomllib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from setuptools import find_packages

ROOT = Path(__file__).resolve().parent.parent


def planned_commands(target, tmp_path):
    """What `make TARGET` would run on a machine without the environment (dry run)."""
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", target, f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize("target", ["run", "serve", "worker", "migrate"])
def test_serving_installs_no_test_or_load_tools(target, tmp_path):
    commands = planned_commands(target, tmp_path)
    assert "pip install --quiet -e . -c constraints.txt" in commands
    assert "[dev]" not in commands


def test_the_suite_installs_the_test_tools(tmp_path):
    assert "pip install --quiet -e '.[dev]'" in planned_commands("test", tmp_path)


def test_the_package_holds_every_installed_app_of_this_repository():
    """A built wheel holds what `[tool.setuptools.packages.find]` finds: every app in
    INSTALLED_APPS that lives here, with its sub-packages, and the project package."""
    with open(ROOT / "pyproject.toml", "rb") as file:
        include = tomllib.load(file)["tool"]["setuptools"]["packages"]["find"]["include"]
    found = set(find_packages(where=ROOT, include=include))

    ours = [app for app in apps.get_app_configs() if Path(app.path).is_relative_to(ROOT)]
    packages = {app.name for app in ours} | {settings.ROOT_URLCONF.partition(".")[0]}
    wanted = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for package in packages
        for path in (ROOT / package.replace(".", "/")).rglob("__init__.py")
    }
    assert {"accounts", "archive", "config", "conversation", "following"} <= packages
    assert wanted - found == set()
    assert not {"tests", "bench"} & {package.partition(".")[0] for package in found}
