"""Collect: poll due sources, dedupe what they return, store new documents with their chunks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Protocol

from bot.domain.errors import BriefbotError, StorageError
from bot.domain.models import FetchedDocument, Source
from bot.domain.text import chunk_text, content_hash
from bot.ports import Clock, DocumentStore, SourceReader, SourceStore


class PollStatus(StrEnum):
    """How one source's poll ended."""

    OK = "ok"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """One source's poll: counts, and the one-line reason when it failed."""

    source: str
    status: PollStatus
    new: int = 0
    duplicates: int = 0
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


class CollectStore(SourceStore, DocumentStore, Protocol):
    """What collecting needs from the store."""


class CollectService:
    """Polls sources through a SourceReader and stores what is new."""

    def __init__(
        self,
        *,
        reader: SourceReader,
        store: CollectStore,
        clock: Clock,
        chunk_chars: int = 1200,
    ) -> None:
        self._reader = reader
        self._store = store
        self._clock = clock
        self._chunk_chars = chunk_chars

    def due_sources(self, *, include_not_due: bool = False) -> list[Source]:
        """Enabled sources whose poll interval has passed (all enabled ones when asked)."""
        now = self._clock.now()
        sources = self._store.list_sources(enabled_only=True)
        if include_not_due:
            return sources
        return [
            source
            for source in sources
            if source.last_polled_at is None
            or source.last_polled_at + timedelta(minutes=source.spec.poll_minutes) <= now
        ]

    def collect(
        self,
        sources: Sequence[Source],
        *,
        on_outcome: Callable[[SourceOutcome], None] | None = None,
    ) -> CollectReport:
        """Poll each source in turn; one failing source never stops the others."""
        report = CollectReport()
        for source in sources:
            outcome = self.poll_source(source)
            report.outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
        return report

    def poll_source(self, source: Source) -> SourceOutcome:
        """Read one source, store its new documents and record its health.

        Raises StorageError only when the database itself fails.
        """
        try:
            reading = self._reader.read(source)
        except StorageError:
            raise
        except BriefbotError as exc:
            return self._record_failure(source, str(exc))
        except Exception as exc:
            return self._record_failure(source, f"unexpected {type(exc).__name__}: {exc}")
        new, duplicates = self._store_documents(source, reading.documents)
        self._store.record_poll_ok(
            source.id,
            at=self._clock.now(),
            etag=reading.etag,
            last_modified=reading.last_modified,
        )
        status = PollStatus.UNCHANGED if reading.not_modified else PollStatus.OK
        return SourceOutcome(source.name, status, new, duplicates, reading.skipped)

    def _record_failure(self, source: Source, reason: str) -> SourceOutcome:
        message = " ".join(reason.split())
        self._store.record_poll_failure(source.id, at=self._clock.now(), error=message)
        return SourceOutcome(source.name, PollStatus.FAILED, error=message)

    def _store_documents(
        self, source: Source, documents: Sequence[FetchedDocument]
    ) -> tuple[int, int]:
        new = duplicates = 0
        for fetched in documents:
            if self.store_document(fetched, source_id=source.id):
                new += 1
            else:
                duplicates += 1
        return new, duplicates

    def store_document(self, fetched: FetchedDocument, *, source_id: int | None) -> bool:
        """Store ``fetched`` unless its canonical URL or content is already stored."""
        digest = content_hash(fetched.text)
        existing = self._store.find_document(
            canonical_url=fetched.canonical_url, content_hash=digest
        )
        if existing is not None or not fetched.text.strip():
            return False
        self._store.add_document(
            fetched,
            source_id=source_id,
            content_hash=digest,
            chunks=chunk_text(fetched.text, max_chars=self._chunk_chars),
            fetched_at=self._clock.now(),
        )
        return True
