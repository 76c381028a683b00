"""Settings: defaults, Slack's own names, and one-line errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.errors import ConfigError
from bot.settings import DEFAULT_DATABASE_URL, load_settings


def test_defaults_are_the_embedded_ones(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.llm().base_url is None
    assert settings.slack().api_url == "https://slack.com/api/"


def test_slack_names_and_flat_prefixed_names_are_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("BRIEFBOT_SLACK_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("BRIEFBOT_FETCH_ALLOW_HOSTS", "127.0.0.1, 10.0.0.0/8 ,")
    settings = load_settings()
    token = settings.slack().bot_token
    assert token is not None
    assert token.get_secret_value() == "xoxb-test"
    assert "xoxb-test" not in repr(settings)
    assert settings.slack().api_url == "http://127.0.0.1:9/api/"
    assert settings.fetch().allow_hosts == ("127.0.0.1", "10.0.0.0/8")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BRIEFBOT_FETCH_MAX_BYTES", "lots"),
        ("BRIEFBOT_CHUNK_CHARS", "5"),
        ("BRIEFBOT_LLM_BASE_URL", "ftp://llm"),
        ("BRIEFBOT_SLACK_API_URL", "slack.com/api"),
    ],
)
def test_a_wrong_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert variable in message
    assert "\n" not in message


def test_llm_base_url_without_model_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match="BRIEFBOT_LLM_MODEL must be set"):
        load_settings()
