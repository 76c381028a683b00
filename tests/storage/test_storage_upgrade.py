"""Upgrading a database that holds data: 0001 → head keeps documents, analyses and claims."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine

from bot.domain.models import (
    AnalysisResult,
    Claim,
    ClaimScope,
    Document,
    DocumentKind,
    FetchedDocument,
    Stance,
)
from bot.domain.text import chunk_text, content_hash
from storage.columns import UtcDateTime
from storage.db import create_engine_for
from storage.migrate import CONNECTION_ATTRIBUTE, build_alembic_config, upgrade_to_head
from storage.repository import SqlStore

INITIAL = "0001"
AT = datetime(2019, 8, 6, 12, 0, tzinfo=UTC)
TEXT = "The Lead Inspector General estimated 14,000 to 18,000 ISIS members remain."
CANONICAL = "https://example.org/ig-report"
SEEN_URL = CANONICAL + "?utm_source=x"
LENS = "premature_victory"
MODEL = "offline"
PROMPT = "offline-rules"

SOURCE = sa.table(
    "source",
    *(sa.column(name) for name in ("name", "kind", "url", "document_kind")),
    *(sa.column(name) for name in ("statements", "poll_minutes", "enabled", "failure_count")),
    sa.column("tags", sa.JSON),
    sa.column("created_at", UtcDateTime),
)
DOCUMENT = sa.table(
    "document",
    *(sa.column(name) for name in ("source_id", "url", "canonical_url", "title", "kind")),
    *(sa.column(name) for name in ("content_hash", "text", "status")),
    sa.column("fetched_at", UtcDateTime),
)
CHUNK = sa.table(
    "chunk", *(sa.column(n) for n in ("document_id", "ordinal", "text", "start", "end"))
)
ANALYSIS = sa.table(
    "analysis",
    *(sa.column(name) for name in ("document_id", "lens_id", "prompt_version", "model")),
    *(sa.column(name) for name in ("stance", "stance_reason", "relevance", "summary")),
    *(sa.column(name) for name in ("degraded", "quotes_dropped")),
    sa.column("created_at", UtcDateTime),
)
CLAIM = sa.table(
    "claim",
    *(sa.column(name) for name in ("analysis_id", "document_id", "speaker", "quote")),
    *(sa.column(name) for name in ("start", "end", "scope")),
)


def _migrate(engine: Engine, url: str, step: Callable[[Any, str], None], revision: str) -> None:
    with engine.begin() as connection:
        config = build_alembic_config(url)
        config.attributes[CONNECTION_ATTRIBUTE] = connection
        step(config, revision)


def _fill_initial_schema(engine: Engine) -> None:
    chunk = chunk_text(TEXT)[0]
    rows: list[tuple[sa.TableClause, dict[str, object]]] = [
        (SOURCE, {"name": "Lead IG", "kind": "pdf", "url": "https://example.org/ig",
                  "document_kind": "report", "statements": False, "poll_minutes": 60,
                  "enabled": True, "failure_count": 0, "tags": [], "created_at": AT}),
        (DOCUMENT, {"source_id": 1, "url": SEEN_URL,
                    "canonical_url": CANONICAL, "title": "IG report", "kind": "report",
                    "content_hash": content_hash(TEXT), "text": TEXT, "status": "stored",
                    "fetched_at": AT}),
        (CHUNK, {"document_id": 1, "ordinal": 0, "text": chunk.text, "start": chunk.start,
                 "end": chunk.end}),
        (ANALYSIS, {"document_id": 1, "lens_id": LENS, "prompt_version": PROMPT,
                    "model": MODEL, "stance": "supports_premature", "stance_reason": "r",
                    "relevance": 0.9, "summary": "s", "degraded": True, "quotes_dropped": 0,
                    "created_at": AT}),
        (CLAIM, {"analysis_id": 1, "document_id": 1, "speaker": "Lead IG",
                 "quote": "14,000 to 18,000", "start": 37, "end": 53, "scope": "total"}),
    ]  # fmt: skip
    with engine.begin() as connection:
        for table, values in rows:
            connection.execute(sa.insert(table).values(values))


@pytest.fixture
def upgraded_url(empty_database_url: str) -> str:
    """A database filled at revision 0001, then upgraded to head."""
    engine = create_engine_for(empty_database_url)
    try:
        _migrate(engine, empty_database_url, command.upgrade, INITIAL)
        _fill_initial_schema(engine)
    finally:
        engine.dispose()
    upgrade_to_head(empty_database_url)
    return empty_database_url


@pytest.fixture
def upgraded_engine(upgraded_url: str) -> Iterator[Engine]:
    engine = create_engine_for(upgraded_url)
    yield engine
    engine.dispose()


@pytest.fixture
def upgraded_store(upgraded_engine: Engine) -> SqlStore:
    return SqlStore(upgraded_engine)


def test_documents_and_their_source_survive(upgraded_store: SqlStore) -> None:
    document = upgraded_store.find_document_by_url(CANONICAL)
    assert document is not None
    assert (document.text, document.version, document.updated_at) == (TEXT, 1, None)
    assert (document.page_starts, document.fetched_at) == ((), AT)
    assert upgraded_store.list_document_urls(document.id) == [SEEN_URL]
    source = upgraded_store.get_source("Lead IG")
    assert source is not None
    assert source.document_count == 1
    assert source.spec.respect_robots is True
    [passage] = upgraded_store.search_passages("inspector")
    assert passage.document.id == document.id


def test_analyses_and_claims_survive_and_are_not_redone(upgraded_store: SqlStore) -> None:
    [analysis] = upgraded_store.list_analyses(lens_id=LENS)
    assert analysis.id == 1
    [claim] = upgraded_store.list_claims(lens_id=LENS)
    assert claim.claim.quote == "14,000 to 18,000"
    assert _backlog(upgraded_store) == []
    assert upgraded_store.save_analysis(1, lens_id=LENS, result=_result(), created_at=AT) == 1


def test_upgraded_database_takes_revisions(upgraded_store: SqlStore) -> None:
    revised = _revise(upgraded_store)
    assert revised.version == 2
    assert [version.text for version in upgraded_store.list_versions(1)] == [TEXT]
    assert _backlog(upgraded_store) == [1]


def test_downgrade_keeps_the_analysis_of_the_current_text(
    upgraded_store: SqlStore, upgraded_engine: Engine, upgraded_url: str
) -> None:
    _revise(upgraded_store)
    claim = Claim("Lead IG", "Attacks rose", 0, 12, ClaimScope.TOTAL)
    current = upgraded_store.save_analysis(
        1, lens_id=LENS, result=_result(claims=(claim,)), created_at=AT
    )
    _migrate(upgraded_engine, upgraded_url, command.downgrade, INITIAL)
    with upgraded_engine.connect() as connection:
        analyses = connection.execute(sa.text("SELECT id FROM analysis")).scalars().all()
        quotes = connection.execute(sa.text("SELECT quote FROM claim")).scalars().all()
    assert (analyses, quotes) == ([current], ["Attacks rose"])
    upgrade_to_head(upgraded_url)
    assert [stored.claim.quote for stored in upgraded_store.list_claims(lens_id=LENS)] == [
        "Attacks rose"
    ]
    assert upgraded_store.list_document_urls(1) == [SEEN_URL]


def _backlog(store: SqlStore) -> list[int]:
    found = store.documents_to_analyze(lens_id=LENS, model=MODEL, prompt_version=PROMPT)
    return [document.id for document in found]


def _result(*, claims: tuple[Claim, ...] = ()) -> AnalysisResult:
    return AnalysisResult(
        Stance.NEUTRAL, "", 0.1, "s", claims=claims, model=MODEL, prompt_version=PROMPT
    )


def _revise(store: SqlStore) -> Document:
    new_text = TEXT + " Attacks rose."
    fetched = FetchedDocument(CANONICAL, CANONICAL, "IG report", new_text, DocumentKind.REPORT)
    return store.revise_document(
        1,
        fetched,
        content_hash=content_hash(new_text),
        bands=(1, 2),
        chunks=chunk_text(new_text),
        fetched_at=AT + timedelta(days=1),
    )
