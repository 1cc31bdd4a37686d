"""Where things are in a YAML file: the ``Marks`` table of one document, and the document.

Every key and value of a document has an entry in its ``Marks``, keyed by its
JSON path, e.g. ``("clients", "alice", "steps", 2, "send")``; later layers
use it to place schema and semantic errors at ``file:line:col``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import Location, Problem

__all__ = ["Document", "Marks", "PathKey", "location"]

PathKey = tuple[str | int, ...]


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
