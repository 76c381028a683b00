"""Collect: poll due sources concurrently, dedupe what they return, store what is new.

Concurrency: a bounded thread pool reads sources (network waits dominate, and the sync httpx
client is thread-safe; the per-host limit and polite delay live in the fetcher). Each worker
also prepares its documents (hash, near-duplicate bands, chunks), so the CPU work is spread too;
the calling thread alone writes to the store, one short transaction per document, so SQLite
never sees competing writers. Async httpx would not make extraction (trafilatura, pypdf,
MinHash) any faster and would split the code into two colours for no gain at this scale.

Dedup policy, in order: same canonical URL and same text → unchanged; same URL, new text → an
update (the old text is kept as a version); same text, or nearly the same text (MinHash
similarity ≥ threshold) at another URL or source → one document with another source link.
A publisher re-dating an item changes neither its URL nor its text, so it is never new again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.domain.errors import BriefbotError
from bot.domain.models import ChunkSpan, FetchedDocument, SaveOutcome, Source
from bot.domain.text import chunk_text, content_hash
from bot.ports import Clock, DocumentStore, SourceReader, SourceStore, TextSigner

JITTER_SHARE = 0.1  # a source is due up to 10% after its interval, spread by name
NEAR_DUPLICATE_SIMILARITY = 0.8


class PollStatus(StrEnum):
    """How one source's poll ended."""

    OK = "ok"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """One source's poll: what its documents turned out to be, or why it failed."""

    source: str
    status: PollStatus
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    linked: int = 0
    skipped: tuple[str, ...] = ()
    error: str | None = None


@dataclass(slots=True)
class CollectReport:
    """Every source's outcome in one round."""

    outcomes: list[SourceOutcome] = field(default_factory=list)

    @property
    def new_documents(self) -> int:
        return sum(outcome.new for outcome in self.outcomes)

    @property
    def failed(self) -> list[SourceOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status is PollStatus.FAILED]


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    """A fetched document with what storing it needs, computed off the writer thread."""

    fetched: FetchedDocument
    content_hash: str
    bands: tuple[int, ...]
    chunks: tuple[ChunkSpan, ...]


@dataclass(frozen=True, slots=True)
class _Read:
    """A worker's result: prepared documents, or the one-line reason the source failed."""

    documents: tuple[PreparedDocument, ...] = ()
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    skipped: tuple[str, ...] = ()
    error: str | None = None


class CollectStore(SourceStore, DocumentStore, Protocol):
    """What collecting needs from the store."""


class CollectService:
    """Polls sources through a SourceReader and stores what is new."""

    def __init__(
        self,
        *,
        reader: SourceReader,
        store: CollectStore,
        signer: TextSigner,
        clock: Clock,
        chunk_chars: int = 1200,
        workers: int = 4,
    ) -> None:
        self._reader = reader
        self._store = store
        self._signer = signer
        self._clock = clock
        self._chunk_chars = chunk_chars
        self._workers = max(1, workers)

    def due_sources(self, *, include_not_due: bool = False) -> list[Source]:
        """Enabled sources whose poll interval (plus its jitter) has passed."""
        now = self._clock.now()
        sources = self._store.list_sources(enabled_only=True)
        return [s for s in sources if include_not_due or is_due(s, now)]

    def collect(
        self,
        sources: Sequence[Source],
        *,
        on_outcome: Callable[[SourceOutcome], None] | None = None,
    ) -> CollectReport:
        """Poll every source; one failing source never stops the others.

        A StorageError (the database itself failing) is not one source's failure: it
        propagates.
        """
        report = CollectReport()
        with ThreadPoolExecutor(self._workers, thread_name_prefix="collect") as pool:
            futures: dict[Future[_Read], Source] = {
                pool.submit(self._read_source, source): source for source in sources
            }
            for future in as_completed(futures):
                outcome = self._record(futures[future], future.result())
                report.outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
        report.outcomes.sort(key=lambda outcome: outcome.source)
        return report

    def _read_source(self, source: Source) -> _Read:
        """Worker: fetch and prepare; every error becomes a one-line reason."""
        try:
            reading = self._reader.read(source)
            prepared = tuple(self.prepare(document) for document in reading.documents)
        except BriefbotError as exc:
            return _Read(error=str(exc))
        except Exception as exc:  # noqa: BLE001 - one source's bug must not stop the round
            return _Read(error=f"unexpected {type(exc).__name__}: {exc}")
        return _Read(
            documents=tuple(p for p in prepared if p.fetched.text.strip()),
            not_modified=reading.not_modified,
            etag=reading.etag,
            last_modified=reading.last_modified,
            skipped=reading.skipped,
        )

    def prepare(self, fetched: FetchedDocument) -> PreparedDocument:
        """Hash, sign and chunk a fetched document."""
        return PreparedDocument(
            fetched=fetched,
            content_hash=content_hash(fetched.text),
            bands=self._signer.bands(fetched.text),
            chunks=tuple(chunk_text(fetched.text, max_chars=self._chunk_chars)),
        )

    def _record(self, source: Source, read: _Read) -> SourceOutcome:
        now = self._clock.now()
        if read.error is not None:
            message = " ".join(read.error.split())
            self._store.record_poll_failure(source.id, at=now, error=message)
            return SourceOutcome(source.name, PollStatus.FAILED, error=message)
        counts = dict.fromkeys(SaveOutcome, 0)
        for prepared in read.documents:
            counts[self.store_document(prepared, source_id=source.id, at=now)] += 1
        self._store.record_poll_ok(
            source.id, at=now, etag=read.etag, last_modified=read.last_modified
        )
        return SourceOutcome(
            source.name,
            PollStatus.UNCHANGED if read.not_modified else PollStatus.OK,
            new=counts[SaveOutcome.NEW],
            updated=counts[SaveOutcome.UPDATED],
            unchanged=counts[SaveOutcome.UNCHANGED],
            linked=counts[SaveOutcome.LINKED],
            skipped=read.skipped,
        )

    def store_document(
        self, prepared: PreparedDocument, *, source_id: int | None, at: datetime
    ) -> SaveOutcome:
        """Apply the dedup policy (module docstring) and store accordingly."""
        fetched = prepared.fetched
        existing = self._store.find_document_by_url(fetched.canonical_url)
        if existing is not None and existing.content_hash == prepared.content_hash:
            return self._link(existing.id, source_id=source_id, url=fetched.url, at=at)
        elsewhere = self._store.find_document_by_hash(prepared.content_hash)
        if existing is not None and elsewhere is not None:
            # the page now carries a text stored under another URL (a wire story): link it
            return self._link(elsewhere.id, source_id=source_id, url=fetched.url, at=at)
        if existing is not None:
            self._store.revise_document(
                existing.id,
                fetched,
                content_hash=prepared.content_hash,
                bands=prepared.bands,
                chunks=prepared.chunks,
                fetched_at=at,
            )
            return SaveOutcome.UPDATED
        same = elsewhere.id if elsewhere is not None else self._find_near_duplicate(prepared)
        if same is not None:
            return self._link(same, source_id=source_id, url=fetched.url, at=at)
        stored = self._store.add_document(
            fetched,
            source_id=source_id,
            content_hash=prepared.content_hash,
            bands=prepared.bands,
            chunks=prepared.chunks,
            fetched_at=at,
        )
        return SaveOutcome.NEW if stored.fetched_at == at else SaveOutcome.UNCHANGED

    def _link(
        self, document_id: int, *, source_id: int | None, url: str, at: datetime
    ) -> SaveOutcome:
        linked = self._store.link_source(document_id, source_id=source_id, url=url, seen_at=at)
        return SaveOutcome.LINKED if linked else SaveOutcome.UNCHANGED

    def _find_near_duplicate(self, prepared: PreparedDocument) -> int | None:
        """The id of a stored document with nearly the same text (MinHash similarity)."""
        for candidate in self._store.find_near_duplicates(prepared.bands):
            similarity = self._signer.similarity(candidate.text, prepared.fetched.text)
            if similarity >= NEAR_DUPLICATE_SIMILARITY:
                return candidate.id
        return None


def is_due(source: Source, now: datetime) -> bool:
    """Never polled, or its interval (stretched by its jitter) has passed."""
    if source.last_polled_at is None:
        return True
    interval = timedelta(minutes=source.spec.poll_minutes) * (1 + poll_jitter(source.name))
    return source.last_polled_at + interval <= now


def poll_jitter(name: str) -> float:
    """A stable share in [0, JITTER_SHARE) derived from the source's name."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 * JITTER_SHARE
