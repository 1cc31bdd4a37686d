"""Writing report files so a reader never sees half of one."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write *data* to *path* through a temporary sibling and a rename.

    A run interrupted while writing (Ctrl-C, a full disk) leaves the previous
    report or none, never a truncated file that a CI reader would reject.
    The temporary file is opened normally so the report gets the usual
    umask-based permissions.
    """
    # A symlink is written through (to its target); a FIFO or a device
    # (/dev/stdout, a pipe a CI step reads) is written in place, never replaced.
    target = Path(os.path.realpath(path))
    if target.exists() and not target.is_file():
        with open(target, "wb") as handle:
            handle.write(data)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
