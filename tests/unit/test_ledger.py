"""The ledger service over fixed data (an in-memory store) and over SqlStore on SQLite; the
ledger's CSV renderers and their formula-injection guard."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.chat.console.ledger import (
    guard_cell,
    render_latest_table,
    render_ledger_csv,
    render_ledger_table,
    render_series_csv,
    render_trajectory_table,
    shorten,
)
from bot.domain.errors import ConfigError
from bot.domain.ledger import Bearing, SeriesRow
from bot.domain.models import (
    AnalysisResult,
    Claim,
    ClaimScope,
    Direction,
    Document,
    DocumentKind,
    FetchedDocument,
    IndicatorObservation,
    IndicatorSpec,
    Lens,
    Stance,
    StoredAnalysis,
    StoredClaim,
    StoredObservation,
)
from bot.domain.text import chunk_text, content_hash
from bot.services.ledger import LedgerService
from storage.db import create_engine_for
from storage.migrate import upgrade_engine_to_head
from storage.repository import SqlStore


def spec(name: str, direction: Direction) -> IndicatorSpec:
    return IndicatorSpec(name, name.replace("_", " ").capitalize(), "people", (), direction)


LENS = Lens(
    id="premature_victory",
    version=1,
    subject="ISIS",
    aliases=(),
    question="Is the declared victory over ISIS premature?",
    claim_cues=("won against",),
    indicators=(
        spec("fighter_strength", Direction.UP_IS_AGAINST_VICTORY),
        spec("territory_freed", Direction.UP_IS_FOR_VICTORY),
        spec("detainees", Direction.RISK),
    ),
)
CLAIM_TEXT = "The President said: We have won against ISIS. About 2,000 fighters remain."
CLAIM_QUOTE = "We have won against ISIS."


def build_document(doc_id: int, text: str, published: date | None) -> Document:
    return Document(
        id=doc_id,
        source_id=None,
        url=f"https://example.org/{doc_id}",
        canonical_url=f"https://example.org/{doc_id}",
        title=f"Document {doc_id}",
        text=text,
        kind=DocumentKind.REPORT,
        content_hash=f"h{doc_id}",
        fetched_at=datetime(2020, 1, 15, tzinfo=UTC),
        published_at=None
        if published is None
        else datetime(*published.timetuple()[:3], tzinfo=UTC),
    )


def observe(
    document: Document, indicator: str, as_of: date | None, low: float | None = None
) -> StoredObservation:
    quote = document.text
    obs = IndicatorObservation(indicator, quote, 0, len(quote), low, low, "people", as_of)
    return StoredObservation(obs, document)


STATEMENT = build_document(1, CLAIM_TEXT, date(2018, 12, 19))
CLAIM = Claim("The President", CLAIM_QUOTE, 20, 45, ClaimScope.TOTAL, date(2018, 12, 19))
OLD = build_document(2, "In 2018 the Pentagon counted 17,100 fighters.", date(2018, 8, 1))
FREED = build_document(3, "The territory is now 100 percent liberated.", date(2019, 3, 23))
REPORT = build_document(4, "ISIS retained 14,000 to 18,000 fighters.", date(2019, 8, 6))
CAMP = build_document(5, "Some 70,000 people are held at al-Hol.", None)  # fetched 2020-01-15
SAME_REPORT_LATER = build_document(6, "A revised count: 10,000 fighters.", date(2019, 8, 6))


def analysis(document: Document, stance: Stance) -> StoredAnalysis:
    result = AnalysisResult(stance, "reason", 0.5, "summary")
    return StoredAnalysis(document.id, document, result, LENS.id, datetime(2020, 1, 1, tzinfo=UTC))


@dataclass
class MemoryStore:
    """The ledger's read port over fixed lists."""

    claims: list[StoredClaim] = field(default_factory=list)
    observations: list[StoredObservation] = field(default_factory=list)
    analyses: list[StoredAnalysis] = field(default_factory=list)

    def list_analyses(self, *, lens_id: str, since: datetime | None = None) -> list[StoredAnalysis]:
        return list(self.analyses)

    def list_claims(self, *, lens_id: str) -> list[StoredClaim]:
        return list(self.claims)

    def list_observations(self, *, lens_id: str) -> list[StoredObservation]:
        return list(self.observations)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(
        claims=[StoredClaim(CLAIM, STATEMENT)],
        observations=[
            observe(OLD, "fighter_strength", date(2018, 8, 1), 17_100),
            observe(STATEMENT, "fighter_strength", date(2018, 12, 19), 2_000),
            observe(FREED, "territory_freed", date(2019, 3, 23), 100),
            observe(REPORT, "fighter_strength", date(2019, 6, 30), 14_000),
            observe(CAMP, "detainees", None, 70_000),
        ],
        analyses=[
            analysis(OLD, Stance.SUPPORTS_PREMATURE),
            analysis(STATEMENT, Stance.SUPPORTS_VICTORY),
            analysis(REPORT, Stance.SUPPORTS_PREMATURE),
            analysis(CAMP, Stance.MIXED),
        ],
    )


def test_entries_tag_later_evidence_from_other_documents_newest_first(store: MemoryStore) -> None:
    [entry] = LedgerService(store, LENS).entries()

    assert entry.said_on == date(2018, 12, 19)
    assert [(e.observation.document.id, e.bearing, e.dated) for e in entry.evidence] == [
        (CAMP.id, Bearing.AGAINST, date(2020, 1, 15)),  # risk bears against; dated by fetch
        (REPORT.id, Bearing.AGAINST, date(2019, 6, 30)),
        (FREED.id, Bearing.FOR, date(2019, 3, 23)),
    ]
    assert entry.newest(Bearing.AGAINST) == entry.evidence[0]
    assert entry.newest(Bearing.FOR) == entry.evidence[2]


def test_a_figure_outranks_a_newer_unquantified_mention(store: MemoryStore) -> None:
    remark = build_document(7, "Analysts said the group was regrouping.", date(2021, 1, 1))
    store.observations.append(observe(remark, "fighter_strength", date(2021, 1, 1)))
    [entry] = LedgerService(store, LENS).entries()
    newest = entry.newest(Bearing.AGAINST)
    assert newest is not None
    assert newest.observation.document.id == CAMP.id  # a figure, though older than the remark
    assert entry.evidence[-1].observation.document.id == remark.id


def test_entries_cap_evidence_per_bearing_and_keep_the_other_side(store: MemoryStore) -> None:
    store.observations += [
        observe(REPORT, "fighter_strength", date(2019, 7, day), 15_000 + day) for day in (1, 2, 3)
    ]
    [entry] = LedgerService(store, LENS).entries()

    bearings = [item.bearing for item in entry.evidence]
    assert bearings.count(Bearing.AGAINST) == 3
    assert bearings.count(Bearing.FOR) == 1


def test_entries_leave_out_unverified_and_repeated_quotes(store: MemoryStore) -> None:
    forged = Claim("Someone", "We crushed them all.", 0, 20, ClaimScope.TOTAL, date(2019, 1, 1))
    repeated = StoredClaim(CLAIM, build_document(9, "Again: We have won against ISIS.", None))
    store.claims += [StoredClaim(forged, STATEMENT), repeated]

    entries = LedgerService(store, LENS).entries()

    assert [entry.claim for entry in entries] == [StoredClaim(CLAIM, STATEMENT)]


def test_latest_values_pair_the_newest_with_a_previous_from_another_document(
    store: MemoryStore,
) -> None:
    store.observations.append(observe(REPORT, "fighter_strength", date(2019, 1, 1), 16_000))
    latest = {item.indicator: item for item in LedgerService(store, LENS).latest_values()}

    fighters = latest["fighter_strength"]
    assert fighters.latest.observation.low == 14_000
    assert fighters.previous is not None
    assert fighters.previous.document.id == STATEMENT.id  # not REPORT's older figure
    assert latest["detainees"].previous is None
    assert list(latest) == ["fighter_strength", "territory_freed", "detainees"]


def test_latest_values_skip_unquantified_observations(store: MemoryStore) -> None:
    store.observations = [observe(REPORT, "fighter_strength", date(2019, 6, 30))]
    assert LedgerService(store, LENS).latest_values() == []


def test_trajectory_counts_stances_and_bearings_by_document_month(store: MemoryStore) -> None:
    tallies = {t.month: t for t in LedgerService(store, LENS).trajectory()}

    assert list(tallies) == [
        date(2018, 8, 1),
        date(2018, 12, 1),
        date(2019, 3, 1),
        date(2019, 8, 1),
        date(2020, 1, 1),
    ]
    assert tallies[date(2018, 12, 1)].stance_count(Stance.SUPPORTS_VICTORY) == 1
    assert tallies[date(2018, 12, 1)].evidence_count(Bearing.AGAINST) == 1
    assert tallies[date(2019, 3, 1)].stance_count(Stance.SUPPORTS_PREMATURE) == 0
    assert tallies[date(2019, 3, 1)].evidence_count(Bearing.FOR) == 1
    assert tallies[date(2020, 1, 1)].stance_count(Stance.MIXED) == 1


def test_series_rows_filter_by_indicator_and_refuse_unknown_names(store: MemoryStore) -> None:
    ledger = LedgerService(store, LENS)

    rows = ledger.series_rows("fighter_strength")

    assert [row.low for row in rows] == [17_100, 2_000, 14_000]
    assert rows[0].title == OLD.title
    assert rows[0].url == OLD.url
    assert len(ledger.series_rows()) == 5
    with pytest.raises(ConfigError, match="no indicator named 'fighters'"):
        ledger.series_rows("fighters")


def test_a_lower_bound_its_documents_range_meets_is_not_a_value_of_the_series(
    store: MemoryStore,
) -> None:
    """The report's "at least 1,000" beside its 14,000-18,000 would chart as a fall."""
    ranged = replace(store.observations[3].observation, high=18_000)
    store.observations[3] = StoredObservation(ranged, REPORT)
    bound = replace(ranged, low=1_000, high=None, as_of=date(2019, 7, 1))
    store.observations.append(StoredObservation(bound, REPORT))
    ledger = LedgerService(store, LENS)

    assert [(row.low, row.high) for row in ledger.series_rows("fighter_strength")] == [
        (17_100, 17_100),
        (2_000, 2_000),
        (14_000, 18_000),
    ]
    latest = {item.indicator: item for item in ledger.latest_values()}
    assert latest["fighter_strength"].latest.observation.low == 14_000


def test_renderers_show_the_ledger(store: MemoryStore) -> None:
    ledger = LedgerService(store, LENS)
    for table in (
        render_ledger_table(ledger.entries()),
        render_latest_table(ledger.latest_values()),
        render_trajectory_table(ledger.trajectory()),
    ):
        assert table.row_count > 0


def test_shorten_cuts_at_a_word_for_display_only() -> None:
    text = "word " * 60
    assert shorten(text, 40).endswith("…")
    assert len(shorten(text, 40)) <= 41
    assert shorten("short  quote") == "short quote"


@pytest.mark.parametrize(
    ("cell", "guarded"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 call", "'+1 call"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("plain, with comma", "plain, with comma"),
    ],
)
def test_guard_cell_defuses_formulas(cell: str, guarded: str) -> None:
    assert guard_cell(cell) == guarded


def test_series_csv_quotes_properly_and_guards_formulas() -> None:
    row = SeriesRow(
        date(2019, 6, 30),
        "fighter_strength",
        14_000,
        18_000.5,
        "people",
        '=cmd|" /c calc"!A1',
        "https://example.org/r",
        'He said, "14,000 remain"\nin Syria.',
    )
    text = render_series_csv([row])

    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == ["as_of", "indicator", "low", "high", "unit", "title", "url", "quote"]
    assert parsed[1] == [
        "2019-06-30",
        "fighter_strength",
        "14000",
        "18000.5",
        "people",
        '\'=cmd|" /c calc"!A1',
        "https://example.org/r",
        'He said, "14,000 remain"\nin Syria.',
    ]


def test_ledger_csv_has_the_full_quote_and_newest_evidence_each_way(store: MemoryStore) -> None:
    text = render_ledger_csv(LedgerService(store, LENS).entries())

    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["quote"] == CLAIM_QUOTE
    assert row["said_on"] == "2018-12-19"
    assert row["against_indicator"] == "detainees"
    assert row["for_as_of"] == "2019-03-23"


def test_ledger_over_sqlstore_on_sqlite(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        upgrade_engine_to_head(engine)
        store = SqlStore(engine)
        statement = save(store, STATEMENT, claims=(CLAIM,))
        report = save(
            store,
            REPORT,
            indicators=(
                observe(REPORT, "fighter_strength", date(2019, 6, 30), 14_000).observation,
            ),
        )
        [entry] = LedgerService(store, LENS).entries()
        latest = LedgerService(store, LENS).latest_values()
    finally:
        engine.dispose()
    assert entry.claim.document.id == statement
    assert [(e.observation.document.id, e.bearing) for e in entry.evidence] == [
        (report, Bearing.AGAINST)
    ]
    assert [item.latest.observation.low for item in latest] == [14_000]


def save(store: SqlStore, document: Document, **found: object) -> int:
    fetched = FetchedDocument(
        url=document.url,
        canonical_url=document.canonical_url,
        title=document.title,
        text=document.text,
        kind=document.kind,
        published_at=document.published_at,
    )
    stored = store.add_document(
        fetched,
        source_id=None,
        content_hash=content_hash(document.text),
        bands=(),
        chunks=chunk_text(document.text),
        fetched_at=document.fetched_at,
    )
    result = AnalysisResult(Stance.MIXED, "reason", 0.5, "summary", **found)  # type: ignore[arg-type]
    store.save_analysis(stored.id, lens_id=LENS.id, result=result, created_at=document.fetched_at)
    return stored.id
