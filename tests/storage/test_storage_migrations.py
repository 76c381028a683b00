"""Alembic is the only schema path: it creates the schema the tables describe, on both backends."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables)
from bot.domain.errors import StorageError
from storage.db import create_engine_for
from storage.migrate import (
    CONNECTION_ATTRIBUTE,
    MIGRATIONS_DIR,
    build_alembic_config,
    include_object,
    upgrade_engine_to_head,
    upgrade_to_head,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def _compare(engine: Engine, *, ignore_fulltext: bool = True) -> list[object]:
    options: dict[str, object] = {"compare_type": True}
    if ignore_fulltext:
        options["include_object"] = include_object
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=options)
        return list(compare_metadata(context, SQLModel.metadata))


def test_upgrade_creates_every_table_from_empty(empty_database_url: str) -> None:
    upgrade_to_head(empty_database_url)
    engine = create_engine_for(empty_database_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_twice_is_a_no_op(empty_database_url: str) -> None:
    upgrade_to_head(empty_database_url)
    upgrade_to_head(empty_database_url)


def test_upgrade_works_from_any_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    upgrade_to_head(f"sqlite:///{tmp_path / 'elsewhere.db'}")


def test_migrated_schema_matches_the_tables(engine: Engine) -> None:
    assert _compare(engine) == []


def test_fulltext_objects_exist_outside_the_metadata(engine: Engine) -> None:
    """The comparison above really looks: without the filter it sees the full-text objects."""
    differences = repr(_compare(engine, ignore_fulltext=False))
    assert "chunk_fts" in differences or "tsv" in differences


def test_sqlite_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    upgrade_to_head(url)
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    finally:
        engine.dispose()
    assert journal == "wal"
    assert foreign_keys == 1


def test_upgrade_on_an_unopenable_url_raises_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageError, match="cannot open database"):
        upgrade_to_head(f"sqlite:///{blocker / 'briefbot.db'}")


def test_operator_files_ship_with_the_package() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["storage"]
    storage_dir = MIGRATIONS_DIR.parent
    shipped = {path for pattern in patterns for path in storage_dir.glob(pattern)}
    versions = ("versions/0001_initial.py", "versions/0002_versions_links_bands.py")
    for name in ("alembic.ini", "script.py.mako", "env.py", *versions):
        path = MIGRATIONS_DIR / name
        assert path.is_file()
        assert path in shipped or path.suffix == ".py"


def test_downgrade_to_base_removes_everything(empty_database_url: str) -> None:
    upgrade_to_head(empty_database_url)
    engine = create_engine_for(empty_database_url)
    try:
        with engine.begin() as connection:
            config = build_alembic_config(empty_database_url)
            config.attributes[CONNECTION_ATTRIBUTE] = connection
            command.downgrade(config, "base")
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert tables <= {"alembic_version"}
    upgrade_to_head(empty_database_url)


def test_in_memory_sqlite_is_migrated_through_the_callers_engine() -> None:
    engine = create_engine_for("sqlite://")
    try:
        upgrade_engine_to_head(engine)
        assert "document" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
