"""Property tests: any bytes and any text give valid reports, and base64 is exact."""

from __future__ import annotations

import base64
import json
import string
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sockscen.errors import Location
from sockscen.reporting.console import ConsoleReporter
from sockscen.reporting.failure import format_failure
from sockscen.reporting.json_report import report_json
from sockscen.reporting.junit import junit_bytes
from sockscen.results import (
    ActorResult,
    Failure,
    Outcome,
    ProcessOutput,
    RunResult,
    ScenarioResult,
    TranscriptEntry,
)

from . import reporting_samples as samples

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "schemas" / "report.schema.json").read_text(encoding="utf-8")
)
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
XSD = Path(__file__).with_name("sockscen-junit.xsd")
try:
    from lxml import etree  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - lxml is in the test extra
    XSD_SCHEMA = None
else:
    XSD_SCHEMA = etree.XMLSchema(etree.parse(str(XSD)))
    XSD_SCHEMA_PARSER = etree.fromstring

# Any code point, lone surrogates included: names may come from surrogateescape'd input.
any_text = st.text(st.characters(codec=None, categories=None), max_size=30)
payloads = st.binary(max_size=300)


@st.composite
def scenario_results(draw: st.DrawFn) -> ScenarioResult:
    actor = draw(any_text) or "a"
    entries = [
        TranscriptEntry(
            time=draw(st.floats(0, 100)),
            actor=actor,
            kind=draw(st.sampled_from(["sent", "received", "eof", "stdout", "note"])),
            data=data,
            size=len(data) + draw(st.integers(0, 5)),
            note=draw(any_text),
        )
        for data in draw(st.lists(payloads, max_size=4))
    ]
    failure = Failure(
        actor=actor,
        role=draw(st.sampled_from(["client", "server", "process-client", "process-server"])),
        message=draw(any_text),
        step=draw(st.none() | any_text),
        step_text=draw(st.none() | any_text),
        location=Location(draw(any_text), draw(st.integers(1, 10_000))),
        expected=draw(st.none() | payloads),
        expected_text=draw(st.none() | any_text),
        received=draw(st.none() | payloads),
        waited=draw(st.none() | st.floats(0, 100)),
        details=tuple(draw(st.lists(any_text, max_size=2))),
    )
    output = ProcessOutput(
        argv=tuple(draw(st.lists(any_text, min_size=1, max_size=3))),
        pid=draw(st.none() | st.integers(1, 2**22)),
        stdout=draw(payloads),
        stderr=draw(payloads),
        returncode=draw(st.none() | st.integers(-64, 255)),
    )
    outcome = draw(st.sampled_from(list(Outcome)))
    return ScenarioResult(
        id=draw(any_text),
        name=draw(any_text),
        path=draw(st.text(string.ascii_letters + "/._-", min_size=1, max_size=20)),
        line=draw(st.integers(1, 10_000)),
        tags=tuple(draw(st.lists(any_text, max_size=2))),
        outcome=outcome,
        duration=draw(st.floats(0, 1000)),
        started_at=samples.T0 + draw(st.floats(0, 1e6)),
        actors=[
            ActorResult(
                actor=actor,
                name=actor,
                role=failure.role,
                outcome=outcome,
                transcript=entries,
                failure=failure,
                output=draw(st.none() | st.just(output)),
            )
        ],
        failures=[failure] if outcome is Outcome.FAILED else [],
        error=draw(any_text) if outcome is not Outcome.PASSED else None,
    )


runs = st.lists(scenario_results(), max_size=3).map(lambda rs: samples.run_of(*rs))


def all_bytes_fields(node: Any) -> list[dict[str, str]]:
    found = []
    if isinstance(node, dict):
        if set(node) >= {"text", "base64"}:
            found.append(node)
        for value in node.values():
            found.extend(all_bytes_fields(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(all_bytes_fields(value))
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs)
def test_any_run_gives_a_parsable_junit_file(run: RunResult) -> None:
    data = junit_bytes(run)
    root = ET.fromstring(data)
    assert int(root.get("tests", "")) == len(run.scenarios)
    by_file: dict[str, list[ScenarioResult]] = {}
    for result in run.scenarios:
        by_file.setdefault(result.path, []).append(result)
    expected = [(path, str(r.line)) for path, results in by_file.items() for r in results]
    assert [(c.get("file"), c.get("line")) for c in root.iter("testcase")] == expected
    if XSD_SCHEMA is not None:
        assert XSD_SCHEMA.validate(XSD_SCHEMA_PARSER(data)), XSD_SCHEMA.error_log


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs)
def test_any_run_gives_a_valid_json_report_with_exact_bytes(run: RunResult) -> None:
    report = json.loads(report_json(run))
    VALIDATOR.validate(report)
    for scenario, result in zip(report["scenarios"], run.scenarios, strict=True):
        assert scenario["name"] == result.name
        for entry, original in zip(scenario["transcript"], result.transcript, strict=True):
            assert base64.b64decode(entry["base64"]) == original.data
            assert entry["text"] == original.data.decode("utf-8", "backslashreplace")
        for failure, original_failure in zip(scenario["failures"], result.failures, strict=True):
            for key in ("expected", "received"):
                value = getattr(original_failure, key)
                if value is None:
                    assert failure[key] is None
                else:
                    assert base64.b64decode(failure[key]["base64"]) == value
    for field in all_bytes_fields(report):
        base64.b64decode(field["base64"], validate=True)


@settings(max_examples=60, deadline=None)
@given(scenario_results())
def test_diagnosis_and_console_text_never_carry_raw_control_characters(
    result: ScenarioResult,
) -> None:
    text = format_failure(result)
    assert not any(ord(c) < 0x20 and c not in "\n\t" for c in text)
    assert not any(0xD800 <= ord(c) < 0xE000 for c in text)
    text.encode("utf-8")  # printable to any UTF-8 terminal

    class Strict:
        """A stream that, like a UTF-8 terminal, rejects what it cannot encode."""

        def __init__(self) -> None:
            self.parts: list[str] = []

        def write(self, s: str) -> int:
            s.encode("utf-8")
            self.parts.append(s)
            return len(s)

        def flush(self) -> None:
            pass

        def isatty(self) -> bool:
            return False

    stream = Strict()
    reporter = ConsoleReporter(stream, env={}, transcripts=True, show_output=True)  # type: ignore[arg-type]
    reporter.run_started(1)
    reporter.scenario_finished(result)
    reporter.run_finished(samples.run_of(result))
    assert "".join(stream.parts).endswith(" in 1.23s\n")


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 255, 256, 257, 5000])
def test_base64_roundtrip_at_boundaries(size: int) -> None:
    data = bytes(i % 256 for i in range(size))
    result = samples.wrong_bytes()
    result.failures[0] = samples.dataclasses_replace(result.failures[0], received=data)
    report = json.loads(report_json(samples.run_of(result)))
    assert base64.b64decode(report["scenarios"][0]["failures"][0]["received"]["base64"]) == data
