"""SqlStore as a whole: it is the Store port, and concurrent writers don't lose or duplicate."""

from __future__ import annotations

import inspect
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from bot.domain.models import DocumentKind, FetchedDocument
from bot.domain.text import chunk_text, content_hash
from bot.ports import Store
from storage.repository import SqlStore

FETCHED_AT = datetime(2019, 8, 6, 12, 0, tzinfo=UTC)
WORKERS = 4


def _port_methods() -> set[str]:
    return {
        name
        for base in Store.__mro__
        if base.__module__ == "bot.ports"
        for name, member in vars(base).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


def test_every_port_method_is_implemented_with_the_same_parameters() -> None:
    methods = _port_methods()
    assert "search_passages" in methods
    for name in methods:
        port_parameters = inspect.signature(getattr(Store, name)).parameters
        store_parameters = inspect.signature(getattr(SqlStore, name)).parameters
        assert list(store_parameters) == list(port_parameters), name


def _build(index: int) -> FetchedDocument:
    text = f"Report number {index} on ISIS fighters."
    return FetchedDocument(
        url=f"https://example.org/{index}",
        canonical_url=f"https://example.org/{index}",
        title=f"Report {index}",
        text=text,
        kind=DocumentKind.REPORT,
    )


def _store_one(store: SqlStore, fetched: FetchedDocument) -> int:
    return store.add_document(
        fetched,
        source_id=None,
        content_hash=content_hash(fetched.text),
        bands=(),
        chunks=chunk_text(fetched.text),
        fetched_at=FETCHED_AT,
    ).id


def test_concurrent_writers_all_succeed(store: SqlStore) -> None:
    with ThreadPoolExecutor(WORKERS) as pool:
        ids = list(pool.map(lambda index: _store_one(store, _build(index)), range(40)))
    assert len(set(ids)) == 40
    assert len(store.get_documents(ids)) == 40


def test_racing_the_same_document_stores_it_once(store: SqlStore) -> None:
    same = _build(7)
    with ThreadPoolExecutor(WORKERS) as pool:
        ids = list(pool.map(lambda _: _store_one(store, same), range(16)))
    assert len(set(ids)) == 1
    assert len(store.search_passages("report")) == 1
