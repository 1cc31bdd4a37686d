"""files: written into ${tmp} before any server starts; paths kept inside it; reports show sizes."""

from __future__ import annotations

import pytest

from sockscen.errors import ConfigError
from sockscen.loader import load_text
from sockscen.reporting.failure import format_failure
from sockscen.results import Outcome
from tests.engine.conftest import RunYaml, assert_passed

CLIENT = "clients:\n  c: {connect: tcp://127.0.0.1:7, steps: []}\n"


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_text(text, "s.yaml", "/nonexistent", environ={})
    return [str(p) for p in info.value.problems]


def test_paths_outside_tmp_are_located_errors() -> None:
    keys = "  ../up.conf: hi\n  /etc/x: hi\n  a/../../b: hi\n  ok.txt: hi\n"
    text = f"name: x\nfiles:\n{keys}{CLIENT}"
    assert problems(text) == [
        "s.yaml:3:3: error: file '../up.conf' climbs out with ..: files: keys are paths inside"
        " ${tmp} (write a relative path such as conf/app.conf)",
        "s.yaml:4:3: error: file '/etc/x' is absolute: files: keys are paths inside ${tmp}"
        " (write a relative path such as conf/app.conf)",
        "s.yaml:5:3: error: file 'a/../../b' climbs out with ..: files: keys are paths inside"
        " ${tmp} (write a relative path such as conf/app.conf)",
    ]


def test_mode_must_be_an_octal_string() -> None:
    (unquoted,) = problems(f"name: x\nfiles:\n  run.sh: {{text: hi, mode: 755}}\n{CLIENT}")
    assert unquoted.startswith("s.yaml:3:28: error:")
    assert "quote it" in unquoted
    (wrong,) = problems(f"name: x\nfiles:\n  run.sh: {{text: hi, mode: '0999'}}\n{CLIENT}")
    assert wrong.startswith("s.yaml:3:28: error:")
    assert "octal" in wrong


def test_unknown_placeholder_in_a_file_is_located() -> None:
    text = f"name: x\nfiles:\n  a.conf: 'port ${{nope.port}}'\n{CLIENT}"
    (problem,) = problems(text)
    assert problem.startswith("s.yaml:3:11: error:")


def test_files_are_written_with_addresses_and_modes(run_yaml: RunYaml) -> None:
    """A process reads the files: text with a server's port, parts, and an executable script."""
    result = run_yaml(
        """
        name: files
        files:
          conf/app.conf: |
            port=${echo.port}
          blob.bin: [{hex: "00 01"}, "x"]
          run.sh: {text: "#!/bin/sh\\necho ran\\n", mode: "0755"}
        servers:
          echo:
            listen: tcp://127.0.0.1:0
            handle: []
        clients:
          check:
            command: [sh, -c, 'cat ${tmp}/conf/app.conf; od -An -tx1 ${tmp}/blob.bin; ${tmp}/run.sh;
              stat -c %a ${tmp}/run.sh ${tmp}/blob.bin']
            expect_stdout: {regex: "^port=(?P<p>\\\\d+)\\n 00 01 78\\nran\\n755\\n644\\n$"}
        """
    )
    assert_passed(result)
    assert result.files == [("conf/app.conf", 11), ("blob.bin", 3), ("run.sh", 19)]


def test_a_failure_report_shows_files_by_name_and_size(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: files shown
        files:
          big.conf: "${x}"
        vars: {x: "0123456789"}
        clients:
          check:
            command: [sh, -c, "exit 3"]
        """
    )
    assert result.outcome is Outcome.FAILED
    text = format_failure(result)
    assert "files written: big.conf (10 bytes)" in text
    assert "0123456789" not in text


def test_the_json_report_lists_files_by_name_and_size(run_yaml: RunYaml) -> None:
    from sockscen.reporting.json_report import scenario_dict

    result = run_yaml(
        """
        name: files in json
        files:
          a.conf: "abc"
        clients:
          c: {command: ["true"]}
        """
    )
    assert scenario_dict(result)["files"] == [{"path": "a.conf", "size": 3}]
