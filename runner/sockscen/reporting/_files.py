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
    target = Path(path)
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
