"""Storage fixtures: every test runs on a SQLite file and on a private PostgreSQL database."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from bot.domain.models import DocumentKind, FetchedDocument, SourceKind, SourceSpec
from bot.domain.text import chunk_text, content_hash
from storage.db import create_engine_for
from storage.migrate import upgrade_to_head
from storage.repository import SqlStore

# Read at import time: the root conftest clears BRIEFBOT_* before each test.
TEST_DATABASE_URL = os.environ.get("BRIEFBOT_TEST_DATABASE_URL", "")
SKIP_POSTGRES = "BRIEFBOT_TEST_DATABASE_URL is empty: set it to a PostgreSQL server URL"
SQLITE = "sqlite"
POSTGRES = "postgres"
BACKENDS = [pytest.param(SQLITE), pytest.param(POSTGRES, marks=pytest.mark.postgres)]
FETCHED_AT = datetime(2019, 8, 6, 12, 0, tzinfo=UTC)

CreateDatabase = Callable[[], str]
AddDocument = Callable[..., int]


@pytest.fixture(scope="session")
def create_postgres_database() -> Iterator[CreateDatabase]:
    """Makes empty databases named briefbot_test_<hex> on the server; drops them at the end."""
    if not TEST_DATABASE_URL:
        pytest.skip(SKIP_POSTGRES)
    server = sa.make_url(TEST_DATABASE_URL)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def create() -> str:
        name = f"briefbot_test_{secrets.token_hex(6)}"
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    yield create
    with admin.connect() as connection:
        for name in created:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_postgres_url(create_postgres_database: CreateDatabase) -> str:
    """One migrated PostgreSQL database for the run; tests empty it before they start."""
    url = create_postgres_database()
    upgrade_to_head(url)
    return url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no tables yet."""
    if request.param == SQLITE:
        return f"sqlite:///{tmp_path / 'empty' / 'briefbot.db'}"
    create: CreateDatabase = request.getfixturevalue("create_postgres_database")
    return create()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database with no rows."""
    url: str
    if request.param == SQLITE:
        url = f"sqlite:///{tmp_path / 'briefbot.db'}"
        upgrade_to_head(url)
    else:
        url = request.getfixturevalue("migrated_postgres_url")
        _empty_postgres_tables(url)
    return url


def _empty_postgres_tables(url: str) -> None:
    names = ", ".join(table.name for table in SQLModel.metadata.sorted_tables)
    engine = create_engine_for(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the migrated database, disposed after the test."""
    engine = create_engine_for(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SqlStore:
    """The store under test."""
    return SqlStore(engine)


def build_spec(name: str = "Lead IG", **changes: Any) -> SourceSpec:
    """A source spec with overridable fields."""
    url = f"https://example.org/{name.replace(' ', '-').lower()}.xml"
    spec = SourceSpec(name=name, url=url, kind=SourceKind.RSS, tags=("isis", "official"))
    return replace(spec, **changes)


def build_fetched(text: str, *, slug: str = "report", **changes: Any) -> FetchedDocument:
    """A fetched document with overridable fields."""
    fetched = FetchedDocument(
        url=f"https://example.org/{slug}?utm_source=feed",
        canonical_url=f"https://example.org/{slug}",
        title=slug.replace("-", " ").title(),
        text=text,
        kind=DocumentKind.REPORT,
        published_at=datetime(2019, 8, 5, tzinfo=UTC),
    )
    return replace(fetched, **changes)


@pytest.fixture
def make_spec() -> Callable[..., SourceSpec]:
    """``build_spec`` for test modules (conftest helpers can't be imported without packages)."""
    return build_spec


@pytest.fixture
def make_fetched() -> Callable[..., FetchedDocument]:
    """``build_fetched`` for test modules."""
    return build_fetched


@pytest.fixture
def add_document(store: SqlStore) -> AddDocument:
    """Stores a document made from ``text`` (chunked) and returns its id."""

    def add(
        text: str,
        *,
        slug: str = "report",
        source_id: int | None = None,
        fetched_at: datetime = FETCHED_AT,
        max_chars: int = 200,
        bands: Sequence[int] = (),
    ) -> int:
        fetched = build_fetched(text, slug=slug)
        document = store.add_document(
            fetched,
            source_id=source_id,
            content_hash=content_hash(text),
            bands=bands,
            chunks=chunk_text(text, max_chars=max_chars),
            fetched_at=fetched_at,
        )
        return document.id

    return add
