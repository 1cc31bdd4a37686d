"""YAML text -> plain Python documents, with a table of where every key and value came from.

PyYAML's own constructors forget positions and let a duplicate key silently
replace the first, so we only ask PyYAML to *compose* (parse into nodes, which
keep their marks) and build the values ourselves: mappings, lists and the safe
scalar types.  Every key and value gets an entry in a ``Marks`` table keyed by
its JSON path, e.g. ``("clients", "alice", "steps", 2, "send")``, which later
layers use to place schema and semantic errors at ``file:line:col``.

Nothing here raises for bad input: every YAML error becomes a ``Problem``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Location, Problem

#: The C loader is ~9x faster and keeps marks; fall back to the pure one where it is missing.
LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PathKey = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_MAP = _TAG + "map"
_SEQ = _TAG + "seq"
_MERGE = _TAG + "merge"
# Scalars built with PyYAML's safe constructors; YAML timestamps and the odd
# ``=`` ("value") tag are kept as the text the user wrote, since the scenario
# language has no dates and JSON Schema knows none.
_SCALAR_TAGS = {_TAG + t for t in ("null", "bool", "int", "float")}
_TEXT_TAGS = {_STR, _TAG + "timestamp", _TAG + "value"}

#: A bound on the values built from one FILE (all its documents together), so alias
#: bombs ("billion laughs"), even spread over many small documents, end in a problem,
#: not in swap.
MAX_NODES = 200_000

#: Deeper nesting than this is refused (no scenario comes near it).  Counted on
#: the YAML structure (and again on built values, where aliases can nest), so
#: brackets inside quoted text do not count and every recursion below is bounded.
MAX_DEPTH = 200

_CONSTRUCTOR = SafeConstructor()


@dataclass
class Marks:
    """Where each JSON path of one document is in the file.

    ``entries[path] = (key_location, value_location)``; the key location is
    None for list items and for the document root.
    """

    path: str
    start: Location
    entries: dict[PathKey, tuple[Location | None, Location]] = field(default_factory=dict)

    def value(self, path: PathKey) -> Location:
        """Where the value at *path* starts (or its nearest known ancestor)."""
        for p in _ancestors(path):
            entry = self.entries.get(p)
            if entry is not None:
                return entry[1]
        return self.start

    def key(self, path: PathKey) -> Location:
        """Where the key of *path* is; the value's location for list items and the root."""
        entry = self.entries.get(path)
        if entry is not None and entry[0] is not None:
            return entry[0]
        return self.value(path)


def _ancestors(path: PathKey) -> Iterator[PathKey]:
    for n in range(len(path), -1, -1):
        yield path[:n]


@dataclass
class Document:
    """One YAML document: its value, marks, 0-based index in the file, and problems found so far."""

    value: Any
    marks: Marks
    index: int
    problems: list[Problem] = field(default_factory=list)
    #: Located warnings (``severity="warning"``): shown, never a reason to refuse the file.
    warnings: list[Problem] = field(default_factory=list)


def location(path: str, mark: Any) -> Location:
    """A 1-based ``Location`` from a 0-based PyYAML mark."""
    return Location(path, mark.line + 1, mark.column + 1)


@dataclass
class _Budget:
    """The values still allowed for the rest of one file."""

    left: int = MAX_NODES


class _Builder:
    """Builds the plain value of one document from its node tree, filling marks and problems."""

    def __init__(self, path: str, marks: Marks, budget: _Budget) -> None:
        self.path = path
        self.marks = marks
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.budget = budget
        self.active: set[int] = set()
        self.too_deep = False
        self.level = 0  # collections being built: the recursion depth, merges included
        # An alias brings the same node back many times: make its Location once.
        # (Keyed by id: the document's node tree outlives this builder's work.)
        self.locations: dict[int, Location] = {}

    def loc(self, node: Node) -> Location:
        found = self.locations.get(id(node))
        if found is None:
            found = self.locations[id(node)] = location(self.path, node.start_mark)
        return found

    def build(self, node: Node, at: PathKey, key_loc: Location | None) -> Any:
        self.budget.left -= 1
        if self.budget.left < 0:
            raise _TooLarge
        self.marks.entries[at] = (key_loc, self.loc(node))
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if self.level >= MAX_DEPTH:
            # Only aliases and merge keys get here: the parse refused text nested this deep.
            if not self.too_deep:
                self.too_deep = True
                self.problems.append(
                    Problem(
                        self.loc(node),
                        f"the YAML is nested too deeply (more than {MAX_DEPTH} levels, "
                        "counting what YAML aliases and merges bring in)",
                    )
                )
            return None
        if id(node) in self.active:
            self.problems.append(
                Problem(self.loc(node), "a YAML alias refers to a node that contains it")
            )
            return None
        self.active.add(id(node))
        self.level += 1
        try:
            if isinstance(node, SequenceNode):
                if node.tag != _SEQ:
                    self.refuse_tag(node)
                    return None
                return [self.build(item, (*at, i), None) for i, item in enumerate(node.value)]
            if isinstance(node, MappingNode):
                if node.tag != _MAP:
                    self.refuse_tag(node)
                    return None
                return self.mapping(node, at)
        finally:
            self.level -= 1
            self.active.discard(id(node))
        raise AssertionError(f"unknown YAML node {node!r}")  # pragma: no cover - PyYAML has 3 kinds

    def refuse_tag(self, node: Node) -> None:
        tag = node.tag
        if tag.startswith(_TAG):
            tag = "!!" + tag[len(_TAG) :]
        hint = "write the bytes as {base64: ...}" if tag == "!!binary" else "remove the tag"
        self.problems.append(
            Problem(
                self.loc(node),
                f"unsupported YAML tag '{tag}': scenario files use plain YAML values only",
                hint,
            )
        )

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag in _TEXT_TAGS:
            if node.style == "'" and _ESCAPE_LOOKALIKE.search(node.value):
                self.warnings.append(_single_quoted_warning(self.loc(node), node.value))
            return node.value
        if node.tag in _SCALAR_TAGS:
            try:
                return _CONSTRUCTOR.yaml_constructors[node.tag](_CONSTRUCTOR, node)
            except (ConstructorError, ValueError, KeyError, OverflowError) as exc:
                # e.g. `!!bool maybe` (a KeyError inside PyYAML), `!!int abc`.
                reason = f": {exc}" if not isinstance(exc, KeyError) else ""
                self.problems.append(
                    Problem(
                        self.loc(node),
                        f"invalid YAML value {_shown(node.value)} for tag {node.tag}{reason}",
                    )
                )
                return None
        self.refuse_tag(node)
        return None

    def key_of(self, node: Node) -> str | None:
        if not isinstance(node, ScalarNode):
            self.problems.append(
                Problem(self.loc(node), "a mapping key must be a name, not a list or a mapping")
            )
            return None
        if node.tag not in _TEXT_TAGS and node.tag not in _SCALAR_TAGS:
            self.refuse_tag(node)
            return None
        # Keys are names: keep the text as written, so `on:` or `1:` stay "on" and "1".
        return str(node.value)

    def mapping(self, node: MappingNode, at: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merges: list[Node] = []
        explicit: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == _MERGE:
                merges.append(value_node)
            else:
                explicit.append((key_node, value_node))
        # YAML merge keys (<<: *base): explicit keys win, and earlier merged maps win
        # over later ones, so build in reverse precedence and let later writes replace.
        for source in reversed(merges):
            sources = source.value if isinstance(source, SequenceNode) else [source]
            for src in reversed(sources):
                if not isinstance(src, MappingNode):
                    self.problems.append(
                        Problem(self.loc(src), "'<<' (merge) needs a mapping or a list of mappings")
                    )
                    continue
                merged = self.build(src, at, self.marks.entries.get(at, (None, None))[0])
                if isinstance(merged, dict):
                    result.update(merged)
        self.marks.entries[at] = (
            self.marks.entries.get(at, (None, self.loc(node)))[0],
            self.loc(node),
        )
        first_line: dict[str, int] = {}
        for key_node, value_node in explicit:
            key = self.key_of(key_node)
            if key is None:
                continue
            key_loc = self.loc(key_node)
            if key in first_line:
                self.problems.append(
                    Problem(
                        key_loc,
                        f"duplicate key '{key}' (first defined on line {first_line[key]})",
                        "YAML would silently keep only the last one; remove or rename one",
                    )
                )
                continue
            first_line[key] = key_loc.line
            result[key] = self.build(value_node, (*at, key), key_loc)
        return result


class _TooLarge(Exception):
    pass


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
                _offset_location(path, text, exc.start),
                f"the text holds a lone surrogate (\\u{ord(text[exc.start]):04x}), "
                "which is not a Unicode character",
            )
        ]
    deep = _too_deep(text, path)
    if deep is not None:
        # The composer recurses per level (in C with CSafeLoader): far enough, it
        # overflows the C stack and kills the process instead of raising.
        return documents, [deep]
    budget = _Budget()
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
            builder = _Builder(path, marks, budget)
            try:
                value = builder.build(node, (), None)
            except _TooLarge:
                problems.append(
                    Problem(
                        start,
                        f"this file expands to more than {MAX_NODES} values (YAML aliases?)",
                        "a scenario file needs far fewer; the limit is for the whole file",
                    )
                )
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
        problems.append(_syntax_problem(exc, path, text))
    return documents, problems


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


def _shown(text: str) -> str:
    """*text* as messages quote it: its repr (control characters escaped), cut to 60 characters."""
    quoted = repr(text)
    return quoted if len(quoted) <= 60 else quoted[:57] + "..."


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


def _syntax_problem(exc: yaml.YAMLError, path: str, text: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        where = location(path, mark)
    else:
        where = _offset_location(path, text, getattr(exc, "position", 0))
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if problem is None:
        # ReaderError and friends: their str() is the whole story, on several lines.
        reason = getattr(exc, "reason", None)
        message = f"invalid YAML: {reason or ' '.join(str(exc).split())}"
        return Problem(where, message)
    message = f"invalid YAML: {problem}"
    hint = None
    if "'\\t'" in problem or (mark is not None and _char_at(text, mark.line, mark.column) == "\t"):
        message = "invalid YAML: a tab character where YAML expects indentation or a value"
        hint = "indent with spaces; YAML does not allow tabs there"
    elif context and "flow" in context and _unquoted_placeholder(text, context_mark, mark):
        # `[prog, --port=${x.port}]`: the `{` opens a flow mapping inside the sequence.
        message = f"invalid YAML: an unquoted ${{...}} inside [...] or {{...}} ({context})"
        hint = 'quote it: ["--port=${app.port}"] -- in flow [ ] and { }, YAML reads { as a mapping'
    elif context:
        if context_mark is not None and mark is not None and context_mark.line != mark.line:
            message += f" ({context} on line {context_mark.line + 1})"
        else:
            message += f" ({context})"
    return Problem(where, message, hint)


_ESCAPE_LOOKALIKE = re.compile(r"\\[rnt]")


def _single_quoted_warning(where: Location, value: str) -> Problem:
    """A single-quoted ``'PING\r\n'`` is a backslash and a letter, not a line end."""
    found = list(dict.fromkeys(m.group() for m in _ESCAPE_LOOKALIKE.finditer(value)))
    shown = ", ".join(found)
    return Problem(
        where,
        f"this single-quoted string holds {shown} as a backslash and a letter: "
        "YAML reads escapes only in double quotes",
        f'write it in double quotes ("...{found[0]}") if you mean the control character',
        severity="warning",
    )


def _unquoted_placeholder(text: str, start: Any, end: Any) -> bool:
    """True when a ``${`` outside quotes lies between two PyYAML marks."""
    if start is None or end is None:
        return False
    span = text[start.index : end.index + 1]
    quote = ""
    for i, ch in enumerate(span):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif span.startswith("${", i):
            return True
    return False


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    if 0 <= line < len(lines) and 0 <= column < len(lines[line]):
        return lines[line][column]
    return ""


def _offset_location(path: str, text: str, offset: int) -> Location:
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Location(path, line, col)
