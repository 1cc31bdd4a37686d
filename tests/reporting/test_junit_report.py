"""JUnit XML: parsed back field by field, and validated against the dialect's XSD."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sockscen.reporting.failure import failure_summary, format_failure
from sockscen.reporting.junit import junit_classname, write_junit, xml_safe
from sockscen.reporting.transcript import format_output, format_transcript
from sockscen.results import ProcessOutput, RunResult, TranscriptEntry

from . import reporting_samples as samples

XSD = Path(__file__).with_name("sockscen-junit.xsd")


def written(run: RunResult, tmp_path: Path) -> ET.Element:
    path = write_junit(run, tmp_path / "reports" / "junit.xml")
    assert path == tmp_path / "reports" / "junit.xml"
    assert [p.name for p in path.parent.iterdir()] == ["junit.xml"]  # no temporary file left
    return ET.parse(path).getroot()


def test_root_counts_and_metadata(tmp_path: Path) -> None:
    root = written(samples.full_run(), tmp_path)
    assert root.tag == "testsuites"
    attrs = dict(root.attrib)
    assert attrs.pop("hostname")
    assert attrs == {
        "name": "sockscen",
        "tests": "11",
        "failures": "8",
        "errors": "1",
        "skipped": "1",
        "time": "1.234",
        "timestamp": "2024-05-01T12:00:00+00:00",
    }


def test_one_suite_per_file_in_first_seen_order(tmp_path: Path) -> None:
    root = written(samples.full_run(), tmp_path)
    suites = root.findall("testsuite")
    summary = [
        (
            s.get("name"),
            s.get("file"),
            s.get("tests"),
            s.get("failures"),
            s.get("errors"),
            s.get("skipped"),
            s.get("time"),
            s.get("timestamp"),
        )
        for s in suites
    ]
    assert summary == [
        ("scenarios.echo", "scenarios/echo.yaml", "4", "2", "0", "1", "9.000",
         "2024-05-01T12:00:00+00:00"),
        ("scenarios.binary", "scenarios/binary.yaml", "1", "1", "0", "0", "5.010",
         "2024-05-01T12:00:01+00:00"),
        ("scenarios.redis", "scenarios/redis.yaml", "1", "1", "0", "0", "0.001",
         "2024-05-01T12:00:03+00:00"),
        ("scenarios.fake_redis", "scenarios/fake_redis.yaml", "2", "2", "0", "0", "4.000",
         "2024-05-01T12:00:04+00:00"),
        ("scenarios.app", "scenarios/app.yaml", "2", "1", "1", "0", "8.100",
         "2024-05-01T12:00:05+00:00"),
        ("scenarios.cli", "scenarios/cli.yaml", "1", "1", "0", "0", "0.080",
         "2024-05-01T12:00:06+00:00"),
    ]  # fmt: skip
    assert all(s.get("hostname") == root.get("hostname") for s in suites)
    assert sum(int(s.get("tests", "")) for s in suites) == 11


def test_testcase_fields_failure_and_outputs(tmp_path: Path) -> None:
    result = samples.process_exited()
    root = written(samples.run_of(result), tmp_path)
    (case,) = root.iter("testcase")
    assert case.attrib == {
        "classname": "scenarios.app",
        "name": "app survives binary input",
        "time": "0.210",
        "file": "scenarios/app.yaml",
        "line": "1",
    }
    assert [child.tag for child in case] == ["failure", "system-out", "system-err"]
    failure = case.find("failure")
    assert failure is not None
    assert failure.attrib == {
        "type": "ScenarioFailure",
        "message": "process server app: the server exited early with status 1",
    }
    assert failure.text == format_failure(result)
    assert (
        case.findtext("system-out")
        == "\n".join(format_transcript(result.transcript, since=0.0)) + "\n"
    )
    assert (
        case.findtext("system-err")
        == "\n".join(
            format_output("app", result.actors[0].output)  # type: ignore[arg-type]
        )
        + "\n"
    )


def test_passed_error_and_skipped_cases(tmp_path: Path) -> None:
    run = samples.run_of(samples.passing(), samples.setup_error(), samples.skipped())
    cases = {c.get("name"): c for c in written(run, tmp_path).iter("testcase")}
    passed = cases["echo says hello"]
    assert [c.tag for c in passed] == ["system-out"]
    error = cases["slow app"].find("error")
    assert error is not None
    assert error.get("type") == "SetupError"
    assert error.get("message") == failure_summary(samples.setup_error())
    assert error.text == format_failure(samples.setup_error())
    assert "stopped by sockscen with SIGTERM" in (cases["slow app"].findtext("system-err") or "")
    skipped = cases["never ran"]
    assert [c.tag for c in skipped] == ["skipped"]
    assert skipped[0].get("message") == "not run: the run was interrupted"


def test_nul_and_invalid_utf8_stay_visible_and_the_file_parses(tmp_path: Path) -> None:
    result = samples.wrong_bytes()
    result.name = "nul\x00 and bell\x07 in a name"
    result.actors[0].transcript.append(
        TranscriptEntry(0.02, "alice", "received", b"\x00\xff\xfe\x1b[0m", 7)
    )
    result.actors.append(
        samples.ActorResult(
            "app",
            "app",
            "process-server",
            samples.Outcome.PASSED,
            output=ProcessOutput(("srv",), 1, b"\x00\xff ok\n", b"\x0b\x0c\n"),
        )
    )
    result.failures[0] = samples.dataclasses_replace(
        result.failures[0], message="got \x00 where \ud800 and \ufffe were"
    )
    root = written(samples.run_of(result), tmp_path)
    (case,) = root.iter("testcase")
    assert case.get("name") == "nul\\x00 and bell\\x07 in a name"
    failure = case.find("failure")
    assert failure is not None
    assert "got \\x00 where \\ud800 and \\ufffe were" in (failure.get("message") or "")
    assert "got \\x00 where \\ud800 and \\ufffe were" in (failure.text or "")
    out = case.findtext("system-out") or ""
    assert '<- 7 bytes  "\\x00\\xff\\xfe\\x1b[0m"' in out
    assert "|....[0m|" in out
    err = case.findtext("system-err") or ""
    assert "| \\x00\\xff ok" in err
    assert "| \\x0b\\x0c" in err


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("plain é ✓ text\t\n\r", "plain é ✓ text\t\n\r"),
        ("\x00\x08\x0b\x0c\x0e\x1f", "\\x00\\x08\\x0b\\x0c\\x0e\\x1f"),
        ("\ud800\udfff", "\\ud800\\udfff"),
        ("\ufffe\uffff\U0001f600", "\\ufffe\\uffff\U0001f600"),
    ],
)
def test_xml_safe(text: str, safe: str) -> None:
    assert xml_safe(text) == safe


@pytest.mark.parametrize(
    ("path", "classname"),
    [
        ("scenarios/echo.yaml", "scenarios.echo"),
        ("scenarios/sub/redis.yml", "scenarios.sub.redis"),
        ("./echo.yaml", "echo"),
        ("../other/x.yaml", "_.other.x"),
        ("/abs/path/api.v2.yaml", "abs.path.api.v2"),
        ("win\\style\\a.yaml", "win.style.a"),
        (".yaml", ".yaml"),
    ],
)
def test_classname_from_path(path: str, classname: str) -> None:
    assert junit_classname(path) == classname


def test_empty_run_is_a_valid_document(tmp_path: Path) -> None:
    root = written(samples.run_of(), tmp_path)
    assert root.findall("testsuite") == []
    assert root.get("tests") == "0"


def test_structure_readers_rely_on(tmp_path: Path) -> None:
    """What Jenkins, GitLab, dorny/test-reporter and mikepenz/action-junit-report read.

    Checked without a schema so it runs everywhere: counts agree with the
    cases, classname equals the suite name (dorny groups by it), every
    failing case has a one-line message (mikepenz's annotation text) and a
    body, file and line point into the scenario file.
    """
    root = written(samples.full_run(), tmp_path)
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "")) == len(cases)
        for tag, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(suite.get(attr, "")) == sum(c.find(tag) is not None for c in cases)
        for case in cases:
            assert case.get("classname") == suite.get("name")
            assert case.get("file") == suite.get("file")
            assert int(case.get("line", "")) >= 1
            float(case.get("time", ""))
            problems = [c for c in case if c.tag in ("failure", "error", "skipped")]
            assert len(problems) <= 1
            for problem in problems:
                if problem.tag != "skipped":
                    assert problem.get("message")
                    assert "\n" not in (problem.get("message") or "")
                    assert problem.text
    assert int(root.get("tests", "")) == sum(int(s.get("tests", "")) for s in root)


def test_validates_against_the_dialect_xsd(tmp_path: Path) -> None:
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    run = samples.full_run()
    run.scenarios[1].name = "control \x01 chars"
    path = write_junit(run, tmp_path / "junit.xml")
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log
    # The schema is not a rubber stamp: a case without its file fails it.
    next(document.iter("testcase")).attrib.pop("file")
    assert not schema.validate(document)


# --------------------------------------------------------------------------- --junit-strict

JENKINS_SHAPE = Path(__file__).with_name("jenkins-junit-10-shape.xsd")


def _jenkins_errors(path: Path) -> list[str]:
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(JENKINS_SHAPE)))
    ok = schema.validate(etree.parse(str(path)))
    return [] if ok else [str(e) for e in schema.error_log]


def test_strict_report_fits_the_jenkins_junit_10_shape(tmp_path: Path) -> None:
    path = write_junit(samples.full_run(), tmp_path / "strict.xml", strict=True)

    assert _jenkins_errors(path) == []
    root = ET.parse(path).getroot()
    case = root.find(".//testcase")
    assert case is not None
    assert set(case.attrib) == {"classname", "name", "time"}


def test_default_report_carries_what_the_jenkins_shape_refuses(tmp_path: Path) -> None:
    # Why strict mode exists: file/line (read by GitLab and annotation actions) are extra.
    path = write_junit(samples.full_run(), tmp_path / "default.xml")

    errors = _jenkins_errors(path)
    assert any("'file'" in e or "'line'" in e or "'skipped'" in e for e in errors), errors
