"""The CLI as a process: the demo end to end, exit codes, and one-line errors on bad input."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from tests.support.http_server import LoopbackServer, Route

from .conftest import Run

SECTIONS = (
    "BOTTOM LINE",
    "NEW LEADER STATEMENTS",
    "NEW EVIDENCE",
    "CLAIMS UNDER PRESSURE",
    "SOURCES",
)


def count_rows(tmp_path: Path, table: str) -> int:
    with sqlite3.connect(tmp_path / "briefbot.db") as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_demo_prints_every_section_and_a_cited_answer(run_cli: Run) -> None:
    result = run_cli("demo")
    assert result.returncode == 0, result.stderr
    for section in SECTIONS:
        assert section in result.stdout
    assert "Q: How many fighters" in result.stdout
    assert re.search(r"“[^”]*\d[^”]*” \[1\]", result.stdout), result.stdout
    assert "(nothing new)" not in result.stdout.split("SOURCES")[0]


def test_demo_twice_stores_nothing_twice(run_cli: Run, tmp_path: Path) -> None:
    assert run_cli("demo").returncode == 0
    counts = {t: count_rows(tmp_path, t) for t in ("document", "chunk", "analysis", "claim")}
    second = run_cli("demo")
    assert second.returncode == 0, second.stderr
    assert {t: count_rows(tmp_path, t) for t in counts} == counts
    assert counts["document"] >= 5
    assert "BOTTOM LINE" in second.stdout


def test_broken_source_fails_alone_and_is_recorded(run_cli: Run, tmp_path: Path) -> None:
    with LoopbackServer() as server:
        good = server.add(
            "/page.html",
            Route(
                body=b"<html><head><title>Report</title></head><body><article><p>"
                + b"ISIS retained between 14,000 and 18,000 fighters in Iraq and Syria. " * 5
                + b"</p></article></body></html>",
                headers={"Content-Type": "text/html; charset=utf-8"},
            ),
        )
        bad = server.add("/feed.xml", Route(body=b"<html><body>not a feed</body></html>"))
        env = {"BRIEFBOT_FETCH_ALLOW_HOSTS": "127.0.0.1"}
        assert (
            run_cli("sources", "add", good, "--kind", "html", "--name", "good", env=env).returncode
            == 0
        )
        assert (
            run_cli("sources", "add", bad, "--kind", "rss", "--name", "bad", env=env).returncode
            == 0
        )
        result = run_cli("collect", env=env)
    assert result.returncode == 0, result.stderr
    assert count_rows(tmp_path, "document") == 1
    assert count_rows(tmp_path, "chunk_change") == 0  # the search index took the new chunks
    assert (tmp_path / "briefbot.db-search" / "meta.json").is_file()
    assert "not a feed" in result.stdout  # the summary table names the reason
    with sqlite3.connect(tmp_path / "briefbot.db") as connection:
        health = dict(connection.execute("SELECT name, failure_count FROM source").fetchall())
        error = connection.execute("SELECT last_error FROM source WHERE name='bad'").fetchone()[0]
    assert health == {"good": 0, "bad": 1}
    assert "not a feed" in error
    assert "\n" not in error


def test_loopback_sources_are_refused_without_the_allow_list(run_cli: Run, tmp_path: Path) -> None:
    with LoopbackServer() as server:
        url = server.add("/page.html", Route(body=b"<html><body><p>text</p></body></html>"))
        run_cli("sources", "add", url, "--kind", "html", "--name", "local")
        result = run_cli("collect")
        assert server.requests == []
    assert result.returncode == 1
    assert "not a public address" in result.stdout + result.stderr


def test_ask_with_no_documents_says_the_documents_do_not_answer(run_cli: Run) -> None:
    result = run_cli("ask", "How many fighters remain?")
    assert result.returncode == 0, result.stderr
    assert "don't answer" in result.stdout


def one_line_error(result_stderr: str) -> str:
    lines = [line for line in result_stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result_stderr
    assert lines[0].startswith("briefbot: error: ")
    assert "Traceback" not in result_stderr
    return lines[0]


def test_unopenable_database_is_a_one_line_error(run_cli: Run) -> None:
    result = run_cli("init", env={"BRIEFBOT_DATABASE_URL": "nonsense://nowhere"})
    assert result.returncode == 1
    assert "nonsense://nowhere" in one_line_error(result.stderr)


def test_wrong_setting_names_the_variable(run_cli: Run) -> None:
    result = run_cli("init", env={"BRIEFBOT_FETCH_MAX_BYTES": "lots"})
    assert result.returncode == 1
    assert "BRIEFBOT_FETCH_MAX_BYTES" in one_line_error(result.stderr)


def test_non_http_source_is_refused(run_cli: Run) -> None:
    result = run_cli("sources", "add", "file:///etc/passwd", "--kind", "html")
    assert result.returncode == 1
    assert "file:///etc/passwd" in one_line_error(result.stderr)


def test_malformed_sources_file_is_a_one_line_error(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("sources: [", encoding="utf-8")
    result = run_cli("sources", "sync", str(path))
    assert result.returncode == 1
    assert "bad.yaml" in one_line_error(result.stderr)


def test_usage_errors_exit_2(run_cli: Run) -> None:
    assert run_cli("no-such-command").returncode == 2
    assert run_cli("collect", "--bogus").returncode == 2
    assert run_cli("digest").returncode == 2


def test_stored_documents_survive_a_failing_run(run_cli: Run, tmp_path: Path) -> None:
    assert run_cli("demo").returncode == 0
    before = count_rows(tmp_path, "document")
    run_cli("collect", "--all")  # the demo server is gone: every source fails
    assert count_rows(tmp_path, "document") == before
