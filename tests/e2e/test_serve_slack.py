"""``briefbot serve --http`` as a real process against the loopback fake Slack Web API.

The demo documents are in the database; Slack's side is played by signed HTTP requests to
``/slack/events`` and the fake Web API that records what Briefbot posts.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Run
from tests.e2e.serve_support import (
    BOT_TOKEN,
    SIGNING_SECRET,
    ServeProcess,
    post_event,
    serve_http,
    signed_headers,
    wait_until,
)
from tests.support.demo_db import copy_database
from tests.support.fake_llm import FakeLLMServer, FakeReply
from tests.support.fake_slack import FakeSlack

CHANNEL = "C0POLICY1"
ASK = "How many fighters does ISIS still have according to the inspector general?"


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    """One fake Slack for the module's one server; tests use their own threads (ts)."""
    with FakeSlack(token=BOT_TOKEN) as fake:
        yield fake


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve")


@pytest.fixture(scope="module")
def slack_env(demo_database: Path, workdir: Path, slack: FakeSlack) -> dict[str, str]:
    url = copy_database(demo_database, workdir)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFBOT_", "SLACK_"))}
    return {
        **clean,
        "BRIEFBOT_DATABASE_URL": url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "BRIEFBOT_SLACK_API_URL": slack.base_url,
    }


@pytest.fixture(scope="module")
def server(slack_env: dict[str, str], workdir: Path) -> Iterator[ServeProcess]:
    """One ``briefbot serve --http`` for the module (starting one takes seconds)."""
    with serve_http(workdir, slack_env) as served:
        yield served


def mention(text: str, *, ts: str, thread_ts: str | None = None) -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "user": "U1",
        "text": f"<@U0BRIEFBOT> {text}",
        "ts": ts,
        "channel": CHANNEL,
        "event_ts": ts,
    }
    return event | ({"thread_ts": thread_ts} if thread_ts else {})


def thread_reply(text: str, *, ts: str, thread_ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "channel",
        "user": "U1",
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "channel": CHANNEL,
        "event_ts": ts,
    }


def answers_in(slack: FakeSlack, thread_ts: str) -> list[dict[str, Any]]:
    return [m for m in slack.messages(CHANNEL) if m.get("thread_ts") == thread_ts]


def answer_text(message: dict[str, Any]) -> str:
    return "\n".join(
        str(block.get("text", {}).get("text", ""))
        for block in message.get("blocks", [])
        if isinstance(block.get("text"), dict)
    )


def test_a_mention_gets_a_threaded_answer_with_verified_citations(
    server: ServeProcess, slack: FakeSlack
) -> None:
    started = time.monotonic()
    response = post_event(server.base_url, mention(ASK, ts="1700000100.000100"), event_id="Ev1")
    assert response.status_code == 200
    assert time.monotonic() - started < 3  # acked well inside Slack's 3 seconds
    wait_until(lambda: answers_in(slack, "1700000100.000100"), what="the threaded answer")
    [answer] = answers_in(slack, "1700000100.000100")
    text = answer_text(answer)
    assert "14,000" in text
    assert "Sources" in text
    assert "<http://127.0.0.1:" in text  # [n] and the sources link to the documents
    actions = [b for b in answer["blocks"] if b["type"] == "actions"]
    assert actions
    assert actions[0]["elements"][0]["value"].isdigit()


def test_a_reply_in_a_thread_briefbot_answered_needs_no_mention(
    server: ServeProcess, slack: FakeSlack
) -> None:
    root = "1700000200.000100"
    post_event(server.base_url, mention(ASK, ts=root), event_id="Ev2")
    wait_until(lambda: len(answers_in(slack, root)) == 1, what="the first answer")
    reply = thread_reply("Who said otherwise?", ts="1700000201.000100", thread_ts=root)
    assert post_event(server.base_url, reply, event_id="Ev3").status_code == 200
    wait_until(lambda: len(answers_in(slack, root)) == 2, what="the follow-up answer")
    other = thread_reply(ASK, ts="1700000301.000100", thread_ts="1700000300.000100")
    post_event(server.base_url, other, event_id="Ev4")  # a thread Briefbot never spoke in
    time.sleep(1.0)
    assert answers_in(slack, "1700000300.000100") == []


def test_a_redelivered_event_is_answered_once(server: ServeProcess, slack: FakeSlack) -> None:
    root = "1700000400.000100"
    for retry in (0, 1, 2):
        response = post_event(server.base_url, mention(ASK, ts=root), event_id="Ev5", retry=retry)
        assert response.status_code == 200
    wait_until(lambda: answers_in(slack, root), what="the answer")
    time.sleep(1.0)
    assert len(answers_in(slack, root)) == 1


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "not-the-secret"},  # forged
        {"timestamp": int(time.time()) - 10 * 60},  # stale: replayed ten minutes later
    ],
    ids=["forged", "stale"],
)
def test_a_forged_or_stale_request_is_refused_and_nothing_is_posted(
    server: ServeProcess, slack: FakeSlack, signing: dict[str, Any]
) -> None:
    root = f"1700000500.00010{len(signing)}{sorted(signing)[0][0]}"
    response = post_event(server.base_url, mention(ASK, ts=root), event_id=f"Ev6{root}", **signing)
    assert response.status_code == 401
    time.sleep(1.0)
    assert answers_in(slack, root) == []
    assert not [c for c in slack.calls if root in str(c.params)]  # no reaction, no reply


def test_healthz_answers_and_other_paths_do_not(server: ServeProcess) -> None:
    import httpx

    health = httpx.get(f"{server.base_url}/healthz", timeout=5)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert httpx.get(f"{server.base_url}/admin", timeout=5).status_code == 404
    body = "x" * (2 * 1024 * 1024)
    huge = httpx.post(
        f"{server.base_url}/slack/events", content=body, headers=signed_headers(body), timeout=10
    )
    assert huge.status_code == 413
    assert httpx.get(f"{server.base_url}/healthz", timeout=5).status_code == 200  # still up


def test_serve_without_slack_settings_says_what_to_set(run_cli: Run) -> None:
    result = run_cli("serve")
    assert result.returncode == 1
    assert "SLACK_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("serve", "--http", env={"SLACK_BOT_TOKEN": BOT_TOKEN})
    assert result.returncode == 1
    assert "SLACK_SIGNING_SECRET" in result.stderr


def test_sigterm_finishes_the_answer_in_progress_instead_of_apologizing(
    slack_env: dict[str, str], workdir: Path, slack: FakeSlack, demo_database: Path
) -> None:
    quote = "ISIS retained between 14,000 and 18,000 members"
    reply = {"answer": "The report says so [1].", "answered": True}
    content = json.dumps(reply | {"citations": [{"n": 1, "quote": quote}]})
    slow = FakeReply(content=content, hold=2)
    with FakeLLMServer(default=slow) as llm:
        env = {
            **slack_env,
            "BRIEFBOT_DATABASE_URL": copy_database(demo_database, workdir / "llm"),
            "BRIEFBOT_LLM_BASE_URL": llm.base_url,
            "BRIEFBOT_LLM_MODEL": "fake-model",
            "BRIEFBOT_SCHEDULER_JOBSTORE": "memory",
        }
        root = "1700000900.000100"
        with serve_http(workdir, env) as served:
            post_event(served.base_url, mention(ASK, ts=root), event_id="Ev-sigterm")
            wait_until(lambda: llm.chat_requests, what="the LLM call")
            served.process.terminate()  # SIGTERM while the model is still "thinking"
            assert served.process.wait(timeout=30) == 0
        assert answers_in(slack, root), served.log
        assert not [e for e in slack.ephemerals() if root in str(e)]
        assert "finishing answers in progress" in served.log
