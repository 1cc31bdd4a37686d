"""Report files from a pytest session: each registered reporter's plugin flag."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.scenario_texts import GREETING, WRONG_GREETING

from .plugin_support import RunPytest

Write = Callable[[str, str], Path]


def test_every_registered_reporter_has_a_plugin_flag(run_pytest: RunPytest) -> None:
    result = run_pytest("--help")

    result.stdout.fnmatch_lines(
        [
            "*--sockscen-junit-xml=PATH*",
            "*--sockscen-json=PATH*",
            "*--sockscen-transcript-dir=DIR*",
        ],
        consecutive=False,
    )


def test_report_flags_write_the_scenarios_of_the_session(
    inner: pytest.Pytester, run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("scenarios/wrong.yaml", WRONG_GREETING)

    result = run_pytest(
        "--sockscen-json=out/run.json",
        "--sockscen-junit-xml=out/junit.xml",
        "--sockscen-transcript-dir=out/transcripts",
    )

    result.assert_outcomes(passed=1, failed=1)
    report = json.loads((inner.path / "out" / "run.json").read_text(encoding="utf-8"))
    assert {"passed": 1, "failed": 1, "errors": 0, "skipped": 0, "total": 2} == report["summary"]
    outcomes = {s["name"]: s["outcome"] for s in report["scenarios"]}
    assert {
        "greeting server thanks every client": "passed",
        "greeting is not what the client expects": "failed",
    } == outcomes
    root = ET.parse(inner.path / "out" / "junit.xml").getroot()
    assert 2 == len(list(root.iter("testcase")))
    assert 2 == len(list((inner.path / "out" / "transcripts").iterdir()))


def test_report_flags_are_refused_with_xdist(run_pytest: RunPytest, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)

    result = run_pytest("-n", "2", "--sockscen-json=out/run.json")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--sockscen-json*without pytest-xdist (-n)*"])


def test_an_unwritable_report_path_is_a_usage_error(
    inner: pytest.Pytester, run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/greeting.yaml", GREETING)
    (inner.path / "taken").mkdir()

    result = run_pytest("--sockscen-json=taken")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--sockscen-json taken: is a directory; give a file name*"])
