"""Shared fixtures: a clean environment for every test; the demo documents for chat tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.main import Briefbot, build_briefbot
from bot.settings import load_settings
from tests.support.demo_db import build_demo_database, copy_database

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


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo sources collected and analyzed once per session (a template to copy)."""
    return build_demo_database(tmp_path_factory.mktemp("demo") / "template.db")


@pytest.fixture
def demo_database_url(demo_database: Path, tmp_path: Path) -> str:
    """A private copy of the demo database."""
    return copy_database(demo_database, tmp_path / "db")


@pytest.fixture
def briefbot(demo_database_url: str) -> Iterator[Briefbot]:
    """The whole app over the demo database, offline analyzer, extractive answerer."""
    with build_briefbot(load_settings(database_url=demo_database_url)) as app:
        yield app
