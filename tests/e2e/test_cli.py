"""``sockscen`` end to end: ``python -m sockscen`` in a subprocess, exit codes and report text."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.scenario_texts import GREETING, INVALID, UNBINDABLE, WRONG_GREETING, echo

from .cli_support import RUN_LIMIT, SILENT, SLOW, cli_env, sockscen

Write = Callable[[str, str], Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    def write_file(relative: str, text: str) -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write_file


def assert_problem_at(stderr: str, location: str, word: str) -> None:
    """A problem line at *location* mentions *word* (the wording is the loader's business)."""
    lines = [line for line in stderr.splitlines() if line.startswith(f"{location}: error: ")]
    assert lines, stderr
    assert any(word in line for line in lines), lines


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr


# --------------------------------------------------------------------------- run


def test_passing_run_exits_0_with_a_line_per_scenario(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("scenarios/echo.yaml", echo("echo returns each line"))

    result = sockscen("run", cwd=tmp_path)  # default path: scenarios/

    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  greeting server thanks every client  scenarios/greeting.yaml:1" in result.stdout
    assert "PASS  echo returns each line  scenarios/echo.yaml:1" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("2 passed, 0 failed in ")
    assert result.stderr == ""


def test_failing_scenario_exits_1_with_the_located_diagnosis(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("scenarios/wrong.yaml", WRONG_GREETING)

    result = sockscen("run", "scenarios", cwd=tmp_path)

    assert result.returncode == 1
    out = result.stdout
    assert "FAIL  greeting is not what the client expects  scenarios/wrong.yaml:1" in out
    assert "FAILED scenarios/wrong.yaml::greeting is not what the client expects" in out
    assert 'client visitor, step 1 (scenarios/wrong.yaml:13): expect "Welcome, visitor"' in out
    assert '"Thank you for co' in out  # what arrived
    assert "54 68 61 6e 6b" in out  # ... also in hex
    assert "transcript (visitor):" in out
    assert out.rstrip().splitlines()[-1].startswith("1 passed, 1 failed in ")
    no_traceback(result)


def test_setup_error_exits_1_and_is_reported_as_error(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("scenarios/unbindable.yaml", UNBINDABLE)

    result = sockscen("run", cwd=tmp_path)

    assert result.returncode == 1
    assert "ERROR scenarios/unbindable.yaml::server cannot listen" in result.stdout
    assert "/nonexistent-sockscen-dir/ghost.sock" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("1 passed, 0 failed, 1 error")
    no_traceback(result)


def test_invalid_file_exits_2_listing_every_problem_and_runs_nothing(
    tmp_path: Path, write: Write
) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("scenarios/broken.yaml", INVALID)
    write(
        "scenarios/also_broken.yaml",
        "name: x\nclients:\n  a:\n    connect: tcp://127.0.0.1:1\n    steps: [sned]\n",
    )

    result = sockscen("run", cwd=tmp_path)

    assert result.returncode == 2
    err = result.stderr
    assert_problem_at(err, "scenarios/broken.yaml:4:5", "lisen")
    assert "scenarios/broken.yaml:9:14: error:" in err
    assert "scenarios/also_broken.yaml:5:" in err
    last = err.rstrip().splitlines()[-1]
    assert last.startswith("sockscen: ")
    assert last.endswith(" problems in 2 files; nothing was run")
    assert "PASS" not in result.stdout  # the valid file did not run either
    no_traceback(result)


def test_missing_path_exits_2(tmp_path: Path) -> None:
    result = sockscen("run", "no/such/dir", "gone.yaml", cwd=tmp_path)

    assert result.returncode == 2
    assert "no/such/dir: no such file or directory" in result.stderr
    assert "gone.yaml: no such file or directory" in result.stderr
    assert "nothing was run" in result.stderr
    no_traceback(result)


def test_no_scenario_selected_exits_5_and_says_why(tmp_path: Path, write: Write) -> None:
    # No scenarios/ folder at all.
    result = sockscen("run", cwd=tmp_path)
    assert result.returncode == 5
    assert "sockscen: no scenario selected: there is no scenarios/ directory" in result.stderr

    # A folder without scenario files.
    write("empty/README.md", "nothing here\n")
    result = sockscen("run", "empty", cwd=tmp_path)
    assert result.returncode == 5
    assert "no scenario files (*.yaml, *.yml) found in 'empty'" in result.stderr

    # -k and --tag matching nothing.
    write("scenarios/greeting.yaml", GREETING)
    result = sockscen("run", "-k", "nothing-like-this", cwd=tmp_path)
    assert result.returncode == 5
    assert "-k 'nothing-like-this' matched none of the 1 scenario" in result.stderr
    result = sockscen("run", "--tag", "udp", cwd=tmp_path)
    assert result.returncode == 5
    assert "--tag udp matched none of the 1 scenario" in result.stderr


def test_keyword_and_tag_selection(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)  # tags tcp, smoke
    write("scenarios/echo.yaml", echo("echo over tcp") + "---\n" + echo("echo twice", tag="slow"))
    write("scenarios/wrong.yaml", WRONG_GREETING)  # tag tcp; would fail if selected

    def ran(*args: str) -> list[str]:
        result = sockscen("run", *args, cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        return sorted(
            line.split("  ")[1] for line in result.stdout.splitlines() if line.startswith("PASS")
        )

    assert ran("-k", "echo") == ["echo over tcp", "echo twice"]
    assert ran("-k", "ECHO and not 'over tcp'") == ["echo twice"]
    assert ran("-k", "greeting.yaml or twice") == [
        "echo twice",
        "greeting server thanks every client",
    ]
    assert ran("--tag", "smoke") == ["greeting server thanks every client"]
    assert ran("--tag", "smoke", "--tag", "slow") == [
        "echo twice",
        "greeting server thanks every client",
    ]
    assert ran("--tag", "tcp", "-k", "echo") == ["echo over tcp"]


def test_bad_keyword_expression_exits_2(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)

    result = sockscen("run", "-k", "echo and (udp", cwd=tmp_path)

    assert result.returncode == 2
    assert "wrong -k expression 'echo and (udp': at column 14: expected ')'" in result.stderr
    no_traceback(result)


def test_exitfirst_skips_the_rest_after_a_failure(tmp_path: Path, write: Write) -> None:
    # Every scenario fails, so whichever runs first stops the others.
    for name in ("a", "b", "c"):
        write(f"scenarios/{name}.yaml", WRONG_GREETING)

    result = sockscen("run", "-x", "-j", "1", cwd=tmp_path)

    assert result.returncode == 1
    last = result.stdout.rstrip().splitlines()[-1]
    assert last.startswith("0 passed, 1 failed, 2 skipped in ")

    # Without -x all of them run.
    result = sockscen("run", "-j", "1", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.rstrip().splitlines()[-1].startswith("0 passed, 3 failed in ")


def test_timeout_overrides_the_default_step_timeout(tmp_path: Path, write: Write) -> None:
    write("scenarios/silent.yaml", SILENT)

    result = sockscen("run", "--timeout", "200ms", cwd=tmp_path)

    assert result.returncode == 1
    out = result.stdout
    assert 'client asker, step 2 (scenarios/silent.yaml:13): expect "yes"' in out
    assert "after 0.2" in out  # waited the given 200ms, not the default 5s


def test_bad_option_values_exit_2(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)
    for args, message in [
        (["--timeout", "soon"], "argument --timeout: 'soon' is not a duration"),
        (["--max-buffer", "lots"], "argument --max-buffer: 'lots' is not a size"),
        (["-j", "x"], "argument -j/--jobs: 'x' is not a whole number"),
        (["--colour", "yes"], "unrecognized arguments"),
    ]:
        result = sockscen("run", *args, cwd=tmp_path)
        assert result.returncode == 2, args
        assert message in result.stderr
        assert "PASS" not in result.stdout


def test_max_buffer_bounds_unread_data(tmp_path: Path, write: Write) -> None:
    write(
        "scenarios/flood.yaml",
        textwrap.dedent(
            """\
            name: the server floods without a delimiter
            servers:
              flood:
                listen: tcp://127.0.0.1:0
                handle:
                  - send: {hex: "%s"}
                  - expect_eof: {timeout: 30s}
            clients:
              reader:
                connect: ${flood.url}
                steps:
                  - expect: {until: "END"}
            """
            % ("61" * 4096)
        ),
    )

    limited = sockscen("run", "--max-buffer", "1KiB", cwd=tmp_path)
    assert limited.returncode == 1
    assert "client reader, step 1 (scenarios/flood.yaml:12)" in limited.stdout
    assert "(the limit is 1024 bytes; see --max-buffer)" in limited.stdout

    # With the default limit (16 MiB) the same data just waits for its delimiter.
    unlimited = sockscen("run", "--timeout", "300ms", cwd=tmp_path)
    assert unlimited.returncode == 1
    assert "client reader, step 1 (scenarios/flood.yaml:12)" in unlimited.stdout
    assert "the limit is" not in unlimited.stdout


def test_internal_error_exits_3_and_says_it_is_a_bug(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)
    # Simulate a bug in the engine: the CLI must not print a bare traceback.
    program = (
        "import sys, sockscen.engine, sockscen.cli\n"
        "def broken(*args, **kwargs):\n"
        "    raise ZeroDivisionError('simulated bug')\n"
        "sockscen.engine.run = broken\n"
        "sys.exit(sockscen.cli.main(sys.argv[1:]))\n"
    )

    def run(*args: str, debug: bool = False) -> subprocess.CompletedProcess[str]:
        env = cli_env({"SOCKSCEN_DEBUG": "1"} if debug else {})
        return subprocess.run(
            [sys.executable, "-c", program, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_LIMIT,
            check=False,
        )

    quiet = run("run")
    assert quiet.returncode == 3
    assert (
        "sockscen: internal error (this is a bug in sockscen, please report it): "
        "ZeroDivisionError: simulated bug"
    ) in quiet.stderr
    assert "Traceback" not in quiet.stderr

    for verbose in (run("run", "-v"), run("run", debug=True)):
        assert verbose.returncode == 3
        assert "Traceback" in verbose.stderr
        assert "simulated bug" in verbose.stderr


# --------------------------------------------------------------------------- interruption


def _interrupt(tmp_path: Path, signum: int) -> tuple[int, str]:
    """Start a run whose second scenario hangs, signal it once the first passed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "run", "-j", "2"],
        cwd=tmp_path,
        env=cli_env({"PYTHONUNBUFFERED": "1"}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    passed = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("PASS"):
                passed.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert passed.wait(RUN_LIMIT), "".join(lines)
        proc.send_signal(signum)
        code = proc.wait(RUN_LIMIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(RUN_LIMIT)
    return code, "".join(lines)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_run_after_a_partial_report(
    tmp_path: Path, write: Write, signum: int, code: int
) -> None:
    write("scenarios/a_greeting.yaml", GREETING)
    write("scenarios/b_slow.yaml", SLOW)

    returncode, output = _interrupt(tmp_path, signum)

    assert returncode == code, output
    last = output.rstrip().splitlines()[-1]
    assert last.startswith("1 passed, 0 failed, 1 skipped in ")
    assert last.endswith("(interrupted)")
    assert "Traceback" not in output


# --------------------------------------------------------------------------- report files


def test_junit_and_json_reports_are_written_creating_folders(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("scenarios/wrong.yaml", WRONG_GREETING)

    result = sockscen(
        "run",
        "-k",
        "greeting",
        "--junit-xml",
        "reports/xml/junit.xml",
        "--json",
        "reports/run.json",
        cwd=tmp_path,
    )

    assert result.returncode == 1
    root = ET.parse(tmp_path / "reports" / "xml" / "junit.xml").getroot()
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert {
        "greeting server thanks every client",
        "greeting is not what the client expects",
    } == set(cases)
    failure = cases["greeting is not what the client expects"].find("failure")
    assert failure is not None
    assert "scenarios/wrong.yaml:13" in (failure.text or "")

    report = json.loads((tmp_path / "reports" / "run.json").read_text(encoding="utf-8"))
    outcomes = {s["name"]: s["outcome"] for s in report["scenarios"]}
    assert outcomes == {
        "greeting server thanks every client": "passed",
        "greeting is not what the client expects": "failed",
    }
    assert report["options"]["keyword"] == "greeting"
    assert report["options"]["paths"] == ["scenarios"]


def test_an_unwritable_report_path_exits_2_before_running(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("blocker", "a file where a folder is needed\n")

    result = sockscen("run", "--junit-xml", "blocker/junit.xml", cwd=tmp_path)

    assert result.returncode == 2
    assert "sockscen: error: --junit-xml blocker/junit.xml: cannot create its folder" in (
        result.stderr
    )
    assert "PASS" not in result.stdout

    (tmp_path / "adir").mkdir()
    result = sockscen("run", "--json", "adir", cwd=tmp_path)
    assert result.returncode == 2
    assert "--json adir: is a directory" in result.stderr


def test_transcripts_on_demand(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)

    plain = sockscen("run", cwd=tmp_path)
    assert "Thank you for connecting" not in plain.stdout  # passing: no transcript

    for args in (["--transcript"], ["-vv"]):
        result = sockscen("run", *args, cwd=tmp_path)
        assert result.returncode == 0
        assert '24 bytes  "Thank you for connecting"' in result.stdout, args

    result = sockscen("run", "--transcript-dir", "out/transcripts", cwd=tmp_path)
    assert result.returncode == 0
    files = list((tmp_path / "out" / "transcripts").iterdir())
    assert len(files) == 1
    assert "Thank you for connecting" in files[0].read_text(encoding="utf-8")


def test_github_annotations(tmp_path: Path, write: Write) -> None:
    write("scenarios/wrong.yaml", WRONG_GREETING)

    explicit = sockscen("run", "--format", "github", cwd=tmp_path)
    auto = sockscen("run", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    opted_out = sockscen("run", "--format", "console", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    plain = sockscen("run", cwd=tmp_path)

    for result in (explicit, auto):
        assert result.returncode == 1
        annotations = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
        assert len(annotations) == 1
        assert annotations[0].startswith("::error file=scenarios/wrong.yaml,line=13,title=")
        # Annotations come after the console report.
        assert result.stdout.index("1 failed") < result.stdout.index("::error ")
    for result in (opted_out, plain):
        assert "::error" not in result.stdout


def test_colour_follows_no_color_force_color_and_the_option(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)
    escape = "\x1b["

    assert escape not in sockscen("run", cwd=tmp_path).stdout  # not a terminal
    assert escape in sockscen("run", cwd=tmp_path, env={"NO_COLOR": "", "FORCE_COLOR": "1"}).stdout
    assert escape not in sockscen("run", cwd=tmp_path, env={"FORCE_COLOR": "1"}).stdout  # NO_COLOR
    assert escape in sockscen("run", "--color", "yes", cwd=tmp_path).stdout
    no = sockscen("run", "--color", "no", cwd=tmp_path, env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert escape not in no.stdout


def test_quiet_prints_only_failures_and_the_summary(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("scenarios/wrong.yaml", WRONG_GREETING)

    result = sockscen("run", "-q", cwd=tmp_path)

    assert result.returncode == 1
    assert "PASS" not in result.stdout
    assert "greeting is not what the client expects" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("1 passed, 1 failed in ")


# --------------------------------------------------------------------------- other commands


def test_validate_exits_0_with_counts_or_2_with_problems(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("scenarios/echo.yaml", echo("one") + "---\n" + echo("two"))

    result = sockscen("validate", "scenarios", cwd=tmp_path)
    assert result.returncode == 0
    assert "2 files, 3 scenarios valid" in result.stdout

    write("scenarios/broken.yaml", INVALID)
    result = sockscen("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert_problem_at(result.stderr, "scenarios/broken.yaml:4:5", "lisen")
    last = result.stderr.rstrip().splitlines()[-1]
    assert last.startswith("sockscen: ")
    assert last.endswith("problems in 1 file")
    assert "nothing was run" not in result.stderr
    no_traceback(result)

    result = sockscen("validate", "missing.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "missing.yaml: no such file or directory" in result.stderr


def test_list_shows_location_and_tags_and_honours_selection(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("scenarios/echo.yaml", echo("one") + "---\n" + echo("two", tag="slow"))
    second_line = echo("one").count("\n") + 2

    result = sockscen("list", cwd=tmp_path)
    assert result.returncode == 0
    assert [
        "scenarios/echo.yaml:1: one  [tcp]",
        f"scenarios/echo.yaml:{second_line}: two  [slow]",
        "scenarios/greeting.yaml:1: greeting server thanks every client  [tcp, smoke]",
        "",
        "3 scenarios in 2 files",
    ] == result.stdout.splitlines()

    result = sockscen("list", "-q", "--tag", "tcp", cwd=tmp_path)
    assert result.stdout.splitlines() == [
        "scenarios/echo.yaml::one",
        "scenarios/greeting.yaml::greeting server thanks every client",
    ]

    result = sockscen("list", "-k", "two", cwd=tmp_path)
    assert result.stdout.splitlines()[0] == f"scenarios/echo.yaml:{second_line}: two  [slow]"

    result = sockscen("list", "-k", "three", cwd=tmp_path)
    assert result.returncode == 5


def test_schema_prints_the_json_schema(tmp_path: Path) -> None:
    result = sockscen("schema", cwd=tmp_path)

    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "servers" in schema["properties"]
    assert "clients" in schema["properties"]


@pytest.mark.parametrize("command", [[], ["run"], ["validate"], ["list"], ["schema"]])
def test_help_of_every_command_has_examples_and_exit_codes(
    tmp_path: Path, command: list[str]
) -> None:
    result = sockscen(*command, "--help", cwd=tmp_path)

    assert result.returncode == 0
    assert result.stdout.startswith("usage: sockscen")
    assert "examples:\n  sockscen " in result.stdout
    assert "exit codes:\n  0 " in result.stdout


def test_version(tmp_path: Path) -> None:
    result = sockscen("--version", cwd=tmp_path)

    assert result.returncode == 0
    assert result.stdout.startswith("sockscen ")


def test_no_command_is_a_usage_error(tmp_path: Path) -> None:
    result = sockscen(cwd=tmp_path)

    assert result.returncode == 2
    assert "the following arguments are required: COMMAND" in result.stderr


def test_list_into_a_closed_pipe_stops_quietly(tmp_path: Path, write: Write) -> None:
    for index in range(50):
        write(f"scenarios/s{index:02}.yaml", echo(f"scenario {index}"))
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: the first write fails with EPIPE
    with os.fdopen(write_end, "w") as out:
        result = subprocess.run(
            [sys.executable, "-m", "sockscen", "list"],
            cwd=tmp_path,
            env=cli_env(),
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            timeout=RUN_LIMIT,
            check=False,
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_a_ctrl_c_while_the_command_line_is_still_importing_exits_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The console script used to print a KeyboardInterrupt traceback from the import."""
    import types

    from sockscen import launch

    class Interrupted(types.ModuleType):
        def __getattr__(self, name: str) -> object:
            raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "sockscen.cli", Interrupted("sockscen.cli"))
    with pytest.raises(SystemExit) as exited:
        launch.main()
    assert exited.value.code == 130
    assert capsys.readouterr().err == ""
