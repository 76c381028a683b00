"""A small, fixed ledger for digest and renderer tests: claims, then evidence dated after them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.models import (
    AnalysisResult,
    Claim,
    ClaimScope,
    Direction,
    Document,
    DocumentKind,
    IndicatorObservation,
    IndicatorSpec,
    Lens,
    Stance,
    StoredAnalysis,
    StoredClaim,
    StoredObservation,
)

LENS = Lens(
    id="premature_victory",
    version=1,
    subject="ISIS",
    aliases=("ISIL", "Daesh"),
    question="Is the declared victory over ISIS premature?",
    claim_cues=("won against",),
    indicators=(
        IndicatorSpec(
            "fighter_strength",
            "Fighter strength",
            "people",
            ("fighters",),
            Direction.UP_IS_AGAINST_VICTORY,
        ),
    ),
)

STATEMENT_TEXT = "The President said: We have won against ISIS. Troops will come home."
REPORT_TEXT = "The report estimated that ISIS retained 14,000 to 18,000 fighters in Iraq and Syria."
OLD_REPORT_TEXT = "In 2018 the Pentagon counted up to 17,100 fighters in Iraq."


def make_document(doc_id: int, text: str, kind: DocumentKind, published: date) -> Document:
    return Document(
        id=doc_id,
        source_id=1,
        url=f"http://127.0.0.1/d/{doc_id}",
        canonical_url=f"http://127.0.0.1/d/{doc_id}",
        title=f"Document {doc_id}",
        text=text,
        kind=kind,
        content_hash=f"h{doc_id}",
        fetched_at=datetime(2019, 8, 7, tzinfo=UTC),
        published_at=datetime(published.year, published.month, published.day, tzinfo=UTC),
        source_name="Demo source",
    )


def span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


STATEMENT = make_document(1, STATEMENT_TEXT, DocumentKind.STATEMENT, date(2018, 12, 19))
REPORT = make_document(2, REPORT_TEXT, DocumentKind.REPORT, date(2019, 8, 6))
OLD_REPORT = make_document(3, OLD_REPORT_TEXT, DocumentKind.REPORT, date(2018, 8, 1))

CLAIM = Claim(
    "The President",
    "We have won against ISIS.",
    *span(STATEMENT_TEXT, "We have won against ISIS."),
    scope=ClaimScope.TOTAL,
    said_at=date(2018, 12, 19),
)
NEW_FIGURE = IndicatorObservation(
    "fighter_strength",
    REPORT_TEXT,
    0,
    len(REPORT_TEXT),
    low=14000,
    high=18000,
    unit="people",
    as_of=date(2019, 8, 6),
)
OLD_FIGURE = IndicatorObservation(
    "fighter_strength", OLD_REPORT_TEXT, 0, len(OLD_REPORT_TEXT), high=17100, as_of=date(2018, 8, 1)
)


def analysis(doc: Document, stance: Stance, **found: object) -> StoredAnalysis:
    result = AnalysisResult(stance, "reason", 0.9, "summary", **found)  # type: ignore[arg-type]
    return StoredAnalysis(doc.id, doc, result, LENS.id, datetime(2019, 8, 7, tzinfo=UTC))


class LedgerStore:
    """An AnalysisStore over fixed lists (the port, not a mock of our code)."""

    def __init__(self) -> None:
        self.analyses = [
            analysis(STATEMENT, Stance.SUPPORTS_VICTORY, claims=(CLAIM,)),
            analysis(REPORT, Stance.SUPPORTS_PREMATURE, indicators=(NEW_FIGURE,)),
        ]

    def list_analyses(self, *, lens_id: str, since: datetime | None = None) -> list[StoredAnalysis]:
        return list(self.analyses)

    def list_claims(self, *, lens_id: str) -> list[StoredClaim]:
        return [StoredClaim(CLAIM, STATEMENT)]

    def list_observations(self, *, lens_id: str) -> list[StoredObservation]:
        return [StoredObservation(OLD_FIGURE, OLD_REPORT), StoredObservation(NEW_FIGURE, REPORT)]

    def save_analysis(self, *args: object, **kwargs: object) -> int:
        raise NotImplementedError
