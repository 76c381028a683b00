"""Fixtures for the LLM adapter tests: the loopback fake, an httpx client, recorders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.analysis.llm import LLMConfig, OpenAICompatibleClient
from bot.domain.models import Document, DocumentKind, LLMCall
from tests.support.fake_llm import FakeLLMServer

FIXED_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class RecordingLog:
    """An LLMCallLog that keeps what it is given."""

    def __init__(self) -> None:
        self.calls: list[LLMCall] = []

    def record_llm_call(self, call: LLMCall) -> None:
        self.calls.append(call)


class RecordingSleep:
    """A sleep that returns at once and remembers how long it was asked to wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def llm() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False) as client:
        yield client


@pytest.fixture
def call_log() -> RecordingLog:
    return RecordingLog()


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


def build_client(
    http: httpx.Client,
    base_url: str,
    *,
    call_log: RecordingLog | None = None,
    sleep: RecordingSleep | None = None,
    **config: Any,
) -> OpenAICompatibleClient:
    """A client on ``base_url`` with short timeouts and a sleep that does not sleep."""
    settings: dict[str, Any] = {"timeout": 2.0, "max_retries": 2} | config
    return OpenAICompatibleClient(
        http,
        LLMConfig(base_url, settings.pop("model", "fake-model"), **settings),
        call_log=call_log,
        sleep=sleep or RecordingSleep(),
        now=lambda: FIXED_NOW,
    )


REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / ".." / "shared" / "corpus"
PROMPTS = REPO / "prompts"
LENS_PATH = PROMPTS / "lenses" / "premature_victory.yaml"

needs_corpus = pytest.mark.skipif(
    not (CORPUS / "documents.jsonl").is_file(),
    reason=f"the development corpus is not at {CORPUS} (it lives beside the repository)",
)


def read_corpus(name: str) -> dict[str, dict[str, Any]]:
    """Rows of ``<corpus>/<name>.jsonl`` by id, read in place (never copied into the repo)."""
    lines = (CORPUS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return {row["id"]: row for row in rows}


def corpus_document(doc_id: str, *, number: int = 1, text: str | None = None) -> Document:
    """The corpus document ``doc_id`` as a stored Document (``text`` overrides its text)."""
    row = read_corpus("documents")[doc_id]
    year, month, day = ([int(part) for part in row["published"].split("-")] + [1, 1])[:3]
    return Document(
        id=number,
        source_id=None,
        url=row["url"],
        canonical_url=row["url"],
        title=row["title"],
        text=row["text"] if text is None else text,
        kind=DocumentKind(row["kind"]),
        content_hash=f"hash-{number}",
        fetched_at=FIXED_NOW,
        published_at=datetime(year, month, day, tzinfo=UTC),
        speaker=row.get("speaker"),
        source_name=row.get("source"),
    )
