"""Tolerant JSON reading: strict, fenced, first balanced object; garbage and size refused."""

from __future__ import annotations

import pytest

from bot.analysis.json_reply import ReplyNotJSONError, find_balanced_objects, parse_json_object


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}',
        '  {"a": 1}\n',
        '```json\n{"a": 1}\n```',
        'Here it is:\n```JSON\n{"a": 1}\n```\nDone.',
        'Sure. {"a": 1} Let me know.',
        '{"a": 1}\nThe object above has one key; {"b": 2} is another.',
        '<think>the user wants {json}</think>\n{"a": 1}',
    ],
)
def test_the_first_object_is_found(text: str) -> None:
    assert parse_json_object(text) == {"a": 1}


def test_braces_and_escaped_quotes_inside_strings_do_not_count() -> None:
    text = 'x {"q": "a } b \\" { c", "n": {"d": [1, "}"]}} y }'
    assert parse_json_object(text) == {"q": 'a } b " { c', "n": {"d": [1, "}"]}}


@pytest.mark.parametrize(
    "text",
    ["", "   ", "no json here", "[1, 2, 3]", '"a string"', '{"a": 1', "{not: json}"],
)
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(ReplyNotJSONError):
        parse_json_object(text)


def test_an_oversized_reply_is_refused() -> None:
    with pytest.raises(ReplyNotJSONError, match="cap"):
        parse_json_object('{"a": "' + "x" * 200 + '"}', max_chars=100)


def test_stray_braces_cannot_make_the_scan_quadratic() -> None:
    assert list(find_balanced_objects("{" * 20_000)) == []
    with pytest.raises(ReplyNotJSONError):
        parse_json_object("{ " * 50_000)


def test_a_cut_off_reply_does_not_yield_one_of_its_inner_objects() -> None:
    cut = '{"claims": [{"speaker": "A", "quote": "We won"}, {"speaker": "B", "quo'
    with pytest.raises(ReplyNotJSONError):
        parse_json_object(cut)
