"""Writing report files so a reader never sees half of one, and nobody else's file is touched.

Report paths often sit in shared places (``/tmp``, a CI workspace).  Another
user may have planted a symlink there, pointing at a file of theirs or of
root's: following it would replace that file with our report.  So the final
path component is never followed: the report goes to a fresh temporary
sibling, created with the user's umask, and is renamed over the path itself.
A rename replaces a symlink, not its target.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

_CREATE = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write *data* to *path* through a temporary sibling and a rename; return *path*.

    A run interrupted while writing (Ctrl-C, a full disk) leaves the previous
    report or none, never a truncated file that a CI reader would reject.
    A symlink at *path* is replaced by the report (its target is left alone);
    a pipe or a terminal (``/dev/stdout``, a FIFO a CI step reads) is written
    in place.  Raises ``PermissionError`` rather than replace a file or link
    that belongs to another user.
    """
    target = Path(path)
    if _write_to_stream(target, data):
        return target
    try:
        info: os.stat_result | None = os.lstat(target)
    except FileNotFoundError:
        info = None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
        if info.st_uid != os.geteuid():
            raise PermissionError(
                errno.EPERM,
                f"{target} belongs to another user (uid {info.st_uid}); not replacing it",
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # 0o666 before the umask: the permissions any file the user creates would get.
    fd = os.open(tmp, _CREATE, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _write_to_stream(target: Path, data: bytes) -> bool:
    """Write *data* in place when *target* is a pipe or a device; False for anything else.

    ``/dev/stdout`` is a symlink to such a stream: following it cannot replace
    anyone's file, and a rename there would fail or detach the reader.
    """
    try:
        info = os.stat(target)
    except OSError:
        return False
    if stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode):
        return False
    # No O_CREAT and no O_TRUNC: if the path was swapped for a regular file in
    # between, opening it changes nothing, and fstat below sends us back.
    fd = os.open(target, os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "wb") as handle:
        if stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return False
        handle.write(data)
    return True
