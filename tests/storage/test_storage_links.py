"""Source links (one document, many sites) and near-duplicate lookup by shared band keys."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.domain.models import SourceSpec
from storage.repository import SqlStore

FIRST_URL = "https://example.org/report?utm_source=feed"  # as conftest's build_fetched makes it
SEEN_AT = datetime(2019, 8, 7, 9, 0, tzinfo=UTC)
SMALLEST_KEY = -(2**63)
LARGEST_KEY = 2**63 - 1
AddDocument = Callable[..., int]
MakeSpec = Callable[..., SourceSpec]


def test_link_source_is_idempotent(
    store: SqlStore, add_document: AddDocument, make_spec: MakeSpec
) -> None:
    wire = store.upsert_source(make_spec("Wire"))
    paper = store.upsert_source(make_spec("Paper"))
    document_id = add_document("A syndicated story.", source_id=wire.id)
    mirror = "https://paper.example/story"
    assert store.link_source(document_id, source_id=paper.id, url=mirror, seen_at=SEEN_AT)
    assert not store.link_source(document_id, source_id=paper.id, url=mirror, seen_at=SEEN_AT)
    later = SEEN_AT + timedelta(days=1)
    assert not store.link_source(document_id, source_id=wire.id, url=mirror, seen_at=later)
    assert store.list_document_urls(document_id) == [FIRST_URL, mirror]


def test_racing_links_record_one(
    store: SqlStore, add_document: AddDocument, make_spec: MakeSpec
) -> None:
    paper = store.upsert_source(make_spec("Paper"))
    document_id = add_document("A syndicated story.")

    def link(_: int) -> bool:
        url = "https://paper.example/story"
        return store.link_source(document_id, source_id=paper.id, url=url, seen_at=SEEN_AT)

    with ThreadPoolExecutor(4) as pool:
        created = list(pool.map(link, range(12)))
    assert created.count(True) == 1
    assert len(store.list_document_urls(document_id)) == 2


def test_document_count_goes_through_links(
    store: SqlStore, add_document: AddDocument, make_spec: MakeSpec
) -> None:
    wire, paper, blog = (store.upsert_source(make_spec(name)) for name in ("a", "b", "c"))
    story = add_document("A syndicated story.", slug="story", source_id=wire.id)
    add_document("A wire exclusive.", slug="exclusive", source_id=wire.id)
    for url in ("https://b.example/1", "https://b.example/1?page=2"):
        store.link_source(story, source_id=paper.id, url=url, seen_at=SEEN_AT)
    store.link_source(story, source_id=None, url="https://unknown.example/1", seen_at=SEEN_AT)
    counts = {source.name: source.document_count for source in store.list_sources()}
    assert counts == {"a": 2, "b": 1, "c": 0}
    fetched_blog = store.get_source(blog.name)
    assert fetched_blog is not None
    assert fetched_blog.document_count == 0


def test_removing_a_source_keeps_its_links_urls(
    store: SqlStore, add_document: AddDocument, make_spec: MakeSpec
) -> None:
    paper = store.upsert_source(make_spec("Paper"))
    story = add_document("A syndicated story.")
    store.link_source(story, source_id=paper.id, url="https://b.example/1", seen_at=SEEN_AT)
    store.remove_source("Paper")
    assert store.list_document_urls(story) == [FIRST_URL, "https://b.example/1"]


def test_near_duplicates_most_shared_bands_first(
    store: SqlStore, add_document: AddDocument
) -> None:
    one = add_document("One.", slug="one", bands=(1, 2, 9))
    three = add_document("Three.", slug="three", bands=(1, 2, 3, 8))
    two = add_document("Two.", slug="two", bands=(2, 3, 7))
    add_document("Unrelated.", slug="unrelated", bands=(100, 101))
    query = (1, 2, 3, 4)

    def ids(**kwargs: int) -> list[int]:
        return [document.id for document in store.find_near_duplicates(query, **kwargs)]

    assert ids() == [three, one, two]  # 3 shared, then 2 and 2 (ties by id)
    assert ids(limit=1) == [three]
    assert ids(limit=0) == []
    assert store.find_near_duplicates([]) == []
    assert store.find_near_duplicates([555]) == []
    [found] = store.find_near_duplicates([9, 9, 9])
    assert (found.id, found.text) == (one, "One.")


def test_signed_64_bit_band_keys_round_trip(store: SqlStore, add_document: AddDocument) -> None:
    document_id = add_document("Edge keys.", bands=(SMALLEST_KEY, LARGEST_KEY, 0, -1))
    for key in (SMALLEST_KEY, LARGEST_KEY):
        assert [d.id for d in store.find_near_duplicates([key])] == [document_id]


def test_deleting_a_document_removes_its_bands_and_links(
    store: SqlStore, engine: Engine, add_document: AddDocument
) -> None:
    document_id = add_document("Short-lived.", bands=(5, 6))
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM document WHERE id = :id"), {"id": document_id})
    assert store.find_near_duplicates([5, 6]) == []
    assert store.list_document_urls(document_id) == []
