"""YAML text -> plain Python documents, with a table of where every key and value came from.

PyYAML's own constructors forget positions and let a duplicate key silently
replace the first, so we only ask PyYAML to *compose* (parse into nodes, which
keep their marks) and build the values ourselves (``values``).  Every key and
value gets an entry in a ``Marks`` table keyed by its JSON path (``marks``),
which later layers use to place schema and semantic errors at
``file:line:col``; syntax errors are worded in ``syntax``.

Nothing here raises for bad input: every YAML error becomes a ``Problem``.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import ScalarNode

from ..errors import Location, Problem
from .marks import Document, Marks, PathKey, location
from .syntax import offset_location, syntax_problem
from .values import MAX_DEPTH, Budget, Builder, TooLarge

__all__ = [
    "LOADER",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_TEXT",
    "Document",
    "Marks",
    "PathKey",
    "location",
    "parse",
]

#: The C loader is ~9x faster and keeps marks; fall back to the pure one where it is missing.
LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: A bound on the values built from one FILE (all its documents together), so alias
#: bombs ("billion laughs"), even spread over many small documents, end in a problem,
#: not in swap.
MAX_NODES = 200_000
#: The same for the characters of text those values hold: four times the largest
#: file, which only aliases of long strings can reach.
MAX_TEXT = 64 * 1024 * 1024


def parse(text: str, path: str) -> tuple[list[Document], list[Problem]]:
    """Parse every YAML document of *text* (the file *path* as shown to users).

    Returns the non-empty documents and the problems not tied to one document
    (syntax errors).  A document's own problems (duplicate keys, refused tags,
    a root that is not a mapping) are in ``Document.problems``.  Never raises
    for bad input.
    """
    documents: list[Document] = []
    problems: list[Problem] = []
    try:
        text.encode("utf-8")  # what libyaml does first, raising an error that is no YAMLError
    except UnicodeEncodeError as exc:
        # Only text handed in directly (load_text) can hold one: files are decoded strictly.
        return documents, [
            Problem(
                offset_location(path, text, exc.start),
                f"the text holds a lone surrogate (\\u{ord(text[exc.start]):04x}), "
                "which is not a Unicode character",
            )
        ]
    deep = _too_deep(text, path)
    if deep is not None:
        # The composer recurses per level (in C with CSafeLoader): far enough, it
        # overflows the C stack and kills the process instead of raising.
        return documents, [deep]
    budget = Budget(MAX_NODES, MAX_TEXT)
    index = -1
    try:
        for node in yaml.compose_all(text, Loader=LOADER):
            index += 1
            if node is None or (
                isinstance(node, ScalarNode) and node.tag.endswith(":null") and not node.value
            ):
                continue  # an empty document, e.g. after a trailing `---`
            start = location(path, node.start_mark)
            marks = Marks(path, start)
            builder = Builder(path, marks, budget)
            try:
                value = builder.build(node, (), None)
            except TooLarge as exc:
                problems.append(_too_large(exc, start))
                break
            doc = Document(value, marks, index, builder.problems, builder.warnings)
            if not isinstance(value, dict) and not doc.problems:
                doc.problems.append(
                    Problem(
                        start,
                        "a scenario must be a mapping with keys such as name:, servers: "
                        "and clients:, "
                        f"not {_kind(value)}",
                    )
                )
            documents.append(doc)
    except yaml.YAMLError as exc:
        problems.append(syntax_problem(exc, path, text))
    return documents, problems


def _too_large(exc: TooLarge, start: Location) -> Problem:
    """The problem for a file whose values (aliases expanded) went over a bound."""
    if exc.text:
        return Problem(
            exc.where or start,
            f"this file expands to more than {MAX_TEXT // (1024 * 1024)} MiB of text: "
            "this value comes back through YAML aliases too many times",
            "repeat long text with fewer aliases, or load large payloads with file:",
        )
    return Problem(
        start,
        f"this file expands to more than {MAX_NODES} values (YAML aliases?)",
        "a scenario file needs far fewer; the limit is for the whole file",
    )


_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _too_deep(text: str, path: str) -> Problem | None:
    """A problem, at the collection that goes one level too far, when *text* nests beyond
    ``MAX_DEPTH`` lists and mappings.

    Runs on the parser's events, which come from a loop with its own stack (in
    libyaml and in PyYAML alike), so any depth is counted safely, and only real
    nesting counts: block (``- - -``) and flow (``[[[``) forms, not brackets in
    quoted text.  A syntax error ends the count; the composer reports it.
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=LOADER):
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_DEPTH:
                    return Problem(
                        location(path, event.start_mark),
                        f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)",
                    )
            elif isinstance(event, _CLOSE):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        # libyaml stops at its own limit (1,000 flow levels) while scanning ahead,
        # before the events reach ours: the same problem, placed where it stopped.
        if "nesting depth" in (exc.problem or "") and exc.problem_mark is not None:
            return Problem(
                location(path, exc.problem_mark),
                f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)",
            )
    except yaml.YAMLError:
        pass
    return None


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "an empty value" if value is None else type(value).__name__
