"""``SessionScope``: one short session per store call, database errors as ``StorageError``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.domain.errors import StorageError
from storage.db import describe_error, mask_url


class SessionScope:
    """The base of the store classes: opens sessions on one engine and names it in errors."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def _session(self, *, pass_conflicts: bool = False) -> Iterator[Session]:
        """A session in a transaction; errors become ``StorageError`` (conflicts if asked)."""
        try:
            with Session(self._engine, expire_on_commit=False) as session, session.begin():
                yield session
        except sa.exc.SQLAlchemyError as exc:
            if pass_conflicts and isinstance(exc, sa.exc.IntegrityError):
                raise
            raise self._build_error("failed", exc) from exc

    def _build_error(self, what: str, exc: sa.exc.SQLAlchemyError) -> StorageError:
        where = mask_url(self._engine.url)
        return StorageError(f"database {where} {what}: {describe_error(exc)}")
