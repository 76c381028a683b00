"""``briefbot serve --teams-port`` as a real process: the Teams bot beside the scheduler.

The activity's ``serviceUrl`` is a loopback fake Bot Connector; with anonymous access (local
testing only) replies go there without a token. With credentials set, a request without a
valid token is refused before anything runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Run
from tests.e2e.serve_support import serve_http
from tests.support.demo_db import copy_database
from tests.support.fake_bot_connector import FakeBotConnector

ASK = "How many fighters does ISIS still have according to the inspector general?"
BOT_ID = "28:00000000-0000-4000-8000-00000000b0b0"


@pytest.fixture
def teams_env(demo_database: Path, tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFBOT_", "SLACK_"))}
    return {
        **clean,
        "BRIEFBOT_DATABASE_URL": copy_database(demo_database, tmp_path),
        "BRIEFBOT_SCHEDULER_JOBSTORE": "memory",
    }


@pytest.fixture
def connector() -> Iterator[FakeBotConnector]:
    with FakeBotConnector() as fake:
        yield fake


def personal_message(connector: FakeBotConnector, activity_id: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": activity_id,
        "timestamp": "2026-11-25T07:31:00.000Z",
        "serviceUrl": connector.service_url,
        "channelId": "msteams",
        "from": {"id": "29:1alice", "name": "Alice", "aadObjectId": "a1a1a1a1"},
        "conversation": {"conversationType": "personal", "id": "a:1personal-chat"},
        "recipient": {"id": BOT_ID, "name": "Briefbot"},
        "textFormat": "plain",
        "text": ASK,
        "locale": "en-US",
    }


def test_anonymous_teams_bot_answers_a_personal_chat_with_a_card(
    teams_env: dict[str, str], tmp_path: Path, connector: FakeBotConnector
) -> None:
    env = {**teams_env, "BRIEFBOT_TEAMS_ALLOW_ANONYMOUS": "true"}
    with serve_http(tmp_path, env, arguments=("--teams-port", "0")) as served:
        assert "/api/messages" in served.log
        response = httpx.post(
            f"{served.base_url}/api/messages",
            json=personal_message(connector, "1:first"),
            timeout=10,
        )
        assert response.status_code in (200, 201, 202)
        working, answer = connector.wait_for_messages(2, timeout=30)
        assert "warning" in served.log.casefold()  # anonymous access is announced
    assert "Working on it" in str(working.text)
    assert "14,000" in str(answer.cards())


def test_with_credentials_a_request_without_a_token_is_refused(
    teams_env: dict[str, str], tmp_path: Path, connector: FakeBotConnector
) -> None:
    env = {
        **teams_env,
        "BRIEFBOT_TEAMS_APP_ID": BOT_ID.removeprefix("28:"),
        "BRIEFBOT_TEAMS_APP_PASSWORD": "not-a-real-secret",
        "BRIEFBOT_TEAMS_TENANT_ID": "00000000-0000-4000-8000-0000000000aa",
    }
    with serve_http(tmp_path, env, arguments=("--teams-port", "0")) as served:
        response = httpx.post(
            f"{served.base_url}/api/messages",
            json=personal_message(connector, "1:no-token"),
            timeout=10,
        )
        health = httpx.get(f"{served.base_url}/healthz", timeout=10)
    assert response.status_code == 401
    assert health.status_code == 200
    assert connector.sent == []


def test_teams_without_credentials_or_anonymous_is_a_one_line_error(run_cli: Run) -> None:
    result = run_cli("serve", "--teams-port", "0")
    assert result.returncode == 1
    assert "BRIEFBOT_TEAMS_APP_ID" in result.stderr
    assert "Traceback" not in result.stderr
