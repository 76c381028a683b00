"""Analyses: results round-trip with claims and observations; ledger and series ordering."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.models import AnalysisResult, Claim, ClaimScope, IndicatorObservation, Stance
from storage.repository import SqlStore

LENS = "premature_victory"
FETCHED_AT = datetime(2019, 8, 6, 12, 0, tzinfo=UTC)
AddDocument = Callable[..., int]


def build_result(
    *,
    claims: tuple[Claim, ...] = (),
    indicators: tuple[IndicatorObservation, ...] = (),
    model: str = "offline",
) -> AnalysisResult:
    return AnalysisResult(
        stance=Stance.SUPPORTS_PREMATURE,
        stance_reason="Thousands of fighters remain.",
        relevance=0.9,
        summary="ISIS keeps 14,000-18,000 members.",
        claims=claims,
        indicators=indicators,
        quotes_dropped=1,
        degraded=True,
        model=model,
        prompt_version="offline-rules",
    )


def build_claim(said_at: date | None, quote: str = "We have won against ISIS") -> Claim:
    return Claim("President", quote, 0, len(quote), ClaimScope.TOTAL, said_at=said_at)


def build_obs(as_of: date | None, low: float = 14_000) -> IndicatorObservation:
    quote = "between 14,000 and 18,000 members"
    return IndicatorObservation(
        "fighter_strength", quote, 10, 10 + len(quote), low, 18_000, "people", as_of
    )


def test_save_and_list_round_trips_the_result(store: SqlStore, add_document: AddDocument) -> None:
    document_id = add_document("We have won against ISIS. Between 14,000 and 18,000 members.")
    result = build_result(
        claims=(build_claim(date(2018, 12, 19)),), indicators=(build_obs(date(2019, 6, 30)),)
    )
    created_at = FETCHED_AT + timedelta(minutes=5)
    analysis_id = store.save_analysis(
        document_id, lens_id=LENS, result=result, created_at=created_at
    )
    [stored] = store.list_analyses(lens_id=LENS)
    assert stored.id == analysis_id
    assert stored.result == result
    assert stored.lens_id == LENS
    assert stored.created_at == created_at
    assert stored.document.id == document_id
    assert store.list_analyses(lens_id="another") == []


def test_saving_the_same_analysis_twice_keeps_the_first(
    store: SqlStore, add_document: AddDocument
) -> None:
    document_id = add_document("Some text.")
    first = store.save_analysis(
        document_id, lens_id=LENS, result=build_result(), created_at=FETCHED_AT
    )
    again = store.save_analysis(
        document_id,
        lens_id=LENS,
        result=build_result(claims=(build_claim(None),)),
        created_at=FETCHED_AT,
    )
    assert again == first
    [stored] = store.list_analyses(lens_id=LENS)
    assert stored.result.claims == ()


def test_list_analyses_since_filters_on_analysis_time_newest_document_first(
    store: SqlStore, add_document: AddDocument
) -> None:
    old = add_document("Old text.", slug="old", fetched_at=FETCHED_AT - timedelta(days=2))
    new = add_document("New text.", slug="new", fetched_at=FETCHED_AT)
    newest = add_document("Newest text.", slug="newest", fetched_at=FETCHED_AT + timedelta(hours=1))
    analyzed_at = {old: FETCHED_AT - timedelta(days=2), new: FETCHED_AT, newest: FETCHED_AT}
    # fetched before the digest's cut-off, analyzed after it: it belongs to the next digest
    late = add_document("Late text.", slug="late", fetched_at=FETCHED_AT - timedelta(minutes=5))
    analyzed_at[late] = FETCHED_AT + timedelta(minutes=1)
    for document_id, at in analyzed_at.items():
        store.save_analysis(document_id, lens_id=LENS, result=build_result(), created_at=at)

    def listed(since: datetime | None) -> list[int]:
        return [analysis.document.id for analysis in store.list_analyses(lens_id=LENS, since=since)]

    assert listed(None) == [newest, new, late, old]
    assert listed(FETCHED_AT) == [newest, new, late]
    assert listed(FETCHED_AT + timedelta(days=1)) == []


def test_claims_oldest_said_first_undated_last(store: SqlStore, add_document: AddDocument) -> None:
    document_id = add_document("Claims text.")
    claims = (
        build_claim(None, "liberated all"),
        build_claim(date(2019, 3, 23), "100 percent of the caliphate"),
        build_claim(date(2018, 12, 19), "We have won against ISIS"),
    )
    store.save_analysis(
        document_id, lens_id=LENS, result=build_result(claims=claims), created_at=FETCHED_AT
    )
    ledger = store.list_claims(lens_id=LENS)
    assert [stored.claim for stored in ledger] == [claims[2], claims[1], claims[0]]
    assert {stored.document.id for stored in ledger} == {document_id}
    assert store.list_claims(lens_id="another") == []


def test_observations_oldest_as_of_first_undated_last(
    store: SqlStore, add_document: AddDocument
) -> None:
    first = add_document("First report.", slug="first")
    second = add_document("Second report.", slug="second")
    store.save_analysis(
        first,
        lens_id=LENS,
        result=build_result(indicators=(build_obs(None), build_obs(date(2019, 6, 30), 18_000))),
        created_at=FETCHED_AT,
    )
    store.save_analysis(
        second,
        lens_id=LENS,
        result=build_result(indicators=(build_obs(date(2018, 8, 1), 20_000),)),
        created_at=FETCHED_AT,
    )
    series = store.list_observations(lens_id=LENS)
    assert [(stored.observation.as_of, stored.observation.low) for stored in series] == [
        (date(2018, 8, 1), 20_000),
        (date(2019, 6, 30), 18_000),
        (None, 14_000),
    ]
    assert [stored.document.id for stored in series] == [second, first, first]


@pytest.mark.parametrize("model", ["gpt-4o-mini", "offline"])
def test_each_model_gets_its_own_analysis(
    store: SqlStore, add_document: AddDocument, model: str
) -> None:
    document_id = add_document("Model text.")
    store.save_analysis(
        document_id, lens_id=LENS, result=build_result(model="other"), created_at=FETCHED_AT
    )
    second = store.save_analysis(
        document_id, lens_id=LENS, result=build_result(model=model), created_at=FETCHED_AT
    )
    assert second in {analysis.id for analysis in store.list_analyses(lens_id=LENS)}
    assert len(store.list_analyses(lens_id=LENS)) == 2
