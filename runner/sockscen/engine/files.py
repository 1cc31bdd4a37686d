"""Writing ``files:`` into the scenario's private directory once every address is settled."""

from __future__ import annotations

import os
from collections.abc import Callable

from ..errors import SetupError
from ..model import FileSpec
from ..placeholders import PlaceholderError, Ref
from .bindings import Bindings


def write_files(
    files: tuple[FileSpec, ...], bindings: Bindings, lookup: Callable[[Ref], str]
) -> list[tuple[str, int]]:
    """Write every file (sub-folders made); returns ``(path, size)`` of each, for reports.

    A placeholder without a value, text that does not fit its encoding or an
    OS error is a ``SetupError`` at the file's key.
    """
    written: list[tuple[str, int]] = []
    if not files:
        return written
    tmp = bindings.tmpdir()
    for spec in files:
        try:
            data = spec.content.render(lookup)
        except PlaceholderError as exc:
            raise SetupError(f"file {spec.path}: {exc}", spec.location) from exc
        except UnicodeError as exc:
            message = f"file {spec.path}: cannot encode its text: {exc}"
            raise SetupError(message, spec.location) from exc
        target = os.path.join(tmp, spec.path)
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, spec.mode)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(target, spec.mode)  # the umask must not narrow what the user asked for
        except OSError as exc:
            message = f"cannot write file {spec.path}: {exc.strerror}"
            raise SetupError(message, spec.location) from exc
        written.append((spec.path, len(data)))
    return written
