"""The plugin used the way people do: pytest started from another folder, plugins
turned off by name, fixtures given files that are missing or wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.scenario_texts import GREETING, INVALID

from .plugin_support import PLUGIN_ARGS, RunPytest

Write = Callable[[str, str], Path]


def test_sockscen_run_finds_a_file_beside_the_test_from_another_folder(
    run_pytest: RunPytest, write: Write
) -> None:
    # pytest runs in the project's root; the test and its scenario live in tests/net/.
    write("tests/net/greeting.yaml", GREETING)
    write(
        "tests/net/test_greeting.py",
        """
        def test_greeting(sockscen_run):
            result = sockscen_run("greeting.yaml")
            assert result.ok
            assert result.scenarios[0].name == "greeting server thanks every client"
        """,
    )

    result = run_pytest("tests/net/test_greeting.py")

    result.assert_outcomes(passed=1)


def test_sockscen_run_says_a_named_file_is_missing(
    run_pytest: RunPytest, write: Write, inner: pytest.Pytester
) -> None:
    write(
        "tests/test_missing.py",
        """
        def test_missing(sockscen_run):
            sockscen_run("scenarios/nope.yaml")
        """,
    )

    result = run_pytest("tests/test_missing.py")

    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "ConfigError: error: scenarios/nope.yaml: no such file or directory (looked in " in out
    assert str(inner.path / "tests") in out
    # Not read as YAML text ("a scenario must be a mapping..."), and no sockscen frame shown.
    assert "must be a mapping" not in out
    assert "loader.py" not in out
    assert "tests/test_missing.py:3: ConfigError" in out


def test_fixtures_show_an_invalid_file_at_the_test_line_without_sockscen_frames(
    run_pytest: RunPytest, write: Write
) -> None:
    write("tests/mocks/broken.yaml", INVALID)
    write(
        "tests/test_broken.py",
        """
        def test_run(sockscen_run):
            sockscen_run("mocks/broken.yaml")

        def test_servers(sockscen_servers):
            with sockscen_servers("mocks/broken.yaml"):
                pass
        """,
    )

    result = run_pytest("tests/test_broken.py")

    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert out.count("mocks/broken.yaml:") >= 2
    assert "tests/test_broken.py:3: ConfigError" in out
    assert "tests/test_broken.py:6: ConfigError" in out
    assert "loader.py" not in out
    assert "servers_fixture.py" not in out
    assert "plugin_run_fixture.py" not in out


def test_p_no_sockscen_turns_the_plugin_off(run_pytest: RunPytest, write: Write) -> None:
    # The header says "plugins: sockscen-0.1.0", so that is the name people give -p no:.
    write("scenarios/greeting.yaml", GREETING)
    write("scenarios/broken.yaml", INVALID)
    write("test_plain.py", "def test_plain():\n    assert True\n")

    result = run_pytest("-p", "no:sockscen", "-W", "error", "--sockscen-timeout", "2s")

    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1)
    assert "yaml" not in result.stdout.str()


def test_p_no_sockscen_before_the_module_is_loaded_by_hand(
    inner: pytest.Pytester, write: Write
) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("test_plain.py", "def test_plain():\n    assert True\n")

    result = inner.runpytest_subprocess("-p", "no:sockscen", *PLUGIN_ARGS, timeout=120)

    result.assert_outcomes(passed=1)


def test_a_report_switch_without_its_report_is_a_usage_error(
    run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/greeting.yaml", GREETING)

    result = run_pytest("--sockscen-junit-strict")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --sockscen-junit-strict needs --sockscen-junit-xml PATH"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


QUOTED = """\
name: quoted
clients:
  c:
    command: [printf, 'a\\n']
"""


def test_w_error_makes_a_scenario_warning_a_located_collection_error(
    run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/quoted.yaml", QUOTED)

    result = run_pytest("-W", "error")

    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "scenarios/quoted.yaml:4:23: warning: this single-quoted string holds *",
            "(a warning made an error by -W error or filterwarnings; *)",
        ]
    )
    assert "pytest_plugin.py" not in result.stdout.str()

    # The way out the message gives keeps them warnings.
    result = run_pytest("-W", "error", "-W", "default::sockscen.pytest_plugin.ScenarioWarning")
    result.assert_outcomes(passed=1, warnings=1)


MOCK = """\
name: pong mock
mock: true
servers:
  pong:
    listen: tcp://127.0.0.1:0
    framing: line
    rules:
      - when: PING
        reply: PONG
"""


def test_fixtures_inside_a_trio_test(run_pytest: RunPytest, write: Write) -> None:
    # What pytest-trio or anyio's trio backend do: the test body runs inside trio.run.
    write("tests/pong.yaml", MOCK)
    write("tests/greeting.yaml", GREETING)
    write(
        "tests/test_in_trio.py",
        """
        import trio


        def test_servers_start_and_stop_from_a_trio_test(sockscen_servers):
            async def main():
                with sockscen_servers("pong.yaml") as servers:
                    stream = await trio.open_tcp_stream("127.0.0.1", servers["pong"].port)
                    await stream.send_all(b"PING\\n")
                    assert await stream.receive_some(100) == b"PONG\\n"
                    await stream.aclose()

            trio.run(main)


        def test_run_in_the_loop_says_what_to_do(sockscen_run):
            async def main():
                sockscen_run("greeting.yaml")

            trio.run(main)


        def test_run_in_a_worker_thread_under_pytest_timeout(sockscen_run):
            async def main():
                return await trio.to_thread.run_sync(sockscen_run, "greeting.yaml")

            assert trio.run(main).ok
        """,
    )

    result = run_pytest("tests/test_in_trio.py", "--timeout", "60")

    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*RuntimeError: sockscen_run blocks until its scenarios end, so it cannot be called "
            "from inside a running trio loop*trio.to_thread.run_sync(sockscen_run, PATH)*",
            "FAILED tests/test_in_trio.py::test_run_in_the_loop_says_what_to_do*",
        ]
    )


NEVER_READY = """\
name: never ready
mock: true
servers:
  slow:
    command:
      - python3
      - -c
      - |
        import os, sys, time
        with open(sys.argv[1] + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.replace(sys.argv[1] + ".tmp", sys.argv[1])
        time.sleep(100)
      - slow.pid
    listen: tcp://127.0.0.1:0
    ready: {stdout: "never printed", timeout: 60s}
"""


def test_pytest_timeout_while_servers_start_stops_them(run_pytest: RunPytest, write: Write) -> None:
    write("never.yaml", NEVER_READY)
    write(
        "test_start.py",
        """
        import os, time
        from pathlib import Path


        def test_a_start_that_hangs(sockscen_servers):
            with sockscen_servers("never.yaml"):
                pass


        def test_its_program_is_gone_before_the_next_test():
            pid = int(Path("slow.pid").read_text())
            give_up = time.monotonic() + 15
            while Path(f"/proc/{pid}").exists():
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
                if state == "Z" or time.monotonic() > give_up:
                    break
                time.sleep(0.05)
            assert not Path(f"/proc/{pid}").exists() or state == "Z", "still running"
        """,
    )

    result = run_pytest("test_start.py", "--timeout", "5")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*Timeout (>5.0s) from pytest-timeout*"])


def test_pytest_run_inside_a_scenarios_folder_without_configuration(
    run_pytest: RunPytest, write: Write, inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("scenarios/greeting.yaml", GREETING)
    monkeypatch.chdir(inner.path / "scenarios")

    result = run_pytest()

    result.assert_outcomes(passed=1)


def test_a_configured_project_named_scenarios_keeps_its_yaml_out(
    run_pytest: RunPytest, write: Write, inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its root has a configuration file: a project that happens to be named so.
    write("scenarios/pytest.ini", "[pytest]\n")
    write("scenarios/deploy.yml", "replicas: 3\n")
    write("scenarios/test_plain.py", "def test_plain():\n    assert True\n")
    monkeypatch.chdir(inner.path / "scenarios")

    result = run_pytest()

    result.assert_outcomes(passed=1)


def test_sockscen_run_argument_mistakes_are_shown_at_the_test_line(
    run_pytest: RunPytest, write: Write
) -> None:
    write("tests/greeting.yaml", GREETING)
    write(
        "tests/test_arguments.py",
        """
        def test_a_cli_flag_name(sockscen_run):
            sockscen_run("greeting.yaml", timeout=2)

        def test_a_keyword_matching_nothing(sockscen_run):
            sockscen_run("greeting.yaml", keyword="nomatch")
        """,
    )

    result = run_pytest("tests/test_arguments.py")

    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert "TypeError: sockscen_run() got an unexpected keyword argument 'timeout' (its " in out
    assert "step_timeout" in out
    assert "tests/test_arguments.py:3: TypeError" in out
    assert "NoScenarioError: no scenario selected: keyword 'nomatch' matched none" in out
    assert "tests/test_arguments.py:6: NoScenarioError" in out
    assert "api.py" not in out
