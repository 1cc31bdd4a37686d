"""Outputs that cannot be written (``record``'s and ``serve``'s files, standard output
itself): a usage error naming what failed, exit 2, never a traceback nor an internal error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.scenario_texts import GREETING

from .cli_support import RUN_LIMIT, cli_env, sockscen

#: Writable for root by os.access, yet nothing can be created in it: as root the
#: write itself fails, otherwise the check before starting refuses it.
PROC_FILE = "/proc/sockscen-no-such-file"


def assert_clean_usage_error(result: subprocess.CompletedProcess[str], flag: str) -> None:
    assert result.returncode == 2, result.stderr
    assert f"sockscen: error: {flag}" in result.stderr
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_record_refuses_an_output_folder_it_cannot_make_before_recording(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("not a folder\n")

    result = sockscen(
        "record",
        "--listen", "tcp://127.0.0.1:0",
        "--upstream", "tcp://127.0.0.1:9",
        "-o", "plain-file/recorded.yaml",
        "--duration", "30s",
        cwd=tmp_path,
    )  # fmt: skip

    assert_clean_usage_error(result, "-o plain-file/recorded.yaml:")
    assert "cannot create its folder" in result.stderr
    # Refused at once: no proxy was started, nothing waited for the 30 s.
    assert "recording:" not in result.stdout


def test_serve_stops_when_the_addresses_file_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "greeting.yaml").write_text(GREETING)

    result = sockscen(
        "serve", "greeting.yaml", "--addresses-json", PROC_FILE + ".json", cwd=tmp_path
    )

    # Without --duration, serve would wait for Ctrl-C: it must stop by itself.
    assert_clean_usage_error(result, f"--addresses-json {PROC_FILE}.json")
    assert "serving until" not in result.stdout


def test_an_empty_file_says_it_holds_no_scenario(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("# nothing yet\n")
    (tmp_path / "other.yaml").write_text("")

    one = sockscen("run", "empty.yaml", cwd=tmp_path)
    two = sockscen("list", "empty.yaml", "other.yaml", cwd=tmp_path)

    assert one.returncode == 5
    assert "the 1 file found holds no scenario" in one.stderr
    assert two.returncode == 5
    assert "the 2 files found hold no scenario" in two.stderr


def test_record_names_the_flag_of_a_wrong_duration(tmp_path: Path) -> None:
    result = sockscen(
        "record",
        "--listen", "tcp://127.0.0.1:0",
        "--upstream", "tcp://127.0.0.1:9",
        "-o", "out.yaml",
        "--duration=-1",
        cwd=tmp_path,
    )  # fmt: skip

    assert_clean_usage_error(result, "--duration -1: ")
    assert "recording:" not in result.stdout


def _with_stdout(args: list[str], cwd: Path, **popen: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sockscen", *args],
        cwd=cwd,
        env=cli_env(),
        stderr=subprocess.PIPE,
        text=True,
        timeout=RUN_LIMIT,
        check=False,
        **popen,
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", [["schema"], ["list"], ["run"]])
def test_a_full_standard_output_is_said_plainly(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "greeting.yaml").write_text(GREETING)

    with open("/dev/full", "w") as full:
        result = _with_stdout(command, tmp_path, stdout=full)

    assert result.returncode == 2, result.stderr
    assert "sockscen: error: cannot write standard output: No space left on device" in (
        result.stderr
    )
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_closed_standard_output_is_said_plainly(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "greeting.yaml").write_text(GREETING)

    result = _with_stdout(["run"], tmp_path, preexec_fn=lambda: os.close(1))

    assert result.returncode == 2, result.stderr
    assert "sockscen: error: standard output is closed" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_closed_standard_input_is_said_plainly(tmp_path: Path, command: str) -> None:
    result = _with_stdout([command, "-"], tmp_path, preexec_fn=lambda: os.close(0))

    assert result.returncode == 2, result.stderr
    assert "sockscen: error: standard input is closed: give the scenario as a file" in (
        result.stderr
    )
    assert "internal error" not in result.stderr


SLEEPY = """\
name: finishes a second later
servers:
  s:
    listen: tcp://127.0.0.1:0
    handle: [{sleep: 1s}, {send: "late"}, close]
clients:
  c:
    connect: ${s.url}
    steps: [{expect: "late"}, expect_eof]
"""


def test_a_reader_that_leaves_while_scenarios_run_ends_the_run_quietly(tmp_path: Path) -> None:
    # `sockscen run | head -1`: the pipe closes while the sleepy scenario still runs.
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "a_greeting.yaml").write_text(GREETING)
    (tmp_path / "scenarios" / "b_sleepy.yaml").write_text(SLEEPY)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "run", "-j", "2"],
        cwd=tmp_path,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    try:
        first = proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read()
        proc.wait(timeout=RUN_LIMIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)

    assert first.startswith("PASS  greeting")
    assert proc.returncode == 1, err
    assert "internal error" not in err
    assert "Traceback" not in err
