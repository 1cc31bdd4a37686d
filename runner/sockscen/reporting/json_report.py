"""The JSON report: a documented, versioned, machine-readable record of a run.

Its JSON Schema is ``schemas/report.schema.json`` (Draft 2020-12).  The
format is stable: ``"format": "sockscen-report"`` and ``"version": 1`` only
change when a field is renamed or removed; new fields may appear within a
version only together with a schema update.

Byte data (payloads, expectations, process output) appears as
``{"text": ..., "base64": ...}``: ``text`` is the bytes decoded as UTF-8 with
invalid bytes written as ``\\xNN`` (for people and ``grep``), ``base64`` is
exact (for programs).  Times inside a scenario are seconds since it started;
``started_at`` values are ISO 8601 in UTC.
"""

from __future__ import annotations

import base64
import json
import math
import signal
from collections.abc import Mapping
from datetime import datetime, timezone
from enum import Enum
from importlib import metadata
from pathlib import Path, PurePath
from typing import Any

from ..errors import Location
from ..results import (
    ActorResult,
    Failure,
    ProcessOutput,
    RunResult,
    ScenarioResult,
    StepResult,
    TranscriptEntry,
)
from ._files import write_atomic

FORMAT = "sockscen-report"
VERSION = 1


def sockscen_version() -> str:
    """The installed sockscen version, or ``0+unknown`` when running from a source tree."""
    try:
        return metadata.version("sockscen")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def iso_utc(epoch: float) -> str:
    """``2024-05-01T12:00:00.123Z``."""
    stamp = datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def _number(value: float) -> float | None:
    # NaN and infinities are not JSON; a duration that is not a number is unknown.
    return value if math.isfinite(value) else None


def bytes_field(data: bytes) -> dict[str, str]:
    """``{"text": lenient UTF-8, "base64": exact}``."""
    return {
        "text": data.decode("utf-8", errors="backslashreplace"),
        "base64": base64.b64encode(data).decode("ascii"),
    }


def _optional_bytes(data: bytes | None) -> dict[str, str] | None:
    return None if data is None else bytes_field(data)


def location_dict(location: Location | None) -> dict[str, Any] | None:
    """``{"file", "line", "col"}`` or None."""
    if location is None:
        return None
    return {"file": location.path, "line": location.line, "col": location.col}


def _jsonable(value: object) -> Any:
    """Run options as JSON values: containers kept, anything else as its string."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, Enum):
        return _jsonable(value.value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [_jsonable(v) for v in items]
    return str(value)


def _attrs(obj: object, *names: str) -> dict[str, Any]:
    """The attributes *names* of *obj* under their own names: the fields copied as they are."""
    return {name: getattr(obj, name) for name in names}


def _failure_dict(failure: Failure) -> dict[str, Any]:
    return {
        **_attrs(failure, "actor", "role", "step", "step_text"),
        "location": location_dict(failure.location),
        "message": failure.message,
        "expected": _optional_bytes(failure.expected),
        "expected_text": failure.expected_text,
        "received": _optional_bytes(failure.received),
        "waited": None if failure.waited is None else _number(failure.waited),
        "details": list(failure.details),
    }


def _step_dict(step: StepResult) -> dict[str, Any]:
    return {
        **_attrs(step, "label", "kind"),
        "location": location_dict(step.location),
        "outcome": step.outcome.value,
        "started": _number(step.started),
        "duration": _number(step.duration),
    }


def _signal_name(returncode: int | None) -> str | None:
    if returncode is None or returncode >= 0:
        return None
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"SIG{-returncode}"


def _output_dict(output: ProcessOutput) -> dict[str, Any]:
    return {
        "argv": list(output.argv),
        **_attrs(output, "pid", "returncode"),
        "signal": _signal_name(output.returncode),
        "stopped_by_runner": output.stopped_by_runner,
        "stdout": bytes_field(output.stdout),
        "stdout_truncated": output.stdout_truncated,
        "stderr": bytes_field(output.stderr),
        "stderr_truncated": output.stderr_truncated,
    }


def _actor_dict(actor: ActorResult) -> dict[str, Any]:
    return {
        **_attrs(actor, "actor", "name", "role", "copy"),
        "outcome": actor.outcome.value,
        "steps": [_step_dict(s) for s in actor.steps],
        "output": None if actor.output is None else _output_dict(actor.output),
    }


def _entry_dict(entry: TranscriptEntry) -> dict[str, Any]:
    shown = bytes_field(entry.data)
    return {
        "time": _number(entry.time),
        **_attrs(entry, "actor", "kind"),
        "size": max(entry.size, len(entry.data)),
        "truncated": entry.truncated,
        "text": shown["text"],
        "base64": shown["base64"],
        "note": entry.note,
    }


def scenario_dict(result: ScenarioResult) -> dict[str, Any]:
    """One element of the report's ``scenarios`` list."""
    return {
        "id": result.id,
        "file": result.path,
        **_attrs(result, "line", "name"),
        "tags": list(result.tags),
        "outcome": result.outcome.value,
        "duration": _number(result.duration),
        "started_at": iso_utc(result.started_at),
        "error": result.error,
        "error_location": location_dict(result.error_location),
        "failures": [_failure_dict(f) for f in result.failures],
        "actors": [_actor_dict(a) for a in result.actors],
        "transcript": [_entry_dict(e) for e in result.transcript],
        # Only scenarios with files: have it (the report of others is unchanged).
        **({"files": [{"path": p, "size": n} for p, n in result.files]} if result.files else {}),
    }


def report_dict(run: RunResult) -> dict[str, Any]:
    """The whole report as plain JSON values (see the module docstring and the schema)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "sockscen_version": sockscen_version(),
        "started_at": iso_utc(run.started_at),
        "duration": _number(run.duration),
        "options": _jsonable(dict(run.options)),
        "seed": seed if isinstance(seed := run.options.get("seed"), int) else None,
        "interrupted": run.interrupted,
        "summary": {
            "passed": run.passed,
            "failed": run.failed,
            "errors": run.errors,
            "skipped": run.skipped,
            "total": len(run.scenarios),
        },
        "scenarios": [scenario_dict(s) for s in run.scenarios],
    }


def report_json(run: RunResult) -> bytes:
    """The report serialised: indented UTF-8 JSON."""
    text = json.dumps(report_dict(run), indent=2, ensure_ascii=False, allow_nan=False)
    # A lone surrogate (a name read with surrogateescape) cannot be UTF-8;
    # backslashreplace turns it into "\udcNN", which inside a JSON string is
    # exactly the JSON escape for that same code point, so nothing is lost.
    return text.encode("utf-8", errors="backslashreplace") + b"\n"


def write_json(run: RunResult, path: str | Path) -> Path:
    """Write the JSON report of *run* to *path* (atomically: no half-written file)."""
    return write_atomic(path, report_json(run))
