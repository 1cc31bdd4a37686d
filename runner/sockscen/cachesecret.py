"""The per-user secret that signs load-cache entries.

Load-cache entries are pickles, and unpickling runs code: an entry must be one
this user's sockscen wrote.  The folder that holds them cannot vouch for that
(a repository can commit one, another user can create it in a shared
directory), so each entry carries an HMAC under a key that lives outside any
project, readable by this user alone (``$XDG_CACHE_HOME/sockscen/`` or
``~/.cache/sockscen/``, mode 0600).  Without such a key (no home, a key file
someone else could have written) there is no cache: loading is only slower.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

__all__ = ["MAC_SIZE", "mac", "read_own_file", "secret"]

#: Bytes of a signature.
MAC_SIZE = 32
_KEY_SIZE = 32
_NAME = "load-cache.key"
_known: list[bytes | None] = []


def _folder() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.path.expanduser("~")
        base = os.path.join(home, ".cache") if home != "~" else ""
    return Path(base) / "sockscen" if os.path.isabs(base) else None


def read_own_file(path: Path, limit: int, *, private: bool = False) -> bytes | None:
    """The bytes of *path* when it is this user's own regular file of at most *limit* bytes.

    Never through a link, and never a FIFO or device (opened without waiting);
    with *private*, also nobody else may read or write it.  None otherwise.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
                return None
            if info.st_size > limit or (private and info.st_mode & 0o077):
                return None
            data = f.read(limit + 1)
    except OSError:
        return None
    return data if len(data) <= limit else None


def _read(path: Path) -> bytes | None:
    """The key at *path* when it is this user's own file that nobody else can touch."""
    key = read_own_file(path, _KEY_SIZE, private=True)
    return key if key is not None and len(key) == _KEY_SIZE else None


def _create(path: Path) -> None:
    """Write a fresh key at *path*, unless one is there already (another process won)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return
    try:
        os.write(fd, secrets.token_bytes(_KEY_SIZE))
    finally:
        os.close(fd)


def secret() -> bytes | None:
    """This user's signing key, created on first use; None when there can be none."""
    if _known:
        return _known[0]
    key = None
    folder = _folder()
    if folder is not None:
        path = folder / _NAME
        key = _read(path)
        if key is None:
            with contextlib.suppress(OSError):
                _create(path)
            key = _read(path)
    _known.append(key)
    return key


def mac(key: bytes, *parts: bytes | memoryview) -> bytes:
    """The signature of *parts* under *key*."""
    signer = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        signer.update(part)
    return signer.digest()
