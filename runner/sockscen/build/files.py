"""Building ``files:``: paths kept inside ``${tmp}``, any payload form, an octal ``mode``."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from .. import model
from ..yamlsource import PathKey
from .context import Context

_MODE = re.compile(r"0?[0-7]{3,4}")


def _bad_path(path: str) -> str | None:
    """Why *path* may not name a file in ``${tmp}``, or None."""
    if path.startswith("/"):
        return "is absolute"
    if ".." in path.split("/"):
        return "climbs out with .."
    normal = posixpath.normpath(path)
    if normal in (".", "") or path.endswith("/"):
        return "names no file"
    return None


def build_files(ctx: Context) -> tuple[model.FileSpec, ...]:
    """The scenario's ``files:``, each located problem recorded on its key or ``mode``."""
    files: list[model.FileSpec] = []
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
