"""CLI habits of pytest and Hurl users: tag expressions, '-' for standard input,
--junitxml, -j auto, [tool.sockscen] defaults, and the live status line on a terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.scenario_texts import GREETING, INVALID, WRONG_GREETING, echo

from .cli_support import RUN_LIMIT, SILENT, cli_env, sockscen

Write = Callable[[str, str], Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    def write_file(relative: str, text: str) -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write_file


def _tagged(write: Write) -> None:
    write(
        "scenarios/all.yaml",
        "---\n".join(
            [
                echo("tcp fast", "tcp"),
                echo("tcp slow", "tcp").replace("tags: [tcp]", "tags: [tcp, slow]"),
                echo("udp-ish smoke", "smoke"),
            ]
        ),
    )


def _names(stdout: str) -> list[str]:
    return [line.split("  ")[0].split(" ", 1)[1] for line in stdout.splitlines() if ": " in line]


# --------------------------------------------------------------------------- selection


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["tcp and not slow"], ["tcp fast"]),
        (["tcp"], ["tcp fast", "tcp slow"]),
        (["slow", "smoke"], ["tcp slow", "udp-ish smoke"]),
        (["(tcp or smoke) and not slow"], ["tcp fast", "udp-ish smoke"]),
    ],
)
def test_tag_expressions_select_like_pytest_m(
    tmp_path: Path, write: Write, tags: list[str], expected: list[str]
) -> None:
    _tagged(write)
    args = [arg for tag in tags for arg in ("--tag", tag)]

    result = sockscen("list", *args, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    listed = [line.split(": ", 1)[1].split("  [")[0] for line in result.stdout.splitlines()[:-2]]
    assert listed == expected


def test_a_wrong_tag_expression_is_a_usage_error_with_its_column(
    tmp_path: Path, write: Write
) -> None:
    _tagged(write)

    result = sockscen("run", "--tag", "tcp and (slow", cwd=tmp_path)

    assert result.returncode == 2
    assert "wrong --tag expression 'tcp and (slow': at column 14: expected ')'" in result.stderr
    assert "words are tags, matched exactly" in result.stderr


def test_nothing_selected_names_the_tag_expression(tmp_path: Path, write: Write) -> None:
    _tagged(write)

    result = sockscen("run", "--tag", "slow and smoke", cwd=tmp_path)

    assert result.returncode == 5
    assert "--tag 'slow and smoke' matched none of the 3 scenarios" in result.stderr


# --------------------------------------------------------------------------- standard input


def _with_stdin(
    *args: str, text: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sockscen", *args],
        cwd=cwd,
        env=cli_env(env),
        input=text,
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT,
        check=False,
    )


def test_run_and_validate_read_standard_input(tmp_path: Path, write: Write) -> None:
    write("scenarios/wrong.yaml", WRONG_GREETING)

    run = _with_stdin("run", "-", text=GREETING, cwd=tmp_path)
    validate = _with_stdin("validate", "-", "scenarios", text=GREETING, cwd=tmp_path)
    invalid = _with_stdin("validate", "-", text=INVALID, cwd=tmp_path)

    assert run.returncode == 0, run.stderr
    assert "PASS  greeting server thanks every client  <stdin>:1" in run.stdout
    assert validate.returncode == 0
    assert validate.stdout == "2 files, 2 scenarios valid\n"
    assert invalid.returncode == 2
    assert "<stdin>:4:5: error: unknown key 'lisen'" in invalid.stderr


# --------------------------------------------------------------------------- reports and jobs


def test_junitxml_alias_and_strict_switch(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)

    result = sockscen("run", "--junitxml", "out/j.xml", "--junit-strict", cwd=tmp_path)
    lonely = sockscen("run", "--junit-strict", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    case = ET.parse(tmp_path / "out" / "j.xml").getroot().find(".//testcase")
    assert case is not None
    assert set(case.attrib) == {"classname", "name", "time"}
    assert lonely.returncode == 2
    assert "--junit-strict needs --junit-xml PATH" in lonely.stderr


def test_maxfail_skips_the_rest_after_that_many_failures(tmp_path: Path, write: Write) -> None:
    for name in "abcde":
        write(f"scenarios/{name}.yaml", WRONG_GREETING)

    result = sockscen("run", "--maxfail", "2", "-j", "1", "--json", "run.json", cwd=tmp_path)
    zero = sockscen("run", "--maxfail", "0", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stdout.rstrip().splitlines()[-1].startswith("0 passed, 2 failed, 3 skipped in ")
    assert '"maxfail": 2' in (tmp_path / "run.json").read_text(encoding="utf-8")
    assert zero.returncode == 2
    assert "--maxfail: must be 1 or more, got '0'" in zero.stderr


def test_jobs_auto_is_the_engine_default(tmp_path: Path, write: Write) -> None:
    write("scenarios/greeting.yaml", GREETING)

    auto = sockscen("run", "-j", "auto", "--json", "run.json", cwd=tmp_path)
    wrong = sockscen("run", "-j", "many", cwd=tmp_path)

    assert auto.returncode == 0
    assert '"jobs": ' in (tmp_path / "run.json").read_text(encoding="utf-8")
    assert wrong.returncode == 2
    assert "'many' is not a whole number nor 'auto'" in wrong.stderr


# --------------------------------------------------------------------------- pyproject.toml


PYPROJECT = """\
[project]
name = "demo"

[tool.sockscen]
paths = ["checks"]
timeout = "300ms"
jobs = "auto"

[tool.sockscen.reports]
junit-xml = "reports/junit.xml"
junit-strict = true
"""


def test_pyproject_gives_defaults_that_flags_replace(tmp_path: Path, write: Write) -> None:
    write("pyproject.toml", PYPROJECT)
    write("checks/silent.yaml", SILENT)
    write("other/greeting.yaml", GREETING)
    (tmp_path / "sub").mkdir()

    # From a subfolder: the file is found above, its paths are relative to it.
    result = sockscen("run", cwd=tmp_path / "sub")
    report = ET.parse(tmp_path / "reports" / "junit.xml").getroot()
    listed = sockscen("list", "-q", cwd=tmp_path)
    flagged = sockscen("run", "--timeout", "5s", "../other", cwd=tmp_path / "sub")

    assert result.returncode == 1
    assert "timed out after 0.3" in result.stdout
    case = report.find(".//testcase")
    assert case is not None
    assert case.find("failure") is not None
    assert "file" not in case.attrib
    assert listed.stdout == "checks/silent.yaml::the server never answers\n"
    assert flagged.returncode == 0, flagged.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[tool.sockscen]\ntimeout = "soon"\n', "pyproject.toml:2: [tool.sockscen] timeout: "),
        ("[tool.sockscen]\n\nfoo = 1\n", "pyproject.toml:3: [tool.sockscen] foo: unknown key"),
        (
            '[tool.sockscen.reports]\nhtml = "x.html"\n',
            "pyproject.toml:2: [tool.sockscen.reports] html: unknown report",
        ),
        ("[tool.sockscen\n", "pyproject.toml: not valid TOML"),
    ],
)
def test_a_wrong_pyproject_value_is_a_located_usage_error(
    tmp_path: Path, write: Write, text: str, message: str
) -> None:
    write("pyproject.toml", text)
    write("scenarios/greeting.yaml", GREETING)

    result = sockscen("run", cwd=tmp_path)
    schema = sockscen("schema", cwd=tmp_path)

    assert result.returncode == 2
    assert message in result.stderr
    assert schema.returncode == 0


# --------------------------------------------------------------------------- a terminal


def test_on_a_terminal_the_status_line_ticks_and_names_long_scenarios(
    tmp_path: Path, write: Write
) -> None:
    write("scenarios/silent.yaml", SILENT)
    primary, secondary = pty.openpty()
    env = cli_env({"COLUMNS": "200", "TERM": "xterm"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "run", "--timeout", "4s"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
    )
    os.close(secondary)
    chunks = []
    deadline = time.monotonic() + RUN_LIMIT
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 1.0)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(primary, 4096)
            except OSError:  # the terminal closed: the program ended
                break
            if not data:
                break
            chunks.append(data)
    finally:
        proc.wait(timeout=RUN_LIMIT)
        os.close(primary)
    out = b"".join(chunks).decode("utf-8", "replace")

    assert proc.returncode == 1
    frames = out.split("\r\x1b[K")
    ticking = [f for f in frames if f.startswith("[0/1] 0 passed, 0 failed")]
    # Redrawn twice a second while the scenario waits for 4 s, its clock moving on.
    assert len(ticking) >= 4, out
    assert len({f.split("  ")[1] for f in ticking}) >= 4
    # Named once it has run 3 s; a loaded machine may skip the frames of that second.
    named = re.compile(r"running: the server never answers \([34]s\)")
    assert any(named.search(f) for f in ticking), out
    assert "0 passed, 1 failed in" in out
