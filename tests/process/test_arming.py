"""Every program dies with its runner, whether armed through ``setpriv`` or a ``preexec_fn``."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trio

from sockscen.processes import run_client
from sockscen.processes.arming import SETPRIV, execs, launch
from tests.process.proctools import (
    PYTHON,
    assert_nothing_left,
    client,
    command,
    context,
    wait_for,
)

REPO = Path(__file__).resolve().parents[2]

PDEATHSIG = """
import ctypes, os, signal, sys
value = ctypes.c_int()
ctypes.CDLL(None).prctl(2, ctypes.byref(value))  # PR_GET_PDEATHSIG
print(signal.Signals(value.value).name if value.value else "none", os.path.basename(sys.argv[0]))
"""


def _setpriv_or_skip() -> None:
    if SETPRIV.path is None:
        message = "setpriv (util-linux >= 2.33) with --pdeathsig is not installed"
        if os.environ.get("SOCKSCEN_REQUIRE_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(params=["setpriv", "preexec"])
def arming(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each way of arming in turn (``preexec``: as where setpriv is absent)."""
    if request.param == "setpriv":
        _setpriv_or_skip()
    else:
        SETPRIV.disable()
    try:
        yield request.param
    finally:
        SETPRIV.disable(False)


def test_the_program_itself_reads_sigkill_back(tmp_path: Path, arming: str) -> None:
    """The death signal survives exec, and the program runs as itself (its own argv)."""
    script = tmp_path / "check.py"
    script.write_text(PDEATHSIG)
    result = trio.run(run_client, client(command(PYTHON, str(script))), None, context(tmp_path))
    assert result.output is not None
    assert result.output.stdout == b"SIGKILL check.py\n"


RUNNER = """
import sys, trio
from sockscen.processes import run_client
from sockscen.processes.arming import SETPRIV
from tests.process.proctools import client, command, context
if sys.argv[1] == "preexec":
    SETPRIV.disable()
trio.run(run_client, client(command("sh", "-c", "echo $$ > pid; exec sleep 50")), None,
         context(sys.argv[2]))
"""


def test_a_sigkilled_runner_takes_its_program_with_it(tmp_path: Path, arming: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "runner"), str(REPO)])}
    runner = subprocess.Popen(
        [sys.executable, "-c", RUNNER, arming, str(tmp_path)], env=env, stderr=subprocess.PIPE
    )
    try:
        pidfile = tmp_path / "pid"
        wait_for(lambda: pidfile.exists() and pidfile.read_text().endswith("\n"), 30, "the pid")
        pid = int(pidfile.read_text())
        exited = os.pidfd_open(pid)
        runner.send_signal(signal.SIGKILL)
        runner.communicate(timeout=10)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.communicate(timeout=10)
    gone = bool(select.select([exited], [], [], 10)[0])
    os.close(exited)
    assert gone, "the program outlived its SIGKILLed runner"
    assert_nothing_left([pid], [])


# ----------------------------------------------------------------- which way, decided in one place


def _executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


def test_a_program_exec_surely_starts_goes_through_setpriv(tmp_path: Path) -> None:
    _setpriv_or_skip()
    _executable(tmp_path / "serve.sh", "#!/bin/sh\necho hi\n")
    argv, preexec = launch(["./serve.sh", "x"], str(tmp_path), {"PATH": "/usr/bin:/bin"}, 1)
    assert argv == [SETPRIV.path, "--pdeathsig", "KILL", "--", "./serve.sh", "x"]
    assert preexec is None


def test_anything_exec_might_refuse_keeps_the_preexec_path(tmp_path: Path) -> None:
    """So the runner's own exec reports it, with the messages it always had."""
    _setpriv_or_skip()
    argv, preexec = launch(["./missing"], str(tmp_path), {"PATH": "/usr/bin:/bin"}, 1)
    assert argv == ["./missing"]
    assert preexec is not None


def test_exec_resolution_follows_the_programs_path_and_cwd(tmp_path: Path) -> None:
    bin_a, bin_b = tmp_path / "a", tmp_path / "b"
    bin_a.mkdir()
    bin_b.mkdir()
    _executable(bin_b / "tool", "#!/bin/sh\n")
    env = {"PATH": f"{bin_a}:{bin_b}"}
    assert execs("tool", "/", env)
    assert not execs("tool", "/", {"PATH": str(bin_a)})
    assert execs("b/tool", str(tmp_path), {})
    assert execs("tool", str(bin_b), {"PATH": ""})  # an empty entry: the working directory
    # The first entry that exists decides, as in exec: a non-executable one shadows the rest.
    (bin_a / "tool").write_text("#!/bin/sh\n")
    assert not execs("tool", "/", env)
    assert execs("sh", "/", {"PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize(
    ("name", "text", "mode"),
    [
        ("plain.py", "print('hi')\n", 0o755),  # no #! line: exec format error
        ("noexec.sh", "#!/bin/sh\n", 0o644),
        ("gone.sh", "#!/no/such/interpreter\n", 0o755),
        ("relative.sh", "#!sh\n", 0o755),
        ("empty.sh", "#!\n", 0o755),
        ("long.sh", "#!/bin/sh " + "x" * 300, 0o755),  # no line end within the kernel's buffer
    ],
)
def test_files_exec_would_refuse_are_left_to_exec(
    tmp_path: Path, name: str, text: str, mode: int
) -> None:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(mode)
    assert not execs(f"./{name}", str(tmp_path), {})


def test_a_folder_is_not_a_program(tmp_path: Path) -> None:
    (tmp_path / "tool").mkdir()
    assert not execs("tool", "/", {"PATH": str(tmp_path)})
    assert not execs("./tool", str(tmp_path), {})


def test_a_windows_line_end_after_the_interpreter_is_left_to_exec(tmp_path: Path) -> None:
    """The kernel looks for "/bin/sh\\r"; setpriv would say so in its own words."""
    path = tmp_path / "crlf.sh"
    path.write_bytes(b"#!/bin/sh\r\necho hi\r\n")
    path.chmod(0o755)
    assert not execs("./crlf.sh", str(tmp_path), {})
    _executable(tmp_path / "args.sh", "#! /bin/sh  -e \n")
    assert execs("./args.sh", str(tmp_path), {})


def _elf_copy(tmp_path: Path, edit: Callable[[bytes], bytes]) -> str:
    program = Path(os.path.realpath(shutil.which("true") or "/bin/true")).read_bytes()
    (tmp_path / "prog").write_bytes(edit(program))
    (tmp_path / "prog").chmod(0o755)
    return "./prog"


def _loader_renamed(program: bytes) -> bytes:
    start = program.index(b"/lib", 0, 4096)
    end = program.index(b"\0", start)
    return program[:start] + b"/no/such/ld".ljust(end - start, b"x") + program[end:]


@pytest.mark.parametrize(
    "edit",
    [
        lambda program: program[:8],  # truncated: the kernel refuses, execvp would run sh on it
        lambda program: program[:18] + b"\xff\xff" + program[20:],  # another machine
        _loader_renamed,  # a dynamic loader not installed here (a musl build on glibc)
    ],
    ids=["truncated", "other-machine", "missing-loader"],
)
def test_elf_files_exec_would_refuse_are_left_to_exec(
    tmp_path: Path, edit: Callable[[bytes], bytes]
) -> None:
    assert execs(_elf_copy(tmp_path, lambda program: program), str(tmp_path), {})
    assert not execs(_elf_copy(tmp_path, edit), str(tmp_path), {})
