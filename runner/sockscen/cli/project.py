"""Defaults from ``[tool.sockscen]`` in the project's ``pyproject.toml``.

The file is the first ``pyproject.toml`` found in the current directory or
above it (where pytest would look for its rootdir).  Its ``[tool.sockscen]``
table gives defaults that flags on the command line replace::

    [tool.sockscen]
    paths = ["tests/scenarios"]     # what run, serve, validate, list load by default
    timeout = "2s"                  # --timeout
    jobs = "auto"                   # --jobs (a number, or "auto")
    max-buffer = "1MiB"             # --max-buffer

    [tool.sockscen.reports]         # report files written by every `sockscen run`
    junit-xml = "reports/junit.xml" # --junit-xml
    junit-strict = true             # --junit-strict
    json = "reports/run.json"       # --json
    transcript-dir = "reports/transcripts"

Relative paths are relative to the folder of ``pyproject.toml``.  A mistake
is a usage error naming the file, the line and the key.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..options import RUN_OPTIONS
from ..reporting import REPORT_FILES
from .common import FILE, UsageError, find_pyproject

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["FILE", "find_pyproject", "project_defaults"]

_TABLE = "tool.sockscen"
#: The run options a project may set, by key: the RunOptions field they fill.
_OPTION_KEYS = {"timeout": "step_timeout", "jobs": "jobs", "max-buffer": "max_buffer"}


def _line_of(text: str, key: str, table: str) -> int:
    """The line of *key* inside ``[table]`` (the table's line, or 1, if not found)."""
    header = re.search(rf"^[ \t]*\[[ \t]*{re.escape(table)}[ \t]*\]", text, re.MULTILINE)
    if header is None:
        return 1
    start = header.start()
    line_no = text.count("\n", 0, start) + 1
    key_line = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", re.MULTILINE)
    found = key_line.search(text, start)
    return text.count("\n", 0, found.start()) + 1 if found else line_no


class _Reader:
    """Checks the values of ``[tool.sockscen]`` and says where a mistake is."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.base = path.parent

    def fail(self, key: str, problem: str, table: str = _TABLE) -> UsageError:
        line = _line_of(self.text, key.split(".")[-1], table)
        return UsageError(f"{self.path}:{line}: [{table}] {key}: {problem}")

    def path_value(self, key: str, value: Any, table: str = _TABLE) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(key, "expected a path (a non-empty string)", table)
        return os.path.normpath(self.base / value)

    def option(self, key: str, value: Any) -> tuple[str, Any]:
        field = _OPTION_KEYS[key]
        option = next(o for o in RUN_OPTIONS if o.field == field)
        assert option.parse is not None
        text = (
            str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
        )
        if not isinstance(text, str):
            raise self.fail(key, f"expected a string or a number, got {value!r}")
        try:
            return option.cli_dest, option.parse(text)
        except (argparse.ArgumentTypeError, ValueError) as exc:
            raise self.fail(key, str(exc)) from None

    def reports(self, table: Any) -> dict[str, Any]:
        name = f"{_TABLE}.reports"
        if not isinstance(table, dict):
            raise self.fail("reports", "expected a table ([tool.sockscen.reports])")
        # key -> (namespace attribute, True for an on/off switch, False for a path)
        known: dict[str, tuple[str, bool]] = {}
        for spec in REPORT_FILES.values():
            known[spec.flag.lstrip("-")] = (spec.attribute, False)
            if spec.switch:
                known[spec.switch.lstrip("-")] = (spec.switch_attribute, True)
        values = {}
        for key, value in table.items():
            if key not in known:
                raise self.fail(key, f"unknown report (known: {', '.join(sorted(known))})", name)
            dest, switch = known[key]
            values[dest] = self.flag(key, value) if switch else self.path_value(key, value, name)
        return values

    def flag(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, "expected true or false", f"{_TABLE}.reports")
        return value


def project_defaults(start: Path | None = None) -> tuple[Path | None, dict[str, dict[str, Any]]]:
    """(the pyproject.toml read, argparse defaults per command) from ``[tool.sockscen]``.

    Raises ``UsageError`` for an unreadable file or a wrong value.
    """
    path = find_pyproject(start or Path.cwd())
    if path is None:
        return None, {}
    try:
        text = path.read_text(encoding="utf-8")
        document = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    table = document.get("tool", {}).get("sockscen")
    if table is None:
        return path, {}
    if not isinstance(table, Mapping):
        raise UsageError(f"{path}: [tool.sockscen] must be a table")
    return path, _defaults(_Reader(path, text), table)


def _defaults(reader: _Reader, table: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    shared: dict[str, Any] = {}
    run: dict[str, Any] = {}
    valid = sorted(["paths", "reports", *_OPTION_KEYS])
    for key, value in table.items():
        if key == "paths":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not value:
                raise reader.fail(key, "expected a list of paths")
            shared["paths"] = [reader.path_value(key, v) for v in value]
        elif key == "reports":
            run.update(reader.reports(value))
        elif key in _OPTION_KEYS:
            dest, parsed = reader.option(key, value)
            run[dest] = parsed
        else:
            raise reader.fail(key, f"unknown key (valid keys: {', '.join(valid)})")
    everything = {**shared, **run}
    return {"run": everything, "serve": dict(everything), "validate": shared, "list": dict(shared)}
