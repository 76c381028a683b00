"""Correlation ids: the short reference a user quotes to an operator, logged with the error."""

from __future__ import annotations

import uuid


def new_correlation_id() -> str:
    """A short id to quote to an operator; the log line carries the same id."""
    return uuid.uuid4().hex[:12]
