"""Building ``files:``: paths kept inside ``${tmp}``, any payload form, an octal ``mode``."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from .. import model
from ..yamlsource import PathKey
from .context import Context

_MODE = re.compile(r"0?[0-7]{3,4}")


#: The longest name of one file or folder (Linux's NAME_MAX), in bytes.
_NAME_MAX = 255
#: The longest path (Linux's PATH_MAX): also keeps the checks below linear.
_PATH_MAX = 4096


def _bad_path(path: str) -> str | None:
    """Why *path* may not name a file in ``${tmp}``, or None."""
    if "\0" in path:
        return "holds a NUL character"
    if len(path.encode("utf-8", "surrogateescape")) > _PATH_MAX:
        return f"is longer than {_PATH_MAX} bytes, the most Linux allows"
    if any(len(part.encode("utf-8", "surrogateescape")) > _NAME_MAX for part in path.split("/")):
        return f"has a name longer than {_NAME_MAX} bytes, the most Linux allows"
    if path.startswith("/"):
        return "is absolute"
    if ".." in path.split("/"):
        return "climbs out with .."
    normal = posixpath.normpath(path)
    if normal in (".", "") or path.endswith("/"):
        return "names no file"
    return None


def _clash(key: str, files: dict[str, str], folders: dict[str, str]) -> str | None:
    """How *key* collides with a path already written (recording it when it does not).

    *files* maps each normalized path to the key that wrote it, *folders* each
    folder those paths need to a key needing it: ``./a`` and ``a`` are one
    file, and ``a`` cannot be a file when ``a/b`` needs it as a folder.
    """
    normal = posixpath.normpath(key)
    if normal in files:
        return f"is the same file as {files[normal]!r}"
    if normal in folders:
        return f"is a folder of {folders[normal]!r}, so it cannot be written as a file"
    parts = normal.split("/")
    above = ["/".join(parts[:i]) for i in range(1, len(parts))]
    for folder in above:
        if folder in files:
            return f"needs {folder!r} to be a folder, but {files[folder]!r} writes it as a file"
    files[normal] = key
    for folder in above:
        folders.setdefault(folder, key)
    return None


def build_files(ctx: Context) -> tuple[model.FileSpec, ...]:
    """The scenario's ``files:``, each located problem recorded on its key or ``mode``."""
    files: list[model.FileSpec] = []
    written: dict[str, str] = {}
    folders: dict[str, str] = {}
    for path, value in (ctx.doc.get("files") or {}).items():
        at: PathKey = ("files", path)
        why = _bad_path(path)
        if why is not None:
            ctx.problem(
                at,
                f"file {path!r} {why}: files: keys are paths inside ${{tmp}}",
                "write a relative path such as conf/app.conf",
                key=True,
            )
            continue
        clash = _clash(path, written, folders)
        if clash is not None:
            ctx.problem(at, f"file {path!r} {clash}", "give each file a path of its own", key=True)
            continue
        mode = 0o644
        content: Any = value
        if isinstance(value, dict) and "mode" in value:
            content = {k: v for k, v in value.items() if k != "mode"}
            text = str(value["mode"])
            if _MODE.fullmatch(text) is None:
                ctx.problem((*at, "mode"), f"mode {text!r} is not an octal permission string")
                continue
            mode = int(text, 8)
        payload = ctx.payload(content, at)
        files.append(model.FileSpec(posixpath.normpath(path), payload, ctx.key_loc(at), mode))
    return tuple(files)
