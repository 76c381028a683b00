"""Teams from the CLI as a process: subscribe a Workflows webhook, post once a day, mask it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fake_workflows import SIGNATURE, WORKFLOW_PATH, FakeWorkflows

from .conftest import Run
from .test_cli import one_line_error
from .test_cli_subscriptions import runs

WHEN = ("--at", "07:30", "--tz", "Europe/London")


def test_teams_digest_is_posted_once_and_the_webhook_url_is_never_shown(
    run_cli: Run, tmp_path: Path
) -> None:
    assert run_cli("demo").returncode == 0  # documents, analyses and figures to post
    with FakeWorkflows() as teams:
        added = run_cli(
            "subscribe", "--platform", "teams", "--webhook-url", teams.webhook_url, *WHEN
        )
        first = run_cli("digest", "--post", "--subscription", "1")
        second = run_cli("digest", "--post", "--subscription", "1")
        listed = run_cli("subscriptions")
    for result in (added, first, second, listed):
        assert result.returncode == 0, result.stderr
        for secret in (SIGNATURE, WORKFLOW_PATH):
            assert secret not in result.stdout + result.stderr
    assert "Subscribed 1: teams 127.0.0.1#" in added.stdout
    assert f"via {teams.origin}/… at 07:30 Europe/London" in added.stdout
    assert "Posted the digest for " in first.stdout
    assert "already posted" in second.stdout
    assert f"{teams.origin}/…" in listed.stdout
    assert len(teams.posts) == 1  # twice asked, once posted
    [card] = teams.cards()
    texts = [block.get("text", "") for block in card["body"]]
    assert "Bottom line" in texts
    assert "Sources" in texts
    [(edition, status, ts)] = runs(tmp_path)
    assert (edition, status) == (1, "posted")
    assert ts.startswith("teams:1:")


def test_a_failing_webhook_fails_the_run_on_one_line_without_the_url(
    run_cli: Run, tmp_path: Path
) -> None:
    with FakeWorkflows() as teams:
        url = teams.webhook_url.replace(WORKFLOW_PATH, "/workflows/wrong-id-1234/triggers/x")
        assert (
            run_cli("subscribe", "--platform", "teams", "--webhook-url", url, *WHEN).returncode == 0
        )
        result = run_cli("digest", "--post", "--subscription", "1")
    assert result.returncode == 1
    line = one_line_error(result.stderr)
    assert f"({teams.origin}/…): HTTP 404" in line
    assert "wrong-id-1234" not in line
    assert SIGNATURE not in line
    [(_, status, _)] = runs(tmp_path)
    assert status == "failed"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--platform", "teams"), "a Teams subscription needs the channel's https webhook URL"),
        (
            ("--platform", "teams", "--webhook-url", "http://teams.example.org/hook?sig=s3cr3t"),
            "the Teams webhook URL must use https",
        ),
        (
            ("--channel", "C0123ABCD", "--webhook-url", "https://example.org/hook?sig=s3cr3t"),
            "a webhook URL is only for Teams subscriptions",
        ),
        (("--platform", "slack"), "a Slack subscription needs a channel"),
    ],
)
def test_bad_teams_subscriptions_are_one_line_errors_without_the_url(
    run_cli: Run, arguments: tuple[str, ...], message: str
) -> None:
    result = run_cli("subscribe", *arguments, *WHEN)
    assert result.returncode == 1
    assert one_line_error(result.stderr) == f"briefbot: error: {message}"
    assert "s3cr3t" not in result.stderr
