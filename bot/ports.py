"""Ports: the Protocols services use to reach the world.

Adapters implement them (``bot.sources``, ``bot.analysis``, ``storage``, ``bot.chat.*``); the
composition root (``bot.main``) passes implementations in. Services never import an adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from bot.domain.conversation import Feedback, PriorTurn, ThreadRef, Turn, TurnSpec
from bot.domain.models import (
    AnalysisResult,
    Answer,
    ChunkSpan,
    Digest,
    Document,
    DocumentVersion,
    FetchedDocument,
    Lens,
    LLMCall,
    Passage,
    Source,
    SourceReading,
    SourceSpec,
    StoredAnalysis,
    StoredClaim,
    StoredObservation,
)
from bot.domain.subscriptions import (
    DigestRun,
    Platform,
    PostedMessage,
    Subscription,
    SubscriptionSpec,
)


class Clock(Protocol):
    """Tells the time (UTC, timezone-aware)."""

    def now(self) -> datetime: ...


class SourceReader(Protocol):
    """Reads one source over the network."""

    def read(self, source: Source) -> SourceReading:
        """Poll ``source`` (conditionally, with its stored validators).

        Returns the documents found; raises ``SourceError`` with a one-line reason when the
        source as a whole can't be read. Items that fail alone are listed in ``skipped``.
        """
        ...


class Analyzer(Protocol):
    """Reads a document under a lens."""

    @property
    def model(self) -> str:
        """The model name recorded with each analysis ("offline" for the rule analyzer)."""
        ...

    @property
    def prompt_version(self) -> str:
        """The prompt id@version the analysis was made with."""
        ...

    def analyze(self, document: Document, lens: Lens) -> AnalysisResult:
        """Extract claims, indicator observations, stance and summary.

        Every quote in the result has been found in ``document.text``. Raises
        ``AnalysisError`` when no result can be produced.
        """
        ...


class Answerer(Protocol):
    """Turns retrieved passages into an answer with numbered, verified citations."""

    def answer(
        self, question: str, passages: Sequence[Passage], history: Sequence[PriorTurn] = ()
    ) -> Answer:
        """Answer ``question`` from ``passages`` only; ``answered=False`` when they don't.

        ``history`` holds the thread's earlier turns, oldest first: context for reading a
        follow-up question, never a source for the answer.
        """
        ...


class LLMCallLog(Protocol):
    """Where every LLM call is recorded (prompt id, version and hash, usage, latency)."""

    def record_llm_call(self, call: LLMCall) -> None: ...


class SourceStore(Protocol):
    """Sources and their health."""

    def upsert_source(self, spec: SourceSpec) -> Source:
        """Create the source named ``spec.name`` or update its settings; keeps its health."""
        ...

    def list_sources(self, *, enabled_only: bool = False) -> list[Source]: ...

    def get_source(self, name: str) -> Source | None: ...

    def remove_source(self, name: str) -> bool:
        """Delete the source; its documents stay. False when there was none."""
        ...

    def record_poll_ok(
        self, source_id: int, *, at: datetime, etag: str | None, last_modified: str | None
    ) -> None: ...

    def record_poll_failure(self, source_id: int, *, at: datetime, error: str) -> None: ...


class TextSigner(Protocol):
    """Near-duplicate detection: locality-sensitive band keys and a similarity estimate."""

    def bands(self, text: str) -> tuple[int, ...]:
        """Band keys of ``text``: near-duplicate texts share at least one (LSH)."""
        ...

    def similarity(self, first: str, second: str) -> float:
        """Estimated Jaccard similarity (0–1) of the two texts' word shingles."""
        ...


class DocumentStore(Protocol):
    """Documents, their versions, the sources they were seen at, chunks and retrieval."""

    def find_document_by_url(self, canonical_url: str) -> Document | None: ...

    def find_document_by_hash(self, content_hash: str) -> Document | None: ...

    def find_near_duplicates(self, bands: Sequence[int], *, limit: int = 5) -> list[Document]:
        """Documents sharing at least one band key, most shared first."""
        ...

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
        """Store a new document with its chunks (indexed) and band keys.

        When another writer stored the same canonical URL or content hash first, nothing is
        written and that stored document is returned.
        """
        ...

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
        """Replace a document's text (and chunks, bands) keeping the old text as a version."""
        ...

    def link_source(
        self, document_id: int, *, source_id: int | None, url: str, seen_at: datetime
    ) -> bool:
        """Record that ``source_id`` also carries the document at ``url``; False if known."""
        ...

    def list_versions(self, document_id: int) -> list[DocumentVersion]:
        """Earlier texts of the document, oldest first."""
        ...

    def list_document_urls(self, document_id: int) -> list[str]:
        """Every URL the document was seen at, first seen first."""
        ...

    def get_documents(self, ids: Sequence[int]) -> list[Document]: ...

    def documents_to_analyze(
        self, *, lens_id: str, model: str, prompt_version: str
    ) -> list[Document]:
        """Documents whose current text (content hash) has no analysis for this
        (lens, model, prompt version): new documents, and documents revised since."""
        ...

    def search_passages(
        self, query: str, *, limit: int = 8, document_ids: Sequence[int] | None = None
    ) -> list[Passage]:
        """Best-matching chunks for ``query`` (BM25 / ts_rank), best first."""
        ...


class AnalysisStore(Protocol):
    """Analyses and what they found: the claim ledger and indicator series."""

    def save_analysis(
        self,
        document_id: int,
        *,
        lens_id: str,
        result: AnalysisResult,
        created_at: datetime,
        content_hash: str | None = None,
    ) -> int:
        """Store an analysis of the text with ``content_hash`` (default: the document's
        current text) with its claims and observations; returns its id."""
        ...

    def degraded_documents(
        self, *, lens_id: str, model: str, prompt_version: str
    ) -> list[Document]:
        """Documents whose current text's analysis for this (lens, model, prompt version)
        was made by the offline analyzer standing in for the LLM (``degraded``)."""
        ...

    def delete_analysis(
        self, document_id: int, *, lens_id: str, model: str, prompt_version: str
    ) -> bool:
        """Delete the analysis of the document's current text (with its claims and
        observations) for this (lens, model, prompt version); False when there was none."""
        ...

    def list_analyses(self, *, lens_id: str, since: datetime | None = None) -> list[StoredAnalysis]:
        """Analyses made at or after ``since`` (all when None), newest document first: by
        analysis time, so nothing fetched just before a digest falls between two digests."""
        ...

    def list_claims(self, *, lens_id: str) -> list[StoredClaim]:
        """Every claim in the ledger, oldest said first."""
        ...

    def list_observations(self, *, lens_id: str) -> list[StoredObservation]:
        """Every indicator observation, oldest as-of first."""
        ...


class SubscriptionStore(Protocol):
    """Subscriptions: the only record of what is scheduled."""

    def add_subscription(self, spec: SubscriptionSpec) -> Subscription: ...

    def update_subscription(
        self, subscription_id: int, spec: SubscriptionSpec
    ) -> Subscription | None:
        """Replace the subscription's settings; None when there is no such subscription."""
        ...

    def get_subscription(self, subscription_id: int) -> Subscription | None: ...

    def list_subscriptions(
        self,
        *,
        enabled_only: bool = False,
        platform: Platform | None = None,
        channel: str | None = None,
    ) -> list[Subscription]:
        """Subscriptions, oldest first, optionally only those of one platform or channel."""
        ...

    def remove_subscription(self, subscription_id: int) -> bool:
        """Delete the subscription and its digest runs; False when there was none."""
        ...


class DigestRunStore(Protocol):
    """Digest runs: each post is claimed here, under a unique key, before it is sent."""

    def claim_digest_run(
        self,
        subscription_id: int,
        *,
        local_date: date,
        now: datetime,
        abandoned_before: datetime,
        new_edition: bool = False,
    ) -> DigestRun | None:
        """Claim the digest of ``local_date`` for this caller alone; None when not to post.

        Without ``new_edition``: inserts edition 1 (``INSERT … ON CONFLICT DO NOTHING``), or
        takes over that date's newest run when it failed, or is still pending but was claimed
        before ``abandoned_before`` (its claimer died), and no run of that date was posted.
        With ``new_edition``: inserts the date's next edition, unless the newest is pending
        and was claimed at or after ``abandoned_before`` (it is being posted). Exactly one of
        many racing callers gets the run; the others get None.
        """
        ...

    def record_digest_posted(
        self,
        run_id: int,
        *,
        message: PostedMessage,
        posted_at: datetime,
        period_start: datetime | None,
        period_end: datetime,
        cited_document_ids: Sequence[int] = (),
    ) -> DigestRun:
        """Mark the run posted with its message ts and permalink and the period it covered."""
        ...

    def record_digest_failed(self, run_id: int, *, error: str) -> DigestRun:
        """Mark the run failed with a one-line reason (it may be claimed again)."""
        ...

    def last_posted_run(self, subscription_id: int) -> DigestRun | None:
        """The subscription's posted run with the latest ``period_end``, if any."""
        ...

    def list_digest_runs(
        self, subscription_id: int, *, local_date: date | None = None
    ) -> list[DigestRun]:
        """The subscription's runs (of one local date if given), oldest date and edition first."""
        ...


class DigestSink(Protocol):
    """Where a subscription's digest is posted (a Slack channel, a Teams webhook, a terminal)."""

    def find_posted(self, subscription: Subscription, run: DigestRun) -> PostedMessage | None:
        """The message already posted for ``run`` (by an attempt that crashed before its ts was
        stored), or None. Raises ``ChatError`` when the platform can't be asked."""
        ...

    def post_digest(
        self, subscription: Subscription, digest: Digest, run: DigestRun
    ) -> PostedMessage:
        """Post ``digest`` for ``run`` and say where it is; the message carries the run's
        identity so ``find_posted`` can find it. Raises ``ChatError`` when posting fails."""
        ...


class ConversationStore(Protocol):
    """Chat turns, feedback on them, and the chat events already handled."""

    def claim_event(self, platform: Platform, event_id: str, *, now: datetime) -> bool:
        """Record a chat event as handled; False when it already was (a redelivery)."""
        ...

    def forget_events(self, *, before: datetime) -> int:
        """Drop handled-event records older than ``before``; returns how many."""
        ...

    def add_turn(self, spec: TurnSpec, *, now: datetime) -> Turn: ...

    def list_turns(self, where: ThreadRef, *, limit: int = 20) -> list[Turn]:
        """The thread's latest ``limit`` turns, oldest first."""
        ...

    def get_turn(self, turn_id: int) -> Turn | None: ...

    def record_reply(self, turn_id: int, reply_id: str) -> None: ...

    def record_feedback(
        self, turn_id: int, feedback: Feedback, *, user_id: str | None
    ) -> Turn | None:
        """Store 👍/👎 on the turn (the latest wins); None when there is no such turn."""
        ...

    def find_digest_run_by_message(
        self, platform: Platform, channel: str, message_ts: str
    ) -> DigestRun | None:
        """The posted digest whose message is ``message_ts`` in ``channel``, if any."""
        ...


class Store(
    SourceStore,
    DocumentStore,
    AnalysisStore,
    LLMCallLog,
    SubscriptionStore,
    DigestRunStore,
    ConversationStore,
    Protocol,
):
    """The whole store, as the composition root hands it to services."""
