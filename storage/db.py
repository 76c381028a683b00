"""Engines: one place that opens a database and turns failures into ``StorageError``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from bot.domain.errors import StorageError
from storage.columns import SQLITE

BUSY_TIMEOUT_MS = 5000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)
IN_MEMORY_NAMES = frozenset({"", ":memory:"})


def create_engine_for(database_url: str) -> Engine:
    """An engine for ``database_url``, checked by opening one connection.

    SQLite gets WAL journal mode, foreign keys and a busy timeout on every connection, and the
    directory of a file database is created. Raises ``StorageError`` naming the URL (password
    hidden) and the reason when the URL is malformed or the database cannot be opened.
    """
    shown = mask_url(database_url)
    try:
        url = sa.make_url(database_url)
        _create_sqlite_directory(url)
        engine = sa.create_engine(url, pool_pre_ping=url.get_backend_name() != SQLITE)
    except (sa.exc.SQLAlchemyError, ImportError, OSError, ValueError) as exc:
        raise StorageError(f"cannot open database {shown}: {describe_error(exc)}") from exc
    if engine.dialect.name == SQLITE:
        sa.event.listen(engine, "connect", _set_sqlite_pragmas)
    _check_connection(engine, shown)
    return engine


def mask_url(database_url: str | URL) -> str:
    """The URL with its password replaced by ``***``.

    Text that does not parse as a URL is shown as is unless it might hold a credential.
    """
    try:
        return sa.make_url(database_url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        text = str(database_url)
        return repr(text) if "@" not in text else "<unparseable database URL>"


def describe_error(exc: BaseException) -> str:
    """The first line of what the driver said (SQLAlchemy appends a help link below it)."""
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _create_sqlite_directory(url: URL) -> None:
    if url.get_backend_name() != SQLITE or (url.database or "") in IN_MEMORY_NAMES:
        return
    if url.database and url.database.startswith("file:"):
        return  # a URI filename: leave it to SQLite
    Path(url.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _check_connection(engine: Engine, shown: str) -> None:
    try:
        with engine.connect():
            pass
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise StorageError(f"cannot open database {shown}: {describe_error(exc)}") from exc
