"""Scenario temporary directories that name their runner, and the sweep of dead runners' ones.

A SIGKILLed runner cannot remove its scenarios' directories (and the Unix
socket files in them).  A directory made by ``make_private_dir`` carries the
runner's pid in its name (``sks-PID-XXXXXXXX``), so a later run can prove it
abandoned: the name has exactly that shape, it is a real directory (not a
symlink) owned by this user, and no process with that pid exists any more.
Only then does ``clear_stale_dirs`` remove it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile

from .ports import pid_alive

#: ``sks-<runner pid>-<mkdtemp's eight characters>``.
_NAME = re.compile(r"sks-([0-9]{1,10})-[a-z0-9_]{8}")


def make_private_dir(base: str) -> str:
    """A new private (0700) directory in *base* whose name says which process made it."""
    return tempfile.mkdtemp(prefix=f"sks-{os.getpid()}-", dir=base)


def clear_stale_dirs(base: str) -> list[str]:
    """Remove directories of *base* left by dead runners of this user; return their paths."""
    removed: list[str] = []
    try:
        names = os.listdir(base)
    except OSError:
        return removed
    me = os.getuid()
    for name in names:
        match = _NAME.fullmatch(name)
        if match is None or int(match.group(1)) == os.getpid():
            continue
        path = os.path.join(base, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != me or pid_alive(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            shutil.rmtree(path)
            removed.append(path)
    return removed
