"""Words in more than half the chunks are left out of SQLite searches, and the ranking stays
BM25's: the terms are the index's own, counted from the index, recounted as chunks grow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.db import create_engine_for
from storage.fts_terms import FTS_TOKENIZER, CommonTerms, Fts5Stemmer
from storage.migrate import upgrade_to_head
from storage.repository import SqlStore
from storage.search import search_chunks

AddDocument = Callable[..., int]
QUESTIONS = [
    "How many fighters does ISIS keep in Iraq and Syria?",
    "What did the inspector general report about detainees in al-Hol?",
    "Did ISIS leaders call on followers to keep fighting after the caliphate fell?",
    "Which officials declared victory over the Islamic State in 2019?",
    "Are ISIS attacks in Syria rising or falling?",
]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the pruning is about FTS5's BM25 (PostgreSQL's ts_rank_cd has no IDF)."""
    url = f"sqlite:///{tmp_path / 'briefbot.db'}"
    upgrade_to_head(url)
    return url


def indexed_terms(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        connection.execute(
            sa.text("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, chunk_fts, row)")
        )
        return {str(t): int(n) for t, n in connection.execute(sa.text("SELECT term, doc FROM v"))}


def test_the_stemmer_uses_the_chunk_indexs_tokenizer(engine: Engine) -> None:
    with engine.connect() as connection:
        sql = connection.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE name = 'chunk_fts'")
        ).scalar_one()
    assert f"tokenize='{FTS_TOKENIZER}'" in sql


def test_words_become_exactly_the_terms_the_index_holds(
    engine: Engine, add_document: AddDocument
) -> None:
    words = ["Fighters", "ISIS", "Élysée", "caliphate's", "retaking", "14,000", "ﬁghters"]
    add_document(" ".join(words), slug="words")

    stems = Fts5Stemmer().terms(words)

    assert stems[:2] == [("fighter",), ("isi",)]
    assert stems[3] == ("caliph", "s")  # one word, two index terms
    assert {term for terms in stems for term in terms} == set(indexed_terms(engine))
    assert Fts5Stemmer().terms(["!!", ""]) == [(), ()]


def test_words_in_more_than_half_the_chunks_are_left_out(
    engine: Engine, add_document: AddDocument
) -> None:
    for number in range(6):
        add_document(f"ISIS report {number} counts fighters", slug=f"report-{number}")
    add_document("Townsend declared victory", slug="statement")
    common = CommonTerms()

    with Session(engine) as session:
        assert common.drop_common(session, ["isis", "townsend", "fighters"]) == ["townsend"]
        assert common.drop_common(session, ["declared", "counts"]) == ["declared"]
        # every word common: the query is left as it was
        assert common.drop_common(session, ["isis", "report"]) == ["isis", "report"]
        assert common.drop_common(session, ["unknownword"]) == ["unknownword"]


def test_the_counts_are_redone_once_the_chunks_grow_by_a_tenth(
    engine: Engine, add_document: AddDocument
) -> None:
    for number in range(11):
        add_document(f"alpha item {number}", slug=f"alpha-{number}")
    for number in range(9):
        add_document(f"gamma item {number}", slug=f"gamma-{number}")
    common = CommonTerms()
    with Session(engine) as session:
        assert common.drop_common(session, ["alpha", "gamma"]) == ["gamma"]  # 11 of 20

    for number in range(2):  # 22 chunks: not yet a tenth more, the old counts stand
        add_document(f"gamma more {number}", slug=f"gamma-more-{number}")
    with Session(engine) as session:
        assert common.drop_common(session, ["alpha", "gamma"]) == ["gamma"]

    add_document("gamma last", slug="gamma-last")  # 23 chunks: recounted
    with Session(engine) as session:  # alpha is in 11 of 23 now, gamma in 12
        assert common.drop_common(session, ["alpha", "gamma"]) == ["alpha"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_ranking_is_bm25s_with_or_without_the_common_words(
    demo_database_url: str, question: str
) -> None:
    engine = create_engine_for(demo_database_url)
    try:
        with Session(engine) as session:
            plain = search_chunks(session=session, query=question, limit=5)
            pruned = search_chunks(
                session=session, query=question, limit=5, common_terms=CommonTerms()
            )
    finally:
        engine.dispose()
    assert [chunk for chunk, _ in pruned] == [chunk for chunk, _ in plain]
    assert [score for _, score in pruned] == pytest.approx([s for _, s in plain], abs=1e-4)


def test_the_demo_questions_do_lose_common_words(demo_database_url: str) -> None:
    """So the test above compares two different queries."""
    engine = create_engine_for(demo_database_url)
    try:
        with Session(engine) as session:
            dropped = [
                CommonTerms().drop_common(session, words) != words
                for words in (["isis", "fighters"], ["syria", "detainees"])
            ]
    finally:
        engine.dispose()
    assert dropped == [True, True]


def test_too_few_chunks_with_a_rare_word_rank_as_before(
    engine: Engine, add_document: AddDocument
) -> None:
    for number in range(5):
        add_document(f"ISIS fighters report {number}", slug=f"report-{number}")
    add_document("ISIS and Townsend", slug="statement")
    query = "Townsend ISIS"

    with Session(engine) as session:
        plain = search_chunks(session=session, query=query, limit=4)
        pruned = search_chunks(session=session, query=query, limit=4, common_terms=CommonTerms())

    assert len(pruned) == 4  # not just the one chunk that names Townsend
    assert pruned == plain


def test_the_store_searches_with_the_pruning(store: SqlStore, add_document: AddDocument) -> None:
    for number in range(6):
        add_document(f"ISIS fighters report {number}", slug=f"report-{number}")
    add_document("Townsend declared victory over ISIS", slug="statement")

    passages = store.search_passages("Townsend ISIS", limit=1)

    assert [p.chunk.text for p in passages] == ["Townsend declared victory over ISIS"]
    assert store._common_terms() is store._common_terms()  # one cache a store
