"""The digest service: sections, previous values, claims under pressure, bottom line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.chat.console.render import render_digest
from bot.services.digest import DigestService, compose_bottom_line, estimative_word

from .digest_fixtures import LENS, LedgerStore

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
