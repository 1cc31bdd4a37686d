"""The plugin beside the tools pytest users run: pytest-timeout, pytest-html, --tb=line,
-rP, --junitxml, marker-taking plugins, and folders named on the command line."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.scenario_texts import GREETING, WRONG_GREETING

from .plugin_support import RunPytest

Write = Callable[[str, str], Path]

# A program server that writes its pid, then a client that waits far longer than the test
# may take; the second document passes at once.
HANGING = """\
name: waits for ever
timeout: 60s
servers:
  sleeper:
    listen: tcp://127.0.0.1:0
    command:
      - python3
      - -c
      - |
        import os, socket, sys, time
        open("server.pid", "w").write(str(os.getpid()))
        s = socket.socket()
        s.bind(("127.0.0.1", int(sys.argv[1])))
        s.listen()
        time.sleep(600)
      - ${sleeper.port}
clients:
  patient:
    connect: ${sleeper.url}
    steps:
      - expect: "never sent"
        timeout: 60s
---
name: runs after it
servers:
  greeter:
    listen: tcp://127.0.0.1:0
    handle:
      - send: "hi"
clients:
  visitor:
    connect: ${greeter.url}
    steps:
      - expect: "hi"
"""


def _alive(pid_file: Path) -> bool:
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# --------------------------------------------------------------------------- pytest-timeout


@pytest.mark.parametrize(
    "how",
    [
        ("--timeout-method", "signal"),
        ("--timeout-method", "thread"),
        ("-o", "timeout_func_only=true"),
    ],
    ids=["signal", "thread", "func_only"],
)
def test_pytest_timeout_becomes_the_scenario_deadline(
    inner: pytest.Pytester, run_pytest: RunPytest, write: Write, how: tuple[str, str]
) -> None:
    write("scenarios/hang.yaml", HANGING)

    result = run_pytest("--timeout", "2", *how, "-p", "no:randomly")

    # An orderly failure of the scenario, the next one unharmed, the server stopped.
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*the scenario timed out after*",
            "(the deadline was pytest-timeout's: *s left for this test, less than the "
            "scenario's own timeout of 60s)",
        ]
    )
    assert "Attempted to call run() from inside a run()" not in result.stdout.str()
    assert "Timeout" not in result.stdout.str().replace("timed out", "")
    assert not _alive(inner.path / "scenarios" / "server.pid")


def test_sockscen_run_pauses_the_timer_of_a_python_test(
    inner: pytest.Pytester, run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/hang.yaml", HANGING)
    write(
        "test_calls.py",
        """
        def test_hanging_run_is_a_result(sockscen_run):
            result = sockscen_run("scenarios/hang.yaml", keyword="waits")
            assert not result.ok
            (hung,) = result.scenarios
            why = " ".join(f.message for f in hung.failures) + (hung.error or "")
            assert "timed out" in why, why

        def test_a_later_run_still_works(sockscen_run):
            assert sockscen_run("scenarios/hang.yaml", keyword="after").ok
        """,
    )

    result = run_pytest("--timeout", "5", "test_calls.py")

    result.assert_outcomes(passed=2)


@pytest.mark.parametrize("tag", ["timeout", "skipif", "parametrize", "usefixtures"])
def test_a_tag_naming_a_marker_with_arguments_is_refused_where_it_is(
    run_pytest: RunPytest, write: Write, tag: str
) -> None:
    write("scenarios/tagged.yaml", GREETING.replace("tags: [tcp, smoke]", f"tags: [tcp, {tag}]"))

    result = run_pytest("--timeout", "30")

    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            f"scenarios/tagged.yaml:2:13: error: tag '{tag}' is the name of a pytest marker "
            "that takes arguments*(rename the tag, e.g. *)",
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str()


def test_skip_and_xfail_tags_keep_their_bare_meaning(run_pytest: RunPytest, write: Write) -> None:
    write("scenarios/broken.yaml", WRONG_GREETING.replace("tags: [tcp]", "tags: [tcp, xfail]"))
    write("scenarios/later.yaml", GREETING.replace("tags: [tcp, smoke]", "tags: [skip]"))

    result = run_pytest("-p", "no:randomly")

    result.assert_outcomes(xfailed=1, skipped=1)


def test_ordinary_tags_stay_markers(run_pytest: RunPytest, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)

    result = run_pytest("--strict-markers", "-m", "smoke")

    result.assert_outcomes(passed=1)


# --------------------------------------------------------------------------- reports


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["one process", "xdist"])
def test_tb_line_prints_one_located_line_per_failure(
    run_pytest: RunPytest, write: Write, workers: tuple[str, ...]
) -> None:
    write("scenarios/wrong.yaml", WRONG_GREETING)

    result = run_pytest("--tb=line", *workers)

    result.assert_outcomes(failed=1)
    # xdist names the worker that ran the test first.
    lines = [line for line in result.stdout.lines if not line.startswith("[gw")]
    start = lines.index(next(line for line in lines if "FAILURES" in line))
    end = lines.index(next(line for line in lines if "short test summary" in line))
    assert lines[start + 1 : end] == [
        'scenarios/wrong.yaml:13: client visitor, step 1 expect "Welcome, visitor": '
        "different bytes at offset 0"
    ]


def test_passing_transcripts_reach_rP_and_junit_system_out(
    inner: pytest.Pytester, run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/greeting.yaml", GREETING)

    result = run_pytest("-rP", "--junitxml=junit.xml", "-o", "junit_logging=system-out")

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*PASSES*",
            "*Captured stdout sockscen transcript setup*",
            '*visitor*<- 24 bytes  "Thank you for connecting"',
        ]
    )
    case = ET.parse(inner.path / "junit.xml").getroot().find(".//testcase")
    assert case is not None
    out = case.find("system-out")
    assert out is not None
    assert '"Thank you for connecting"' in (out.text or "")


def test_pytest_html_shows_the_transcript(
    inner: pytest.Pytester, run_pytest: RunPytest, write: Write
) -> None:
    pytest.importorskip("pytest_html")
    write("scenarios/greeting.yaml", GREETING)

    result = run_pytest("--html=report.html", "--self-contained-html")

    result.assert_outcomes(passed=1)
    html = (inner.path / "report.html").read_text(encoding="utf-8")
    assert "sockscen transcript" in html
    assert "Thank you for connecting" in html


def test_cli_and_plugin_write_the_same_junit_classname(
    inner: pytest.Pytester, run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/wrong.yaml", WRONG_GREETING)

    run_pytest("--junitxml=plugin.xml", "--sockscen-junit-xml=own.xml")
    cli = inner.run("python3", "-m", "sockscen", "run", "-q", "--junit-xml", "cli.xml", "scenarios")

    assert cli.ret == 1
    names = set()
    for report in ("plugin.xml", "own.xml", "cli.xml"):
        case = ET.parse(inner.path / report).getroot().find(".//testcase")
        assert case is not None
        names.add((case.get("classname"), case.get("name")))
    assert names == {("scenarios.wrong", "greeting is not what the client expects")}


def test_the_plugin_report_has_the_strict_switch_too(
    inner: pytest.Pytester, run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/greeting.yaml", GREETING)

    result = run_pytest("--sockscen-junit-xml=strict.xml", "--sockscen-junit-strict")

    result.assert_outcomes(passed=1)
    case = ET.parse(inner.path / "strict.xml").getroot().find(".//testcase")
    assert case is not None
    assert set(case.attrib) == {"classname", "name", "time"}


# --------------------------------------------------------------------------- collection


def test_a_named_folder_with_uncollected_scenarios_gets_one_hint(
    run_pytest: RunPytest, write: Write
) -> None:
    write("checks/greeting.yaml", GREETING)
    write("checks/deep/wrong.yml", WRONG_GREETING)
    write("checks/docker-compose.yml", "services:\n  web:\n    image: nginx\n")

    result = run_pytest("checks")

    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    hints = [line for line in result.stdout.lines if line.startswith("sockscen:")]
    assert hints == [
        "sockscen: 2 YAML files that look like scenarios (e.g. checks/deep/wrong.yml) not "
        "collected: only *.yaml below a 'scenarios' folder and *.scn.yaml are; name them, "
        "rename them *.scn.yaml, or set the ini option sockscen_files (e.g. **/*.yaml)"
    ]


def test_no_hint_when_everything_was_collected(run_pytest: RunPytest, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("docker-compose.yml", "services:\n  web:\n    image: nginx\n")

    result = run_pytest(".")

    result.assert_outcomes(passed=1)
    assert not [line for line in result.stdout.lines if line.startswith("sockscen:")]


def test_a_name_with_the_id_separator_is_refused(run_pytest: RunPytest, write: Write) -> None:
    write("scenarios/sep.yaml", GREETING.replace("name: greeting server", "name: tcp::greeting"))

    result = run_pytest()

    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "scenarios/sep.yaml:1:7: error: the scenario name "
            "'tcp::greeting thanks every client' contains '::'*"
        ]
    )


def test_sockscen_run_takes_the_session_seed_and_its_own(
    run_pytest: RunPytest, write: Write
) -> None:
    """--sockscen-seed reached sockscen_run as a keyword it refused (a TypeError)."""
    write("scenarios/greeting.yaml", GREETING)
    write(
        "test_seeded.py",
        """
        def test_the_session_seed(sockscen_run):
            assert sockscen_run("scenarios/greeting.yaml").options["seed"] == 77

        def test_its_own_seed_wins(sockscen_run):
            assert sockscen_run("scenarios/greeting.yaml", seed=5).options["seed"] == 5
        """,
    )

    result = run_pytest("--sockscen-seed", "77", "test_seeded.py")

    result.assert_outcomes(passed=2)
