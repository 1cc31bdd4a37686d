# ruff: noqa: E501  (literal documents read best on one line)
"""The scenario JSON Schema itself: valid Draft 2020-12, documented, closed to unknown keys."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from sockscen import durations, schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schemas" / "scenario.schema.json"


def subschemas(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in the document, with a JSON-pointer-like name."""
    if isinstance(node, dict):
        yield where, node
        for key in ("properties", "$defs"):
            for name, sub in node.get(key, {}).items():
                yield from subschemas(sub, f"{where}/{key}/{name}")
        for key in ("items", "additionalProperties", "propertyNames", "not", "if", "then", "else"):
            if isinstance(node.get(key), dict):
                yield from subschemas(node[key], f"{where}/{key}")
        for key in ("anyOf", "oneOf", "allOf"):
            for i, sub in enumerate(node.get(key, [])):
                yield from subschemas(sub, f"{where}/{key}/{i}")


def test_schema_is_valid_draft_2020_12() -> None:
    document = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_text_is_the_file() -> None:
    """`sockscen schema` prints exactly the shipped file."""
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema.schema_text()
    assert json.loads(schema.schema_text()) == schema.schema()


def test_every_property_has_a_description() -> None:
    missing = [
        f"{where}/properties/{name}"
        for where, node in subschemas(schema.schema())
        for name, sub in node.get("properties", {}).items()
        if not sub.get("description")
    ]
    assert missing == []


def test_every_definition_has_a_title_and_description() -> None:
    defs = schema.schema()["$defs"]
    assert [n for n, d in defs.items() if not d.get("description") or not d.get("title")] == []


def test_every_object_rejects_unknown_keys() -> None:
    """Objects with fixed keys say additionalProperties: false; maps give a value schema and name rules."""
    open_objects = []
    for where, node in subschemas(schema.schema()):
        if node.get("type") != "object":
            continue
        extra = node.get("additionalProperties")
        if "properties" in node:
            if extra is not False:
                open_objects.append(where)
        elif not isinstance(extra, dict):
            open_objects.append(where)
    assert open_objects == []


def test_duration_pattern_matches_durations_module() -> None:
    duration = schema.schema()["$defs"]["duration"]
    patterns = [b["pattern"] for b in duration["anyOf"] if "pattern" in b]
    assert patterns == [durations.DURATION_PATTERN]


@pytest.mark.parametrize("text", ["250ms", "2s", "1.5s", "1m", " 3 ", ".5s", "10"])
def test_duration_pattern_accepts_what_parse_duration_accepts(text: str) -> None:
    assert re.match(durations.DURATION_PATTERN, text)
    assert durations.parse_duration(text) >= 0


def test_actor_names_reject_reserved_words() -> None:
    names = schema.schema()["properties"]["servers"]["propertyNames"]
    assert names["not"] == {"enum": ["env", "tmp"]}
    assert re.match(names["pattern"], "my-app_1")
    assert not re.match(names["pattern"], "1app")


def test_tag_pattern_is_a_pytest_marker_name() -> None:
    pattern = schema.schema()["properties"]["tags"]["items"]["pattern"]
    assert re.match(pattern, "smoke_2")
    assert not re.match(pattern, "slow-ish")


def test_fast_schema_accepts_and_rejects_like_the_published_one() -> None:
    """The rewritten schema used for speed decides exactly like the published one."""
    plain = Draft202012Validator(schema.schema())
    fast = schema.validator()
    docs: list[Any] = [
        {"name": "x", "clients": {"c": {"connect": "tcp://127.0.0.1:1", "steps": ["close"]}}},
        {"name": "x", "clients": {"c": {"connect": "tcp://127.0.0.1:1", "steps": [{"sned": 1}]}}},
        {
            "name": "x",
            "clients": {"c": {"command": "x", "expect_stdout": {"regex": "a", "until": "b"}}},
        },
        {
            "name": "x",
            "clients": {"c": {"command": "x", "expect_stdout": {"regex": "a", "text": "b"}}},
        },
        {
            "name": "x",
            "servers": {
                "s": {
                    "listen": "udp://127.0.0.1:0",
                    "handle": [{"repeat": {"steps": [{"send": [{"hex": "00"}, "a"]}]}}],
                }
            },
            "clients": {"c": {"command": ["a"]}},
        },
        {
            "name": "x",
            "servers": {
                "s": {
                    "listen": "udp://127.0.0.1:0",
                    "handle": [{"repeat": {"steps": [{"send": [{"hex": 0}]}]}}],
                }
            },
            "clients": {"c": {"command": ["a"]}},
        },
        {
            "name": "x",
            "servers": {
                "s": {
                    "command": "a",
                    "listen": {"a": "tcp://127.0.0.1:0"},
                    "ready": {"delay": "1s"},
                }
            },
            "clients": {"c": {"command": ["a"]}},
        },
        {
            "name": "x",
            "servers": {"s": {"command": "a", "handle": []}},
            "clients": {"c": {"command": ["a"]}},
        },
    ]
    assert [plain.is_valid(d) for d in docs] == [fast.is_valid(d) for d in docs]
    assert [fast.is_valid(d) for d in docs] == [True, False, True, False, True, False, True, False]
