"""Schema migrations run from code: Alembic is the only way the schema is created or changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy.engine import Engine

from bot.domain.errors import StorageError
from storage.chunk_index import CHANGE_TABLE, STATE_TABLE
from storage.db import create_engine_for, describe_error, mask_url
from storage.search import FTS_TABLE, TSV_COLUMN, TSV_INDEX

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
HEAD = "head"
CONNECTION_ATTRIBUTE = "connection"


def build_alembic_config(database_url: str) -> Config:
    """An Alembic config for the bundled migrations, independent of the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # ConfigParser interpolates "%": an URL-encoded password must survive it.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    """Create or upgrade the schema of ``database_url`` to the newest revision.

    Raises ``StorageError`` naming the URL (password hidden) when the database can't be opened
    or a migration fails.
    """
    engine = create_engine_for(database_url)
    try:
        upgrade_engine_to_head(engine)
    finally:
        engine.dispose()


def upgrade_engine_to_head(engine: Engine) -> None:
    """``upgrade_to_head`` through an engine the caller owns (needed for in-memory SQLite)."""
    database_url = engine.url.render_as_string(hide_password=False)
    try:
        with engine.begin() as connection:
            config = build_alembic_config(database_url)
            config.attributes[CONNECTION_ATTRIBUTE] = connection
            command.upgrade(config, HEAD)
    except (sa.exc.SQLAlchemyError, CommandError) as exc:
        reason = describe_error(exc)
        raise StorageError(f"cannot migrate database {mask_url(engine.url)}: {reason}") from exc


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic filter: leave out the hand-written full-text and search-index objects (not in
    the metadata)."""
    del obj, reflected, compare_to
    if type_ == "table" and name is not None and _is_search_table(name):
        return False
    return not (type_ == "column" and name == TSV_COLUMN) and name != TSV_INDEX


def _is_search_table(name: str) -> bool:
    return name.startswith(FTS_TABLE) or name in (CHANGE_TABLE, STATE_TABLE)
