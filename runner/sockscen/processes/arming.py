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
``#!`` line, or an ELF program for this machine whose loader exists).
Anything else takes the ``preexec_fn`` path, so a missing or unrunnable
program fails in the runner's own exec, with the same error (and the same
message) as ever, and a script without a ``#!`` line is never handed to
``execvp``'s ``/bin/sh`` fallback.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import stat
import struct
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import BinaryIO

from .executables import read_head, resolve, shebang

#: prctl option: the signal this process gets when its parent (thread) dies (Linux).
_PR_SET_PDEATHSIG = 1
#: How deep ``#!`` interpreters may nest (the kernel's own limit is 4 more levels).
_INTERPRETER_DEPTH = 4


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

    False also when unsure: the caller then lets exec say why.
    """
    found = resolve(program, cwd, env)
    return found is not None and os.path.isfile(found) and _starts(found, _INTERPRETER_DEPTH)


def _starts(path: str, depth: int) -> bool:
    """True when *path* is an executable file with an ELF header or a ``#!`` line exec can use."""
    if depth < 0 or not os.access(path, os.X_OK):
        return False
    head = read_head(path)
    if head is None:
        return False
    if head.startswith(b"\x7fELF"):
        return _elf_starts(path)
    line = shebang(head)
    if line is None:
        return False
    # The kernel ends the interpreter's name at a space or a tab only: in a
    # "#!/bin/sh\r\n" line (a file saved on Windows) it looks for "/bin/sh\r".
    words = re.split(rb"[ \t]+", line.strip(b" \t"))
    if not words[0].startswith(b"/"):
        return False
    interpreter = os.fsdecode(words[0])
    try:
        regular = stat.S_ISREG(os.stat(interpreter).st_mode)
    except OSError:
        return False
    return regular and _starts(interpreter, depth - 1)


#: PT_INTERP: the program header naming an ELF program's loader (``ld.so``).
_PT_INTERP = 3


def _own_elf() -> bytes | None:
    """The class, byte order and machine (e_ident[4:6], e_machine) of this interpreter."""
    try:
        with open("/proc/self/exe", "rb") as file:
            head = file.read(20)
    except OSError:
        return None
    return head[4:6] + head[18:20] if head.startswith(b"\x7fELF") and len(head) == 20 else None


_OWN_ELF = _own_elf()


def _elf_starts(path: str) -> bool:
    """True when *path* is an ELF program for this machine whose loader (if any) exists.

    Any other ELF file (truncated, another architecture, a loader that is not
    installed here, as for a musl build) is refused by the kernel, and
    ``setpriv``'s ``execvp`` would then run it through ``/bin/sh`` or say
    "No such file or directory" in its own words.
    """
    try:
        with open(path, "rb") as file:
            return _elf_loader_exists(file)
    except (OSError, struct.error, ValueError):
        return False


def _elf_loader_exists(file: BinaryIO) -> bool:
    head = file.read(64)
    if _OWN_ELF is None or len(head) < 52 or head[4:6] + head[18:20] != _OWN_ELF:
        return False
    order = "<" if head[5] == 1 else ">"
    if head[4] == 2:  # ELFCLASS64
        phoff, phentsize, phnum = struct.unpack_from(order + "Q14xHH", head, 32)
        entry = order + "I4xQ16xQ"  # p_type, p_offset, p_filesz
    else:
        phoff, phentsize, phnum = struct.unpack_from(order + "I10xHH", head, 28)
        entry = order + "II8xI"
    if phentsize < struct.calcsize(entry) or phnum > 4096:
        return False
    file.seek(phoff)
    table = file.read(phentsize * phnum)
    if len(table) != phentsize * phnum:
        return False
    for index in range(phnum):
        kind, offset, size = struct.unpack_from(entry, table, index * phentsize)
        if kind == _PT_INTERP:
            if not 1 < size <= 4096:
                return False
            file.seek(offset)
            loader = file.read(size).split(b"\0", 1)[0]
            return loader.startswith(b"/") and os.path.isfile(os.fsdecode(loader))
    return True  # statically linked: no loader to find
