"""PyYAML's syntax errors as located problems, worded for scenario authors.

A tab where YAML wants indentation, or an unquoted ``${...}`` inside flow
brackets, are the usual ones; they get a plain message and a hint.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import Location, Problem
from .marks import location

__all__ = ["offset_location", "syntax_problem"]


def syntax_problem(exc: yaml.YAMLError, path: str, text: str) -> Problem:
    """The problem for PyYAML's error *exc* while reading *text* (the file *path*)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        where = location(path, mark)
    else:
        where = offset_location(path, text, getattr(exc, "position", 0))
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


def offset_location(path: str, text: str, offset: int) -> Location:
    """The 1-based ``Location`` of character *offset* of *text* (clamped to the text)."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Location(path, line, col)
