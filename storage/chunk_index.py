"""A tantivy index of the chunks of one SQLite database: BM25 top-k that skips what can't rank.

FTS5 scores every chunk that holds any query word, so on a corpus about one war a question
puts most of 100,000 chunks under BM25 (~50 ms). Tantivy's top-k search (block-max WAND) skips
blocks of chunks that can't reach the k-th score and answers the same question in about a
millisecond (see docs/benchmarks.md).

The database stays the source of truth; the index is derived from it and can be deleted at any
time. Triggers append every chunk change to ``chunk_change`` (migration 0005); before a search,
``sync`` applies the log past the index's last entry, under tantivy's writer lock, then records
``(generation, applied seq)`` both in the index (a meta document) and in ``search_index_state``.
The index is trusted only while the two records agree; otherwise (a database restored from a
backup, another database's index, a crash between the two writes) it is rebuilt from the chunk
table. While another thread or process is updating the index, ``sync`` says so and the caller
searches with FTS5 instead, so a search never waits for a build.
"""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import tantivy
from sqlalchemy.engine import Connection, Engine

from storage.db import IN_MEMORY_NAMES
from storage.fts_terms import COMMON_SHARE

log = logging.getLogger(__name__)

CHANGE_TABLE = "chunk_change"  # made by migration 0005, outside the SQLModel metadata
STATE_TABLE = "search_index_state"
TOKENIZER = "briefbot_en"
CHUNK_ID = "chunk_id"
DOCUMENT_ID = "document_id"
TEXT = "text"
GENERATION = "generation"
APPLIED_SEQ = "applied_seq"
META_CHUNK_ID = 0  # the meta document; chunk ids start at 1
WRITER_HEAP_BYTES = 50_000_000
BATCH = 500  # chunk rows read per statement while applying the log
MAX_TOKEN_CHARS = 64  # as storage.search.MAX_TERM_CHARS: longer words are not searchable


@dataclass(frozen=True)
class IndexRecord:
    """Which index build (generation) holds the chunk log up to ``applied_seq``."""

    generation: str
    applied_seq: int


def build_analyzer() -> tantivy.TextAnalyzer:
    """Words (letters and digits), lowercased, accents folded, English-stemmed."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS + 1))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field(CHUNK_ID, stored=True, indexed=True, fast=True)
    builder.add_integer_field(DOCUMENT_ID, indexed=True)
    builder.add_text_field(TEXT, tokenizer_name=TOKENIZER, index_option="freq")
    builder.add_text_field(GENERATION, stored=True, tokenizer_name="raw")
    builder.add_integer_field(APPLIED_SEQ, stored=True)
    return builder.build()


def index_path_for(database_path: str) -> Path:
    """Where the index of the SQLite file ``database_path`` lives: beside it, like ``-wal``."""
    return Path(database_path + "-search")


def open_chunk_index(database: str | None) -> ChunkIndex:
    """The chunk index of the SQLite database file ``database``; in RAM for an in-memory
    database (or a URI filename)."""
    if database is None or database in IN_MEMORY_NAMES or database.startswith("file:"):
        return ChunkIndex(None)
    return ChunkIndex(index_path_for(str(Path(database).expanduser())))


class ChunkIndex:
    """The tantivy index of one database's chunks, on disk or (for in-memory SQLite) in RAM."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._analyzer = build_analyzer()
        self._schema = build_schema()
        self._index = self._open()

    @property
    def path(self) -> Path | None:
        return self._path

    def terms(self, words: Sequence[str]) -> list[str]:
        """The index terms of ``words``, first occurrence first, without repeats."""
        found: list[str] = []
        for word in words:
            for term in self._analyzer.analyze(word):
                if term not in found:
                    found.append(term)
        return found

    def sync(self, engine: Engine) -> bool:
        """Bring the index up to the database's chunks; False while another thread or process
        is updating it (the caller searches some other way this time rather than wait: a first
        build takes seconds)."""
        with engine.connect() as connection:
            if self._is_current(connection):
                return True
        if not self._lock.acquire(blocking=False):
            return False
        try:
            writer = self._try_writer()
            if writer is None:
                return False
            try:
                self._apply(engine, writer)
            finally:
                writer.wait_merging_threads()  # also drops the writer and its lock
            self._index.reload()
            return True
        finally:
            self._lock.release()

    def search(
        self, terms: Sequence[str], *, limit: int, document_ids: Sequence[int] | None = None
    ) -> list[tuple[int, float]]:
        """``(chunk_id, score)`` for the best ``limit`` chunks holding any of ``terms``
        (BM25), best first, ties by chunk id; only chunks of ``document_ids`` when given.

        As on FTS5 (see ``fts_terms``), terms in more than half the chunks are left out unless
        that leaves fewer than ``limit`` chunks."""
        if not terms or limit <= 0 or (document_ids is not None and not document_ids):
            return []
        searcher = self._index.searcher()
        chunks = searcher.num_docs - 1  # the meta document
        kept = [t for t in terms if searcher.doc_freq(TEXT, t) <= chunks * COMMON_SHARE]
        found = self._top(searcher, kept, limit, document_ids) if kept else []
        if len(found) < limit and kept != list(terms):
            found = self._top(searcher, terms, limit, document_ids)
        return found

    def _top(
        self,
        searcher: tantivy.Searcher,
        terms: Sequence[str],
        limit: int,
        document_ids: Sequence[int] | None,
    ) -> list[tuple[int, float]]:
        words = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, tantivy.Query.term_query(self._schema, TEXT, term, "freq"))
                for term in terms
            ]
        )
        query = words
        if document_ids is not None:
            scope = tantivy.Query.term_set_query(self._schema, DOCUMENT_ID, list(document_ids))
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, words), (tantivy.Occur.Must, scope)]
            )
        hits = searcher.search(query, limit, count=False).hits
        found = [(int(searcher.doc(address)[CHUNK_ID][0]), float(score)) for score, address in hits]
        return sorted(found, key=lambda pair: (-pair[1], pair[0]))

    # -- keeping in step ----------------------------------------------------------------------

    def _open(self) -> tantivy.Index:
        if self._path is None:
            index = tantivy.Index(self._schema)
        else:
            index = self._open_on_disk(self._path)
        index.register_tokenizer(TOKENIZER, self._analyzer)
        return index

    def _open_on_disk(self, path: Path) -> tantivy.Index:
        path.mkdir(parents=True, exist_ok=True)
        try:
            return tantivy.Index(self._schema, path=str(path), reuse=True)
        except ValueError as exc:
            # Another version's or a damaged index: it is derived data, so start again.
            log.warning("search index %s unreadable (%s); rebuilding it", path, exc)
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(parents=True, exist_ok=True)
            return tantivy.Index(self._schema, path=str(path), reuse=False)

    def _try_writer(self) -> tantivy.IndexWriter | None:
        try:
            return self._index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
        except ValueError as exc:
            log.debug("search index busy (%s): searching with FTS5 this time", exc)
            return None

    def _is_current(self, connection: Connection) -> bool:
        self._index.reload()
        record = self._index_record()
        return (
            record is not None
            and record == read_database_record(connection)
            and record.applied_seq == last_change(connection)
        )

    def _index_record(self) -> IndexRecord | None:
        meta = tantivy.Query.term_query(self._schema, CHUNK_ID, META_CHUNK_ID)
        searcher = self._index.searcher()
        hits = searcher.search(meta, 1, count=False).hits
        if not hits:
            return None
        document = searcher.doc(hits[0][1])
        return IndexRecord(str(document[GENERATION][0]), int(document[APPLIED_SEQ][0]))

    def _apply(self, engine: Engine, writer: tantivy.IndexWriter) -> None:
        self._index.reload()  # another process may have synced before we got the lock
        record = self._index_record()
        with engine.connect() as connection:
            if record is not None and record == read_database_record(connection):
                target = last_change(connection)
                if target == record.applied_seq:
                    return
                new_record = IndexRecord(record.generation, target)
                self._apply_changes(connection, writer, record.applied_seq, target)
                reason = ""
            else:
                new_record = IndexRecord(uuid.uuid4().hex, last_change(connection))
                reason = "no index yet" if record is None else "index and database disagree"
                self._rebuild(connection, writer)
        writer.delete_documents_by_term(CHUNK_ID, META_CHUNK_ID)
        writer.add_document(
            tantivy.Document(
                chunk_id=META_CHUNK_ID,
                generation=new_record.generation,
                applied_seq=new_record.applied_seq,
            )
        )
        writer.commit()
        with engine.begin() as connection:
            write_database_record(connection, new_record)
            connection.execute(
                sa.text("DELETE FROM chunk_change WHERE seq <= :seq"),
                {"seq": new_record.applied_seq},
            )
        if reason:
            log.info("search index built (%s): %s", reason, self._path or "in memory")

    def _rebuild(self, connection: Connection, writer: tantivy.IndexWriter) -> None:
        writer.delete_all_documents()
        rows = connection.execute(sa.text("SELECT id, document_id, text FROM chunk ORDER BY id"))
        add_chunks(writer, rows)

    def _apply_changes(
        self, connection: Connection, writer: tantivy.IndexWriter, after: int, upto: int
    ) -> None:
        changed = sorted(
            {
                int(chunk_id)
                for (chunk_id,) in connection.execute(
                    sa.text(
                        "SELECT chunk_id FROM chunk_change WHERE seq > :after AND seq <= :upto"
                    ),
                    {"after": after, "upto": upto},
                )
            }
        )
        for chunk_id in changed:
            writer.delete_documents_by_term(CHUNK_ID, chunk_id)
        for start in range(0, len(changed), BATCH):
            rows = connection.execute(
                sa.text("SELECT id, document_id, text FROM chunk WHERE id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": changed[start : start + BATCH]},
            )
            add_chunks(writer, rows)


def add_chunks(writer: tantivy.IndexWriter, rows: Iterable[Sequence[Any]]) -> None:
    for chunk_id, document_id, text in rows:
        writer.add_document(
            tantivy.Document(chunk_id=int(chunk_id), document_id=int(document_id), text=str(text))
        )


def last_change(connection: Connection) -> int:
    """The newest ``seq`` ever given to a chunk change (0 before the first)."""
    row = connection.execute(
        sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'chunk_change'")
    ).first()
    return int(row[0]) if row is not None else 0


def read_database_record(connection: Connection) -> IndexRecord | None:
    row = connection.execute(
        sa.text("SELECT generation, applied_seq FROM search_index_state WHERE id = 1")
    ).first()
    return IndexRecord(str(row[0]), int(row[1])) if row is not None else None


def write_database_record(connection: Connection, record: IndexRecord) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO search_index_state (id, generation, applied_seq) VALUES (1, :g, :s) "
            "ON CONFLICT (id) DO UPDATE SET generation = :g, applied_seq = :s"
        ),
        {"g": record.generation, "s": record.applied_seq},
    )
