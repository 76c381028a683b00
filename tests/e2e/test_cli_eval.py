"""``briefbot eval`` as a process: the development corpus with --json, floors, one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.e2e.conftest import Run
from tests.evaluation.conftest import DOCUMENTS, GOLD, dump_lines
from tests.support.fake_llm import FakeLLMServer

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / ".." / "shared" / "corpus"
REQUIRED_KEYS = {
    "claims.precision",
    "claims.recall",
    "indicators.recall",
    "stance.accuracy",
    "qa.citation_accuracy",
    "qa.answered",
    "quotes.shown",
    "quotes.verified",
    "documents",
}
# The targets for the offline analyzer; the command's default floors are at or above.
TARGETS = {
    "claims.precision": 0.7,
    "claims.recall": 0.7,
    "indicators.recall": 0.6,
    "stance.accuracy": 0.6,
}

if os.environ.get("CI") == "true" and not (CORPUS / "documents.jsonl").is_file():
    raise RuntimeError(f"CI needs the development corpus at {CORPUS}")

needs_corpus = pytest.mark.skipif(
    not (CORPUS / "documents.jsonl").is_file(),
    reason=f"the development corpus is not at {CORPUS} (it lives beside the repository)",
)


@needs_corpus
def test_eval_json_on_the_development_corpus(run_cli: Run) -> None:
    done = run_cli("eval", "--corpus", str(CORPUS.resolve()), "--json")

    assert done.returncode == 0, done.stderr
    scores = json.loads(done.stdout)
    assert scores.keys() >= REQUIRED_KEYS
    assert scores["quotes.verified"] == scores["quotes.shown"] > 0
    assert scores["documents"] == 31
    for key, target in TARGETS.items():
        assert scores[key] >= target, key


@needs_corpus
def test_eval_prints_a_table(run_cli: Run) -> None:
    done = run_cli("eval", "--corpus", str(CORPUS.resolve()))

    assert done.returncode == 0, done.stderr
    assert "claims.precision" in done.stdout
    assert "quotes.verified" in done.stdout


@needs_corpus
def test_a_floor_above_the_measurement_fails_naming_the_metric(run_cli: Run) -> None:
    done = run_cli(
        "eval", "--corpus", str(CORPUS.resolve()), "--json", "--min-stance-accuracy", "1"
    )

    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"briefbot: error: stance.accuracy {json.loads(done.stdout)['stance.accuracy']:.3f} "
        "is below the floor 1.000"
    )


def test_a_missing_corpus_is_a_one_line_error(run_cli: Run, tmp_path: Path) -> None:
    done = run_cli("eval", "--corpus", str(tmp_path / "absent"))

    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "no corpus directory at" in done.stderr


def test_a_malformed_line_names_file_and_line(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "documents.jsonl").write_text('{"id": "a"}\n', encoding="utf-8")
    (tmp_path / "gold.jsonl").write_text("\n", encoding="utf-8")

    done = run_cli("eval", "--corpus", str(tmp_path))

    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "documents.jsonl:1: kind: Field required" in done.stderr


@needs_corpus
def test_the_llm_analyzer_needs_a_base_url(run_cli: Run) -> None:
    done = run_cli("eval", "--corpus", str(CORPUS.resolve()), "--analyzer", "llm")

    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "BRIEFBOT_LLM_BASE_URL" in done.stderr


def test_eval_measures_the_llm_analyzer_over_a_loopback_endpoint(
    run_cli: Run, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "documents.jsonl").write_text(dump_lines(DOCUMENTS), encoding="utf-8")
    (corpus / "gold.jsonl").write_text(dump_lines(GOLD), encoding="utf-8")
    statement_reply = {
        "claims": [
            {
                "speaker": "Jane Doe",
                "quote": "We have defeated the caliphate completely.",
                "scope": "territorial",
                "said_at": None,
            },
            {"speaker": "Jane Doe", "quote": "We invented this.", "scope": "total"},
        ],
        "indicators": [],
        "stance": "supports_victory",
    }
    report_reply = {"claims": [], "indicators": [], "stance": "supports_premature"}
    no_floors = [f"--min-{name}" for name in ("claims-recall", "indicators-recall")]
    with FakeLLMServer() as llm:
        llm.enqueue(statement_reply, report_reply)
        done = run_cli(
            "eval",
            "--corpus",
            str(corpus),
            "--analyzer",
            "llm",
            "--json",
            *(part for flag in no_floors for part in (flag, "0")),
            env={"BRIEFBOT_LLM_BASE_URL": llm.base_url, "BRIEFBOT_LLM_MODEL": "fake-model"},
        )

    assert done.returncode == 0, done.stderr
    scores = json.loads(done.stdout)
    assert scores["claims.precision"] == 1.0  # the invented quote was dropped, not shown
    assert scores["claims.recall"] == 0.5
    assert scores["stance.accuracy"] == 1.0
    assert scores["analysis.degraded"] == 0
    assert scores["quotes.verified"] == scores["quotes.shown"]
    assert scores["analyzer"].startswith("fake-model")
