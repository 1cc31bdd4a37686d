"""Schema-valid documents -> ``model.Scenario``, with the checks a JSON Schema cannot express.

The schema has already vouched for every shape, so this package trusts types
and looks at meaning: placeholders that name no server, variable or
environment variable; regexes that do not compile; hex, base64, files and
encodings; address schemes that contradict the server they point at;
matchers that cannot work on the actor's connection; waits nobody notifies.
Each finding is a ``Problem`` placed on the offending key or value, and all
of them are collected before giving up.

``context`` holds the state of one build and ``refs`` the placeholder rules;
every kind is built by a function found in a dict keyed by the YAML key that
introduces it: ``actors`` (servers, clients), ``steps``, ``readiness``,
``framings``, ``schemes``; payload parts and matcher forms build themselves
(``sockscen.payloads.PARTS``, ``sockscen.matchers.MATCHERS``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from .. import model
from ..errors import Location, Problem
from ..payloads.file import MAX_PAYLOAD_FILE
from ..yamlsource import Marks
from . import scenario
from .context import Context
from .schemes import ADDRESS_ATTRIBUTES


def build_scenario(
    doc: dict[str, Any],
    marks: Marks,
    path: str,
    directory: str,
    environ: Mapping[str, str] | None = None,
) -> tuple[model.Scenario | None, list[Problem]]:
    """Build one scenario from a schema-valid document.

    *path* is the file as shown to users, *directory* the absolute folder of
    the file (base of ``file:`` payloads).  *environ* (default ``os.environ``)
    decides which ``${env.X}`` exist.  Returns the scenario, or None and the
    problems, sorted by location.
    """
    ctx = Context(doc, marks, path, directory, os.environ if environ is None else environ)
    built = scenario.build(ctx)
    problems = sorted(ctx.problems, key=lambda p: p.sort_key)
    return (None if problems else built), problems


def duplicate_names(named: Iterable[tuple[Any, Marks]]) -> list[Problem]:
    """A problem for every scenario whose ``name`` repeats an earlier one in the same file."""
    first: dict[str, Location] = {}
    problems: list[Problem] = []
    for doc, marks in named:
        if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
            continue
        name = doc["name"]
        where = marks.value(("name",))
        if name in first:
            problems.append(
                Problem(
                    where,
                    f"duplicate scenario name {name!r} (first used on line {first[name].line})",
                    "names identify scenarios in reports and with -k; "
                    "make each one unique in its file",
                )
            )
        else:
            first[name] = where
    return problems


__all__ = ["ADDRESS_ATTRIBUTES", "MAX_PAYLOAD_FILE", "build_scenario", "duplicate_names"]
