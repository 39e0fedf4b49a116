"""Loaded by huey's worker (it imports every app's `tasks`), so the failure record is
connected wherever jobs run."""

from jobs import queue  # noqa: F401
