"""``file:`` parts: the bytes of a regular file, read once when the scenario is loaded."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from .base import BytesPart, PartContext, PathKey, fixed_text

#: The largest ``file:`` payload read into memory.
MAX_PAYLOAD_FILE = 256 * 1024 * 1024


def build(ctx: PartContext, value: dict[str, Any], at: PathKey) -> BytesPart | None:
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
        data = full.read_bytes()
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
    return BytesPart(data, "file")
