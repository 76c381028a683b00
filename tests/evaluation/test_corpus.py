"""Loading a corpus: valid lines become entries; a bad line is one error naming file and line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.errors import ConfigError
from bot.domain.models import DocumentKind, Stance
from bot.evaluation.corpus import QuoteOrigin, build_document, load_corpus, parse_published
from tests.evaluation.conftest import DOCUMENTS, GOLD, WriteCorpus, dump_lines


def test_load_corpus_pairs_documents_with_gold(write_corpus: WriteCorpus) -> None:
    entries = load_corpus(write_corpus())

    assert [entry.document.id for entry in entries] == ["statement", "report"]
    assert entries[0].gold.stance is Stance.SUPPORTS_VICTORY
    assert entries[1].gold.victory_claims[1].quote_origin is QuoteOrigin.CORPUS_SUMMARY
    document = build_document(entries[0], 7)
    assert document.id == 7
    assert document.kind is DocumentKind.STATEMENT
    assert document.published_at == datetime(2019, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2020", datetime(2020, 1, 1, tzinfo=UTC)), ("2019-02-04", datetime(2019, 2, 4, tzinfo=UTC))],
)
def test_parse_published_takes_the_first_day_it_can_mean(value: str, expected: datetime) -> None:
    assert parse_published(value) == expected


def test_a_line_that_is_not_json_names_file_and_line(write_corpus: WriteCorpus) -> None:
    documents = dump_lines(DOCUMENTS[:1]) + "{not json\n"
    with pytest.raises(ConfigError, match=r"documents\.jsonl:2: not JSON") as caught:
        load_corpus(write_corpus(documents=documents))
    assert "\n" not in str(caught.value)


def test_a_missing_field_names_file_line_and_field(write_corpus: WriteCorpus) -> None:
    gold = dump_lines([{key: v for key, v in GOLD[0].items() if key != "stance"}, GOLD[1]])
    with pytest.raises(ConfigError, match=r"gold\.jsonl:1: stance: Field required"):
        load_corpus(write_corpus(gold=gold))


@pytest.mark.parametrize(
    ("change", "field"),
    [({"kind": "tweet"}, "kind"), ({"published": "2019-13"}, "published"), ({"text": ""}, "text")],
)
def test_a_bad_value_names_the_field(
    write_corpus: WriteCorpus, change: dict[str, str], field: str
) -> None:
    documents = dump_lines([DOCUMENTS[0], {**DOCUMENTS[1], **change}])
    with pytest.raises(ConfigError, match=rf"documents\.jsonl:2: {field}"):
        load_corpus(write_corpus(documents=documents))


def test_a_bad_quote_origin_is_refused(write_corpus: WriteCorpus) -> None:
    bad = json.loads(json.dumps(GOLD[1]))
    bad["indicators"][0]["quote_origin"] = "made_up"
    with pytest.raises(ConfigError, match=r"gold\.jsonl:2: indicators\.0\.quote_origin"):
        load_corpus(write_corpus(gold=dump_lines([GOLD[0], bad])))


def test_a_document_without_gold_is_refused(write_corpus: WriteCorpus) -> None:
    with pytest.raises(ConfigError, match="no gold line for document 'report'"):
        load_corpus(write_corpus(gold=dump_lines(GOLD[:1])))


def test_a_repeated_id_is_refused(write_corpus: WriteCorpus) -> None:
    with pytest.raises(ConfigError, match="id 'statement' occurs twice"):
        load_corpus(write_corpus(documents=dump_lines([DOCUMENTS[0], DOCUMENTS[0]])))


def test_a_missing_directory_or_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no corpus directory at"):
        load_corpus(tmp_path / "absent")
    (tmp_path / "documents.jsonl").write_text(dump_lines(DOCUMENTS))
    with pytest.raises(ConfigError, match=r"the corpus has no gold\.jsonl"):
        load_corpus(tmp_path)


def test_an_empty_corpus_is_refused(write_corpus: WriteCorpus) -> None:
    with pytest.raises(ConfigError, match="no documents"):
        load_corpus(write_corpus(documents="\n", gold="\n"))
