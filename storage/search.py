"""Full-text search over chunks: FTS5 bm25 on SQLite, ts_rank_cd on PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session

from bot.domain.errors import StorageError
from storage.columns import SQLITE
from storage.fts_terms import CommonTerms

POSTGRESQL = "postgresql"
FTS_TABLE = "chunk_fts"  # SQLite FTS5 external-content table over chunk.text
TSV_COLUMN = "tsv"  # PostgreSQL generated tsvector column on chunk
TSV_INDEX = "ix_chunk_tsv"
MAX_TERMS = 32
MAX_TERM_CHARS = 64

_WORD = re.compile(r"[^\W_]+")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves""".split()
)

# Ranked on the FTS table alone: its rowid is chunk.id (external content), and joining chunk
# before the sort made SQLite look up a chunk row for every match (1.7× the bare query).
_SQLITE_SEARCH = """
SELECT chunk_fts.rowid AS chunk_id, -bm25(chunk_fts) AS score
FROM chunk_fts
WHERE chunk_fts MATCH :query {document_filter}
ORDER BY score DESC, chunk_fts.rowid
LIMIT :limit
"""
_POSTGRES_SEARCH = """
SELECT chunk.id AS chunk_id, ts_rank_cd(chunk.tsv, query) AS score
FROM chunk, to_tsquery('english', :query) AS query
WHERE chunk.tsv @@ query {document_filter}
ORDER BY score DESC, chunk.id
LIMIT :limit
"""
_DOCUMENT_FILTER = "AND chunk.document_id IN :document_ids"
_SQLITE_DOCUMENT_FILTER = (
    "AND chunk_fts.rowid IN (SELECT id FROM chunk WHERE chunk.document_id IN :document_ids)"
)
_SQLITE = (_SQLITE_SEARCH, _SQLITE_DOCUMENT_FILTER)
_POSTGRES = (_POSTGRES_SEARCH, _DOCUMENT_FILTER)


def extract_terms(query: str) -> list[str]:
    """The distinct searchable words of ``query``: letters and digits, no stopwords, capped."""
    terms: list[str] = []
    for word in _WORD.findall(query.casefold()):
        if word in STOPWORDS or len(word) > MAX_TERM_CHARS or word in terms:
            continue
        terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return terms


def build_fts5_query(terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression that ORs the terms, each quoted as a string."""
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


def build_tsquery(terms: Sequence[str]) -> str:
    """A ``to_tsquery`` expression that ORs the terms, each quoted as a lexeme."""
    return " | ".join("'" + term.replace("'", "''") + "'" for term in terms)


def search_chunks(
    *,
    session: Session,
    query: str,
    limit: int,
    document_ids: Sequence[int] | None = None,
    common_terms: CommonTerms | None = None,
) -> list[tuple[int, float]]:
    """``(chunk_id, score)`` for the chunks matching any word of ``query``, best first.

    User text can't produce a syntax error: it is reduced to words before it reaches the
    full-text engine. An empty query (or one of stopwords only) gives an empty list, as does an
    empty ``document_ids``. On SQLite, ``common_terms`` leaves out words found in more than
    half the chunks (BM25 weighs them at ~0; see ``fts_terms``). Raises ``StorageError`` on a
    backend with no full-text index.
    """
    terms = extract_terms(query)
    if not terms or limit <= 0 or (document_ids is not None and not document_ids):
        return []
    dialect = session.get_bind().dialect.name
    if dialect == SQLITE:
        kept = common_terms.drop_common(session, terms) if common_terms is not None else terms
        found = _run(session, _SQLITE, build_fts5_query(kept), limit, document_ids)
        if len(found) < limit and kept != terms:
            # Fewer chunks than asked hold a word that counts: rank as before, so the chunks
            # with only common words (scored ~0) still fill the list.
            found = _run(session, _SQLITE, build_fts5_query(terms), limit, document_ids)
        return found
    if dialect == POSTGRESQL:
        return _run(session, _POSTGRES, build_tsquery(terms), limit, document_ids)
    raise StorageError(f"full-text search is not available on {dialect}")


def _run(
    session: Session,
    dialect_sql: tuple[str, str],
    expression: str,
    limit: int,
    document_ids: Sequence[int] | None,
) -> list[tuple[int, float]]:
    template, document_filter = dialect_sql
    statement = _build_statement(template, document_filter if document_ids is not None else "")
    params: dict[str, object] = {"query": expression, "limit": limit}
    if document_ids is not None:
        params["document_ids"] = list(document_ids)
    rows = session.connection().execute(statement, params)
    return [(int(chunk_id), float(score)) for chunk_id, score in rows]


def _build_statement(template: str, document_filter: str) -> sa.TextClause:
    statement = sa.text(template.format(document_filter=document_filter))
    if document_filter:
        statement = statement.bindparams(sa.bindparam("document_ids", expanding=True))
    return statement
