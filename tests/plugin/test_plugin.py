"""The pytest plugin, driven through an inner pytest in a subprocess (pytester)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.scenario_texts import GREETING, INVALID, UNBINDABLE, WRONG_GREETING, echo

from .plugin_support import RunPytest

Write = Callable[[str, str], Path]


def collected(result: pytest.RunResult) -> list[str]:
    """Node ids printed by ``--collect-only -q``."""
    return sorted(line for line in result.outlines if "::" in line)


# --------------------------------------------------------------------------- collection rules


def test_default_rules_collect_scenarios_folders_and_scn_files_only(
    run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("scenarios/more/echo.yml", echo("echo in a subfolder"))
    write("services/api/scenarios/echo.yaml", echo("echo deep in the tree"))
    write("checks/smoke.scn.yaml", echo("scn yaml anywhere"))
    write("checks/other.scn.yml", echo("scn yml anywhere"))
    # Unrelated YAML that a plain `pytest` at a project root must leave alone
    # (none of it is a valid scenario, so collecting it would be an error).
    write("docker-compose.yml", "services:\n  web:\n    image: nginx\n")
    write(".github/workflows/ci.yml", "on: push\njobs: {}\n")
    write("mkdocs.yml", "site_name: demo\nnav: []\n")
    write("config/app.yaml", "debug: true\n")
    write("deploy/scenarios.yaml", "replicas: 3\n")

    result = run_pytest("--collect-only", "-q")

    assert result.ret == 0, result.stdout.str()
    assert collected(result) == [
        "checks/other.scn.yml::scn yml anywhere",
        "checks/smoke.scn.yaml::scn yaml anywhere",
        "scenarios/greeting.yaml::greeting server thanks every client",
        "scenarios/more/echo.yml::echo in a subfolder",
        "services/api/scenarios/echo.yaml::echo deep in the tree",
    ]


def test_a_scenarios_folder_above_the_project_does_not_count(
    inner: pytest.Pytester, run_pytest: RunPytest, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The project itself lives in a folder named `scenarios`: its other YAML is not scenarios.
    project = inner.path / "scenarios" / "project"
    write("scenarios/project/pytest.ini", "[pytest]\n")
    write("scenarios/project/deploy/app.yml", "replicas: 3\n")
    write("scenarios/project/scenarios/greeting.yaml", GREETING)
    monkeypatch.chdir(project)

    result = run_pytest("--collect-only", "-q")

    assert result.ret == 0, result.stdout.str()
    assert collected(result) == ["scenarios/greeting.yaml::greeting server thanks every client"]


def test_ini_option_replaces_the_default_rules(run_pytest: RunPytest, write: Write) -> None:
    write(
        "pytest.ini",
        """\
        [pytest]
        sockscen_files =
            net-specs/**/*.yaml
            *.proto.yml
        """,
    )
    write("net-specs/echo.yaml", echo("top level spec"))
    write("net-specs/deep/er/echo.yaml", echo("nested spec"))
    write("anywhere/greet.proto.yml", GREETING)
    # Matched by the default rules only, so no longer collected:
    write("scenarios/ignored.yaml", "not: a scenario\n")
    write("x.scn.yaml", "not: a scenario either\n")

    result = run_pytest("--collect-only", "-q")

    assert result.ret == 0, result.stdout.str()
    assert collected(result) == [
        "anywhere/greet.proto.yml::greeting server thanks every client",
        "net-specs/deep/er/echo.yaml::nested spec",
        "net-specs/echo.yaml::top level spec",
    ]


def test_a_file_named_on_the_command_line_is_always_collected(
    run_pytest: RunPytest, write: Write
) -> None:
    write("specs/greeting.yaml", GREETING)
    write("specs/echo.yaml", echo("echo"))

    result = run_pytest("--collect-only", "-q", "specs/greeting.yaml")
    assert result.ret == 0, result.stdout.str()
    assert collected(result) == ["specs/greeting.yaml::greeting server thanks every client"]

    # A node id naming one scenario of the file works too, and runs it.
    result = run_pytest("specs/echo.yaml::echo")
    result.assert_outcomes(passed=1)


def test_a_directory_named_scenarios_can_be_given_as_argument(
    run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/a/greeting.yaml", GREETING)
    result = run_pytest("scenarios/a")
    result.assert_outcomes(passed=1)


def test_non_yaml_and_python_tests_are_unaffected(run_pytest: RunPytest, write: Write) -> None:
    write("scenarios/notes.txt", "not yaml\n")
    write("scenarios/README.md", "# scenarios\n")
    write(
        "test_plain.py",
        """\
        import sys

        def test_heavy_parts_are_not_imported_without_scenario_files():
            assert "sockscen.pytest_plugin" in sys.modules
            for heavy in ("sockscen.loader", "sockscen.engine", "trio", "jsonschema"):
                assert heavy not in sys.modules, heavy
        """,
    )
    result = run_pytest("-q")
    result.assert_outcomes(passed=1)


# --------------------------------------------------------------------------- outcomes and reports


def test_pass_fail_and_error_outcomes(run_pytest: RunPytest, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("scenarios/wrong.yaml", WRONG_GREETING)
    write("scenarios/unbindable.yaml", UNBINDABLE)

    result = run_pytest("-v")

    result.assert_outcomes(passed=1, failed=1, errors=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "scenarios/greeting.yaml::greeting server thanks every client PASSED*",
            "scenarios/unbindable.yaml::server cannot listen ERROR*",
            "scenarios/wrong.yaml::greeting is not what the client expects FAILED*",
        ],
        consecutive=False,
    )
    # The short summary names the failing step and why, and the setup problem.
    result.stdout.fnmatch_lines(
        [
            "FAILED scenarios/wrong.yaml::greeting is not what the client expects"
            ' - client visitor, step 1 expect "Welcome, visitor": different bytes at offset 0',
            "ERROR scenarios/unbindable.yaml::server cannot listen - Failed:"
            " scenarios/unbindable.yaml:4*",
        ],
        consecutive=False,
    )


def test_failure_text_shows_the_step_line_and_the_bytes(
    run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/wrong.yaml", WRONG_GREETING)

    result = run_pytest()

    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "scenarios/wrong.yaml:13" in out  # the `expect` step
    assert "Welcome, visitor" in out  # expected
    assert "Thank you for connecting" in out  # received
    assert "visitor" in out  # the actor
    assert "Traceback" not in out
    assert "sockscen/" not in out.replace("scenarios/", "")  # no frames from our code


def test_a_setup_error_is_reported_as_error_with_its_reason(
    run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/unbindable.yaml", UNBINDABLE)

    result = run_pytest()

    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert "ERROR at setup of server cannot listen" in out
    assert "/nonexistent-sockscen-dir/ghost.sock" in out
    assert "Traceback" not in out


def test_an_invalid_file_is_a_collection_error_with_locations(
    run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/broken.yaml", INVALID)
    write("scenarios/greeting.yaml", GREETING)

    result = run_pytest()

    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert "ERROR collecting scenarios/broken.yaml" in out
    assert "scenarios/broken.yaml:4:5: error:" in out
    assert "lisen" in out
    assert "scenarios/broken.yaml:9:" in out
    assert "Traceback" not in out
    assert "raise " not in out


def test_tags_become_registered_markers(run_pytest: RunPytest, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)  # tags: tcp, smoke
    write("scenarios/echo.yaml", echo("echo over tcp", tag="echo_tag"))

    result = run_pytest("--strict-markers", "-m", "smoke", "-v")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*greeting.yaml::greeting server thanks every client PASSED*"])

    result = run_pytest("--strict-markers", "-m", "echo_tag or smoke")
    result.assert_outcomes(passed=2)

    result = run_pytest("--strict-markers", "-m", "sockscen and not smoke")
    result.assert_outcomes(passed=1, deselected=1)

    result = run_pytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.sockscen: *"])


def test_keyword_selection_uses_scenario_names(run_pytest: RunPytest, write: Write) -> None:
    write("scenarios/echo.yaml", echo("echo returns each line") + "---\n" + echo("echo twice"))
    write("scenarios/greeting.yaml", GREETING)

    result = run_pytest("-k", "echo and not twice", "-v")

    result.assert_outcomes(passed=1, deselected=2)
    result.stdout.fnmatch_lines(["*scenarios/echo.yaml::echo returns each line PASSED*"])


def test_item_location_is_the_scenario_line(
    inner: pytest.Pytester, run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/echo.yaml", echo("first") + "---\n" + echo("second"))
    first_lines = echo("first").count("\n")

    result = run_pytest("--junitxml=report.xml", "-o", "junit_family=xunit1")

    result.assert_outcomes(passed=2)
    cases = ET.parse(inner.path / "report.xml").getroot().iter("testcase")
    lines = {case.get("name"): case.get("line") for case in cases}
    # junit's `line` is 0-based (pytest's location): scenario 1 starts at line 1,
    # scenario 2 right after the `---` that follows the first document.
    assert {"first": "0", "second": str(first_lines + 1)} == lines


def test_junitxml_holds_the_failure_text(
    inner: pytest.Pytester, run_pytest: RunPytest, write: Write
) -> None:
    write("scenarios/greeting.yaml", GREETING)
    write("scenarios/wrong.yaml", WRONG_GREETING)
    write("scenarios/unbindable.yaml", UNBINDABLE)

    result = run_pytest("--junitxml=out/junit.xml")

    result.assert_outcomes(passed=1, failed=1, errors=1)
    root = ET.parse(inner.path / "out" / "junit.xml").getroot()
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert {
        "greeting server thanks every client",
        "greeting is not what the client expects",
        "server cannot listen",
    } == set(cases)
    # The classname `sockscen run --junit-xml` writes for the same file.
    assert cases["greeting is not what the client expects"].get("classname") == "scenarios.wrong"
    passed = cases["greeting server thanks every client"]
    assert passed.find("failure") is None
    assert passed.find("error") is None
    failure = cases["greeting is not what the client expects"].find("failure")
    assert failure is not None
    assert "scenarios/wrong.yaml:13" in (failure.text or "")
    assert "Welcome, visitor" in (failure.text or "")
    assert "Thank you for connecting" in (failure.text or "")
    error = cases["server cannot listen"].find("error")
    assert error is not None
    assert "ghost.sock" in (error.text or "")


def test_sockscen_timeout_option_sets_the_default_step_timeout(
    run_pytest: RunPytest, write: Write
) -> None:
    write(
        "scenarios/silent.yaml",
        """\
        name: the server never answers
        servers:
          mute:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: "anyone there?"
              - expect_eof: {timeout: 30s}
        clients:
          asker:
            connect: ${mute.url}
            steps:
              - send: "anyone there?"
              - expect: "yes"
        """,
    )

    result = run_pytest("--sockscen-timeout", "300ms")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "client asker, step 2 (scenarios/silent.yaml:13): expect *yes*",
            "*after 0.3*",  # how long the step waited
        ],
        consecutive=False,
    )


def test_bad_option_values_are_usage_errors(run_pytest: RunPytest, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)

    result = run_pytest("--sockscen-timeout", "soon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--sockscen-timeout*'soon' is not a duration*"])

    result = run_pytest("--sockscen-max-buffer", "huge")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--sockscen-max-buffer*'huge' is not a size*"])


def test_xdist_spreads_scenarios_over_workers(run_pytest: RunPytest, write: Write) -> None:
    for index in range(6):
        write(f"scenarios/echo{index}.yaml", echo(f"echo number {index}", tag=f"t{index}"))
    write("scenarios/wrong.yaml", WRONG_GREETING)
    # Named on the command line only: every worker must collect it too.
    write("specs/extra.yaml", GREETING)

    result = run_pytest("-n", "2", "--strict-markers", "-rf", "scenarios", "specs/extra.yaml")

    result.assert_outcomes(passed=7, failed=1)
    out = result.stdout.str()
    assert "created: 2/2 workers" in out
    assert "Welcome, visitor" in out  # the diagnosis travels back from the worker


# --------------------------------------------------------------------------- the fixture


def test_sockscen_run_fixture_runs_files_and_text(run_pytest: RunPytest, write: Write) -> None:
    write("specs/greeting.yaml", GREETING)
    write("specs/wrong.yaml", WRONG_GREETING)
    write(
        "test_with_fixture.py",
        f"""\
        from pathlib import Path

        import pytest

        import sockscen

        HERE = Path(__file__).parent
        TEXT = {echo("echo from text")!r}


        def test_a_file_by_path(sockscen_run):
            result = sockscen_run(HERE / "specs" / "greeting.yaml")
            assert result.ok
            assert [s.name for s in result.scenarios] == ["greeting server thanks every client"]


        def test_a_failing_file_is_a_result(sockscen_run):
            result = sockscen_run(str(HERE / "specs" / "wrong.yaml"), step_timeout=1.0)
            assert not result.ok
            [scenario] = result.scenarios
            assert scenario.outcome is sockscen.Outcome.FAILED
            assert scenario.failures[0].received.startswith(b"Thank you for")


        def test_yaml_text(sockscen_run):
            result = sockscen_run(TEXT)
            assert result.ok
            assert result.scenarios[0].name == "echo from text"


        def test_indented_yaml_text(sockscen_run):
            result = sockscen_run(
                '''
                name: inline greeting
                servers:
                  greeter:
                    listen: tcp://127.0.0.1:0
                    handle: [{{send: "hi"}}, close]
                clients:
                  visitor:
                    connect: ${{greeter.url}}
                    steps: [{{expect: "hi"}}, expect_eof]
                '''
            )
            assert result.ok, result.scenarios[0].failures
            assert result.scenarios[0].id == "<test_indented_yaml_text>::inline greeting"


        def test_invalid_text_raises_config_error(sockscen_run):
            with pytest.raises(sockscen.ConfigError) as excinfo:
                sockscen_run("name: x\\nclients: {{}}\\n")
            assert excinfo.value.problems


        def test_library_api(tmp_path):
            result = sockscen.run_file(HERE / "specs" / "greeting.yaml", keyword="thanks")
            assert result.ok and result.passed == 1
            with pytest.raises(sockscen.NoScenarioError, match="matched none"):
                sockscen.run_file(HERE / "specs" / "greeting.yaml", tags=["nope"])
        """,
    )

    result = run_pytest("-q", "test_with_fixture.py")

    result.assert_outcomes(passed=6)
