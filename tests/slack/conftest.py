"""Slack fixtures: the demo documents in a private SQLite database for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.main import Briefbot, build_briefbot
from bot.settings import load_settings
from tests.support.demo_db import build_demo_database, copy_database


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
