"""JUnit XML: the test-report format every CI system reads.

Shape, and why
--------------

``<testsuites>`` holds **one** ``<testsuite>`` **per scenario file**, each
``<testcase>`` is one scenario::

    <testsuites name="sockscen" tests= failures= errors= skipped= time= timestamp= hostname=>
      <testsuite name="scenarios.echo" file="scenarios/echo.yaml" tests= ... hostname=>
        <testcase classname="scenarios.echo" name="echo returns each line"
                  time="0.013" file="scenarios/echo.yaml" line="3">
          <failure message="client alice, step 2: different bytes from byte 1"
                   type="ScenarioFailure">FAILED scenarios/echo.yaml::...</failure>
          <system-out>transcript</system-out>
          <system-err>process output</system-err>
        </testcase>

* A suite per file mirrors what pytest and Maven Surefire write (one suite
  per test module or class), which is the shape the readers are built
  around: dorny/test-reporter draws one table per ``<testsuite>``, GitLab
  lists suites then cases, and the Jenkins JUnit plugin accepts both a
  single suite and ``<testsuites>``.  One suite for the whole run would put
  hundreds of scenarios in one flat table; a suite per scenario would make
  every table one row long.
* ``classname`` is the file's path with ``/`` turned into ``.`` and the
  extension dropped (``scenarios.echo``), like pytest's ``tests.test_echo``:
  Jenkins splits ``classname`` at its last dot into package and class, so
  ``scenarios/echo.yaml`` would show as class ``yaml`` in package
  ``scenarios/echo``, while ``scenarios.echo`` shows class ``echo`` in
  package ``scenarios``.  The suite's ``name`` is the same string, because
  dorny/test-reporter starts a sub-group for every ``classname`` that differs
  from the suite name.  The exact path is kept in ``file``.
* ``file`` and ``line`` on ``<testcase>`` are what mikepenz/action-junit-report
  uses to place annotations (before it tries stack traces) and what GitLab
  links to; ``line`` is the line of the scenario's ``name``.
* ``message`` of ``<failure>``/``<error>`` is one line (readers show it as the
  headline; mikepenz uses it as the annotation message), the element text is
  the full diagnosis (the same text as the console's).  ``<skipped>`` marks
  scenarios not run.  The transcript goes to ``<system-out>`` and process
  output to ``<system-err>``: Jenkins and GitLab show both per test case.

Characters XML 1.0 cannot carry (control characters other than tab,
newline and carriage return, lone surrogates, U+FFFE and U+FFFF) are
written as visible ``\\x00`` / ``\\udc80`` escapes: never dropped, and the
file always parses.
"""

from __future__ import annotations

import platform
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from ..rendering import format_seconds
from ..results import Outcome, RunResult, ScenarioResult
from ._files import write_atomic
from .failure import failure_summary, format_failure
from .transcript import format_output, format_transcript

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def xml_safe(text: str) -> str:
    """*text* with every character XML 1.0 forbids replaced by a visible escape."""
    return _ILLEGAL_XML.sub(_visible, text)


def junit_classname(path: str) -> str:
    """``scenarios/echo.yaml`` -> ``scenarios.echo`` (see the module docstring for why)."""
    parts = [p for p in PurePosixPath(path.replace("\\", "/")).parts if p not in ("", ".", "/")]
    if not parts:
        return "scenarios"
    last = parts[-1]
    for suffix in (".yaml", ".yml"):
        if last.lower().endswith(suffix) and len(last) > len(suffix):
            last = last[: -len(suffix)]
            break
    parts[-1] = last
    # ".." would read as an empty package name in Jenkins.
    return ".".join("_" if p == ".." else p for p in parts)


def junit_timestamp(epoch: float) -> str:
    """ISO 8601 in UTC with an explicit offset, to the second."""
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")


def _seconds(value: float) -> str:
    # JUnit times are bare seconds; format_seconds appends an "s".
    return format_seconds(max(value, 0.0))[:-1]


def _counts(element: ET.Element, results: list[ScenarioResult]) -> None:
    element.set("tests", str(len(results)))
    element.set("failures", str(sum(r.outcome is Outcome.FAILED for r in results)))
    element.set("errors", str(sum(r.outcome is Outcome.ERROR for r in results)))
    element.set("skipped", str(sum(r.outcome is Outcome.SKIPPED for r in results)))


def _testcase(parent: ET.Element, result: ScenarioResult, classname: str, strict: bool) -> None:
    attributes = {
        "classname": xml_safe(classname),
        "name": xml_safe(result.name),
        "time": _seconds(result.duration),
    }
    if not strict:
        attributes.update(file=xml_safe(result.path), line=str(result.line))
    case = ET.SubElement(parent, "testcase", attributes)
    if result.outcome is Outcome.FAILED:
        element = ET.SubElement(case, "failure", type="ScenarioFailure")
        element.set("message", xml_safe(failure_summary(result)))
        element.text = xml_safe(format_failure(result))
    elif result.outcome is Outcome.ERROR:
        element = ET.SubElement(case, "error", type="SetupError")
        element.set("message", xml_safe(failure_summary(result)))
        element.text = xml_safe(format_failure(result))
    elif result.outcome is Outcome.SKIPPED:
        element = ET.SubElement(case, "skipped")
        element.set("message", xml_safe(result.error or "not run"))
    transcript = format_transcript(result.transcript, since=0.0)
    if transcript:
        ET.SubElement(case, "system-out").text = xml_safe("\n".join(transcript) + "\n")
    outputs = [line for actor, out in result.outputs for line in format_output(actor, out)]
    if outputs:
        ET.SubElement(case, "system-err").text = xml_safe("\n".join(outputs) + "\n")


def junit_tree(run: RunResult, *, strict: bool = False) -> ET.Element:
    """The ``<testsuites>`` element of *run* (one suite per scenario file, in first-seen order).

    *strict* keeps to the attributes Jenkins' ``junit-10.xsd`` allows: no
    ``file``/``line`` on test cases, no ``skipped``/``timestamp``/``hostname``
    on ``<testsuites>`` (the suites keep theirs, which the schema allows).
    """
    hostname = xml_safe(platform.node() or "localhost")
    root = ET.Element("testsuites", name="sockscen")
    _counts(root, run.scenarios)
    root.set("time", _seconds(run.duration))
    if strict:
        del root.attrib["skipped"]
    else:
        root.set("timestamp", junit_timestamp(run.started_at))
        root.set("hostname", hostname)

    by_file: dict[str, list[ScenarioResult]] = {}
    for result in run.scenarios:
        by_file.setdefault(result.path, []).append(result)
    for path, results in by_file.items():
        classname = junit_classname(path)
        suite = ET.SubElement(root, "testsuite", name=xml_safe(classname))
        _counts(suite, results)
        start = min(r.started_at for r in results)
        end = max(r.started_at + r.duration for r in results)
        # Scenarios run concurrently: the suite took its wall-clock span, not the sum.
        suite.set("time", _seconds(end - start))
        suite.set("timestamp", junit_timestamp(start))
        suite.set("hostname", hostname)
        suite.set("file", xml_safe(path))
        seed = run.options.get("seed")
        if seed is not None:
            # Ant's <properties>: the seed that replays this run's fault decisions.
            properties = ET.SubElement(suite, "properties")
            ET.SubElement(properties, "property", name="seed", value=str(seed))
        for result in results:
            _testcase(suite, result, classname, strict)
    return root


def junit_bytes(run: RunResult, *, strict: bool = False) -> bytes:
    """The whole JUnit document, UTF-8 with an XML declaration, indented."""
    root = junit_tree(run, strict=strict)
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def write_junit(run: RunResult, path: str | Path, *, strict: bool = False) -> Path:
    """Write the JUnit XML report of *run* to *path* (atomically: no half-written file)."""
    return write_atomic(path, junit_bytes(run, strict=strict))
