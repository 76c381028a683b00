"""Which query words FTS5 would find in more than half the chunks, so the search can leave them
out (SQLite only).

FTS5's BM25 gives a term the IDF ``log((N - n + 0.5) / (n + 0.5))`` and clamps a negative one to
1e-6, so a term in more than half of the N chunks adds nothing measurable to a score. Yet an OR
query scores every chunk that contains it: on a corpus about one war, the words of the war's
name put most chunks under BM25 for every question. Leaving those words out keeps the ranking
(up to the 1e-6 weights) and scores only the chunks that hold a word that counts.

Words are turned into index terms by FTS5 itself — indexed in a private in-memory FTS5 table
with the chunk index's tokenizer — so the stems are exactly the index's. The terms' chunk counts
come from an ``fts5vocab`` table (one pass over the index, ~2 s for 100,000 chunks) and are kept
until the chunk count has grown by a tenth.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session

# As migration 0001 made chunk_fts; tests check it against the live table.
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"
COMMON_SHARE = 0.5  # in more than this share of chunks, FTS5's IDF is clamped to ~0
REFRESH_GROWTH = 1.1  # recount once the chunks have grown by a tenth


class Fts5Stemmer:
    """Index terms of words, exactly as the chunk index's tokenizer makes them."""

    def __init__(self, tokenizer: str = FTS_TOKENIZER) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        quoted = tokenizer.replace("'", "''")
        self._db.execute(f"CREATE VIRTUAL TABLE probe USING fts5(t, tokenize='{quoted}')")
        self._db.execute("CREATE VIRTUAL TABLE probe_terms USING fts5vocab(probe, instance)")

    def terms(self, words: Sequence[str]) -> list[tuple[str, ...]]:
        """For each word, the index terms it becomes (usually one; none for punctuation)."""
        with self._lock:
            self._db.executemany(
                "INSERT INTO probe(rowid, t) VALUES (?, ?)", list(enumerate(words, start=1))
            )
            found: dict[int, list[str]] = {}
            for rowid, term in self._db.execute(
                "SELECT doc, term FROM probe_terms ORDER BY doc, offset"
            ):
                found.setdefault(int(rowid), []).append(str(term))
            self._db.execute("DELETE FROM probe")
        return [tuple(found.get(number, ())) for number in range(1, len(words) + 1)]


class CommonTerms:
    """The index terms in more than half the chunks of one SQLite database, recounted as the
    chunks grow."""

    def __init__(self, stemmer: Fts5Stemmer | None = None) -> None:
        self._stemmer = stemmer or Fts5Stemmer()
        self._lock = threading.Lock()
        self._common: frozenset[str] = frozenset()
        self._counted_at = 0  # chunk count when last counted; 0: never

    def drop_common(self, session: Session, words: Sequence[str]) -> list[str]:
        """``words`` without those whose every term is common; all of them when every word
        is common (the query then ranks as before)."""
        common = self._current(session)
        if not common:
            return list(words)
        kept = [
            word
            for word, terms in zip(words, self._stemmer.terms(words), strict=True)
            if not terms or not all(term in common for term in terms)
        ]
        return kept or list(words)

    def _current(self, session: Session) -> frozenset[str]:
        chunks = _chunk_count(session)
        with self._lock:
            if chunks and (not self._counted_at or chunks > self._counted_at * REFRESH_GROWTH):
                self._common = _count_common(session, chunks)
                self._counted_at = chunks
            return self._common


def _chunk_count(session: Session) -> int:
    # max(id) is one index probe; chunk ids only grow, so it tracks the count closely enough.
    return int(session.connection().execute(sa.text("SELECT max(id) FROM chunk")).scalar() or 0)


def _count_common(session: Session, chunks: int) -> frozenset[str]:
    connection = session.connection()
    connection.execute(
        sa.text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunk_fts_terms "
            "USING fts5vocab(main, chunk_fts, row)"
        )
    )
    rows = connection.execute(
        sa.text("SELECT term FROM temp.chunk_fts_terms WHERE doc > :floor"),
        {"floor": int(chunks * COMMON_SHARE)},
    )
    return frozenset(str(term) for (term,) in rows)
