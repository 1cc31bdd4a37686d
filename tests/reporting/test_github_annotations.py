"""GitHub Actions annotations and their escaping."""

from __future__ import annotations

import pytest

from sockscen.errors import Location
from sockscen.reporting.github import (
    escape_data,
    escape_property,
    github_annotations,
    github_enabled,
)
from sockscen.results import Failure

from . import reporting_samples as samples


def test_one_error_per_failure_at_the_step_location() -> None:
    (line,) = github_annotations(samples.run_of(samples.passing(), samples.wrong_bytes()))
    assert line == (
        "::error file=scenarios/echo.yaml,line=17,title=FAILED%3A echo returns each line"
        '::client alice, step 2 (scenarios/echo.yaml:17): expect "hello\\n"'
        "%0Adifferent bytes at offset 1"
        '%0Areceived 6 bytes after 0.012s: "hallo\\n"   68 61 6c 6c 6f 0a'
    )


def test_setup_error_points_at_its_location() -> None:
    (line,) = github_annotations(samples.run_of(samples.setup_error()))
    assert line == (
        "::error file=scenarios/app.yaml,line=34,title=ERROR%3A slow app"
        "::server app did not become ready: no connection to 127.0.0.1:41300 within 5.000s"
    )


def test_failure_without_location_falls_back_to_the_scenario_line() -> None:
    result = samples.refused()
    result.failures[0] = Failure(actor="cli", role="client", message="refused")
    (line,) = github_annotations(samples.run_of(result))
    assert line.startswith("::error file=scenarios/redis.yaml,line=1,title=")
    assert line.endswith("::client cli%0Arefused")


def test_error_without_location_falls_back_to_the_scenario_line() -> None:
    result = samples.setup_error()
    result.error_location = None
    (line,) = github_annotations(samples.run_of(result))
    assert line.startswith("::error file=scenarios/app.yaml,line=30,")


def test_several_failures_and_passes_and_skips() -> None:
    result = samples.wrong_bytes()
    second = samples.dataclasses_replace(
        result.failures[0], message="second", location=Location("other.yaml", 99)
    )
    result.failures.append(second)
    lines = github_annotations(samples.run_of(samples.passing(), result, samples.skipped()))
    assert len(lines) == 2
    assert lines[1].startswith("::error file=other.yaml,line=99,")


def test_full_run_has_one_annotation_per_failed_or_errored_scenario() -> None:
    lines = github_annotations(samples.full_run())
    assert len(lines) == 9
    assert all(line.startswith("::error file=scenarios/") for line in lines)
    assert all("\n" not in line and "\r" not in line for line in lines)


def test_escaping_of_message_and_properties() -> None:
    assert escape_data("100%\r\nnext: a,b") == "100%25%0D%0Anext: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_names_with_separators_are_escaped_in_the_title() -> None:
    result = samples.wrong_bytes()
    result.name = "50% of a, b: c"
    result.path = "dir,x/f:1.yaml"
    result.failures[0] = samples.dataclasses_replace(result.failures[0], location=None)
    (line,) = github_annotations(samples.run_of(result))
    assert line.startswith(
        "::error file=dir%2Cx/f%3A1.yaml,line=12,title=FAILED%3A 50%25 of a%2C b%3A c::"
    )


@pytest.mark.parametrize(
    ("env", "enabled"),
    [
        ({"GITHUB_ACTIONS": "true"}, True),
        ({"GITHUB_ACTIONS": "false"}, False),
        ({"GITHUB_ACTIONS": ""}, False),
        ({}, False),
    ],
)
def test_github_enabled(env: dict[str, str], enabled: bool) -> None:
    assert github_enabled(env) is enabled


def test_github_enabled_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert github_enabled()
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert not github_enabled()
