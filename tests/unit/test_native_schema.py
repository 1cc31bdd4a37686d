"""jsonschema-rs, the fast path of validation, decides every document exactly like jsonschema.

``schema.validate`` trusts the native validator's "valid" and asks jsonschema
only about the rest, so a document it wrongly accepted would skip a check.
These tests give both validators the example files, the test suite's
scenario texts, and many documents changed at random (values swapped for
values the schema mentions, hostile strings, wrong types, deleted and
unknown keys) and require the same verdict.
"""

from __future__ import annotations

import copy
import functools
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from sockscen import schema, yamlsource
from tests import scenario_texts
from tests.fuzz.test_loader_fuzz import mutated_seed, schema_documents, schema_words

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "scenarios").rglob("*.yaml"))
VERDICTS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)

#: Values that catch differences between the two engines: Python's ``re`` lets ``$``
#: match before a final newline, integers beyond 64 bits, floats that are integers,
#: booleans (which Python counts as integers), NUL and surrogate-free Unicode digits.
TRICKY: list[Any] = [
    "tcp://127.0.0.1:0\n",
    "250ms\n",
    "٣s",
    "1.5s",
    ".5s",
    "a\x00b",
    "x=y",
    "",
    " ",
    "\n",
    2**70,
    -(2**70),
    1.0,
    2.5,
    0,
    -1,
    True,
    False,
    None,
    [],
    {},
    math.inf,
]


@functools.cache
def plain() -> Draft202012Validator:
    return Draft202012Validator(schema.schema())


def native_verdict(doc: Any) -> bool:
    native = schema._native_is_valid()
    assert native is not None, "jsonschema-rs is a dependency: it must be installed"
    return native(doc)


def assert_same_verdict(doc: Any) -> None:
    assert native_verdict(doc) == plain().is_valid(doc), doc


def documents(text: str) -> list[Any]:
    docs, _ = yamlsource.parse(text, "t.yaml")
    return [d.value for d in docs]


@functools.cache
def seed_documents() -> tuple[Any, ...]:
    out: list[Any] = []
    for path in EXAMPLES:
        out.extend(documents(path.read_text(encoding="utf-8")))
    texts = [v for v in vars(scenario_texts).values() if isinstance(v, str) and "name:" in v]
    for text in texts:
        out.extend(d for d in documents(text) if isinstance(d, dict))
    return tuple(out)


def test_every_example_and_scenario_text_gets_the_same_verdict() -> None:
    assert len(seed_documents()) >= 12
    for doc in seed_documents():
        assert_same_verdict(doc)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*prefix, i)))
    return out


@st.composite
def mutated_document(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(seed_documents())))
    keys, values = schema_words()
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        kind = draw(st.sampled_from(["value", "tricky", "delete", "key", "wrap"]))
        # Copies: the schema's own examples (and TRICKY) must never be changed in place.
        if kind == "value":
            parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(values)))
        elif kind == "tricky":
            parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(TRICKY)))
        elif kind == "delete":
            del parent[path[-1]]
        elif kind == "key" and isinstance(parent, dict):
            parent[draw(st.sampled_from(keys))] = copy.deepcopy(parent[path[-1]])
        else:
            parent[path[-1]] = [parent[path[-1]]]
    return doc


@VERDICTS
@given(doc=mutated_document())
def test_documents_changed_at_random_get_the_same_verdict(doc: Any) -> None:
    assert_same_verdict(doc)


@VERDICTS
@given(text=mutated_seed() | schema_documents())
def test_texts_changed_at_random_get_the_same_verdict(text: str) -> None:
    try:
        docs = documents(text)
    except RecursionError:  # pragma: no cover - the loader reports these itself
        pytest.skip("nested beyond the parser")
    for doc in docs:
        if isinstance(doc, dict):
            assert_same_verdict(doc)


def test_a_value_the_native_validator_cannot_take_goes_to_jsonschema() -> None:
    """A YAML timestamp is no JSON value: jsonschema decides (and explains) then."""
    docs, _ = yamlsource.parse(
        "name: x\ntimeout: 2026-01-01\nclients: {c: {command: [a]}}\n", "t.yaml"
    )
    assert native_verdict(docs[0].value) is False
    problems = schema.validate(docs[0].value, docs[0].marks, "t.yaml")
    assert [(p.location.line if p.location else None) for p in problems] == [2]
