"""Revisions: a changed text replaces the current one, the old one is kept as a version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import StorageError
from bot.domain.models import (
    AnalysisResult,
    Claim,
    ClaimScope,
    Document,
    DocumentVersion,
    FetchedDocument,
    Stance,
)
from bot.domain.text import chunk_text, content_hash
from storage.repository import SqlStore

FETCHED_AT = datetime(2019, 8, 6, 12, 0, tzinfo=UTC)
REVISED_AT = FETCHED_AT + timedelta(hours=6)
ORIGINAL = "ISIS retains between 14,000 and 18,000 members. Zeppelin sightings were reported."
REVISED = "ISIS retains between 14,000 and 18,000 members. Mortar attacks rose in Deir ez-Zor."
LENS = "premature_victory"
MakeFetched = Callable[..., FetchedDocument]


def _result(quote: str, *, model: str = "m1") -> AnalysisResult:
    claim = Claim("Analyst", quote, 0, len(quote), ClaimScope.TOTAL)
    return AnalysisResult(
        Stance.NEUTRAL, "", 0.5, "s", claims=(claim,), model=model, prompt_version="extract@1"
    )


def _pending(store: SqlStore, *, model: str = "m1") -> list[int]:
    found = store.documents_to_analyze(lens_id=LENS, model=model, prompt_version="extract@1")
    return [document.id for document in found]


@pytest.fixture
def original(store: SqlStore, make_fetched: MakeFetched) -> Document:
    return store.add_document(
        make_fetched(ORIGINAL, title="First title", language="en"),
        source_id=None,
        content_hash=content_hash(ORIGINAL),
        bands=(10, 11, 12),
        chunks=chunk_text(ORIGINAL, max_chars=60),
        fetched_at=FETCHED_AT,
    )


def _revise(
    store: SqlStore,
    document: Document,
    fetched: FetchedDocument,
    *,
    at: datetime = REVISED_AT,
    bands: tuple[int, ...] = (20, 21, 22),
) -> Document:
    return store.revise_document(
        document.id,
        fetched,
        content_hash=content_hash(fetched.text),
        bands=bands,
        chunks=chunk_text(fetched.text, max_chars=60),
        fetched_at=at,
    )


def test_revise_replaces_the_text_and_keeps_the_old_one_as_version_1(
    store: SqlStore, original: Document, make_fetched: MakeFetched
) -> None:
    fetched = make_fetched(
        REVISED, title="Second title", published_at=None, language=None, page_starts=(0, 40)
    )
    revised = _revise(store, original, fetched)
    assert revised.id == original.id
    assert (revised.text, revised.title) == (REVISED, "Second title")
    assert revised.content_hash == content_hash(REVISED)
    assert (revised.version, revised.updated_at) == (2, REVISED_AT)
    assert revised.fetched_at == FETCHED_AT  # first seen
    assert revised.published_at == original.published_at  # the new reading had no date
    assert (revised.language, revised.page_starts) == ("en", (0, 40))
    assert store.get_documents([original.id]) == [revised]
    assert store.list_versions(original.id) == [
        DocumentVersion(
            document_id=original.id,
            version=1,
            title="First title",
            text=ORIGINAL,
            content_hash=original.content_hash,
            fetched_at=FETCHED_AT,
            published_at=original.published_at,
        )
    ]


def test_each_revision_adds_a_version_read_when_its_text_was_read(
    store: SqlStore, original: Document, make_fetched: MakeFetched
) -> None:
    _revise(store, original, make_fetched(REVISED))
    third = _revise(store, original, make_fetched(REVISED + " More."), at=REVISED_AT + timedelta(1))
    assert third.version == 3
    versions = store.list_versions(original.id)
    assert [(v.version, v.text, v.fetched_at) for v in versions] == [
        (1, ORIGINAL, FETCHED_AT),
        (2, REVISED, REVISED_AT),
    ]


def test_search_finds_the_new_text_not_the_old(
    store: SqlStore, original: Document, make_fetched: MakeFetched
) -> None:
    assert store.search_passages("zeppelin")
    _revise(store, original, make_fetched(REVISED))
    assert store.search_passages("zeppelin") == []
    [passage] = store.search_passages("mortar")
    assert passage.document.id == original.id
    assert REVISED[passage.chunk.start : passage.chunk.end] == passage.chunk.text


def test_bands_are_replaced(store: SqlStore, original: Document, make_fetched: MakeFetched) -> None:
    assert [d.id for d in store.find_near_duplicates([10])] == [original.id]
    _revise(store, original, make_fetched(REVISED), bands=(30, 31))
    assert store.find_near_duplicates([10, 11, 12]) == []
    assert [d.id for d in store.find_near_duplicates([31])] == [original.id]


def test_the_same_text_again_changes_nothing(
    store: SqlStore, original: Document, make_fetched: MakeFetched
) -> None:
    again = _revise(store, original, make_fetched(ORIGINAL, title="Other"))
    assert again == original
    assert store.list_versions(original.id) == []


def test_unknown_document_is_refused(
    store: SqlStore, original: Document, make_fetched: MakeFetched
) -> None:
    with pytest.raises(StorageError, match="no document"):
        _revise(store, replace(original, id=424_242), make_fetched(REVISED))


def test_a_text_another_document_has_is_refused_and_nothing_changes(
    store: SqlStore, original: Document, make_fetched: MakeFetched, add_document: Callable[..., int]
) -> None:
    add_document(REVISED, slug="other")
    with pytest.raises(StorageError):
        _revise(store, original, make_fetched(REVISED))
    assert store.get_documents([original.id]) == [original]
    assert store.list_versions(original.id) == []
    assert store.search_passages("zeppelin")


def test_a_revised_document_is_analyzed_again_an_unchanged_one_is_not(
    store: SqlStore, original: Document, make_fetched: MakeFetched, add_document: Callable[..., int]
) -> None:
    unchanged = add_document("Attacks rose in Syria.", slug="unchanged")
    for document_id in (original.id, unchanged):
        store.save_analysis(
            document_id, lens_id=LENS, result=_result("ISIS retains"), created_at=FETCHED_AT
        )
    assert _pending(store) == []
    _revise(store, original, make_fetched(REVISED))
    assert _pending(store) == [original.id]
    assert _pending(store, model="m2") == [original.id, unchanged]

    second = store.save_analysis(
        original.id, lens_id=LENS, result=_result("Mortar attacks"), created_at=REVISED_AT
    )
    assert _pending(store) == []
    again = store.save_analysis(
        original.id, lens_id=LENS, result=_result("ignored"), created_at=REVISED_AT
    )
    assert again == second


def test_lists_show_only_the_analysis_of_the_current_text(
    store: SqlStore, original: Document, make_fetched: MakeFetched
) -> None:
    store.save_analysis(
        original.id, lens_id=LENS, result=_result("Zeppelin sightings"), created_at=FETCHED_AT
    )
    _revise(store, original, make_fetched(REVISED))
    assert store.list_claims(lens_id=LENS) == []  # the old quote is not in the current text
    store.save_analysis(
        original.id, lens_id=LENS, result=_result("Mortar attacks"), created_at=REVISED_AT
    )
    [analysis] = store.list_analyses(lens_id=LENS)
    assert analysis.result.claims[0].quote == "Mortar attacks"
    assert [stored.claim.quote for stored in store.list_claims(lens_id=LENS)] == ["Mortar attacks"]
