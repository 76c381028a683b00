"""Run the ``briefbot`` CLI as a real process against a throw-away SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """A minimal environment: no BRIEFBOT_/SLACK_ variables but the database's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFBOT_", "SLACK_"))}
    env["BRIEFBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'briefbot.db'}"
    env["COLUMNS"] = "200"
    return env


@pytest.fixture
def run_cli(cli_env: dict[str, str], tmp_path: Path) -> Run:
    """``run_cli("collect", "--all")`` → CompletedProcess with text stdout/stderr."""

    def run(
        *args: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            env={**cli_env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
