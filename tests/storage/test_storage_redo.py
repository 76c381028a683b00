"""Degraded analyses (listed, deleted with their claims and observations) and the llm_call log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.domain.models import (
    AnalysisResult,
    Claim,
    ClaimScope,
    IndicatorObservation,
    LLMCall,
    PromptRef,
    Stance,
)
from bot.domain.text import chunk_text, content_hash
from storage.repository import SqlStore

LENS = "premature_victory"
MODEL = "gpt-4o-mini"
PROMPT = "extract@v1"
AT = datetime(2019, 8, 6, 12, 0, tzinfo=UTC)
TEXT = "We have won against ISIS. Between 14,000 and 18,000 members remain."
AddDocument = Callable[..., int]


def build_result(*, degraded: bool, model: str = MODEL) -> AnalysisResult:
    claim_quote = "We have won against ISIS."
    obs_quote = "Between 14,000 and 18,000 members remain."
    start = TEXT.index(obs_quote)
    return AnalysisResult(
        stance=Stance.SUPPORTS_PREMATURE,
        stance_reason="Members remain.",
        relevance=0.8,
        summary=TEXT,
        claims=(Claim("President", claim_quote, 0, len(claim_quote), ClaimScope.TOTAL),),
        indicators=(
            IndicatorObservation(
                "fighter_strength", obs_quote, start, start + len(obs_quote), 14_000, 18_000
            ),
        ),
        degraded=degraded,
        model=model,
        prompt_version=PROMPT,
    )


def save(store: SqlStore, document_id: int, result: AnalysisResult) -> int:
    return store.save_analysis(document_id, lens_id=LENS, result=result, created_at=AT)


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_degraded_documents_lists_only_degraded_current_readings(
    store: SqlStore, add_document: AddDocument
) -> None:
    degraded = add_document(TEXT, slug="degraded", fetched_at=AT + timedelta(hours=1))
    fine = add_document(TEXT + " More.", slug="fine")
    older = add_document(TEXT + " Older.", slug="older", fetched_at=AT - timedelta(hours=1))
    save(store, degraded, build_result(degraded=True))
    save(store, fine, build_result(degraded=False))
    save(store, older, build_result(degraded=True))
    save(store, fine, build_result(degraded=True, model="other-model"))

    found = store.degraded_documents(lens_id=LENS, model=MODEL, prompt_version=PROMPT)

    assert [document.id for document in found] == [older, degraded]
    assert store.degraded_documents(lens_id="other", model=MODEL, prompt_version=PROMPT) == []
    assert store.degraded_documents(lens_id=LENS, model=MODEL, prompt_version="x@v2") == []


def test_degraded_reading_of_an_old_text_is_not_listed(
    store: SqlStore, add_document: AddDocument, make_fetched: Callable[..., object]
) -> None:
    document_id = add_document(TEXT)
    save(store, document_id, build_result(degraded=True))
    revised = TEXT + " The report was revised."
    store.revise_document(
        document_id,
        make_fetched(revised),  # type: ignore[arg-type]
        content_hash=content_hash(revised),
        bands=(),
        chunks=chunk_text(revised),
        fetched_at=AT + timedelta(days=1),
    )
    assert store.degraded_documents(lens_id=LENS, model=MODEL, prompt_version=PROMPT) == []


def test_delete_analysis_removes_its_claims_and_observations(
    store: SqlStore, engine: Engine, add_document: AddDocument
) -> None:
    document_id = add_document(TEXT)
    other = add_document(TEXT + " Other.", slug="other")
    save(store, document_id, build_result(degraded=True))
    save(store, other, build_result(degraded=True))
    save(store, document_id, build_result(degraded=False, model="offline"))

    deleted = store.delete_analysis(document_id, lens_id=LENS, model=MODEL, prompt_version=PROMPT)

    assert deleted is True
    assert count_rows(engine, "analysis") == 2
    assert count_rows(engine, "claim") == 2
    assert count_rows(engine, "indicator_obs") == 2
    remaining = {(a.document.id, a.result.model) for a in store.list_analyses(lens_id=LENS)}
    assert remaining == {(other, MODEL), (document_id, "offline")}
    assert store.degraded_documents(lens_id=LENS, model=MODEL, prompt_version=PROMPT)[0].id == other


def test_delete_analysis_without_one_is_false(store: SqlStore, add_document: AddDocument) -> None:
    document_id = add_document(TEXT)
    assert not store.delete_analysis(document_id, lens_id=LENS, model=MODEL, prompt_version=PROMPT)
    assert not store.delete_analysis(999, lens_id=LENS, model=MODEL, prompt_version=PROMPT)


def test_the_document_can_be_analyzed_again_after_delete(
    store: SqlStore, add_document: AddDocument
) -> None:
    document_id = add_document(TEXT)
    save(store, document_id, build_result(degraded=True))
    store.delete_analysis(document_id, lens_id=LENS, model=MODEL, prompt_version=PROMPT)
    pending = store.documents_to_analyze(lens_id=LENS, model=MODEL, prompt_version=PROMPT)
    assert [document.id for document in pending] == [document_id]

    save(store, document_id, build_result(degraded=False))

    [stored] = store.list_analyses(lens_id=LENS)
    assert stored.result.degraded is False
    assert len(stored.result.claims) == 1


def test_record_llm_call_stores_prompt_label_hash_and_usage(
    store: SqlStore, engine: Engine
) -> None:
    call = LLMCall(
        prompt=PromptRef("extract", 2, "ab" * 32),
        model=MODEL,
        request='{"messages": []}',
        created_at=AT,
        response='{"claims": []}',
        tokens_in=1200,
        tokens_out=80,
        latency_ms=950,
    )
    failed = replace(call, response=None, tokens_in=None, tokens_out=None, error="HTTP 503")

    store.record_llm_call(call)
    store.record_llm_call(failed)

    assert store.list_llm_calls() == [call, failed]
    with engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT prompt_id, prompt_version, prompt_sha256 FROM llm_call ORDER BY id")
        ).first()
    assert tuple(row or ()) == ("extract", "extract@v2", "ab" * 32)


def test_claims_of_a_deleted_analysis_leave_the_ledger(
    store: SqlStore, add_document: AddDocument
) -> None:
    document_id = add_document(TEXT)
    save(store, document_id, build_result(degraded=True))
    assert len(store.list_claims(lens_id=LENS)) == 1
    store.delete_analysis(document_id, lens_id=LENS, model=MODEL, prompt_version=PROMPT)
    assert store.list_claims(lens_id=LENS) == []
    assert store.list_observations(lens_id=LENS) == []
