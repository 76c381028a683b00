"""Analysis benchmark: offline analyzer speed, and LLM calls/tokens per document and per digest.

    .venv/bin/python bench/analyze.py [--corpus ../shared/corpus] [--repeat 20]

1. Offline analyzer: documents per second over the development corpus (each document read
   ``--repeat`` times).
2. LLM path against the loopback OpenAI-compatible fake (tests/support/fake_llm.py), through
   the real AnalyzeService, LLMAnalyzer, client and SQLite store, in digest-sized rounds:
   round 1 stores 10 corpus documents and analyzes them, round 2 adds 5 more, round 3 adds
   none. Target: one extraction call per new document (several only for documents longer than
   one chunk), zero for a document seen before, and tokens per round growing with the new
   documents only, not with the corpus. Results go to bench/results/analyze.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.support.fake_llm, the loopback fake

from bot.analysis.lens import load_lens  # noqa: E402
from bot.analysis.llm import LLMConfig, OpenAICompatibleClient  # noqa: E402
from bot.analysis.llm_analyzer import LLMAnalyzer  # noqa: E402
from bot.analysis.offline import OfflineAnalyzer  # noqa: E402
from bot.analysis.prompts import load_prompt  # noqa: E402
from bot.domain.models import Document, DocumentKind, FetchedDocument  # noqa: E402
from bot.domain.text import chunk_text, content_hash  # noqa: E402
from bot.services.analyze import AnalyzeService  # noqa: E402
from bot.settings import DEFAULT_LENS_PATH, DEFAULT_PROMPTS_DIR  # noqa: E402
from storage.db import create_engine_for  # noqa: E402
from storage.migrate import upgrade_engine_to_head  # noqa: E402
from storage.repository import SqlStore  # noqa: E402
from tests.support.fake_llm import FakeLLMServer, FakeReply  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "analyze.json"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
EMPTY_REPLY = json.dumps(
    {
        "claims": [],
        "indicators": [],
        "stance": "neutral",
        "stance_reason": "Nothing bears on the question.",
        "relevance": 0.1,
        "summary": "A document. Nothing more.",
    }
)


class Clock:
    def now(self) -> datetime:
        return NOW


def load_corpus(directory: Path) -> list[dict[str, Any]]:
    lines = (directory / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def as_fetched(row: dict[str, Any]) -> FetchedDocument:
    return FetchedDocument(
        url=row["url"],
        canonical_url=row["url"],
        title=row["title"],
        text=row["text"],
        kind=DocumentKind(row["kind"]),
        speaker=row.get("speaker"),
    )


def as_document(number: int, row: dict[str, Any]) -> Document:
    return Document(
        id=number,
        source_id=None,
        url=row["url"],
        canonical_url=row["url"],
        title=row["title"],
        text=row["text"],
        kind=DocumentKind(row["kind"]),
        content_hash=content_hash(row["text"]),
        fetched_at=NOW,
        speaker=row.get("speaker"),
    )


def bench_offline(rows: list[dict[str, Any]], repeat: int) -> dict[str, Any]:
    lens = load_lens(DEFAULT_LENS_PATH)
    analyzer = OfflineAnalyzer()
    documents = [as_document(n, row) for n, row in enumerate(rows, 1)]
    started = time.perf_counter()
    for _ in range(repeat):
        for document in documents:
            analyzer.analyze(document, lens)
    seconds = time.perf_counter() - started
    words = sum(len(d.text.split()) for d in documents) * repeat
    return {
        "documents": len(documents) * repeat,
        "seconds": round(seconds, 2),
        "documents_per_second": round(len(documents) * repeat / seconds, 1),
        "words_per_second": round(words / seconds),
    }


def bench_llm_rounds(rows: list[dict[str, Any]], tmp: str) -> list[dict[str, Any]]:
    lens = load_lens(DEFAULT_LENS_PATH)
    engine = create_engine_for(f"sqlite:///{tmp}/analyze.db")
    upgrade_engine_to_head(engine)
    store = SqlStore(engine)
    rounds: list[dict[str, Any]] = []
    with FakeLLMServer(default=FakeReply(content=EMPTY_REPLY)) as llm, httpx.Client() as http:
        client = OpenAICompatibleClient(
            http, LLMConfig(llm.base_url, "fake-model"), call_log=store, now=Clock().now
        )
        analyzer = LLMAnalyzer(
            client, load_prompt(DEFAULT_PROMPTS_DIR, "extract", 1), fallback=OfflineAnalyzer()
        )
        service = AnalyzeService(analyzer=analyzer, store=store, lens=lens, clock=Clock())
        stored = 0
        for new in (10, 5, 0):
            for row in rows[stored : stored + new]:
                fetched = as_fetched(row)
                store.add_document(
                    fetched,
                    source_id=None,
                    content_hash=content_hash(fetched.text),
                    bands=(),
                    chunks=chunk_text(fetched.text),
                    fetched_at=NOW,
                )
            stored += new
            before = len(llm.chat_requests)
            report = service.analyze_pending()
            requests = llm.chat_requests[before:]
            request_chars = sum(len(json.dumps(r.json["messages"])) for r in requests)
            rounds.append(
                {
                    "new_documents": new,
                    "documents_stored": stored,
                    "documents_analyzed": report.analyzed,
                    "llm_calls": len(requests),
                    "calls_per_new_document": round(len(requests) / new, 2) if new else 0,
                    "estimated_prompt_tokens": request_chars // 4,
                    "server_reported_tokens": report.tokens,
                }
            )
    engine.dispose()
    return rounds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rows = load_corpus(args.corpus)
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            "command": "python bench/analyze.py " + " ".join(sys.argv[1:]),
            "corpus_documents": len(rows),
            "offline": bench_offline(rows, args.repeat),
            "llm_rounds": bench_llm_rounds(rows, tmp),
        }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
