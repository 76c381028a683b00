"""Value objects that flow between services, adapters and storage.

They are frozen dataclasses: storage converts rows into these, renderers read only these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

UNATTRIBUTED = "unattributed"  # a claim whose speaker the analyzer could not name


class SourceKind(StrEnum):
    """How a source is read."""

    RSS = "rss"
    ATOM = "atom"
    HTML = "html"
    LISTING = "listing"
    PDF = "pdf"


class DocumentKind(StrEnum):
    """What a document is, as a reader weighs it (design §5a source descriptors)."""

    REPORT = "report"
    STATEMENT = "statement"
    NEWS = "news"
    ANALYSIS = "analysis"


class Stance(StrEnum):
    """A document's stance toward the framing question."""

    SUPPORTS_PREMATURE = "supports_premature"
    SUPPORTS_VICTORY = "supports_victory"
    MIXED = "mixed"
    NEUTRAL = "neutral"


class ClaimScope(StrEnum):
    """What a declaration of victory claims to have won."""

    TERRITORIAL = "territorial"
    ORGANIZATIONAL = "organizational"
    IDEOLOGICAL = "ideological"
    TOTAL = "total"


class Direction(StrEnum):
    """How a rising indicator bears on the declared victory."""

    UP_IS_AGAINST_VICTORY = "up_is_against_victory"
    UP_IS_FOR_VICTORY = "up_is_for_victory"
    RISK = "risk"


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """What an operator declares about a source (from sources.yaml, OPML or the CLI)."""

    name: str
    url: str
    kind: SourceKind
    tags: tuple[str, ...] = ()
    speaker: str | None = None
    statements: bool = False
    document_kind: DocumentKind = DocumentKind.NEWS
    poll_minutes: int = 60
    link_pattern: str | None = None
    enabled: bool = True
    respect_robots: bool = True  # listing pages obey robots.txt unless this is turned off


@dataclass(frozen=True, slots=True)
class Source:
    """A stored source with its fetch state and health."""

    id: int
    spec: SourceSpec
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_error: str | None = None
    failure_count: int = 0
    document_count: int = 0

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def url(self) -> str:
        return self.spec.url


@dataclass(frozen=True, slots=True)
class FetchedDocument:
    """A document as the collector read it, before it is stored."""

    url: str
    canonical_url: str
    title: str
    text: str
    kind: DocumentKind
    published_at: datetime | None = None
    speaker: str | None = None
    language: str | None = None
    page_starts: tuple[int, ...] = ()  # PDF: where each page starts in ``text``


@dataclass(frozen=True, slots=True)
class SourceReading:
    """What one poll of a source produced."""

    documents: tuple[FetchedDocument, ...] = ()
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    skipped: tuple[str, ...] = ()  # one-line reasons for items that could not be read


@dataclass(frozen=True, slots=True)
class Document:
    """A stored document."""

    id: int
    source_id: int | None
    url: str
    canonical_url: str
    title: str
    text: str
    kind: DocumentKind
    content_hash: str
    fetched_at: datetime
    published_at: datetime | None = None
    speaker: str | None = None
    source_name: str | None = None
    language: str | None = None
    version: int = 1  # 1 + the number of times the publisher changed its text
    updated_at: datetime | None = None
    page_starts: tuple[int, ...] = ()


class SaveOutcome(StrEnum):
    """What storing a fetched document did."""

    NEW = "new"  # a document not seen before
    UPDATED = "updated"  # same URL, changed text: the old text is kept as a version
    UNCHANGED = "unchanged"  # seen before from this source, same text
    LINKED = "linked"  # the same (or nearly the same) text from another source or URL


@dataclass(frozen=True, slots=True)
class DocumentVersion:
    """An earlier text of a document, kept so past digests stay reproducible."""

    document_id: int
    version: int
    title: str
    text: str
    content_hash: str
    fetched_at: datetime
    published_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ChunkSpan:
    """A piece of a document's text with its character offsets in that text."""

    ordinal: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved chunk with the document it belongs to."""

    document: Document
    chunk: ChunkSpan
    score: float


@dataclass(frozen=True, slots=True)
class Claim:
    """A declaration of victory: who said what, when; the quote is the source's own text."""

    speaker: str
    quote: str
    start: int
    end: int
    scope: ClaimScope
    said_at: date | None = None


@dataclass(frozen=True, slots=True)
class IndicatorObservation:
    """A dated value (or range) of a lens indicator, with the sentence that states it."""

    indicator: str
    quote: str
    start: int
    end: int
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    as_of: date | None = None

    @property
    def is_quantified(self) -> bool:
        """A figure (a value, range or bound), not an unquantified mention."""
        return self.low is not None or self.high is not None

    def is_implied_by(self, other: IndicatorObservation) -> bool:
        """True for a lower bound ("at least 1,000") that ``other``, a closed figure of the
        same indicator and unit, already meets ("14,000–18,000"): beside that figure the bound
        tells a reader nothing, and shown as the newer value it reads as a fall."""
        return (
            self.low is not None
            and self.high is None
            and other.indicator == self.indicator
            and other.unit == self.unit
            and other.low is not None
            and other.high is not None
            and other.low >= self.low
        )


def drop_implied_bounds(
    observations: Sequence[IndicatorObservation],
) -> list[IndicatorObservation]:
    """One document's ``observations`` without the lower bounds another of them implies."""
    return [obs for obs in observations if not any(obs.is_implied_by(o) for o in observations)]


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """What an analyzer read in one document under one lens."""

    stance: Stance
    stance_reason: str
    relevance: float
    summary: str
    claims: tuple[Claim, ...] = ()
    indicators: tuple[IndicatorObservation, ...] = ()
    quotes_dropped: int = 0
    degraded: bool = False  # True when the offline analyzer stood in for a failed LLM
    model: str = "offline"
    prompt_version: str = "offline-rules"
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0


@dataclass(frozen=True, slots=True)
class PromptRef:
    """Which prompt file an LLM call used: id, version and the file's sha256."""

    id: str
    version: int
    sha256: str

    @property
    def label(self) -> str:
        """'extract@v1'."""
        return f"{self.id}@v{self.version}"


@dataclass(frozen=True, slots=True)
class LLMCall:
    """One call to the LLM endpoint, as recorded in the llm_call log."""

    prompt: PromptRef
    model: str
    request: str
    created_at: datetime
    response: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    latency_ms: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class StoredClaim:
    """A claim in the ledger, with the document it came from."""

    claim: Claim
    document: Document


@dataclass(frozen=True, slots=True)
class StoredObservation:
    """An indicator observation with its document."""

    observation: IndicatorObservation
    document: Document


def drop_implied_stored(observations: Sequence[StoredObservation]) -> list[StoredObservation]:
    """``observations`` without each lower bound that a closed figure from the same document
    implies (see ``IndicatorObservation.is_implied_by``); the order is kept."""
    by_document: dict[int, list[IndicatorObservation]] = {}
    for stored in observations:
        by_document.setdefault(stored.document.id, []).append(stored.observation)
    kept = {document: drop_implied_bounds(group) for document, group in by_document.items()}
    return [stored for stored in observations if stored.observation in kept[stored.document.id]]


@dataclass(frozen=True, slots=True)
class StoredAnalysis:
    """An analysis as stored, with its document."""

    id: int
    document: Document
    result: AnalysisResult
    lens_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """One indicator the lens tracks."""

    name: str
    label: str
    unit: str
    terms: tuple[str, ...]
    direction: Direction
    definition: str = ""
    cues: tuple[str, ...] = ()  # phrases that state the indicator without a number
    min_count: float | None = None  # smaller counts are about something else ("two members")


@dataclass(frozen=True, slots=True)
class ScopeSpec:
    """A claim scope and the words that mark a claim as being about it."""

    scope: ClaimScope
    cues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Lens:
    """The framing a policy team reads documents under (data, from prompts/lenses/*.yaml)."""

    id: str
    version: int
    subject: str
    aliases: tuple[str, ...]
    question: str
    claim_cues: tuple[str, ...]
    indicators: tuple[IndicatorSpec, ...]
    premature_cues: tuple[str, ...] = ()
    victory_cues: tuple[str, ...] = ()
    scopes: tuple[ScopeSpec, ...] = ()
    context_terms: tuple[str, ...] = ()  # words that put a claim cue in the lens's context
    digest_sections: tuple[str, ...] = ()

    def indicator(self, name: str) -> IndicatorSpec | None:
        """The indicator named ``name``, or None."""
        return next((spec for spec in self.indicators if spec.name == name), None)


@dataclass(frozen=True, slots=True)
class Citation:
    """A numbered source in an answer or digest, with the verified passage it rests on."""

    number: int
    title: str
    url: str
    quote: str
    published_at: datetime | None = None
    publisher: str | None = None
    document_kind: DocumentKind | None = None

    @classmethod
    def for_document(cls, number: int, document: Document, quote: str) -> Citation:
        """Cite ``quote`` from ``document``; the publisher is its author or speaker, else the
        source it came from."""
        return cls(
            number=number,
            title=document.title,
            url=document.url,
            quote=quote,
            published_at=document.published_at,
            publisher=document.speaker or document.source_name,
            document_kind=document.kind,
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer to a question; ``answered`` is False when the documents don't answer it."""

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    answered: bool = True


def distinct_citations(citations: Iterable[Citation]) -> list[Citation]:
    """``citations`` without repeats of the same (number, quote), first kept."""
    seen: set[tuple[int, str]] = set()
    distinct = []
    for citation in citations:
        if (citation.number, citation.quote) not in seen:
            seen.add((citation.number, citation.quote))
            distinct.append(citation)
    return distinct


@dataclass(frozen=True, slots=True)
class DigestStatement:
    """A new declaration of victory in the digest."""

    speaker: str
    said_at: date | None
    quote: str
    scope: ClaimScope
    source_number: int


@dataclass(frozen=True, slots=True)
class DigestEvidence:
    """A new indicator value, with the previous value when one is known."""

    indicator: str
    label: str
    low: float | None
    high: float | None
    unit: str | None
    as_of: date | None
    quote: str
    source_number: int
    previous_low: float | None = None
    previous_high: float | None = None
    previous_as_of: date | None = None
    direction: Direction = Direction.RISK

    @property
    def is_quantified(self) -> bool:
        """A figure (a value, range or bound), not an unquantified mention."""
        return self.low is not None or self.high is not None


@dataclass(frozen=True, slots=True)
class ClaimUnderPressure:
    """A claim beside the newest evidence dated after it."""

    speaker: str
    said_at: date | None
    quote: str
    evidence_label: str
    evidence_quote: str
    evidence_as_of: date | None
    source_number: int
    evidence_source_number: int
    bears: str  # "against" or "for" the claim


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything a digest shows; renderers turn it into text, Block Kit or cards."""

    title: str
    question: str
    generated_at: datetime
    bottom_line: str
    statements: tuple[DigestStatement, ...] = ()
    evidence: tuple[DigestEvidence, ...] = ()
    under_pressure: tuple[ClaimUnderPressure, ...] = ()
    sources: tuple[Citation, ...] = ()
    newest_evidence_at: date | None = None
    document_ids: tuple[int, ...] = field(default=())
