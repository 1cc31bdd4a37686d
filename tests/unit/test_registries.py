"""The kind registries and the schema name the same kinds.

A new step, matcher form, payload part or readiness probe is one module (or
builder) plus one registry line plus its schema ``$def``: these tests fail
when one of the two is added without the other, before any scenario does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sockscen.build.actors import CLIENTS, SERVERS
from sockscen.build.readiness import PROBES
from sockscen.build.steps import STEPS as BUILT_STEPS
from sockscen.matchers import MATCHERS
from sockscen.payloads import PARTS
from sockscen.steps.registry import STEP_KINDS, STEPS

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "scenario.schema.json").read_text("utf-8")
)
DEFS: dict[str, Any] = SCHEMA["$defs"]


def _forms(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The object forms of an ``anyOf``, following ``$ref`` to its ``$def``."""
    forms = []
    for form in node["anyOf"]:
        if "$ref" in form:
            form = DEFS[form["$ref"].rsplit("/", 1)[-1]]
        if form.get("type") == "object":
            forms.append(form)
    return forms


def _first_required(node: dict[str, Any]) -> set[str]:
    return {form["required"][0] for form in _forms(node)}


def test_every_step_key_of_the_schema_has_a_builder() -> None:
    assert _first_required(DEFS["step"]) == set(STEPS)


def test_steps_are_built_and_run_through_one_registry() -> None:
    """The builder and the actor use the same kinds: by YAML key, and by model class."""
    assert BUILT_STEPS is STEPS
    assert {kind.model: kind for kind in STEPS.values()} == STEP_KINDS
    assert all(key == kind.key for key, kind in STEPS.items())


def _camel(key: str) -> str:
    first, *rest = key.split("_")
    return first + "".join(word.capitalize() for word in rest)


def test_each_step_kind_has_its_own_schema_def_requiring_its_key() -> None:
    """``expect_eof`` is ``$defs/expectEofStep``, whose first required key is ``expect_eof``."""
    refs = {form["$ref"].rsplit("/", 1)[-1] for form in DEFS["step"]["anyOf"] if "$ref" in form}
    assert refs == {f"{_camel(key)}Step" for key in STEPS}
    for key in STEPS:
        assert key == DEFS[f"{_camel(key)}Step"]["required"][0]


def test_every_bare_step_of_the_schema_is_a_step_kind() -> None:
    """``- close``: the bare string forms name kinds (their builders take the string)."""
    bare = next(form for form in DEFS["step"]["anyOf"] if form.get("type") == "string")
    assert set(bare["enum"]) <= set(STEPS)


def test_every_payload_part_of_the_schema_has_a_builder() -> None:
    assert _first_required(DEFS["payloadPart"]) == set(PARTS)


def test_every_matcher_form_of_the_schema_has_a_builder() -> None:
    """``until`` alone is the one form without its own builder: it matches any data."""
    assert _first_required(DEFS["matcher"]) - {"until"} == set(MATCHERS)


def test_every_readiness_probe_of_the_schema_has_a_builder() -> None:
    assert _first_required(DEFS["ready"]) == set(PROBES)


def test_each_actor_kind_is_told_apart_by_its_registry_key() -> None:
    """The key an actor is dispatched on is required by its form and by no other."""
    for registry, union in ((SERVERS, "server"), (CLIENTS, "client")):
        forms = _forms(DEFS[union])
        assert len(forms) == len(registry)
        for key in registry:
            assert 1 == sum(key in form["required"] for form in forms), key
