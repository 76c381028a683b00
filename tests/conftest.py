"""Shared fixtures: a clean environment for every test."""

from __future__ import annotations

import os

import pytest

# Read before any test clears the environment: where the PostgreSQL tests run.
TEST_DATABASE_URL = os.environ.get("BRIEFBOT_TEST_DATABASE_URL", "")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No BRIEFBOT_* or SLACK_* variable from the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith(("BRIEFBOT_", "SLACK_")):
            monkeypatch.delenv(name, raising=False)


def pytest_configure(config: pytest.Config) -> None:
    """In CI the PostgreSQL tests must run, never skip."""
    if os.environ.get("CI") == "true" and not TEST_DATABASE_URL:
        raise pytest.UsageError("CI=true but BRIEFBOT_TEST_DATABASE_URL is not set")
