"""The analyze command with an LLM endpoint (a loopback fake): stand-in, redo, call log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support.fake_llm import FakeLLMServer, error_reply
from tests.support.http_server import LoopbackServer, Route

from .conftest import Run

PAGE = (
    b"<html><head><title>Lead IG report</title></head><body><article><p>"
    + b"The Lead Inspector General said ISIS retained between 14,000 and 18,000 members in "
    + b"Iraq and Syria. "
    + b"Attacks continued in several provinces during the quarter. " * 4
    + b"</p></article></body></html>"
)
QUOTE = "ISIS retained between 14,000 and 18,000 members in Iraq and Syria"


def reply_with(*quotes: str) -> dict[str, object]:
    indicators = [
        {
            "indicator": "fighter_strength",
            "low": 14000,
            "high": 18000,
            "unit": "people",
            "as_of": None,
            "quote": quote,
        }
        for quote in quotes
    ]
    return {
        "claims": [],
        "indicators": indicators,
        "stance": "supports_premature",
        "stance_reason": "The group retains thousands of members.",
        "relevance": 0.9,
        "summary": "An estimate of remaining members. Attacks continued.",
    }


def rows(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp_path / "briefbot.db") as connection:
        return connection.execute(sql).fetchall()


def test_llm_down_then_back_stand_in_and_redo(run_cli: Run, tmp_path: Path) -> None:
    with LoopbackServer() as site, FakeLLMServer(default=error_reply(500, "down")) as llm:
        url = site.add("/report.html", Route(body=PAGE, headers={"Content-Type": "text/html"}))
        env = {
            "BRIEFBOT_FETCH_ALLOW_HOSTS": "127.0.0.1",
            "BRIEFBOT_LLM_BASE_URL": llm.base_url,
            "BRIEFBOT_LLM_MODEL": "fake-model",
            "BRIEFBOT_LLM_API_KEY": "sk-test-secret",
            "BRIEFBOT_LLM_MAX_RETRIES": "0",
        }
        assert (
            run_cli("sources", "add", url, "--kind", "html", "--name", "ig", env=env).returncode
            == 0
        )
        assert run_cli("collect", env=env).returncode == 0
        down = run_cli("analyze", env=env)
        assert down.returncode == 0, down.stderr
        assert "1 read by the offline stand-in" in down.stdout
        assert rows(tmp_path, "SELECT degraded, model FROM analysis") == [(1, "fake-model")]

        llm.enqueue(reply_with(QUOTE, "ISIS has 90,000 fighters"))  # one real, one invented
        again = run_cli("analyze", env=env)  # nothing pending: the stand-in is not retried
        assert "Analyzed 0 documents" in again.stdout
        redo = run_cli("analyze", "--redo-degraded", env=env)
        assert redo.returncode == 0, redo.stderr
        assert "Read again 1 documents" in redo.stdout

    assert rows(tmp_path, "SELECT degraded, model, quotes_dropped, tokens_in FROM analysis") == [
        (0, "fake-model", 1, 100)  # the fake reports 100 prompt tokens a call
    ]
    quotes = rows(tmp_path, "SELECT quote FROM indicator_obs")
    assert quotes == [(QUOTE,)]  # the verified quote, at its offsets; nothing invented
    calls = rows(tmp_path, "SELECT prompt_id, prompt_sha256, request, error FROM llm_call")
    assert len(calls) >= 2
    assert all(call[0] == "extract" and len(str(call[1])) == 64 for call in calls)
    assert all("sk-test-secret" not in str(call[2]) for call in calls)
    assert any(call[3] for call in calls)  # the failed call is logged with its error
