"""Serving installs what serving needs; the test and load tools come with `make test`."""

import subprocess
from pathlib import Path

import pytest

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
