"""The digest service: sections, previous values, claims under pressure, bottom line."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from bot.chat.console.render import render_digest
from bot.domain.models import DocumentKind, IndicatorObservation, Stance, drop_implied_bounds
from bot.services.digest import DigestService, compose_bottom_line, estimative_word

from .digest_fixtures import (
    LENS,
    NEW_FIGURE,
    REPORT_TEXT,
    LedgerStore,
    analysis,
    make_document,
    span,
)

NOW = datetime(2019, 8, 7, 7, 30, tzinfo=UTC)
SNAPSHOT = Path(__file__).parent / "snapshots" / "digest.txt"


def build():  # type: ignore[no-untyped-def]
    return DigestService(store=LedgerStore(), lens=LENS).build(since=None, now=NOW)  # type: ignore[arg-type]


def test_digest_has_statements_evidence_and_pressure_with_numbered_sources() -> None:
    digest = build()
    assert [s.speaker for s in digest.statements] == ["The President"]
    evidence = digest.evidence[0]
    assert (evidence.low, evidence.high) == (14000, 18000)
    assert evidence.previous_high == 17100  # the 2018 figure is the previous value
    pressure = digest.under_pressure[0]
    assert pressure.quote == "We have won against ISIS."
    assert pressure.bears == "against"
    assert [c.number for c in digest.sources] == list(range(1, len(digest.sources) + 1))
    assert {c.url for c in digest.sources} == {"http://127.0.0.1/d/1", "http://127.0.0.1/d/2"}


def test_bottom_line_uses_only_extracted_items() -> None:
    digest = build()
    assert digest.bottom_line.startswith("Briefbot assesses")
    assert "roughly even chance" in digest.bottom_line  # one document each way
    assert "14,000–18,000" in digest.bottom_line


def test_estimative_words_follow_icd_203_bands() -> None:
    assert estimative_word(0.01) == "almost no chance"
    assert estimative_word(0.5) == "roughly even chance"
    assert estimative_word(0.9) == "very likely"
    assert estimative_word(0.99) == "almost certain"


def test_empty_period_says_so() -> None:
    assert "No new documents" in compose_bottom_line([], [], [], LENS)


def test_console_rendering_matches_snapshot() -> None:
    text = render_digest(build())
    if not SNAPSHOT.exists():  # first run writes the snapshot for review
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8")
    for section in (
        "BOTTOM LINE",
        "NEW LEADER STATEMENTS",
        "NEW EVIDENCE",
        "CLAIMS UNDER PRESSURE",
        "SOURCES",
    ):
        assert section in text


VAGUE_TEXT = REPORT_TEXT + " It aims to free thousands of detained members."


def vague_bound(text: str = VAGUE_TEXT, **figure: float) -> IndicatorObservation:
    quote = "It aims to free thousands of detained members."
    return IndicatorObservation(
        "fighter_strength",
        quote,
        *span(text, quote),
        unit="people",
        as_of=date(2019, 8, 6),
        **figure,  # type: ignore[arg-type]
    )


def test_a_lower_bound_that_the_documents_own_range_meets_is_left_out() -> None:
    """ "Thousands" (at least 1,000) beside the same report's 14,000-18,000 adds nothing, and
    listed as the newer value it would read as a fall from 14,000-18,000."""
    store = LedgerStore()
    report = make_document(2, VAGUE_TEXT, DocumentKind.REPORT, date(2019, 8, 6))
    bound = vague_bound(low=1000)
    store.analyses[1] = analysis(report, Stance.SUPPORTS_PREMATURE, indicators=(NEW_FIGURE, bound))
    digest = DigestService(store=store, lens=LENS).build(since=None, now=NOW)  # type: ignore[arg-type]
    assert [(e.low, e.high) for e in digest.evidence] == [(14000, 18000)]


def test_a_bound_is_kept_when_it_says_more_than_the_documents_figures() -> None:
    range_ = NEW_FIGURE
    assert vague_bound(low=1000).is_implied_by(range_)
    assert not vague_bound(low=20000).is_implied_by(range_)  # more than the range: news
    assert not vague_bound(high=20000).is_implied_by(range_)  # "up to" is an estimate's top
    assert not vague_bound(low=1000, high=1000).is_implied_by(range_)  # an exact figure
    assert not replace(vague_bound(low=1000), unit="attacks").is_implied_by(range_)
    assert not replace(vague_bound(low=1000), indicator="detainees").is_implied_by(range_)
    assert not vague_bound(low=1000).is_implied_by(replace(range_, high=None))  # two bounds
    kept = drop_implied_bounds([vague_bound(low=1000), vague_bound(low=20000), range_])
    assert [(o.low, o.high) for o in kept] == [(20000, None), (14000, 18000)]
