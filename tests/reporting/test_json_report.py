"""The JSON report: field by field, against its published schema, bytes exact."""

from __future__ import annotations

import base64
import json
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sockscen.reporting import json_report
from sockscen.reporting.json_report import report_dict, write_json
from sockscen.results import RunResult, TranscriptEntry

from . import reporting_samples as samples

SCHEMA_PATH = Path(__file__).parents[2] / "schemas" / "report.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def roundtrip(run: RunResult, tmp_path: Path) -> Any:
    path = write_json(run, tmp_path / "out" / "report.json")
    assert [p.name for p in path.parent.iterdir()] == ["report.json"]
    return json.loads(path.read_bytes())


def test_top_level_fields(tmp_path: Path, validator: jsonschema.Draft202012Validator) -> None:
    report = roundtrip(samples.full_run(), tmp_path)
    validator.validate(report)
    assert report["format"] == "sockscen-report"
    assert report["version"] == 1
    assert report["sockscen_version"] == json_report.sockscen_version()
    assert report["started_at"] == "2024-05-01T12:00:00.000Z"
    assert report["duration"] == 1.234
    assert report["options"] == {"jobs": 4, "timeout": 30.0, "paths": ["scenarios"]}
    assert report["interrupted"] is False
    assert report["summary"] == {"passed": 1, "failed": 8, "errors": 1, "skipped": 1, "total": 11}
    assert [s["name"] for s in report["scenarios"]] == [
        s.name for s in samples.full_run().scenarios
    ]


def test_scenario_failure_and_actor_fields(tmp_path: Path) -> None:
    (scenario,) = roundtrip(samples.run_of(samples.wrong_bytes()), tmp_path)["scenarios"]
    assert scenario == {
        "id": "scenarios/echo.yaml::echo returns each line",
        "file": "scenarios/echo.yaml",
        "line": 12,
        "name": "echo returns each line",
        "tags": ["tcp"],
        "outcome": "failed",
        "duration": 0.015,
        "started_at": "2024-05-01T12:00:00.500Z",
        "error": None,
        "error_location": None,
        "failures": [
            {
                "actor": "alice",
                "role": "client",
                "step": "2",
                "step_text": 'expect "hello\\n"',
                "location": {"file": "scenarios/echo.yaml", "line": 17, "col": 9},
                "message": "different bytes at offset 1",
                "expected": {"text": "hello\n", "base64": "aGVsbG8K"},
                "expected_text": None,
                "received": {"text": "hallo\n", "base64": "aGFsbG8K"},
                "waited": 0.012,
                "details": [],
            }
        ],
        "actors": [
            {
                "actor": "alice",
                "name": "alice",
                "role": "client",
                "copy": None,
                "outcome": "failed",
                "steps": [
                    {
                        "label": "1",
                        "kind": "send",
                        "location": {"file": "scenarios/echo.yaml", "line": 16, "col": 9},
                        "outcome": "passed",
                        "started": 0.0,
                        "duration": 0.0001,
                    },
                    {
                        "label": "2",
                        "kind": "expect",
                        "location": {"file": "scenarios/echo.yaml", "line": 17, "col": 9},
                        "outcome": "failed",
                        "started": 0.0001,
                        "duration": 0.012,
                    },
                ],
                "output": None,
            }
        ],
        "transcript": [
            {
                "time": 0.0,
                "actor": "alice",
                "kind": "sent",
                "size": 6,
                "truncated": False,
                "text": "hello\n",
                "base64": "aGVsbG8K",
                "note": "",
            },
            {
                "time": 0.012,
                "actor": "alice",
                "kind": "received",
                "size": 6,
                "truncated": False,
                "text": "hallo\n",
                "base64": "aGFsbG8K",
                "note": "",
            },
        ],
    }


def test_error_and_process_output_fields(tmp_path: Path) -> None:
    (scenario,) = roundtrip(samples.run_of(samples.setup_error()), tmp_path)["scenarios"]
    assert scenario["outcome"] == "error"
    assert scenario["error"].startswith("server app did not become ready")
    assert scenario["error_location"] == {"file": "scenarios/app.yaml", "line": 34, "col": 12}
    assert scenario["failures"] == []
    assert scenario["actors"][0]["output"] == {
        "argv": ["python3", "servers/slow.py"],
        "pid": 4400,
        "returncode": -15,
        "signal": "SIGTERM",
        "stopped_by_runner": True,
        "stdout": {"text": "", "base64": ""},
        "stdout_truncated": 0,
        "stderr": {
            "text": "warming up\x1b[31m...\r\n",
            "base64": base64.b64encode(b"warming up\x1b[31m...\r\n").decode(),
        },
        "stderr_truncated": 0,
    }


def test_nul_and_invalid_utf8_are_exact_in_base64_and_readable_in_text(
    tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    data = b"\x00ok\xff\xfe\xc3\xa9"
    result = samples.wrong_bytes()
    result.failures[0] = samples.dataclasses_replace(result.failures[0], received=data)
    result.actors[0].transcript.append(TranscriptEntry(0.5, "alice", "received", data, 70000))
    report = roundtrip(samples.run_of(result), tmp_path)
    validator.validate(report)
    (scenario,) = report["scenarios"]
    received = scenario["failures"][0]["received"]
    assert received["text"] == "\x00ok\\xff\\xfeé"
    assert base64.b64decode(received["base64"]) == data
    entry = scenario["transcript"][-1]
    assert entry["size"] == 70000
    assert entry["truncated"] is True
    assert base64.b64decode(entry["base64"]) == data


def test_lone_surrogates_in_names_survive_writing(tmp_path: Path) -> None:
    """A name read with surrogateescape must not make writing fail, nor be lost."""
    result = samples.passing()
    result.name = "bad \udcff name"
    report = roundtrip(samples.run_of(result), tmp_path)
    assert report["scenarios"][0]["name"] == "bad \udcff name"


def test_odd_option_values_become_json(tmp_path: Path) -> None:
    run = samples.run_of()
    run.options = {
        "path": Path("a/b"),
        "outcome": samples.Outcome.FAILED,
        "tags": {"b", "a"},
        "nan": float("nan"),
        "nested": {1: (1, 2)},
        "other": object,
    }
    options = roundtrip(run, tmp_path)["options"]
    assert options == {
        "path": "a/b",
        "outcome": "failed",
        "tags": ["a", "b"],
        "nan": None,
        "nested": {"1": [1, 2]},
        "other": "<class 'object'>",
    }


def test_version_falls_back_when_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert json_report.sockscen_version() == "0+unknown"
    assert report_dict(samples.run_of())["sockscen_version"] == "0+unknown"


def test_schema_rejects_unknown_fields_and_wrong_types(
    validator: jsonschema.Draft202012Validator,
) -> None:
    report = report_dict(samples.full_run())
    validator.validate(report)
    report["scenarios"][0]["surprise"] = 1
    assert not validator.is_valid(report)
    report = report_dict(samples.full_run())
    report["scenarios"][1]["failures"][0]["received"]["base64"] = "not base64!"
    assert not validator.is_valid(report)
    report = report_dict(samples.full_run())
    report["scenarios"][0]["outcome"] = "fine"
    assert not validator.is_valid(report)


def test_every_schema_property_has_a_description() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    missing: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if "description" not in sub:
                    missing.append(f"{where}.{name}")
            if node.get("type") == "object" and node.get("additionalProperties") is not False:
                assert where.endswith("options"), f"{where} allows unknown properties"
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{where}[{i}]")

    walk(schema, "$")
    assert missing == []
