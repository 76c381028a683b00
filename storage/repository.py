"""``SqlStore``: the ``bot.ports.Store`` over SQLAlchemy, one short session per call."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.domain.models import (
    ChunkSpan,
    Document,
    DocumentVersion,
    FetchedDocument,
    Passage,
    Source,
    SourceSpec,
)
from bot.ports import Store
from storage.analysis_repository import AnalysisRepository
from storage.chunk_index import ChunkIndex, open_chunk_index
from storage.columns import SQLITE
from storage.conversation_repository import ConversationRepository
from storage.db import describe_error
from storage.fts_terms import CommonTerms
from storage.search import extract_terms, search_chunks
from storage.stores import documents, links, revisions, sources
from storage.subscription_repository import SubscriptionRepository

log = logging.getLogger(__name__)
CHUNK_INDEX_RETRY_SECONDS = 60


class SqlStore(AnalysisRepository, SubscriptionRepository, ConversationRepository):
    """Sources, documents, chunks and analyses in one database (SQLite or PostgreSQL).

    Every method opens its own short session and commits before returning. Database failures
    are raised as ``StorageError`` with the URL (password hidden) and the driver's reason.
    """

    _common: CommonTerms | None = None
    _chunk_index: ChunkIndex | None = None
    _chunk_index_retry_at = 0.0

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._chunk_index_lock = threading.Lock()

    def _common_terms(self) -> CommonTerms | None:
        """The search's cache of common words, made on the first SQLite search."""
        if self._common is None and self._engine.dialect.name == SQLITE:
            self._common = CommonTerms()
        return self._common

    def refresh_search_index(self) -> None:
        """Bring the SQLite chunk index up to the stored chunks now (after collecting, at
        start-up), so the next question doesn't wait for it; nothing to do on PostgreSQL."""
        self._search_chunk_index(None)

    def _search_chunk_index(
        self, query: str | None, limit: int = 0, document_ids: Sequence[int] | None = None
    ) -> list[tuple[int, float]] | None:
        """``query`` searched in the SQLite database's tantivy chunk index, brought up to date
        first (only that, without a query). None on PostgreSQL, while the index is being
        updated, or when it fails: FTS5 answers then."""
        if self._engine.dialect.name != SQLITE or time.monotonic() < self._chunk_index_retry_at:
            return None
        try:
            with self._chunk_index_lock:
                if self._chunk_index is None:
                    self._chunk_index = open_chunk_index(self._engine.url.database)
                index = self._chunk_index
            if not index.sync(self._engine):
                return None
            if query is None:
                return []
            return index.search(
                index.terms(extract_terms(query)), limit=limit, document_ids=document_ids
            )
        except (ValueError, OSError, sa.exc.SQLAlchemyError) as exc:
            # Reopened (and rebuilt if need be) on a later search; FTS5 answers meanwhile.
            self._chunk_index = None
            self._chunk_index_retry_at = time.monotonic() + CHUNK_INDEX_RETRY_SECONDS
            log.warning(
                "search index failed, searching with FTS5 for %d s: %s",
                CHUNK_INDEX_RETRY_SECONDS,
                describe_error(exc),
            )
            return None

    # Sources -----------------------------------------------------------------------------

    def upsert_source(self, spec: SourceSpec) -> Source:
        """Create the source named ``spec.name`` or update its settings; keeps its health."""
        with self._session() as session:
            return sources.upsert_source(session=session, spec=spec)

    def list_sources(self, *, enabled_only: bool = False) -> list[Source]:
        """Every source, by name, with its document count."""
        with self._session() as session:
            return sources.list_sources(session=session, enabled_only=enabled_only)

    def get_source(self, name: str) -> Source | None:
        """The source named ``name``, or None."""
        with self._session() as session:
            return sources.get_source(session=session, name=name)

    def remove_source(self, name: str) -> bool:
        """Delete the source; its documents stay (with no source). False when there was none."""
        with self._session() as session:
            return sources.delete_source(session=session, name=name)

    def record_poll_ok(
        self, source_id: int, *, at: datetime, etag: str | None, last_modified: str | None
    ) -> None:
        """Store a successful poll: validators kept, error cleared, failure count reset."""
        with self._session() as session:
            sources.record_poll_ok(
                session=session, source_id=source_id, at=at, etag=etag, last_modified=last_modified
            )

    def record_poll_failure(self, source_id: int, *, at: datetime, error: str) -> None:
        """Store a failed poll: its one-line reason and one more consecutive failure."""
        with self._session() as session:
            sources.record_poll_failure(session=session, source_id=source_id, at=at, error=error)

    # Documents ---------------------------------------------------------------------------

    def find_document_by_url(self, canonical_url: str) -> Document | None:
        """The stored document with this canonical URL, if any."""
        with self._session() as session:
            return documents.find_document_by_url(session=session, canonical_url=canonical_url)

    def find_document_by_hash(self, content_hash: str) -> Document | None:
        """The stored document whose current text has this content hash, if any."""
        with self._session() as session:
            return documents.find_document_by_hash(session=session, content_hash=content_hash)

    def find_near_duplicates(self, bands: Sequence[int], *, limit: int = 5) -> list[Document]:
        """Documents sharing at least one band key with ``bands``, most shared first."""
        with self._session() as session:
            ids = links.find_near_duplicate_ids(session=session, bands=bands, limit=limit)
            return documents.get_documents(session=session, ids=ids)

    def add_document(
        self,
        fetched: FetchedDocument,
        *,
        source_id: int | None,
        content_hash: str,
        bands: Sequence[int],
        chunks: Sequence[ChunkSpan],
        fetched_at: datetime,
    ) -> Document:
        """Store a new document with its chunks (indexed), band keys and first source link
        (``source_id`` at ``fetched.url``, as ``link_source`` records later sightings).

        When a document with the same canonical URL or content hash is already stored (another
        replica may have stored it first), nothing is written and that stored document is
        returned unchanged: compare ``result.id`` with an earlier lookup to tell.
        """
        try:
            with self._session(pass_conflicts=True) as session:
                document_id = revisions.insert_document(
                    session=session,
                    fetched=fetched,
                    source_id=source_id,
                    content_hash=content_hash,
                    bands=bands,
                    chunks=chunks,
                    fetched_at=fetched_at,
                )
        except sa.exc.IntegrityError as exc:
            return self._find_duplicate(fetched.canonical_url, content_hash, exc)
        return self.get_documents([document_id])[0]

    def _find_duplicate(
        self, canonical_url: str, content_hash: str, exc: sa.exc.IntegrityError
    ) -> Document:
        existing = self.find_document_by_url(canonical_url) or self.find_document_by_hash(
            content_hash
        )
        if existing is None:
            raise self._build_error("refused a document", exc) from exc
        return existing

    def revise_document(
        self,
        document_id: int,
        fetched: FetchedDocument,
        *,
        content_hash: str,
        bands: Sequence[int],
        chunks: Sequence[ChunkSpan],
        fetched_at: datetime,
    ) -> Document:
        """Replace a document's text, chunks and band keys, keeping the old text as a version.

        One transaction: the old text becomes ``list_versions``' newest entry, ``version`` goes
        up by one, ``updated_at`` is ``fetched_at``, ``fetched_at`` (first seen) is kept. The
        same text again changes nothing. Raises ``StorageError`` for an unknown document or
        when another document already has ``content_hash``.
        """
        with self._session() as session:
            revisions.revise_document(
                session=session,
                document_id=document_id,
                fetched=fetched,
                content_hash=content_hash,
                bands=bands,
                chunks=chunks,
                fetched_at=fetched_at,
            )
            return documents.get_documents(session=session, ids=[document_id])[0]

    def link_source(
        self, document_id: int, *, source_id: int | None, url: str, seen_at: datetime
    ) -> bool:
        """Record that ``source_id`` also carries the document at ``url``; False if known.

        Safe under racing writers (``INSERT … ON CONFLICT DO NOTHING`` on document and URL).
        """
        with self._session() as session:
            return links.insert_link(
                session=session,
                document_id=document_id,
                source_id=source_id,
                url=url,
                seen_at=seen_at,
            )

    def list_versions(self, document_id: int) -> list[DocumentVersion]:
        """Earlier texts of the document, oldest first (empty when it was never revised)."""
        with self._session() as session:
            return revisions.list_versions(session=session, document_id=document_id)

    def list_document_urls(self, document_id: int) -> list[str]:
        """Every URL the document was seen at, first seen first."""
        with self._session() as session:
            return links.list_document_urls(session=session, document_id=document_id)

    def get_documents(self, ids: Sequence[int]) -> list[Document]:
        """The documents with these ids, in the order given; unknown ids are left out."""
        with self._session() as session:
            return documents.get_documents(session=session, ids=ids)

    def documents_to_analyze(
        self, *, lens_id: str, model: str, prompt_version: str
    ) -> list[Document]:
        """Documents whose current text has no analysis for this (lens, model, prompt version):
        new documents and documents revised since; oldest fetched first."""
        with self._session() as session:
            return documents.list_documents_to_analyze(
                session=session, lens_id=lens_id, model=model, prompt_version=prompt_version
            )

    def search_passages(
        self, query: str, *, limit: int = 8, document_ids: Sequence[int] | None = None
    ) -> list[Passage]:
        """Best-matching chunks for ``query`` (BM25 / ts_rank_cd), best first.

        Any text is a valid query; one with no searchable words gives no passages.
        """
        scored = self._search_chunk_index(query, limit, document_ids)
        with self._session() as session:
            if scored is None:
                scored = search_chunks(
                    session=session,
                    query=query,
                    limit=limit,
                    document_ids=document_ids,
                    common_terms=self._common_terms(),
                )
            return documents.get_passages(session=session, scored_chunk_ids=scored)


if TYPE_CHECKING:

    def _check_store_port(engine: Engine) -> Store:
        """mypy proves here that ``SqlStore`` implements the whole ``Store`` port."""
        return SqlStore(engine)
