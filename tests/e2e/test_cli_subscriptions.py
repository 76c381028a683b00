"""Subscriptions from the CLI as a process: subscribe, list, unsubscribe, post once a day."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.support.demo_db import copy_database
from tests.support.fake_slack import FakeSlack

from .conftest import Run
from .test_cli import one_line_error

CONSOLE = ("subscribe", "--platform", "console", "--channel", "desk", "--tz", "America/New_York")


def runs(tmp_path: Path) -> list[tuple[int, str, str]]:
    with sqlite3.connect(tmp_path / "briefbot.db") as connection:
        rows = connection.execute(
            "SELECT edition, status, message_ts FROM digest_run ORDER BY edition"
        ).fetchall()
    return [(int(edition), str(status), str(ts)) for edition, status, ts in rows]


def test_subscribe_list_and_unsubscribe(run_cli: Run) -> None:
    added = run_cli(
        "subscribe",
        "--channel",
        "C0123ABCD",
        "--at",
        "07:30",
        "--tz",
        "America/New_York",
        "--days",
        "mon-fri",
        "--tags",
        "isis,official",
    )
    assert added.returncode == 0, added.stderr
    assert "Subscribed 1: slack C0123ABCD at 07:30 America/New_York, mon-fri" in added.stdout
    assert "Next digest:" in added.stdout
    listed = run_cli("subscriptions")
    assert listed.returncode == 0, listed.stderr
    assert "C0123ABCD" in listed.stdout
    assert "mon-fri" in listed.stdout
    changed = run_cli(
        "subscribe", "--channel", "C0123ABCD", "--at", "18:00", "--tz", "Europe/London"
    )
    assert "Changed subscription 1" in changed.stdout
    removed = run_cli("unsubscribe", "1")
    assert removed.returncode == 0, removed.stderr
    assert "Unsubscribed 1" in removed.stdout
    assert "No subscriptions." in run_cli("subscriptions").stdout
    again = run_cli("unsubscribe", "1")
    assert again.returncode == 1
    assert again.stderr.strip() == "briefbot: error: there is no subscription 1"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--at", "7.30", "time '7.30' is not HH:MM"),
        ("--at", "24:00", "time '24:00' is not HH:MM"),
        ("--tz", "America/Gotham", "time zone 'America/Gotham' is unknown"),
        ("--days", "mon-funday", "days 'mon-funday' are not understood"),
        ("--channel", "#general", "is not a channel ID"),
        ("--platform", "irc", "platform 'irc' is not one of slack, teams, console"),
    ],
)
def test_bad_input_is_a_one_line_error(run_cli: Run, option: str, value: str, message: str) -> None:
    arguments = {"--channel": "C0123ABCD", "--at": "07:30", "--tz": "UTC", option: value}
    result = run_cli("subscribe", *(part for pair in arguments.items() for part in pair))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("briefbot: error: ")
    assert message in lines[0]


def test_digest_post_on_a_console_subscription_posts_once_a_day(
    run_cli: Run, tmp_path: Path
) -> None:
    assert run_cli(*CONSOLE, "--at", "07:30").returncode == 0
    first = run_cli("digest", "--post", "--subscription", "1")
    assert first.returncode == 0, first.stderr
    assert "BOTTOM LINE" in first.stdout
    assert "edition 1" in first.stdout
    second = run_cli("digest", "--post", "--subscription", "1")
    assert second.returncode == 0, second.stderr
    assert "already posted" in second.stdout
    assert "BOTTOM LINE" not in second.stdout
    forced = run_cli("digest", "--post", "--subscription", "1", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "edition 2" in forced.stdout
    assert [(edition, status) for edition, status, _ in runs(tmp_path)] == [
        (1, "posted"),
        (2, "posted"),
    ]
    assert all(ts.startswith("console:1:") for _, _, ts in runs(tmp_path))


def test_digest_post_to_slack_without_a_token_says_what_to_set(
    run_cli: Run, tmp_path: Path
) -> None:
    added = run_cli("subscribe", "--channel", "C0123ABCD", "--at", "07:30", "--tz", "UTC")
    assert added.returncode == 0, added.stderr
    result = run_cli("digest", "--post", "--subscription", "1")
    assert result.returncode == 1
    assert "SLACK_BOT_TOKEN" in one_line_error(result.stderr)
    assert runs(tmp_path) == []  # nothing claimed


def test_digest_post_to_slack_posts_once_with_run_metadata(run_cli: Run, tmp_path: Path) -> None:
    assert run_cli("demo").returncode == 0  # documents, analyses and figures to post
    with FakeSlack() as slack:
        env = {"SLACK_BOT_TOKEN": slack.token, "BRIEFBOT_SLACK_API_URL": slack.base_url}
        added = run_cli("subscribe", "--channel", "C0123ABCD", "--at", "07:30", "--tz", "UTC")
        assert added.returncode == 0, added.stderr
        first = run_cli("digest", "--post", "--subscription", "1", env=env)
        assert first.returncode == 0, first.stderr
        second = run_cli("digest", "--post", "--subscription", "1", env=env)
        assert second.returncode == 0, second.stderr
        assert "already posted" in second.stdout
        posted = [m for m in slack.messages("C0123ABCD") if "thread_ts" not in m]
        uploads = slack.uploads()
    assert len(posted) == 1  # twice asked, once posted
    assert posted[0]["metadata"]["event_payload"]["run_id"] == 1
    assert "<!channel>" not in json.dumps(posted[0])
    assert len(uploads) == 1  # the indicator chart, into the digest's thread
    [(edition, status, ts)] = runs(tmp_path)
    assert (edition, status) == (1, "posted")
    assert ts == posted[0]["ts"]


def test_digest_post_needs_a_subscription(run_cli: Run) -> None:
    result = run_cli("digest", "--post")
    assert result.returncode == 2
    assert "--post --subscription ID" in result.stderr
    missing = run_cli("digest", "--post", "--subscription", "9")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "briefbot: error: there is no subscription 9"


def test_a_crash_after_posting_is_healed_by_finding_the_message_not_posting_again(
    run_cli: Run, cli_env: dict[str, str], tmp_path: Path, demo_database: Path
) -> None:
    copy_database(demo_database, tmp_path)  # the digest has documents to show
    with FakeSlack() as slack:
        env = {"SLACK_BOT_TOKEN": slack.token, "BRIEFBOT_SLACK_API_URL": slack.base_url}
        added = run_cli("subscribe", "--channel", "C0123ABCD", "--at", "07:30", "--tz", "UTC")
        assert added.returncode == 0, added.stderr
        slack.stall_next("chat.getPermalink", 120)  # posted, then Slack hangs: we crash here
        poster = subprocess.Popen(
            [sys.executable, "-m", "bot", "digest", "--post", "--subscription", "1"],
            cwd=tmp_path,
            env={**cli_env, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            slack.wait_for_calls("chat.getPermalink", timeout=60)
        finally:
            poster.kill()
            poster.wait()
        assert [ts for _, status, ts in runs(tmp_path) if status == "pending"] == ["None"]
        soon = run_cli("digest", "--post", "--subscription", "1", env=env)
        assert soon.returncode == 0, soon.stderr
        assert "being posted" in soon.stdout  # a claim this fresh may still be working
        _age_claims(tmp_path, minutes=20)  # past the pending timeout: the run is abandoned
        healed = run_cli("digest", "--post", "--subscription", "1", env=env)
        assert healed.returncode == 0, healed.stderr
        posted = [m for m in slack.messages("C0123ABCD") if "thread_ts" not in m]
    assert len(posted) == 1  # found by its run metadata, not posted again
    assert "had been posted" in healed.stdout
    [(edition, status, ts)] = runs(tmp_path)
    assert (edition, status, ts) == (1, "posted", posted[0]["ts"])


def _age_claims(tmp_path: Path, *, minutes: int) -> None:
    with sqlite3.connect(tmp_path / "briefbot.db") as connection:
        for run_id, claimed in connection.execute("SELECT id, claimed_at FROM digest_run"):
            older = datetime.fromisoformat(claimed) - timedelta(minutes=minutes)
            stamp = older.isoformat(sep=" ") if " " in claimed else older.isoformat()
            connection.execute("UPDATE digest_run SET claimed_at = ? WHERE id = ?", (stamp, run_id))
