"""Documents: dedup by canonical URL and content hash, chunks, the analysis backlog."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.domain.errors import StorageError
from bot.domain.models import AnalysisResult, FetchedDocument, SourceSpec, Stance
from bot.domain.text import chunk_text, content_hash
from storage.repository import SqlStore

FETCHED_AT = datetime(2019, 8, 6, 12, 0, tzinfo=UTC)
REPORT = (
    "The Lead Inspector General estimated that ISIS retains between 14,000 and 18,000 members "
    "in Iraq and Syria. The group is transitioning to an insurgency."
)
MakeFetched = Callable[..., FetchedDocument]
AddDocument = Callable[..., int]


def _add(store: SqlStore, fetched: FetchedDocument, *, source_id: int | None = None) -> int:
    stored = store.add_document(
        fetched,
        source_id=source_id,
        content_hash=content_hash(fetched.text),
        bands=(),
        chunks=chunk_text(fetched.text, max_chars=80),
        fetched_at=FETCHED_AT,
    )
    return stored.id


def test_add_document_round_trips(
    store: SqlStore, make_fetched: MakeFetched, make_spec: Callable[..., SourceSpec]
) -> None:
    source = store.upsert_source(make_spec("Lead IG"))
    fetched = make_fetched(REPORT, speaker="Lead IG", language="en", page_starts=(0, 90))
    stored = store.add_document(
        fetched,
        source_id=source.id,
        content_hash=content_hash(REPORT),
        bands=(1, -2, 3),
        chunks=chunk_text(REPORT, max_chars=80),
        fetched_at=FETCHED_AT,
    )
    assert (stored.url, stored.canonical_url, stored.title) == (
        fetched.url,
        fetched.canonical_url,
        fetched.title,
    )
    assert (stored.text, stored.kind, stored.speaker) == (REPORT, fetched.kind, "Lead IG")
    assert stored.content_hash == content_hash(REPORT)
    assert stored.fetched_at == FETCHED_AT
    assert stored.published_at == fetched.published_at
    assert stored.fetched_at.utcoffset() == timedelta(0)
    assert (stored.source_id, stored.source_name) == (source.id, "Lead IG")
    assert (stored.language, stored.page_starts) == ("en", (0, 90))
    assert (stored.version, stored.updated_at) == (1, None)
    assert store.get_documents([stored.id]) == [stored]
    assert store.list_versions(stored.id) == []
    assert store.list_document_urls(stored.id) == [fetched.url]


def test_chunks_are_stored_with_offsets(
    store: SqlStore, engine: Engine, make_fetched: MakeFetched
) -> None:
    chunks = chunk_text(REPORT, max_chars=80)
    assert len(chunks) > 1
    document = store.add_document(
        make_fetched(REPORT),
        source_id=None,
        content_hash=content_hash(REPORT),
        bands=(),
        chunks=chunks,
        fetched_at=FETCHED_AT,
    )
    select_chunks = sa.text(
        'SELECT ordinal, start, "end", text FROM chunk WHERE document_id = :id ORDER BY ordinal'
    )
    with engine.connect() as connection:
        rows = connection.execute(select_chunks, {"id": document.id}).all()
    stored = [(row.ordinal, row.start, row.end, row.text) for row in rows]
    assert stored == [(chunk.ordinal, chunk.start, chunk.end, chunk.text) for chunk in chunks]
    assert all(REPORT[start:end] == text for _, start, end, text in stored)


def test_find_document_by_canonical_url_or_by_hash(
    store: SqlStore, make_fetched: MakeFetched
) -> None:
    document_id = _add(store, make_fetched(REPORT))
    by_url = store.find_document_by_url("https://example.org/report")
    by_hash = store.find_document_by_hash(content_hash(REPORT))
    assert by_url is not None
    assert by_url.id == document_id
    assert by_hash is not None
    assert by_hash.id == document_id
    assert store.find_document_by_url("https://other") is None
    assert store.find_document_by_hash("other") is None


def test_same_canonical_url_returns_the_stored_document(
    store: SqlStore, make_fetched: MakeFetched
) -> None:
    """Decision: a duplicate is refused without an error; the first row is kept and returned."""
    first = _add(store, make_fetched(REPORT))
    again = _add(store, make_fetched("Entirely different text about attacks."))
    assert again == first
    [kept] = store.get_documents([first])
    assert kept.text == REPORT
    assert (
        store.find_document_by_hash(content_hash("Entirely different text about attacks.")) is None
    )


def test_same_content_under_another_url_returns_the_stored_document(
    store: SqlStore, make_fetched: MakeFetched
) -> None:
    first = _add(store, make_fetched(REPORT, slug="report"))
    again = _add(store, make_fetched(REPORT, slug="mirror"))
    assert again == first
    assert store.find_document_by_url("https://example.org/mirror") is None
    assert store.list_document_urls(first) == ["https://example.org/report?utm_source=feed"]


def test_unique_constraints_hold_in_the_database(
    store: SqlStore, engine: Engine, make_fetched: MakeFetched
) -> None:
    first = _add(store, make_fetched(REPORT))
    insert = sa.text(
        "INSERT INTO document (url, canonical_url, title, fetched_at, kind, content_hash, text,"
        " status) VALUES ('u', :canonical, 't', :at, 'report', :hash, 'x', 'stored')"
    )
    for canonical, digest in (("https://example.org/report", "new"), ("new", content_hash(REPORT))):
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.execute(insert, {"canonical": canonical, "hash": digest, "at": FETCHED_AT})
    assert [document.id for document in store.get_documents([first])] == [first]


def test_unknown_source_is_refused_with_storage_error(
    store: SqlStore, make_fetched: MakeFetched
) -> None:
    with pytest.raises(StorageError, match="refused a document"):
        _add(store, make_fetched(REPORT), source_id=999_999)


def test_get_documents_keeps_the_order_asked(store: SqlStore, add_document: AddDocument) -> None:
    first = add_document("First document text.", slug="first")
    second = add_document("Second document text.", slug="second")
    ids = [document.id for document in store.get_documents([second, 424_242, first])]
    assert ids == [second, first]
    assert store.get_documents([]) == []


def test_documents_to_analyze_skips_analyzed_ones(
    store: SqlStore, add_document: AddDocument
) -> None:
    older = add_document("Older text.", slug="older", fetched_at=FETCHED_AT)
    newer = add_document("Newer text.", slug="newer", fetched_at=FETCHED_AT + timedelta(days=1))
    result = AnalysisResult(Stance.NEUTRAL, "", 0.1, "s", model="m1", prompt_version="extract@1")
    store.save_analysis(older, lens_id="lens", result=result, created_at=FETCHED_AT)

    def pending(lens_id: str, model: str, version: str) -> list[int]:
        found = store.documents_to_analyze(lens_id=lens_id, model=model, prompt_version=version)
        return [document.id for document in found]

    assert pending("lens", "m1", "extract@1") == [newer]
    assert pending("lens", "m2", "extract@1") == [older, newer]
    assert pending("lens", "m1", "extract@2") == [older, newer]
    assert pending("other", "m1", "extract@1") == [older, newer]
