"""Full-text search: relevant chunks first, and no user text can break the query."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage.repository import SqlStore
from storage.search import MAX_TERMS, build_fts5_query, build_tsquery, extract_terms

AddDocument = Callable[..., int]
IG_REPORT = (
    "The Lead Inspector General estimated that ISIS retains between 14,000 and 18,000 fighters "
    "in Iraq and Syria. "
    "Detention camps such as al-Hol hold tens of thousands of people. "
    "The group continues to conduct attacks in rural areas."
)
STATEMENT = "We have won against ISIS. We have beaten them and we have beaten them badly."
HOSTILE_QUERIES = [
    '"',
    '""',
    "AND OR NOT",
    "*",
    "NEAR(",
    "NEAR(fighters camps, 2)",
    "'; DROP TABLE chunk; --",
    "fighters AND",
    "^fighters",
    "text:fighters",
    "{text}: camps",
    "fighters' OR '1'='1",
    "!&|():*<->",
    "\\x00\x00",
    "x" * 100_000,
    "fighters " * 20_000,
    "ИГИЛ боевики 伊斯兰国 داعش 🏳️",
    "ﬁghters",
    "",
    "   ",
]


@pytest.fixture
def documents(add_document: AddDocument) -> tuple[int, int]:
    report = add_document(IG_REPORT, slug="ig-report", max_chars=120)
    statement = add_document(STATEMENT, slug="statement", max_chars=120)
    return report, statement


def test_relevant_chunk_comes_first(store: SqlStore, documents: tuple[int, int]) -> None:
    report, _ = documents
    passages = store.search_passages("how many fighters does ISIS keep?")
    assert passages
    best = passages[0]
    assert best.document.id == report
    assert "14,000 and 18,000 fighters" in best.chunk.text
    assert IG_REPORT[best.chunk.start : best.chunk.end] == best.chunk.text
    assert [passage.score for passage in passages] == sorted(
        (passage.score for passage in passages), reverse=True
    )


def test_words_are_stemmed(store: SqlStore, documents: tuple[int, int]) -> None:
    passages = store.search_passages("camp detained")
    assert "al-Hol" in passages[0].chunk.text


def test_limit_and_document_filter(store: SqlStore, documents: tuple[int, int]) -> None:
    report, statement = documents
    assert len(store.search_passages("ISIS", limit=1)) == 1
    only_statement = store.search_passages("ISIS", document_ids=[statement])
    assert {passage.document.id for passage in only_statement} == {statement}
    assert store.search_passages("ISIS", document_ids=[]) == []
    assert store.search_passages("ISIS", limit=0) == []
    assert {p.document.id for p in store.search_passages("ISIS")} == {report, statement}


def test_stopwords_only_and_unknown_words_find_nothing(
    store: SqlStore, documents: tuple[int, int]
) -> None:
    assert store.search_passages("what is the") == []
    assert store.search_passages("zeppelin") == []


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=range(len(HOSTILE_QUERIES)))
def test_hostile_queries_never_fail(
    store: SqlStore, documents: tuple[int, int], query: str
) -> None:
    passages = store.search_passages(query)
    assert isinstance(passages, list)
    assert store.get_documents(list(documents))  # the tables are still there


def test_hostile_query_with_a_real_word_still_matches(
    store: SqlStore, documents: tuple[int, int]
) -> None:
    passages = store.search_passages('NEAR("camps" * AND OR NOT\'; --')
    assert passages
    assert "camps" in passages[0].chunk.text


def test_extract_terms_keeps_words_and_drops_stopwords() -> None:
    assert extract_terms("How many FIGHTERS does ISIS keep? fighters!") == [
        "many",
        "fighters",
        "isis",
        "keep",
    ]
    assert extract_terms("al-Hol 14,000") == ["al", "hol", "14", "000"]
    assert extract_terms('"*^:()') == []
    assert len(extract_terms(" ".join(f"w{i}" for i in range(1000)))) == MAX_TERMS
    assert extract_terms("x" * 100_000) == []


def test_query_builders_quote_each_term() -> None:
    assert build_fts5_query(["near", "isis"]) == '"near" OR "isis"'
    assert build_tsquery(["near", "isis"]) == "'near' | 'isis'"
    assert build_fts5_query(['a"b']) == '"a""b"'
    assert build_tsquery(["a'b"]) == "'a''b'"


def test_index_follows_deletes_and_updates(
    store: SqlStore, engine: Engine, documents: tuple[int, int]
) -> None:
    report, statement = documents
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM document WHERE id = :id"), {"id": report})
        connection.execute(
            sa.text("UPDATE chunk SET text = 'Zeppelin sightings' WHERE document_id = :id"),
            {"id": statement},
        )
    assert store.search_passages("fighters camps attacks") == []
    assert store.search_passages("beaten") == []
    [passage] = store.search_passages("zeppelin")
    assert passage.document.id == statement
