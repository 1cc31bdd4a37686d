"""Load ``scenario.schema.json`` and build its validators: jsonschema's, and the native fast path.

The document is read once and cached; the fast path (a compiled validator where one is
installed) answers "valid?" quickly for the common case so jsonschema's slower error
walk runs only for documents that have mistakes.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # pragma: no cover - Python 3.10
    from importlib.abc import Traversable

SCHEMA_NAME = "scenario.schema.json"


def schema_path_or_resource() -> Traversable | Path:
    """Where the scenario schema is: in the installed package, else the repo's ``schemas/``."""
    try:
        resource = importlib.resources.files("sockscen") / "schemas" / SCHEMA_NAME
        if resource.is_file():
            return resource
    except (
        ModuleNotFoundError,
        FileNotFoundError,
        NotADirectoryError,
    ):  # pragma: no cover - odd installs
        pass
    return Path(__file__).resolve().parents[2] / "schemas" / SCHEMA_NAME


@functools.cache
def schema_text() -> str:
    """The scenario JSON Schema, as the text of the file (what ``sockscen schema`` prints)."""
    return schema_path_or_resource().read_text(encoding="utf-8")


@functools.cache
def schema() -> dict[str, Any]:
    """The scenario JSON Schema as a dictionary (cached; do not modify)."""
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@functools.cache
def validator() -> Draft202012Validator:
    """The explaining validator, built once per process (from ``_fast_schema``)."""
    # Imported here: a valid document never needs jsonschema (see _native_is_valid).
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_fast_schema())


@functools.cache
def _native_is_valid() -> Callable[[Any], bool] | None:
    """jsonschema-rs's verdict on the published schema, or None where it is not installed.

    It says "valid" in ~1 µs where jsonschema takes ~1.5 ms, but cannot say why
    a document is wrong: a "no" (or a value it cannot take, such as a YAML
    timestamp) goes to jsonschema, which decides and explains.  Its "yes" must
    never accept what jsonschema refuses: tests/unit/test_native_schema.py
    holds the two to the same verdicts.
    """
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - a platform without its wheels
        return None
    native = jsonschema_rs.Draft202012Validator(schema(), validate_formats=False)

    def is_valid(doc: Any) -> bool:
        try:
            return bool(native.is_valid(doc))
        except Exception:  # any value it cannot take: let jsonschema decide
            return False

    return is_valid


_ANNOTATIONS = {"$ref", "title", "description", "markdownDescription", "examples", "default"}


@functools.cache
def _fast_schema() -> dict[str, Any]:
    """The schema rewritten to validate the same documents faster.

    jsonschema evaluates every ``anyOf`` branch in full until one passes, and a
    failing mapping branch builds several error objects.  Guarding each branch
    that requires a key with ``if: {required: [key]}`` / ``else: false`` makes a
    branch the document does not choose fail at once.  The published schema
    keeps the plain ``anyOf`` that editors complete from.
    """
    root = schema()
    # Step lists are recursive (repeat) and large: keep them one shared definition.
    expanding: list[str] = ["#/$defs/steps"]

    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            return [rewrite(x) for x in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in expanding and set(node) <= _ANNOTATIONS:
            # Inline local references (but not recursive ones): each $ref costs a
            # registry lookup per validated value.
            expanding.append(ref)
            try:
                return rewrite(_resolve(node))
            finally:
                expanding.pop()
        out = {k: rewrite(v) for k, v in node.items() if k != "anyOf"}
        if isinstance(node.get("anyOf"), list):
            out["anyOf"] = [_guard(b, rewrite(b)) for b in node["anyOf"]]
        return out

    def _guard(original: dict[str, Any], rewritten: dict[str, Any]) -> dict[str, Any]:
        target = _resolve(original)
        required = target.get("required")
        if target.get("type") == "object" and required:
            return {"if": {"required": required[:1]}, "then": rewritten, "else": False}
        return rewritten

    fast: dict[str, Any] = {k: rewrite(v) for k, v in root.items() if k != "$defs"}
    # The only references left are to the step list and to matchers (``all`` and
    # ``not`` hold matchers): "#/$defs/steps" stays in `expanding`, so the repeat
    # step inside it refers back to it; a matcher inside a matcher refers to "matcher".
    fast["$defs"] = {
        "steps": rewrite(root["$defs"]["steps"]),
        "matcher": rewrite(root["$defs"]["matcher"]),
    }
    return fast


def _resolve(branch: dict[str, Any]) -> dict[str, Any]:
    """Follow local ``$ref``s (the schema has no other kind) and ``_fast_schema`` guards."""
    seen = 0
    while ("$ref" in branch or "then" in branch) and seen < 20:
        if "then" in branch:
            branch = branch["then"]
            continue
        target: Any = schema()
        for part in branch["$ref"].lstrip("#/").split("/"):
            target = target[part]
        branch = target
        seen += 1
    return branch
