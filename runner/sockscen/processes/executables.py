"""Where exec finds a program, and the first bytes and ``#!`` line it starts from.

Kept apart (no subprocess, no signals): ``arming`` decides with it how to
start a program, ``commands`` explains with it why one could not start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

#: The kernel reads this much of a file to find its ``#!`` line (BINPRM_BUF_SIZE).
_HEADER_SIZE = 256


def resolve(program: str, cwd: str, env: Mapping[str, str]) -> str | None:
    """The file exec (in *cwd*, with *env*) takes for *program*; None when none is there.

    Resolved as ``subprocess`` resolves it: a name with a slash relative to
    *cwd*, any other through the PATH of *env*, the first entry that exists
    deciding.  None also for an entry that cannot be looked at.
    """
    if os.sep in program:
        candidates = [os.path.join(cwd, program)]
    else:
        candidates = [os.path.join(cwd, d, program) for d in os.get_exec_path(env)]
    for candidate in candidates:
        try:
            os.stat(candidate)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            return None
        return candidate
    return None


def read_head(path: str) -> bytes | None:
    """The first bytes of *path*, as many as the kernel reads to start it (None: unreadable)."""
    try:
        with open(path, "rb") as file:
            return file.read(_HEADER_SIZE)
    except OSError:
        return None


def shebang(head: bytes) -> bytes | None:
    """The ``#!`` line of a file starting with *head*, without ``#!`` and the newline; or None.

    A carriage return before the newline is kept: the kernel keeps it too.
    """
    if not head.startswith(b"#!") or b"\n" not in head:
        return None
    return head[2 : head.index(b"\n")]
