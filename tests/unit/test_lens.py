"""The lens file: the shipped one loads; every problem is one ConfigError naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.analysis.lens import MAX_LENS_BYTES, load_lens
from bot.domain.errors import ConfigError
from bot.domain.models import ClaimScope, Direction

LENS_PATH = Path(__file__).resolve().parents[2] / "prompts" / "lenses" / "premature_victory.yaml"
INDICATORS = {
    "fighter_strength",
    "foreign_fighters",
    "attack_tempo",
    "territorial_control",
    "detainees",
    "leadership",
    "external_plots",
    "online_propaganda",
    "leader_call_to_action",
    "financing",
}


def _minimal() -> dict[str, object]:
    return {
        "id": "test_lens",
        "version": 1,
        "subject": {"name": "ISIS", "aliases": ["ISIL"]},
        "question": "Is it over?",
        "claim_cues": ["defeated"],
        "indicators": {
            "fighter_strength": {
                "label": "Fighters",
                "unit": "people",
                "terms": ["fighters"],
                "direction": "up_is_against_victory",
            }
        },
    }


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "lens.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_lens(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_the_shipped_lens_loads() -> None:
    lens = load_lens(LENS_PATH)
    assert lens.id == "premature_victory"
    assert lens.subject == "ISIS"
    assert {"ISIL", "Islamic State", "Daesh", "IS", "ISIS-K", "ISKP"} <= set(lens.aliases)
    assert {spec.name for spec in lens.indicators} >= INDICATORS
    assert {scope.scope for scope in lens.scopes} == set(ClaimScope)
    assert "won against" in lens.claim_cues
    assert lens.premature_cues
    assert lens.victory_cues


def test_every_shipped_indicator_is_complete() -> None:
    for spec in load_lens(LENS_PATH).indicators:
        assert spec.label
        assert spec.unit
        assert spec.definition
        assert spec.terms or spec.cues, spec.name


def test_a_minimal_lens_loads_with_defaults(tmp_path: Path) -> None:
    lens = load_lens(_write(tmp_path, _minimal()))
    spec = lens.indicator("fighter_strength")
    assert spec is not None
    assert spec.direction == Direction.UP_IS_AGAINST_VICTORY
    assert lens.scopes == ()
    assert lens.premature_cues == ()


def test_a_missing_file(tmp_path: Path) -> None:
    assert "cannot be read" in _error(tmp_path / "absent.yaml")


def test_bad_yaml(tmp_path: Path) -> None:
    path = tmp_path / "lens.yaml"
    path.write_text("id: [unclosed\nversion: 1\n", encoding="utf-8")
    assert "not valid YAML" in _error(path)


def test_a_list_at_the_top_level(tmp_path: Path) -> None:
    assert "mapping" in _error(_write(tmp_path, ["a", "b"]))


def test_an_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "lens.yaml"
    path.write_text("# " + "x" * MAX_LENS_BYTES + "\n", encoding="utf-8")
    assert "larger than" in _error(path)


def test_a_missing_field(tmp_path: Path) -> None:
    data = _minimal()
    del data["question"]
    assert "field question" in _error(_write(tmp_path, data))


def test_a_wrong_type(tmp_path: Path) -> None:
    data = _minimal()
    data["version"] = "one"
    assert "field version" in _error(_write(tmp_path, data))


def test_an_unknown_direction(tmp_path: Path) -> None:
    data = _minimal()
    data["indicators"] = {"fighter_strength": {"label": "F", "unit": "p", "direction": "sideways"}}
    assert "field indicators.fighter_strength.direction" in _error(_write(tmp_path, data))


def test_an_unknown_scope(tmp_path: Path) -> None:
    data = {**_minimal(), "claim_scopes": {"galactic": {"cues": ["stars"]}}}
    assert "field claim_scopes" in _error(_write(tmp_path, data))


def test_an_unknown_field(tmp_path: Path) -> None:
    assert "field colour" in _error(_write(tmp_path, {**_minimal(), "colour": "red"}))


def test_an_empty_cue(tmp_path: Path) -> None:
    assert "field claim_cues.0" in _error(_write(tmp_path, {**_minimal(), "claim_cues": ["  "]}))


def test_an_indicator_name_that_is_not_an_identifier(tmp_path: Path) -> None:
    data = _minimal()
    data["indicators"] = {"Fighter Strength!": {"label": "F", "unit": "p", "direction": "risk"}}
    assert "field indicators" in _error(_write(tmp_path, data))
