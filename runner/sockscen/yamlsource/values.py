"""A composed YAML node tree -> plain Python values, filling the document's ``Marks``.

We build the values ourselves (mappings, lists and the safe scalar types)
instead of asking PyYAML's constructors, which forget positions and let a
duplicate key silently replace the first.  Refused tags, duplicate keys,
recursive aliases and too-deep nesting become problems, never exceptions;
only ``TooLarge`` escapes, since the bound it reports is on the whole file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import Location, Problem
from ..rendering import quoted
from .marks import Marks, PathKey, location

__all__ = ["MAX_DEPTH", "Budget", "Builder", "TooLarge"]

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

#: Deeper nesting than this is refused (no scenario comes near it).  Counted on
#: the YAML structure (and again on built values, where aliases can nest), so
#: brackets inside quoted text do not count and every recursion below is bounded.
MAX_DEPTH = 200

_TOO_DEEP_BUILT = (
    f"the YAML is nested too deeply (more than {MAX_DEPTH} levels, "
    "counting what YAML aliases and merges bring in)"
)

_CONSTRUCTOR = SafeConstructor()


@dataclass
class Budget:
    """The values, and the characters of text, still allowed for the rest of one file.

    Text is counted apart: an alias of one long string brings it back whole each
    time, so a few hundred aliases of a 1 MB string make gigabytes of payloads.
    """

    left: int
    text_left: int

    def spend_text(self, size: int, where: Location) -> None:
        """Count *size* characters of the value at *where*; ``TooLarge`` when over."""
        self.text_left -= size
        if self.text_left < 0:
            raise TooLarge(text=True, where=where)


class TooLarge(Exception):
    """The file's ``Budget`` ran out (an alias bomb, most likely).

    ``text`` tells which bound: the characters of text (True) or the values;
    ``where`` is the value that went over the text bound.
    """

    def __init__(self, text: bool = False, where: Location | None = None) -> None:
        super().__init__("text" if text else "values")
        self.text = text
        self.where = where


class Builder:
    """Builds the plain value of one document from its node tree, filling marks and problems."""

    def __init__(self, path: str, marks: Marks, budget: Budget) -> None:
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
        """Where *node* starts."""
        found = self.locations.get(id(node))
        if found is None:
            found = self.locations[id(node)] = location(self.path, node.start_mark)
        return found

    def build(self, node: Node, at: PathKey, key_loc: Location | None) -> Any:
        """The value of *node*, found at *at* (its key at *key_loc*); None where it is refused.

        Raises ``TooLarge`` when the file's budget runs out.
        """
        self.budget.left -= 1
        if self.budget.left < 0:
            raise TooLarge
        self.marks.entries[at] = (key_loc, self.loc(node))
        if isinstance(node, ScalarNode):
            self.budget.spend_text(len(node.value), self.loc(node))
            return self.scalar(node)
        if self.level >= MAX_DEPTH:
            # Only aliases and merge keys get here: the parse refused text nested this deep.
            if not self.too_deep:
                self.too_deep = True
                self.problems.append(Problem(self.loc(node), _TOO_DEEP_BUILT))
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
        """Record that *node*'s tag is not plain YAML."""
        self.problems.append(_tag_problem(self.loc(node), node.tag))

    def scalar(self, node: ScalarNode) -> Any:
        """The value of a scalar: its text, or a null, boolean or number by its tag."""
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
                        f"invalid YAML value {quoted(node.value)} for tag {node.tag}{reason}",
                    )
                )
                return None
        self.refuse_tag(node)
        return None

    def key_of(self, node: Node) -> str | None:
        """A mapping key's name as written; None (with a problem) for anything but a scalar."""
        if not isinstance(node, ScalarNode):
            self.problems.append(
                Problem(self.loc(node), "a mapping key must be a name, not a list or a mapping")
            )
            return None
        if node.tag not in _TEXT_TAGS and node.tag not in _SCALAR_TAGS:
            self.refuse_tag(node)
            return None
        # Keys are names: keep the text as written, so `on:` or `1:` stay "on" and "1".
        self.budget.spend_text(len(node.value), self.loc(node))
        return str(node.value)

    def mapping(self, node: MappingNode, at: PathKey) -> dict[str, Any]:
        """A mapping's value, merge keys (``<<``) applied and duplicate keys refused."""
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


def _tag_problem(where: Location, tag: str) -> Problem:
    """The problem for a node tagged *tag*, which scenario files do not use."""
    if tag.startswith(_TAG):
        tag = "!!" + tag[len(_TAG) :]
    hint = "write the bytes as {base64: ...}" if tag == "!!binary" else "remove the tag"
    return Problem(
        where,
        f"unsupported YAML tag '{tag}': scenario files use plain YAML values only",
        hint,
    )


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
