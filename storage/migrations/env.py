"""Alembic environment: runs on a connection given by storage.migrate, or opens the URL."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import create_engine_for
from storage.migrate import CONNECTION_ATTRIBUTE, include_object

config = context.config
if config.config_file_name is not None and config.attributes.get(CONNECTION_ATTRIBUTE) is None:
    fileConfig(config.config_file_name)  # only when run by the alembic command


def get_database_url() -> str:
    """``-x url=...`` from the command line, else ``sqlalchemy.url`` from the config."""
    override = context.get_x_argument(as_dictionary=True).get("url")
    return override or config.get_main_option("sqlalchemy.url") or ""


def configure(connection: Connection | None) -> None:
    """Point the migration context at ``connection`` (or at the URL, offline)."""
    context.configure(
        connection=connection,
        url=get_database_url() if connection is None else None,
        literal_binds=connection is None,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,
        include_object=include_object,
        compare_type=True,
    )


def run_migrations(connection: Connection | None) -> None:
    """Run the pending revisions in one transaction (where the backend allows it)."""
    configure(connection)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate through the given connection, or one opened for the configured URL."""
    given = config.attributes.get(CONNECTION_ATTRIBUTE)
    if given is not None:
        run_migrations(given)
        return
    engine = create_engine_for(get_database_url())
    try:
        with engine.begin() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations(None)
else:
    run_online()
