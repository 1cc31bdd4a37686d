"""Validate scenario documents against ``scenario.schema.json``; every error placed at its line.

jsonschema reports *why* a value failed in JSON-Schema terms, and for
``anyOf`` it reports every branch's failure.  Users need one sentence per
mistake, so each error tree is turned into "issues": an ``anyOf`` is
resolved to the branch the user evidently meant (the one whose required key
is present, e.g. ``send`` for a send step) and only that branch's errors are
explained; when no branch is meant, the message names the keys that would
choose one.  Unknown keys get "did you mean" suggestions, booleans where text
was expected get the YAML ``yes``/``no`` hint, durations and addresses get the
messages of their own parsers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import Problem
from .schema_document import (
    SCHEMA_NAME,
    _native_is_valid,
    schema,
    schema_path_or_resource,
    schema_text,
    validator,
)
from .schema_explain import _explain, _Issue
from .yamlsource import Marks, PathKey

__all__ = [
    "MAX_REPEAT_DEPTH",
    "SCHEMA_NAME",
    "schema",
    "schema_path_or_resource",
    "schema_text",
    "validate",
    "validator",
]


def validate(doc: Any, marks: Marks, path: str) -> list[Problem]:
    """Every way *doc* breaks the schema, one ``Problem`` per mistake, sorted by location.

    *marks* places each problem; *path* is the file as shown to users (used
    only when a location is unknown).
    """
    deep = _repeats_too_deep(doc, marks)
    if deep is not None:
        # jsonschema descends ~14 frames per repeat: never hand it a nesting it cannot finish.
        return [deep]
    native = _native_is_valid()
    if native is not None and native(doc):
        return []
    seen: set[tuple[Any, ...]] = set()
    problems: list[Problem] = []
    errors = list(validator().iter_errors(doc))
    issues = [issue for error in errors for issue in _explain(error)]
    if errors and not issues:
        # An error no explanation covers must still refuse the file, never pass it.
        issues = [_Issue(tuple(errors[0].absolute_path), False, errors[0].message)]
    # "unknown key 'stepz' (did you mean 'steps'?)" already says what "missing required
    # key 'steps'" would: keep the one that points at the typo.
    misspelt = {(i.path[:-1], i.suggestion) for i in issues if i.suggestion}
    issues = [i for i in issues if i.missing is None or (i.path, i.missing) not in misspelt]
    for issue in issues:
        loc = marks.key(issue.path) if issue.at_key else marks.value(issue.path)
        key = (loc, issue.message)
        if key in seen:
            continue
        seen.add(key)
        problems.append(Problem(loc, issue.message, issue.hint))
    problems.sort(key=lambda p: p.sort_key)
    return problems


#: ``repeat`` steps nest at most this deep (real scenarios use two or three); every
#: later check recurses per level, so the bound keeps them far from Python's stack limit.
MAX_REPEAT_DEPTH = 20


def _repeats_too_deep(doc: Any, marks: Marks) -> Problem | None:
    """A problem at the first ``repeat`` nested deeper than ``MAX_REPEAT_DEPTH``; a loop, not
    a recursion, so any document is walked safely."""
    stack: list[tuple[Any, PathKey, int]] = [(doc, (), 0)]
    while stack:
        value, at, repeats = stack.pop()
        if isinstance(value, dict):
            items: Iterable[tuple[str | int, Any]] = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            continue
        for key, child in items:
            inner = repeats + (key == "repeat" and isinstance(child, dict))
            if inner > MAX_REPEAT_DEPTH:
                return Problem(
                    marks.key((*at, key)),
                    f"repeat steps are nested more than {MAX_REPEAT_DEPTH} deep",
                    "flatten the loops; a repeat inside a repeat is rarely needed",
                )
            stack.append((child, (*at, key), inner))
    return None
