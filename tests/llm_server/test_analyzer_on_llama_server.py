"""The LLM analyzer and the analyze service against a real llama-server, on corpus documents.

Gemma 3 270M is a base model: what it extracts is mostly nonsense. These tests assert what must
hold whatever it writes: every quote in a result is the document's own text at its offsets, every
quote the model invented is dropped and counted, and the store keeps only verified quotes.

The corpus (``../shared/corpus``) is read at run time; none of its text is copied here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.analysis.json_reply import parse_json_object
from bot.analysis.lens import load_lens
from bot.analysis.llm import LLMConfig, OpenAICompatibleClient
from bot.analysis.llm_analyzer import LLMAnalyzer
from bot.analysis.offline import OfflineAnalyzer
from bot.analysis.prompts import load_prompt
from bot.domain.models import (
    AnalysisResult,
    Document,
    DocumentKind,
    FetchedDocument,
    Lens,
    LLMCall,
)
from bot.domain.quotes import find_quote
from bot.domain.text import chunk_text, content_hash
from bot.services.analyze import AnalyzeService
from storage.repository import SqlStore
from tests.llm_server.support import LlamaServer, RecordingSleep, bounded_schema, schema_violations

pytestmark = pytest.mark.llm_server

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / ".." / "shared" / "corpus" / "documents.jsonl"
PROMPTS = REPO / "prompts"
LENS_PATH = PROMPTS / "lenses" / "premature_victory.yaml"
DOCUMENTS = 3  # the shortest corpus documents: one part each, about 15 s each on 2 cores
TIMEOUT_SECONDS = 300.0
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ITEM_LISTS = ("claims", "indicators")


class FixedClock:
    def now(self) -> datetime:
        return NOW


@dataclass(frozen=True, slots=True)
class Reading:
    """One document as the analyzer read it, with the llm_call rows that reading wrote."""

    document: Document
    result: AnalysisResult
    calls: tuple[LLMCall, ...]


class RecordingAnalyzer:
    """Passes ``analyze`` through and keeps each result with the calls logged meanwhile."""

    def __init__(self, inner: LLMAnalyzer, store: SqlStore) -> None:
        self._inner = inner
        self._store = store
        self.readings: list[Reading] = []

    @property
    def model(self) -> str:
        return self._inner.model

    @property
    def prompt_version(self) -> str:
        return self._inner.prompt_version

    def analyze(self, document: Document, lens: Lens) -> AnalysisResult:
        before = len(self._store.list_llm_calls())
        result = self._inner.analyze(document, lens)
        calls = tuple(self._store.list_llm_calls()[before:])
        self.readings.append(Reading(document, result, calls))
        return result


@pytest.fixture(scope="module")
def corpus_rows() -> list[dict[str, Any]]:
    """The ``DOCUMENTS`` shortest corpus documents."""
    if not CORPUS.is_file():
        reason = f"the development corpus is not at {CORPUS.parent} (it lives beside the repo)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    return sorted(rows, key=lambda row: (len(row["text"]), row["id"]))[:DOCUMENTS]


@pytest.fixture
def documents(store: SqlStore, corpus_rows: list[dict[str, Any]]) -> list[Document]:
    """The corpus documents, stored (chunked, hashed) as the collector would store them."""
    stored = []
    for row in corpus_rows:
        fetched = FetchedDocument(
            url=row["url"],
            canonical_url=row["url"],
            title=row["title"],
            text=row["text"],
            kind=DocumentKind(row["kind"]),
            speaker=row.get("speaker"),
        )
        stored.append(
            store.add_document(
                fetched,
                source_id=None,
                content_hash=content_hash(row["text"]),
                bands=(),
                chunks=chunk_text(row["text"]),
                fetched_at=NOW,
            )
        )
    return stored


def reply_items(call: LLMCall) -> list[Any]:
    """The claim and indicator items of the extract reply the call got back."""
    assert call.response is not None
    content = json.loads(call.response)["choices"][0]["message"]["content"]
    data = parse_json_object(content)
    return [item for name in ITEM_LISTS for item in data.get(name, [])]


def is_invented(item: Any, text: str) -> bool:
    """Whether the item's quote is nowhere in ``text`` (an item without a quote counts too)."""
    quote = item.get("quote") if isinstance(item, dict) else None
    return not isinstance(quote, str) or find_quote(quote, text) is None


def test_every_invented_quote_is_dropped_and_only_verified_quotes_are_stored(
    llama_server: LlamaServer,
    http: httpx.Client,
    store: SqlStore,
    documents: list[Document],
    summary_lines: list[str],
) -> None:
    lens = load_lens(LENS_PATH)
    extract = load_prompt(PROMPTS, "extract", 1)
    assert extract.output_schema is not None
    schema = bounded_schema(extract.output_schema)
    config = LLMConfig(llama_server.base_url, llama_server.model, timeout=TIMEOUT_SECONDS)
    client = OpenAICompatibleClient(http, config, call_log=store, sleep=RecordingSleep())
    analyzer = RecordingAnalyzer(
        LLMAnalyzer(client, replace(extract, output_schema=schema), fallback=OfflineAnalyzer()),
        store,
    )
    service = AnalyzeService(analyzer=analyzer, store=store, lens=lens, clock=FixedClock())

    report = service.analyze_pending()

    assert [outcome.error for outcome in report.outcomes] == [None] * DOCUMENTS
    assert {reading.document.id for reading in analyzer.readings} == {d.id for d in documents}
    read_by_model = [reading for reading in analyzer.readings if not reading.result.degraded]
    assert read_by_model, "no document was read by the model: the JSON-schema path failed"
    invented_total = 0
    for reading in analyzer.readings:
        text, result = reading.document.text, reading.result
        spans = [(c.quote, c.start, c.end) for c in result.claims]
        spans += [(o.quote, o.start, o.end) for o in result.indicators]
        assert all(text[start:end] == quote for quote, start, end in spans)
        if result.degraded:
            continue
        assert reading.calls, "a reading by the model wrote no llm_call row"
        assert all(call.error is None for call in reading.calls)
        assert result.tokens_in == sum(call.tokens_in or 0 for call in reading.calls) > 0
        assert result.tokens_out == sum(call.tokens_out or 0 for call in reading.calls) > 0
        items: list[Any] = []
        for call in reading.calls:
            assert json.loads(call.request)["response_format"]["type"] == "json_schema"
            content = json.loads(call.response or "{}")["choices"][0]["message"]["content"]
            assert schema_violations(parse_json_object(content), schema) == []
            items += reply_items(call)
        invented = sum(is_invented(item, text) for item in items)
        kept = len(result.claims) + len(result.indicators)
        # Invented quotes are always dropped; items with a real quote may be dropped too (an
        # unknown indicator name) or merged (the same span twice), never kept beyond the reply.
        assert invented <= result.quotes_dropped
        assert kept + result.quotes_dropped <= len(items)
        invented_total += invented

    stored_claims = store.list_claims(lens_id=lens.id)
    stored_observations = store.list_observations(lens_id=lens.id)
    for claim in stored_claims:
        assert claim.document.text[claim.claim.start : claim.claim.end] == claim.claim.quote
    for stored in stored_observations:
        observation = stored.observation
        assert stored.document.text[observation.start : observation.end] == observation.quote
    assert len(stored_claims) == sum(len(r.result.claims) for r in analyzer.readings)
    assert len(stored_observations) == sum(len(r.result.indicators) for r in analyzer.readings)
    assert report.quotes_dropped == sum(r.result.quotes_dropped for r in analyzer.readings)

    summary_lines.append(
        f"analyzer: {len(read_by_model)}/{DOCUMENTS} documents read by the model; "
        f"{invented_total} invented quotes, {report.quotes_dropped} items dropped; "
        f"kept {len(stored_claims)} claims and {len(stored_observations)} observations, "
        f"all verbatim"
    )
