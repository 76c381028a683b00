"""The SQLite mode's tantivy chunk index: used for search, kept in step with the chunk table
through the change log, rebuilt when it can't be trusted, and never in the way (FTS5 answers
while another process writes it or when it fails)."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.domain.models import DocumentKind, FetchedDocument
from bot.domain.text import chunk_text, content_hash
from storage.chunk_index import ChunkIndex, index_path_for
from storage.db import create_engine_for
from storage.migrate import upgrade_engine_to_head, upgrade_to_head
from storage.repository import SqlStore

FETCHED_AT = datetime(2019, 8, 6, 12, 0, tzinfo=UTC)
IG = "The Lead Inspector General counted between 14,000 and 18,000 fighters in Iraq and Syria."
CAMPS = "Detention camps such as al-Hol hold tens of thousands of people."
ZEPPELIN = "Observers reported zeppelin sightings over the desert."
BUILT = "search index built"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "briefbot.db"
    upgrade_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture
def engine(database: Path) -> Iterator[Engine]:
    engine = create_engine_for(f"sqlite:///{database}")
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SqlStore:
    return SqlStore(engine)


def add(store: SqlStore, text: str, slug: str) -> int:
    fetched = FetchedDocument(
        url=f"https://example.org/{slug}",
        canonical_url=f"https://example.org/{slug}",
        title=slug,
        text=text,
        kind=DocumentKind.REPORT,
        published_at=datetime(2019, 8, 5, tzinfo=UTC),
    )
    document = store.add_document(
        fetched,
        source_id=None,
        content_hash=content_hash(text),
        bands=(),
        chunks=chunk_text(text, max_chars=200),
        fetched_at=FETCHED_AT,
    )
    return document.id


def empty_fts5(engine: Engine) -> None:
    """Leave FTS5 nothing to find, so what a search finds came from the tantivy index."""
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO chunk_fts(chunk_fts) VALUES ('delete-all')"))


def found_text(store: SqlStore, query: str) -> list[str]:
    return [passage.chunk.text for passage in store.search_passages(query)]


def count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_search_answers_from_the_index_beside_the_database(
    store: SqlStore, engine: Engine, database: Path
) -> None:
    add(store, IG, "ig")
    add(store, CAMPS, "camps")
    empty_fts5(engine)
    assert found_text(store, "how many fighters?") == [IG]
    assert (index_path_for(str(database)) / "meta.json").is_file()


def test_new_revised_and_deleted_chunks_are_applied_from_the_log(
    store: SqlStore, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    ig = add(store, IG, "ig")
    assert found_text(store, "fighters") == [IG]
    caplog.set_level(logging.INFO, logger="storage.chunk_index")
    add(store, CAMPS, "camps")
    revised = FetchedDocument(
        url="https://example.org/ig",
        canonical_url="https://example.org/ig",
        title="ig",
        text=ZEPPELIN,
        kind=DocumentKind.REPORT,
        published_at=datetime(2019, 8, 5, tzinfo=UTC),
    )
    # The revision deletes the newest chunks' rows and inserts new ones: ids are reused.
    store.revise_document(
        ig,
        revised,
        content_hash=content_hash(ZEPPELIN),
        bands=(),
        chunks=chunk_text(ZEPPELIN, max_chars=200),
        fetched_at=FETCHED_AT,
    )
    empty_fts5(engine)
    assert found_text(store, "camps") == [CAMPS]
    assert found_text(store, "zeppelin") == [ZEPPELIN]
    assert found_text(store, "fighters") == []
    assert BUILT not in caplog.text  # applied, not rebuilt
    assert count(engine, "chunk_change") == 0  # what was applied is pruned


def test_only_the_given_documents_are_searched(store: SqlStore, engine: Engine) -> None:
    add(store, IG, "ig")
    camps = add(store, CAMPS + " " + IG, "camps")
    empty_fts5(engine)
    passages = store.search_passages("fighters", document_ids=[camps])
    assert [p.document.id for p in passages] == [camps]
    assert store.search_passages("fighters", document_ids=[]) == []


def test_words_in_most_chunks_rank_nothing_when_rarer_ones_fill_the_list(
    store: SqlStore, engine: Engine
) -> None:
    for number in range(6):
        add(store, f"ISIS report {number} about the war, the war, the war.", f"war-{number}")
    add(store, "ISIS fighters regroup.", "fighters")
    empty_fts5(engine)
    [best, *rest] = store.search_passages("ISIS war fighters", limit=3)
    assert best.chunk.text == "ISIS fighters regroup."
    assert len(rest) == 2  # too few chunks hold "fighters": the common words fill the list


def test_a_database_restored_from_a_backup_gets_its_index_rebuilt(
    tmp_path: Path, database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine_for(f"sqlite:///{database}")
    store = SqlStore(engine)
    add(store, IG, "ig")
    assert found_text(store, "fighters") == [IG]
    engine.dispose()
    backup = tmp_path / "backup.db"
    shutil.copy(database, backup)
    engine = create_engine_for(f"sqlite:///{database}")
    store = SqlStore(engine)
    add(store, CAMPS, "camps")
    assert found_text(store, "camps") == [CAMPS]
    engine.dispose()
    shutil.copy(backup, database)  # the index now holds a chunk the database doesn't
    engine = create_engine_for(f"sqlite:///{database}")
    try:
        store = SqlStore(engine)
        caplog.set_level(logging.INFO, logger="storage.chunk_index")
        add(store, ZEPPELIN, "zeppelin")  # takes the restored database past the index's seq
        empty_fts5(engine)
        assert found_text(store, "camps") == []
        assert found_text(store, "zeppelin") == [ZEPPELIN]
        assert "index and database disagree" in caplog.text
    finally:
        engine.dispose()


def test_a_deleted_or_damaged_index_is_rebuilt(
    store: SqlStore, engine: Engine, database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    add(store, IG, "ig")
    assert found_text(store, "fighters") == [IG]
    path = index_path_for(str(database))
    shutil.rmtree(path)
    empty_fts5(engine)
    assert found_text(SqlStore(engine), "fighters") == [IG]
    (path / "meta.json").write_text("{not json", encoding="utf-8")
    caplog.set_level(logging.INFO, logger="storage.chunk_index")
    assert found_text(SqlStore(engine), "fighters") == [IG]
    assert "unreadable" in caplog.text
    assert BUILT in caplog.text


def test_an_index_that_fails_leaves_the_search_to_fts5_and_is_retried(
    store: SqlStore, database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    add(store, IG, "ig")
    path = index_path_for(str(database))
    path.write_text("a file where the index directory should be", encoding="utf-8")
    assert found_text(store, "fighters") == [IG]
    assert "search index failed, searching with FTS5" in caplog.text
    path.unlink()
    store._chunk_index_retry_at = 0.0  # as if the minute had passed
    assert found_text(store, "fighters") == [IG]
    assert (path / "meta.json").is_file()


HOLD_WRITER = """
import sys
from storage.chunk_index import ChunkIndex
from pathlib import Path
index = ChunkIndex(Path(sys.argv[1]))
writer = index._index.writer(heap_size=15_000_000, num_threads=1)
print("holding", flush=True)
sys.stdin.readline()
"""


def test_while_another_process_writes_the_index_fts5_answers(
    store: SqlStore, engine: Engine, database: Path
) -> None:
    add(store, IG, "ig")
    assert found_text(store, "fighters") == [IG]
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(index_path_for(str(database)))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        empty_fts5(engine)
        add(store, CAMPS, "camps")  # FTS5 now holds only CAMPS, the index only IG
        assert found_text(store, "camps fighters") == [CAMPS]  # FTS5 answered
        assert holder.stdin is not None
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0
    assert found_text(store, "fighters") == [IG]  # the index answers again ...
    assert found_text(store, "camps") == [CAMPS]  # ... synced once the lock was free


def test_an_in_memory_database_gets_an_index_in_memory() -> None:
    engine = create_engine_for("sqlite://")
    try:
        upgrade_engine_to_head(engine)
        store = SqlStore(engine)
        add(store, IG, "ig")
        empty_fts5(engine)
        assert found_text(store, "fighters") == [IG]
    finally:
        engine.dispose()


def test_index_terms_are_stemmed_folded_and_deduplicated(tmp_path: Path) -> None:
    index = ChunkIndex(tmp_path / "index")
    assert index.terms(["Fighters", "fighter", "Café", "x" * 65]) == ["fighter", "cafe"]


def test_refresh_brings_the_index_up_to_date_before_any_question(
    store: SqlStore, engine: Engine, database: Path
) -> None:
    add(store, IG, "ig")
    assert count(engine, "chunk_change") == 1
    store.refresh_search_index()
    assert count(engine, "chunk_change") == 0
    assert (index_path_for(str(database)) / "meta.json").is_file()


def test_while_another_thread_updates_the_index_fts5_answers_instead_of_waiting(
    store: SqlStore, engine: Engine
) -> None:
    add(store, IG, "ig")
    assert found_text(store, "fighters") == [IG]
    index = store._chunk_index
    assert index is not None
    empty_fts5(engine)
    add(store, CAMPS, "camps")  # FTS5 now holds only CAMPS, the index only IG
    with index._lock:  # as while a build runs on another thread
        assert found_text(store, "camps fighters") == [CAMPS]  # FTS5 answered, at once
    assert found_text(store, "camps fighters") == [CAMPS, IG]  # the index, brought up to date
