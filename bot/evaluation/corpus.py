"""Loading an evaluation corpus: ``documents.jsonl`` and ``gold.jsonl``, validated line by line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from bot.domain.errors import ConfigError
from bot.domain.models import Document, DocumentKind, Stance
from bot.domain.text import content_hash

DOCUMENTS_FILE = "documents.jsonl"
GOLD_FILE = "gold.jsonl"
CORPUS_FETCHED_AT = datetime(2000, 1, 1, tzinfo=UTC)  # fixed: runs are reproducible

Text = Annotated[str, StringConstraints(min_length=1)]
PublishedDate = Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]


class QuoteOrigin(StrEnum):
    """Whose words a gold quote is (corpus README)."""

    SOURCE_TEXT = "source_text"  # the publisher's own words
    SOURCE_QUOTATION = "source_quotation"  # a quotation the publisher reproduces
    CORPUS_SUMMARY = "corpus_summary"  # a summary line written for the corpus: Q&A only


SCORED_ORIGINS = frozenset({QuoteOrigin.SOURCE_TEXT, QuoteOrigin.SOURCE_QUOTATION})


class _Line(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class CorpusDocument(_Line):
    """One line of documents.jsonl."""

    id: Text
    kind: DocumentKind
    source: str = ""
    title: Text
    url: Text
    published: PublishedDate
    speaker: str | None = None
    text: Text

    @field_validator("published")
    @classmethod
    def _require_real_date(cls, value: str) -> str:
        parse_published(value)  # "2019-13" raises ValueError, reported as a bad field
        return value


class GoldClaim(_Line):
    """A declaration of victory an analyst marked."""

    speaker: Text
    quote: Text
    scope: str
    quote_origin: QuoteOrigin
    date: str | None = None


class GoldIndicator(_Line):
    """An indicator value an analyst marked."""

    name: Text
    quote: Text
    quote_origin: QuoteOrigin
    value: str | float | None = None
    date: str | None = None


class GoldQuestion(_Line):
    """A question answerable from the document's text, with the quote that answers it."""

    question: Text
    answer: str
    quote: Text
    quote_origin: QuoteOrigin


class Gold(_Line):
    """One line of gold.jsonl: what an analyst marks in the document with the same id."""

    id: Text
    victory_claims: list[GoldClaim] = Field(default_factory=list)
    indicators: list[GoldIndicator] = Field(default_factory=list)
    stance: Stance
    qa: list[GoldQuestion] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CorpusEntry:
    """A corpus document with its gold labels."""

    document: CorpusDocument
    gold: Gold


LineModel = TypeVar("LineModel", bound=_Line)


def load_corpus(directory: Path) -> list[CorpusEntry]:
    """The corpus in ``directory``, in documents.jsonl order.

    Raises ``ConfigError`` (one line, naming the file and line) when a file is missing, a line
    is not a valid record, an id repeats, or a document has no gold line (or the reverse).
    """
    if not directory.is_dir():
        raise ConfigError(f"no corpus directory at {directory}")
    documents = _read_lines(directory / DOCUMENTS_FILE, CorpusDocument)
    if not documents:
        raise ConfigError(f"{directory / DOCUMENTS_FILE}: no documents")
    gold = _read_lines(directory / GOLD_FILE, Gold)
    by_id = _index_gold(directory / GOLD_FILE, gold)
    _check_unique([document.id for document in documents], directory / DOCUMENTS_FILE)
    missing = [document.id for document in documents if document.id not in by_id]
    if missing:
        raise ConfigError(f"{directory / GOLD_FILE}: no gold line for document {missing[0]!r}")
    extra = by_id.keys() - {document.id for document in documents}
    if extra:
        raise ConfigError(f"{directory / GOLD_FILE}: gold for unknown document {min(extra)!r}")
    return [CorpusEntry(document, by_id[document.id]) for document in documents]


def _read_lines(path: Path, model: type[LineModel]) -> list[LineModel]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"the corpus has no {path.name} (looked for {path})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    return [
        _parse_line(path, number, line, model)
        for number, line in enumerate(lines, start=1)
        if line.strip()
    ]


def _parse_line(path: Path, number: int, line: str, model: type[LineModel]) -> LineModel:
    try:
        return model.model_validate(json.loads(line))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{number}: not JSON ({exc.msg})") from exc
    except ValidationError as exc:
        raise ConfigError(f"{path}:{number}: {_describe(exc)}") from exc


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "the line"
    return f"{where}: {error['msg']}"


def _index_gold(path: Path, gold: list[Gold]) -> dict[str, Gold]:
    _check_unique([line.id for line in gold], path)
    return {line.id: line for line in gold}


def _check_unique(ids: list[str], path: Path) -> None:
    seen: set[str] = set()
    for identifier in ids:
        if identifier in seen:
            raise ConfigError(f"{path}: id {identifier!r} occurs twice")
        seen.add(identifier)


def parse_published(value: str) -> datetime:
    """'2019', '2019-03' or '2019-03-23' as midnight UTC on the first day it can mean."""
    parts = [int(part) for part in value.split("-")]
    year, month, day = [*parts, 1, 1][:3]
    return datetime(year, month, day, tzinfo=UTC)


def build_document(entry: CorpusEntry, number: int) -> Document:
    """The domain ``Document`` the analyzer reads for a corpus entry."""
    source = entry.document
    return Document(
        id=number,
        source_id=None,
        url=source.url,
        canonical_url=source.url,
        title=source.title,
        text=source.text,
        kind=source.kind,
        content_hash=content_hash(source.text),
        fetched_at=CORPUS_FETCHED_AT,
        published_at=parse_published(source.published),
        speaker=source.speaker,
        source_name=source.source or None,
    )
