"""The Slack app manifest in the repo declares what the adapter needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MANIFEST = Path(__file__).parents[2] / "slack" / "manifest.yaml"
SCOPES = {
    "app_mentions:read",
    "assistant:write",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:write",
    "mpim:history",
    "reactions:write",
}
EVENTS = {
    "app_mention",
    "assistant_thread_context_changed",
    "assistant_thread_started",
    "message.channels",
    "message.groups",
    "message.im",
}


def load() -> dict[str, Any]:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(manifest, dict)
    return manifest


def test_scopes_and_events_are_declared() -> None:
    manifest = load()
    assert set(manifest["oauth_config"]["scopes"]["bot"]) >= SCOPES
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) >= EVENTS


def test_slash_command_has_a_usage_hint() -> None:
    (command,) = load()["features"]["slash_commands"]
    assert command["command"] == "/briefbot"
    assert "subscribe" in command["usage_hint"]
    assert len(command["usage_hint"]) <= 1000


def test_socket_mode_interactivity_and_the_assistant_view() -> None:
    manifest = load()
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert manifest["display_information"]["name"] == "Briefbot"
    assert manifest["features"]["bot_user"]["display_name"] == "Briefbot"
    assert manifest["features"]["assistant_view"]["assistant_description"]
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True


def test_descriptions_fit_slacks_limits() -> None:
    info = load()["display_information"]
    assert len(info["description"]) <= 140
    assert 174 <= len(info["long_description"]) <= 4000
