"""``file:`` parts: the bytes of a regular file, checked when loaded, read when first sent.

Validation only stats the file: ``sockscen validate`` of a scenario naming a
200 MiB file eight times used to hold eight copies (1.6 GiB).  At run time
each file is read once, on first use, and shared by every part naming it
until the run ends (``FILES.clear()``).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..placeholders import PlaceholderError
from .base import Lookup, PartContext, PathKey, fixed_text

#: The largest ``file:`` payload read into memory.
MAX_PAYLOAD_FILE = 256 * 1024 * 1024


class FileReadError(PlaceholderError):
    """A ``file:`` payload could not be read at run time (the step fails, saying why)."""


class FileCache:
    """The bytes of the payload files a run has used, one copy per file."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def read(self, path: str) -> bytes:
        """The bytes of *path* (read on first use); ``FileReadError`` when it cannot be read."""
        data = self._data.get(path)
        if data is None:
            data = self._data[path] = _read(path)
        return data

    def clear(self) -> None:
        """Forget every file (the run is over)."""
        self._data.clear()


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise FileReadError(f"payload file {path} is no longer a regular file")
            data = f.read(MAX_PAYLOAD_FILE + 1)
    except OSError as exc:
        raise FileReadError(f"cannot read payload file {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_PAYLOAD_FILE:
        raise FileReadError(f"payload file {path} grew past {MAX_PAYLOAD_FILE} bytes")
    return data


#: The files of the run in progress.
FILES = FileCache()


@dataclass(frozen=True, slots=True)
class FilePart:
    """The bytes of a file, read at run time; ``size`` is what it had when it was loaded."""

    path: str
    size: int

    @property
    def is_static(self) -> bool:
        """Never: the bytes are read when first sent, not held from validation on."""
        return False

    def render(self, lookup: Lookup) -> bytes:
        """The file's bytes (shared with every part naming the same file)."""
        return FILES.read(self.path)


def build(ctx: PartContext, value: dict[str, Any], at: PathKey) -> FilePart | None:
    """The bytes of ``{file: NAME}``, NAME relative to the scenario file's folder."""
    at = (*at, "file")
    name: str = value["file"]
    if not fixed_text(ctx, name, at, "file"):
        return None
    if "\0" in name:
        ctx.problem(at, "a file name cannot contain a NUL character")
        return None
    full = Path(ctx.directory, name)
    try:
        info = full.stat()
        # A FIFO would block and /dev/zero never ends: read regular files only.
        if not stat.S_ISREG(info.st_mode):
            ctx.problem(at, f"file {name!r} is not a regular file ({full})")
            return None
        if info.st_size > MAX_PAYLOAD_FILE:
            ctx.problem(
                at,
                f"file {name!r} has {info.st_size} bytes, more than the "
                f"{MAX_PAYLOAD_FILE // (1024 * 1024)} MiB a payload file may have",
            )
            return None
        # Can we read it?  Open it, read nothing: its bytes wait for the run.
        with open(full, "rb"):
            pass
    except FileNotFoundError:
        ctx.problem(
            at,
            f"file {name!r} not found (looked for {full})",
            "paths are relative to the scenario file",
        )
        return None
    except OSError as exc:
        ctx.problem(at, f"cannot read file {name!r}: {exc.strerror or exc}")
        return None
    return FilePart(os.path.realpath(full), info.st_size)
