"""From a scenario's ``Command`` to what is handed to the OS, and OS errors back to messages."""

from __future__ import annotations

import errno
import os
import resource
import shlex
import signal
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import Location, SetupError
from ..model import Command
from ..placeholders import PlaceholderError, Ref, Template
from .executables import read_head, resolve, shebang


@dataclass(frozen=True)
class ProcessContext:
    """What a process needs from its scenario.

    ``lookup`` resolves placeholders (and raises ``PlaceholderError`` for an
    unknown reference); ``directory`` is the scenario file's folder, the
    default working directory and the base of a relative ``cwd`` or ready
    ``path``; ``started`` is ``time.perf_counter()`` when the scenario started,
    the zero of transcript times (the clock every actor's transcript uses).
    """

    lookup: Callable[[Ref], str]
    directory: str
    started: float


@dataclass(frozen=True)
class PreparedCommand:
    """A ``Command`` with every placeholder expanded: what is handed to the OS."""

    argv: tuple[str, ...]
    cwd: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """The argv as a shell would read it, for messages."""
        return shlex.join(self.argv)


def expand_template(
    template: Template, lookup: Callable[[Ref], str], what: str, label: str, location: Location
) -> str:
    try:
        return template.expand(lookup)
    except PlaceholderError as exc:
        raise SetupError(
            f"{label}: cannot expand {what} {template.source!r}: {exc}", location
        ) from None


def expand_command(
    command: Command, lookup: Callable[[Ref], str], directory: str, label: str
) -> PreparedCommand:
    """Expand placeholders in argv, env values and cwd; resolve cwd against *directory*.

    ``shell: true`` becomes ``/bin/sh -c COMMAND`` (extra elements become
    ``$0``, ``$1``...), each placeholder's value in COMMAND quoted for the
    shell.  ``env`` holds only the scenario's additions; the inherited
    environment is added when spawning.  Raises ``SetupError``
    located at the command for an unknown placeholder.
    """
    loc = command.location
    argv = [expand_template(t, lookup, "argument", label, loc) for t in command.argv]
    if command.shell and command.argv:
        # A value from outside the scenario (an env variable, a capture) must stay
        # one word in the shell's hands, never shell syntax: each is quoted.
        argv[0] = expand_template(
            command.argv[0], lambda ref: shlex.quote(lookup(ref)), "argument", label, loc
        )
    if not argv or not argv[0]:
        raise SetupError(f"{label}: the command is empty; give the program to run", loc)
    if command.shell:
        argv = ["/bin/sh", "-c", *argv]
    env = {
        name: expand_template(value, lookup, f"env {name}", label, loc)
        for name, value in command.env
    }
    if command.cwd is None:
        cwd = directory
    else:
        cwd = os.path.join(directory, expand_template(command.cwd, lookup, "cwd", label, loc))
    return PreparedCommand(tuple(argv), os.path.normpath(cwd), env)


def describe_status(returncode: int) -> str:
    """``exit status 3`` or ``signal SIGKILL (9)`` for a negative return code."""
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = "signal"
    return f"signal {name} ({-returncode})"


def _missing_interpreter(program: str, prepared: PreparedCommand) -> str | None:
    """The #! line of *program* when the program exists: then its interpreter is what is missing."""
    found = resolve(program, prepared.cwd, {**os.environ, **prepared.env})
    head = read_head(found) if found is not None else None
    line = shebang(head) if head is not None else None
    if line is None:
        return None
    # A carriage return is kept: it is what makes a Windows-edited script's interpreter missing.
    return line.strip(b" \t").decode(errors="replace") or "(nothing)"


def spawn_error(exc: OSError, prepared: PreparedCommand, label: str) -> str:
    """A user's message for *exc*, raised starting *prepared*: what went wrong and what to do."""
    program = prepared.argv[0]
    start = f"{label}: cannot start {prepared.display}"
    if exc.filename is not None and os.fspath(exc.filename) == prepared.cwd:
        # subprocess names the folder when the child's chdir failed.
        return (
            f"{start}: cannot enter the working directory {prepared.cwd}: "
            f"{exc.strerror or exc} — check cwd"
        )
    if isinstance(exc, FileNotFoundError):
        interpreter = _missing_interpreter(program, prepared)
        if interpreter is not None and interpreter.endswith("\r"):
            return (
                f"{start}: {program!r} has Windows line endings: its #! line ends with a "
                "carriage return, so the system looks for an interpreter named with one "
                "— convert the file to Unix line endings (dos2unix, or sed -i 's/\\r$//')"
            )
        if interpreter is not None:
            return (
                f"{start}: {program!r} starts with #!{interpreter}, and that interpreter "
                "was not found — fix the #! line (e.g. #!/usr/bin/env python3) or install "
                f"the interpreter, or run the script through one, e.g. [python3, {program}]"
            )
        where = "relative to the working directory" if os.sep in program else "on PATH"
        return (
            f"{start}: no such file or directory: {program!r} (looked {where}, cwd {prepared.cwd}) "
            "— check the command's spelling and that the program is installed"
        )
    if isinstance(exc, PermissionError):
        return (
            f"{start}: permission denied: {program!r} is not executable "
            "— make it executable (chmod +x) or run it through its interpreter, "
            f"e.g. [python3, {program}]"
        )
    if exc.errno == 8:  # ENOEXEC: a script without a #! line
        return (
            f"{start}: {program!r} is not a program the system can run (exec format error) "
            f"— add a #! line or run it through its interpreter, e.g. [python3, {program}]"
        )
    if exc.errno in (errno.EMFILE, errno.ENFILE):
        limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        return (
            f"{start}: too many open files (the limit is {limit}; each running program holds "
            "a few descriptors for its pipes) — run fewer programs at once (a lower count) "
            "or raise the limit (ulimit -n)"
        )
    return f"{start}: {exc.strerror or exc} — check the command"
