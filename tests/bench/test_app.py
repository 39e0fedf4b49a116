"""The bench app is development tooling: installed with DEBUG on or BENCH=true, never shipped."""

import json
import tomllib
from pathlib import Path

import pytest
from setuptools import find_namespace_packages, find_packages

from tests.test_settings import LOAD_SETTINGS, load_settings, run_python

ROOT = Path(__file__).resolve().parents[2]
# As on a machine that installed the wheel: there is no bench package to import.
WITHOUT_BENCH = "import sys; sys.modules['bench'] = None; "


@pytest.mark.parametrize(
    ("variables", "installed"),
    [
        ({}, False),
        ({"DEBUG": "false"}, False),
        ({"DEBUG": "true"}, True),
        ({"DEBUG": "false", "BENCH": "true"}, True),
        ({"DEBUG": "true", "BENCH": "false"}, False),
    ],
)
def test_bench_is_installed_in_development_or_when_asked(variables, installed):
    apps = load_settings("INSTALLED_APPS", **variables)["INSTALLED_APPS"]

    assert ("bench" in apps) is installed


def test_without_bench_debug_runs_and_bench_true_is_refused():
    debug = run_python(["-c", WITHOUT_BENCH + LOAD_SETTINGS, "INSTALLED_APPS"], DEBUG="true")
    asked = run_python(["-c", WITHOUT_BENCH + LOAD_SETTINGS, "DEBUG"], BENCH="true")

    assert debug.returncode == 0, debug.stderr
    assert "bench" not in json.loads(debug.stdout)["INSTALLED_APPS"]
    assert asked.returncode != 0
    assert "BENCH=true needs bench/" in asked.stderr.strip().splitlines()[-1]


def test_the_wheel_leaves_bench_and_the_tests_out():
    """The packages pyproject.toml's [tool.setuptools.packages.find] puts in the wheel."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    find = setuptools["packages"]["find"]
    finder = find_namespace_packages if find.get("namespaces", True) else find_packages
    packages = finder(
        ROOT / find.get("where", ["."])[0],
        include=find.get("include", ["*"]),
        exclude=find.get("exclude", []),
    )

    assert "archive" in packages
    assert [name for name in packages if name.split(".")[0] in ("bench", "tests")] == []
