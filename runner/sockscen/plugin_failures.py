"""How a scenario item's result appears in pytest's reports.

* A failure is pytest's exception representation with a ``reprcrash``: ``--tb=line`` and the
  short summary print one ``path:line: client c, step 2 expect "hi": ...``
  line (the failing step's place) instead of the diagnosis cut at 50
  characters; the other styles print the whole diagnosis.
* A passing scenario's transcript and processes' output are report *sections*
  (``Captured stdout sockscen transcript`` / ``Captured stderr sockscen
  output``), so ``-rP``, pytest-html and the ``<system-out>`` of pytest's
  JUnit XML (with ``junit_logging = system-out`` or ``all``) show them (a
  failure's diagnosis holds them already).
* The ``classname`` pytest's ``--junitxml`` writes is the one ``sockscen run
  --junit-xml`` writes (``scenarios.echo``, not ``scenarios.echo.yaml``).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import pytest
from _pytest._code.code import (
    ReprEntryNative,
    ReprExceptionInfo,
    ReprFileLocation,
    ReprTraceback,
)

if TYPE_CHECKING:
    from .results import ScenarioResult

__all__ = [
    "SECTION_LIMIT",
    "JunitClassnames",
    "add_result_sections",
    "crash_line",
    "diagnosis",
    "scenario_repr",
    "set_junit_classname",
    "timeout_note",
]

#: Longest report section kept per item: a session keeps every report until it ends.
SECTION_LIMIT = 64 * 1024
TRANSCRIPT_SECTION = "stdout sockscen transcript"
OUTPUT_SECTION = "stderr sockscen output"


def diagnosis(result: ScenarioResult) -> str:
    """The console report's diagnosis of *result*, without its ``FAILED path::name`` headline.

    pytest already titles the section with the node id, and uses the first
    line in its short summary: that line is then the failing actor and step
    with its ``file:line``, or the setup error.
    """
    from .reporting.failure import format_failure

    text = format_failure(result)
    _headline, _, body = text.partition("\n")
    return textwrap.dedent(body) if body.strip() else text


def crash_line(result: ScenarioResult) -> tuple[str, int, str]:
    """(path, line, message) of the first failure: where ``--tb=line`` points."""
    from .rendering import escape_text
    from .reporting.failure import actor_label, failure_summary

    if not result.failures:
        return result.path, result.line, failure_summary(result)
    first = result.failures[0]
    where = first.location
    text = actor_label(result, first)
    if first.step is not None:
        text += f", step {escape_text(first.step)}"
    if first.step_text:
        text += f" {escape_text(first.step_text)}"
    text += f": {escape_text(first.message)}"
    if len(result.failures) > 1:
        text += f" (and {len(result.failures) - 1} more)"
    path, line = (where.path, where.line) if where else (result.path, result.line)
    return path, line, text


def scenario_repr(result: ScenarioResult, note: str = "", *, style: str = "auto") -> Any:
    """A failed scenario for pytest: the whole diagnosis, with a one-line ``reprcrash``.

    Built from pytest's own exception representation (one "native" entry
    holding the diagnosis) so pytest-xdist carries it from its workers whole,
    crash line included.
    """
    # With --tb=line pytest prints this and then the crash line: the crash line says it.
    text = "" if style == "line" else diagnosis(result) + note
    lines = [line + "\n" for line in text.splitlines()]
    path, line, message = crash_line(result)
    return ReprExceptionInfo(
        reprtraceback=ReprTraceback([ReprEntryNative(lines)], None, "native"),
        reprcrash=ReprFileLocation(path, line, message),
    )


def _cut(text: str) -> str:
    if len(text) <= SECTION_LIMIT:
        return text
    return text[:SECTION_LIMIT] + "\n... (cut; --sockscen-transcript-dir keeps it all)\n"


def add_result_sections(item: pytest.Item, result: ScenarioResult) -> None:
    """Attach the transcript and process output of a passed *result* to *item*'s reports.

    A failure's diagnosis already holds the failing actor's transcript and the
    processes' output: a section would print them twice.
    """
    from .reporting.transcript import format_output, format_transcript
    from .results import Outcome

    if result.outcome is not Outcome.PASSED:
        return
    transcript = format_transcript(result.transcript, since=0.0)
    if transcript:
        item.add_report_section("setup", TRANSCRIPT_SECTION, _cut("\n".join(transcript) + "\n"))
    outputs = [line for actor, out in result.outputs for line in format_output(actor, out)]
    if outputs:
        item.add_report_section("setup", OUTPUT_SECTION, _cut("\n".join(outputs) + "\n"))


def timeout_note(result: ScenarioResult, deadline: float | None, own: float) -> str:
    """A closing line when the scenario timed out on pytest-timeout's time, not its own."""
    if deadline is None or deadline >= own:
        return ""
    timed_out = any(f.message.startswith("the scenario timed out") for f in result.failures)
    if not timed_out:
        return ""
    return (
        f"\n(the deadline was pytest-timeout's: {deadline:.3g}s left for this test, "
        f"less than the scenario's own timeout of {own:g}s)"
    )


class JunitClassnames:
    """Registered as a plugin: sets the classname of every scenario's JUnit test case."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Before the JUnit plugin records the report.
        set_junit_classname(self.config, report)


def set_junit_classname(config: pytest.Config, report: pytest.TestReport) -> None:
    """Make pytest's ``--junitxml`` name a scenario's class as ``sockscen run --junit-xml`` does.

    Called for every report before the JUnit plugin records it, in the process
    that writes the XML (the pytest-xdist controller too), so it goes by the
    report's ``sockscen`` keyword rather than by the item.
    """
    from _pytest.junitxml import xml_key

    xml: Any = config.stash.get(xml_key, None)
    if xml is None or not report.keywords.get("sockscen"):
        return
    from .reporting.junit import junit_classname

    path = report.nodeid.split("::", 1)[0]
    # What ``record_xml_attribute`` does; pytest keeps these over its own attributes.
    xml.node_reporter(report).add_attribute("classname", junit_classname(path))
