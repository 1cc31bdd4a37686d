"""How a program is armed to die with its runner: through ``setpriv``, or a ``preexec_fn``.

Every program gets ``PR_SET_PDEATHSIG`` = SIGKILL, so that a runner killed
outright (SIGKILL) takes its programs with it.  Setting it from a
``preexec_fn`` makes CPython fork() the whole runner (1.3-2 ms of the
runner's CPU per program, measured, and more in the child) where it could
vfork() (0.1 ms).  ``setpriv --pdeathsig KILL -- PROGRAM`` (util-linux) sets
the same signal from a tiny program that then execs the real one, in the
same process: same pid, same group, same exit status.  (Unlike the
``preexec_fn``, setpriv does not check that the runner is still there once
armed: a runner SIGKILLed in the millisecond between spawn and arming leaves
that program running, marked; the next run's ``sweep_dead_runners`` ends it.)

``launch`` is the one place that decides.  ``setpriv`` is used only when it
works here and exec is sure to find and start the program (resolved as exec
resolves it: PATH of the program's environment, execute permission, a
``#!`` line or an ELF header).  Anything else takes the ``preexec_fn`` path,
so a missing or unrunnable program fails in the runner's own exec, with the
same error (and the same message) as ever, and a script without a ``#!``
line is never handed to ``execvp``'s ``/bin/sh`` fallback.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import stat
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence

#: prctl option: the signal this process gets when its parent (thread) dies (Linux).
_PR_SET_PDEATHSIG = 1
#: How deep ``#!`` interpreters may nest (the kernel's own limit is 4 more levels).
_INTERPRETER_DEPTH = 4
#: The kernel reads this much of a file to find its ``#!`` line (BINPRM_BUF_SIZE).
_HEADER_SIZE = 256


def _load_prctl() -> Callable[..., int] | None:
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


#: Resolved in the parent: a child between fork and exec should call, not look up.
_PRCTL = _load_prctl()


def die_with(runner: int) -> Callable[[], None]:
    """The ``preexec_fn`` arming SIGKILL for the child when its forking thread ends."""

    def arm() -> None:
        armed = _PRCTL is not None and _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        # The runner may have died between fork and prctl: then nothing would fire.
        if armed and os.getppid() != runner:
            os.kill(os.getpid(), signal.SIGKILL)

    return arm


class _Setpriv:
    """Where a working ``setpriv --pdeathsig`` is, looked up once (None: not here)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._looked = False
        self._path: str | None = None

    @property
    def path(self) -> str | None:
        with self._lock:
            if not self._looked:
                self._looked = True
                self._path = _working_setpriv()
            return self._path

    def disable(self, disabled: bool = True) -> None:
        """Use the ``preexec_fn`` path from now on (False: look ``setpriv`` up again)."""
        with self._lock:
            self._looked = disabled
            self._path = None


def _working_setpriv() -> str | None:
    found = shutil.which("setpriv")
    if found is None:
        return None
    # util-linux before 2.33 has no --pdeathsig: try it once, on setpriv itself.
    try:
        done = subprocess.run(
            [found, "--pdeathsig", "KILL", "--", found, "--version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return found if done.returncode == 0 else None


#: The ``setpriv`` of this interpreter.
SETPRIV = _Setpriv()


def launch(
    argv: Sequence[str], cwd: str, env: Mapping[str, str], runner: int
) -> tuple[list[str], Callable[[], None] | None]:
    """The argv and ``preexec_fn`` that start *argv* armed to die with the runner *runner*."""
    setpriv = SETPRIV.path
    if setpriv is not None and execs(argv[0], cwd, env):
        return [setpriv, "--pdeathsig", "KILL", "--", *argv], None
    return list(argv), die_with(runner)


def execs(program: str, cwd: str, env: Mapping[str, str]) -> bool:
    """True when exec (in *cwd*, with *env*) surely finds *program* and starts it.

    Resolved as ``subprocess`` resolves it: a name with a slash relative to
    *cwd*, any other through the PATH of *env*, the first entry that exists
    deciding.  False also when unsure: the caller then lets exec say why.
    """
    if os.sep in program:
        candidates = [os.path.join(cwd, program)]
    else:
        candidates = [os.path.join(cwd, d, program) for d in os.get_exec_path(env)]
    for candidate in candidates:
        try:
            info = os.stat(candidate)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            return False
        return stat.S_ISREG(info.st_mode) and _starts(candidate, _INTERPRETER_DEPTH)
    return False


def _starts(path: str, depth: int) -> bool:
    """True when *path* is an executable file with an ELF header or a ``#!`` line exec can use."""
    if depth < 0 or not os.access(path, os.X_OK):
        return False
    try:
        with open(path, "rb") as file:
            head = file.read(_HEADER_SIZE)
    except OSError:
        return False
    if head.startswith(b"\x7fELF"):
        return True
    if not head.startswith(b"#!") or b"\n" not in head:
        return False
    words = head[2 : head.index(b"\n")].split()
    if not words or not words[0].startswith(b"/"):
        return False
    interpreter = os.fsdecode(words[0])
    try:
        regular = stat.S_ISREG(os.stat(interpreter).st_mode)
    except OSError:
        return False
    return regular and _starts(interpreter, depth - 1)
