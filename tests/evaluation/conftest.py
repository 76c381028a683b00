"""A tiny synthetic corpus written per test: two documents with known gold labels."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

WriteCorpus = Callable[..., Path]

STATEMENT_TEXT = (
    "President Jane Doe said: We have defeated the caliphate completely. "
    "Officials estimated that 12,000 fighters remain in Syria. The weather was fine."
)
REPORT_TEXT = (
    "The inspector general wrote that the group is not defeated. "
    'A commander said "the enemy is finished" in March. Attacks rose in the desert.'
)
DOCUMENTS = [
    {
        "id": "statement",
        "kind": "statement",
        "source": "Office of the President",
        "title": "Statement on the caliphate",
        "url": "https://example.org/statement",
        "published": "2019-03",
        "speaker": "President Jane Doe",
        "text": STATEMENT_TEXT,
    },
    {
        "id": "report",
        "kind": "report",
        "source": "Inspector General",
        "title": "Quarterly report",
        "url": "https://example.org/report",
        "published": "2019-08-06",
        "speaker": None,
        "text": REPORT_TEXT,
    },
]
GOLD = [
    {
        "id": "statement",
        "victory_claims": [
            {
                "speaker": "Jane Doe",
                "date": "2019-03",
                "quote": "We have defeated the caliphate completely.",
                "scope": "territorial",
                "quote_origin": "source_text",
            }
        ],
        "indicators": [
            {
                "name": "fighter_strength",
                "value": "12,000",
                "quote": "Officials estimated that 12,000 fighters remain in Syria.",
                "quote_origin": "source_text",
            },
            {
                "name": "morale",  # the lens tracks no such indicator
                "value": "fine",
                "quote": "The weather was fine.",
                "quote_origin": "source_text",
            },
        ],
        "stance": "supports_victory",
        "qa": [
            {
                "question": "How many fighters remain in Syria according to officials?",
                "answer": "12,000",
                "quote": "12,000 fighters remain in Syria",
                "quote_origin": "source_text",
            }
        ],
    },
    {
        "id": "report",
        "victory_claims": [
            {
                "speaker": "A commander",
                "quote": "the enemy is finished",
                "scope": "total",
                "quote_origin": "source_quotation",
            },
            {
                "speaker": "Nobody",
                "quote": "The inspector general wrote",
                "scope": "total",
                "quote_origin": "corpus_summary",  # never scored
            },
        ],
        "indicators": [
            {
                "name": "attacks",  # a variant of attack_tempo
                "quote": "Attacks rose in the desert.",
                "quote_origin": "source_text",
            }
        ],
        "stance": "supports_premature",
        "qa": [],
    },
]


def dump_lines(rows: Sequence[Any]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


@pytest.fixture
def write_corpus(tmp_path: Path) -> WriteCorpus:
    """Writes documents.jsonl and gold.jsonl (the defaults above, or text given) to a dir."""

    def write(*, documents: str | None = None, gold: str | None = None) -> Path:
        directory = tmp_path / "corpus"
        directory.mkdir(exist_ok=True)
        (directory / "documents.jsonl").write_text(documents or dump_lines(DOCUMENTS))
        (directory / "gold.jsonl").write_text(gold or dump_lines(GOLD))
        return directory

    return write
