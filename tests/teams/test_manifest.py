"""The Teams app package template: a manifest with placeholders, and its two icons."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from PIL import Image

PACKAGE = Path(__file__).parents[2] / "teams"
PLACEHOLDER = re.compile(r"\{\{([A-Z0-9_]+)\}\}")
SCOPES = {"personal", "team", "groupChat"}


def load() -> dict[str, Any]:
    manifest = json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8"))
    assert isinstance(manifest, dict)
    return manifest


def test_the_manifest_is_a_recent_schema_with_placeholders_for_the_deployment() -> None:
    manifest = load()
    version = tuple(int(part) for part in manifest["manifestVersion"].split("."))
    assert version >= (1, 17)
    assert manifest["manifestVersion"] in manifest["$schema"]
    text = (PACKAGE / "manifest.json").read_text(encoding="utf-8")
    assert set(PLACEHOLDER.findall(text)) == {
        "BRIEFBOT_TEAMS_APP_ID",
        "BRIEFBOT_TEAMS_DOMAIN",
        "BRIEFBOT_TEAMS_DEVELOPER_NAME",
    }
    assert manifest["id"] == "{{BRIEFBOT_TEAMS_APP_ID}}"
    assert manifest["validDomains"] == ["{{BRIEFBOT_TEAMS_DOMAIN}}"]


def test_the_bot_answers_in_chats_channels_and_group_chats() -> None:
    [bot] = load()["bots"]
    assert bot["botId"] == "{{BRIEFBOT_TEAMS_APP_ID}}"
    assert set(bot["scopes"]) == SCOPES
    assert bot["isNotificationOnly"] is False
    [commands] = bot["commandLists"]
    assert set(commands["scopes"]) == SCOPES
    for command in commands["commands"]:
        assert 0 < len(command["title"]) <= 32
        assert 0 < len(command["description"]) <= 128


def test_names_and_descriptions_fit_teams_limits() -> None:
    manifest = load()
    assert len(manifest["name"]["short"]) <= 30
    assert len(manifest["name"]["full"]) <= 100
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    assert re.fullmatch(r"#[0-9A-F]{6}", manifest["accentColor"])


def test_the_icons_have_teams_sizes_and_the_outline_is_white_on_transparent() -> None:
    icons = load()["icons"]
    with Image.open(PACKAGE / icons["color"]) as color:
        assert color.size == (192, 192)
    with Image.open(PACKAGE / icons["outline"]) as opened:
        outline = opened.convert("RGBA")
    assert outline.size == (32, 32)
    pixels = [outline.getpixel((x, y)) for x in range(32) for y in range(32)]
    assert any(alpha == 0 for *_, alpha in pixels)
    assert any(alpha == 255 for *_, alpha in pixels)
    assert all((red, green, blue) == (255, 255, 255) for red, green, blue, alpha in pixels if alpha)
    for name in icons.values():
        assert (PACKAGE / name).stat().st_size < 4096
