"""The console reporter: scenario lines, progress, colour, verbosity and the summary line."""

from __future__ import annotations

import io
import time

import pytest

from sockscen.reporting.console import CLEAR_LINE, ConsoleReporter, summary_line
from sockscen.reporting.failure import format_failure
from sockscen.results import RunResult

from . import reporting_samples as samples


class FakeTTY(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def report(run: RunResult, stream: io.StringIO | None = None, **options: object) -> str:
    stream = io.StringIO() if stream is None else stream
    options.setdefault("env", {})
    reporter = ConsoleReporter(stream, **options)  # type: ignore[arg-type]
    reporter.run_started(len(run.scenarios))
    for result in run.scenarios:
        reporter.scenario_finished(result)
    reporter.run_finished(run)
    return stream.getvalue()


def test_normal_run_golden() -> None:
    run = samples.run_of(samples.passing(), samples.wrong_bytes(), samples.skipped(), duration=0.5)
    assert report(run) == (
        "PASS  echo says hello  scenarios/echo.yaml:1  0.004s\n"
        "FAIL  echo returns each line  scenarios/echo.yaml:12  0.015s\n"
        "SKIP  never ran  scenarios/echo.yaml:40  0.000s\n"
        "\n"
        "FAILED scenarios/echo.yaml::echo returns each line\n"
        '  client alice, step 2 (scenarios/echo.yaml:17): expect "hello\\n"\n'
        "  different bytes at offset 1\n"
        '  received 6 bytes after 0.012s: "hallo\\n"   68 61 6c 6c 6f 0a\n'
        "  transcript (alice):\n"
        '    +0.000s  -> 6 bytes  "hello\\n"\n'
        '    +0.012s  <- 6 bytes  "hallo\\n"\n'
        "\n"
        "1 passed, 1 failed, 1 skipped in 0.50s\n"
    )


def test_every_failure_is_explained_after_the_scenario_lines() -> None:
    run = samples.full_run()
    out = report(run)
    for result in run.scenarios:
        if result.outcome.value in ("failed", "error"):
            assert format_failure(result) + "\n" in out
    assert out.endswith("\n1 passed, 8 failed, 1 error, 1 skipped in 1.23s\n")


def test_quiet_prints_only_failing_lines_diagnoses_and_summary() -> None:
    run = samples.run_of(samples.passing(), samples.setup_error(), samples.skipped(), duration=2)
    out = report(run, verbosity=-1)
    assert out.startswith(
        "ERROR slow app  scenarios/app.yaml:30  5.100s\n\nERROR scenarios/app.yaml"
    )
    assert "PASS" not in out
    assert "SKIP" not in out
    assert out.endswith("\n1 passed, 0 failed, 1 error, 1 skipped in 2.00s\n")


def test_verbose_adds_the_reason_and_very_verbose_every_step() -> None:
    run = samples.run_of(samples.passing(), samples.wrong_bytes())
    out = report(run, verbosity=1)
    assert (
        "FAIL  echo returns each line  scenarios/echo.yaml:12  0.015s\n"
        "      client alice, step 2: different bytes at offset 1\n"
    ) in out
    out = report(run, verbosity=2)
    assert (
        "PASS  echo says hello  scenarios/echo.yaml:1  0.004s\n"
        "      alice step 1 send (scenarios/echo.yaml:16) passed 0.000s\n"
        "      alice step 2 expect (scenarios/echo.yaml:17) passed 0.001s\n"
    ) in out


@pytest.mark.parametrize(
    ("run", "line"),
    [
        (samples.run_of(samples.passing(), duration=0.1234), "1 passed, 0 failed in 0.12s"),
        (
            samples.run_of(samples.wrong_bytes(), samples.setup_error(), duration=3),
            "0 passed, 1 failed, 1 error in 3.00s",
        ),
        (
            samples.run_of(samples.passing(), samples.skipped(), duration=1, interrupted=True),
            "1 passed, 0 failed, 1 skipped in 1.00s (interrupted)",
        ),
        (samples.run_of(duration=0), "0 passed, 0 failed in 0.00s"),
    ],
)
def test_summary_line(run: RunResult, line: str) -> None:
    assert summary_line(run) == line
    assert report(run).splitlines()[-1] == line


def test_no_progress_and_no_escapes_on_a_plain_stream() -> None:
    out = report(samples.full_run())
    assert "\x1b" not in out
    assert "\r" not in out


def test_live_progress_line_on_a_terminal() -> None:
    """On a TTY a status line is drawn, erased before each scenario line, and erased at the end."""
    now = [100.0]
    run = samples.run_of(samples.passing(), samples.wrong_bytes())
    stream = FakeTTY()
    reporter = ConsoleReporter(stream, color=False, env={}, clock=lambda: now[0])
    reporter.run_started(2)
    assert stream.getvalue() == "[0/2] 0 passed, 0 failed  0.0s"
    now[0] = 101.5
    reporter.scenario_finished(run.scenarios[0])
    now[0] = 102.0
    reporter.scenario_finished(run.scenarios[1])
    reporter.run_finished(run)
    out = stream.getvalue()
    assert out.startswith(
        "[0/2] 0 passed, 0 failed  0.0s"
        + CLEAR_LINE
        + "PASS  echo says hello  scenarios/echo.yaml:1  0.004s\n"
        + "[1/2] 1 passed, 0 failed  1.5s"
        + CLEAR_LINE
        + "FAIL  echo returns each line  scenarios/echo.yaml:12  0.015s\n"
        + "[2/2] 1 passed, 1 failed  2.0s"
        + CLEAR_LINE
        + "\nFAILED scenarios/echo.yaml::echo returns each line\n"
    )
    assert out.count(CLEAR_LINE) == 3
    assert out.endswith("\n1 passed, 1 failed in 1.23s\n")


def test_quiet_draws_no_progress_even_on_a_terminal() -> None:
    out = report(samples.run_of(samples.passing()), FakeTTY(), verbosity=-1, color=False)
    assert out == "\n1 passed, 0 failed in 1.23s\n"


def test_progress_can_be_switched_off_on_a_terminal() -> None:
    out = report(samples.run_of(samples.passing()), FakeTTY(), progress=False, color=False)
    assert "\r" not in out
    assert "[" not in out


def test_forced_progress_on_a_plain_stream_numbers_the_lines() -> None:
    run = samples.run_of(*[samples.passing()] * 10)
    out = report(run, progress=True)
    assert out.startswith("[ 1/10] PASS  echo says hello")
    assert "[10/10] PASS  echo says hello" in out
    assert "\r" not in out


def test_colour_is_automatic_on_a_terminal_and_never_on_a_plain_stream() -> None:
    assert "\x1b[32mPASS \x1b[0m" in report(samples.run_of(samples.passing()), FakeTTY())
    assert "\x1b[" not in report(samples.run_of(samples.passing()), io.StringIO())


def test_no_color_is_respected_on_a_terminal() -> None:
    out = report(samples.run_of(samples.wrong_bytes()), FakeTTY(), env={"NO_COLOR": "1"})
    assert "\x1b[3" not in out  # no colour codes; only the status line's erase sequence
    assert "\x1b[31m" not in out


def test_force_color_is_respected_on_a_plain_stream() -> None:
    out = report(samples.run_of(samples.wrong_bytes()), env={"FORCE_COLOR": "1"})
    assert "\x1b[31mFAIL \x1b[0m echo returns each line" in out
    assert "\x1b[31mFAILED scenarios/echo.yaml::echo returns each line\x1b[0m" in out
    assert out.endswith("\x1b[31m0 passed, 1 failed in 1.23s\x1b[0m\n")


def test_no_color_wins_over_force_color_and_explicit_choice_wins_over_both() -> None:
    env = {"NO_COLOR": "1", "FORCE_COLOR": "1"}
    assert "\x1b[" not in report(samples.run_of(samples.passing()), env=env)
    assert "\x1b[32m" in report(samples.run_of(samples.passing()), env=env, color=True)


def test_environment_is_read_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    stream = FakeTTY()
    assert ConsoleReporter(stream).color is False
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ConsoleReporter(io.StringIO()).color is True


def test_transcripts_option_prints_every_scenario_transcript() -> None:
    run = samples.run_of(samples.passing(), samples.skipped())
    out = report(run, transcripts=True)
    assert (
        "\ntranscript scenarios/echo.yaml::echo says hello\n"
        "  +0.000s  alice  -- connected: 127.0.0.1:41234\n"
        '  +0.001s  alice  -> 6 bytes  "hello\\n"\n'
        '  +0.002s  alice  <- 6 bytes  "hello\\n"\n'
        "\ntranscript scenarios/echo.yaml::never ran\n"
        "  (no traffic)\n"
    ) in out
    assert "transcript scenarios" not in report(run)


def test_show_output_prints_output_of_passing_processes() -> None:
    passing = samples.process_client_mismatch()
    passing.outcome = samples.Outcome.PASSED
    passing.failures = []
    run = samples.run_of(passing)
    assert "| (error) ERR unknown command" not in report(run)
    out = report(run, show_output=True)
    assert (
        "\noutput scenarios/cli.yaml::redis-cli pings\n"
        "  process real_cli (redis-cli -p 41235 PING), pid 4300: exited with status 0\n"
        "    stdout:\n"
        "      | (error) ERR unknown command\n"
    ) in out


def test_a_thousand_results_are_cheap() -> None:
    """The reporter sits in the runner's loop: 1000 results must take well under a second."""
    results = [samples.wrong_bytes() if i % 10 == 0 else samples.passing() for i in range(1000)]
    reporter = ConsoleReporter(FakeTTY(), env={})
    reporter.run_started(len(results))
    start = time.perf_counter()
    for result in results:
        reporter.scenario_finished(result)
    assert time.perf_counter() - start < 0.5


def test_a_terminal_that_is_not_utf8_gets_escapes_instead_of_a_crash() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    result = samples.passing()
    result.name = "café ✓"
    reporter = ConsoleReporter(stream, env={})
    reporter.scenario_finished(result)
    assert raw.getvalue().startswith(b"PASS  caf\\xe9 \\u2713  scenarios/echo.yaml:1")


def test_an_interrupted_run_names_the_scenarios_it_cut_off() -> None:
    """After Ctrl-C the console says which scenarios did not finish, not only how many."""
    cut = samples.skipped()
    cut.error = "interrupted"
    out = report(samples.run_of(samples.passing(), cut, interrupted=True))
    assert (
        f"interrupted: not finished or not started:\n  {cut.path}::{cut.name}  (interrupted)\n"
        in out
    )
    assert out.endswith("(interrupted)\n")


def test_verbose_shows_the_os_error_behind_a_setup_error() -> None:
    error = samples.setup_error()
    error.error_cause = "OSError: [Errno 98] Address already in use"
    run = samples.run_of(error)
    assert "cause: OSError: [Errno 98] Address already in use" not in report(run)
    out = report(run, verbosity=1)
    assert "\n      cause: OSError: [Errno 98] Address already in use\n" in out


# --------------------------------------------------------------------------- terminals and time


@pytest.mark.parametrize(
    ("env", "tty", "expected"),
    [
        ({"PY_COLORS": "1"}, False, True),
        ({"PY_COLORS": "0", "FORCE_COLOR": "1"}, True, False),
        ({"PY_COLORS": "1", "NO_COLOR": "1"}, False, True),
        ({"TERM": "dumb"}, True, False),
        ({"TERM": "dumb", "FORCE_COLOR": "1"}, True, True),
        ({"TERM": "xterm-256color"}, True, True),
    ],
)
def test_colour_honours_py_colors_and_term_dumb(
    env: dict[str, str], tty: bool, expected: bool
) -> None:
    from sockscen.reporting.console import color_wanted

    stream = FakeTTY() if tty else io.StringIO()
    assert color_wanted(stream, env) is expected


def test_a_dumb_terminal_gets_no_live_line() -> None:
    out = report(samples.run_of(samples.passing()), FakeTTY(), env={"TERM": "dumb"})
    assert "\r" not in out
    assert "\x1b" not in out


def test_ticks_keep_the_clock_moving_and_name_long_running_scenarios(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    now = [10.0]
    stream = FakeTTY()
    reporter = ConsoleReporter(stream, color=False, env={}, clock=lambda: now[0])
    reporter.run_started(5)
    reporter.scenario_started("a.yaml::slow one", "slow one")
    now[0] = 11.0
    reporter.scenario_started("a.yaml::slower one", "slower one")
    reporter.scenario_started("a.yaml::quick", "quick")
    now[0] = 12.0
    reporter.tick()
    # Young scenarios are not named; the clock moved without any scenario finishing.
    assert stream.getvalue().endswith(CLEAR_LINE + "[0/5] 0 passed, 0 failed  2.0s")
    now[0] = 15.0
    reporter.tick()
    assert stream.getvalue().endswith(
        CLEAR_LINE
        + "[0/5] 0 passed, 0 failed  5.0s  running: slow one (5s), slower one (4s), quick (4s)"
    )
    reporter.scenario_finished(samples.dataclasses_replace(samples.passing(), id="a.yaml::quick"))
    now[0] = 16.0
    reporter.tick()
    assert stream.getvalue().endswith(
        "[1/5] 1 passed, 0 failed  6.0s  running: slow one (6s), slower one (5s)"
    )
    reporter.close()


def test_the_status_line_is_cut_to_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    now = [0.0]
    stream = FakeTTY()
    reporter = ConsoleReporter(stream, color=False, env={}, clock=lambda: now[0])
    reporter.run_started(1)
    reporter.scenario_started("x::" + "n" * 80, "n" * 80)
    now[0] = 9.0
    reporter.tick()
    line = stream.getvalue().rsplit(CLEAR_LINE, 1)[-1]
    assert len(line) == 39
    assert line.endswith("...")


def test_the_timer_thread_redraws_until_the_run_finishes() -> None:
    stream = FakeTTY()
    reporter = ConsoleReporter(stream, color=False, env={}, tick=0.01)
    run = samples.run_of(samples.passing())
    reporter.run_started(1)
    deadline = time.monotonic() + 10
    while stream.getvalue().count(CLEAR_LINE) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    reporter.scenario_finished(run.scenarios[0])
    reporter.run_finished(run)
    out = stream.getvalue()
    assert out.count(CLEAR_LINE) >= 3
    # Nothing is drawn after the summary: the thread has stopped.
    assert out.endswith(summary_line(run) + "\n")
