"""Run options as the faces take them: one table that the CLI and the pytest plugin both read.

Each row names a field of ``sockscen.engine.RunOptions``, how the ``sockscen
run`` command and the pytest plugin spell it, its value parser and its help.
A new engine option is one row here; both faces then offer it.

Imported by the pytest plugin at load time (in every pytest run), so only the
standard library is imported here at module level; ``durations``, ``model``
and the engine are imported when an option is parsed or a ``RunOptions`` built.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .engine import RunOptions

__all__ = [
    "RUN_OPTIONS",
    "RunOption",
    "add_cli_options",
    "add_plugin_options",
    "build_run_options",
    "jobs_arg",
    "parse_size",
    "size_arg",
    "step_timeout_arg",
]

# --------------------------------------------------------------------------- value parsers

_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kib": 1024,
    "kb": 1000,
    "m": 1024**2,
    "mib": 1024**2,
    "mb": 1000**2,
    "g": 1024**3,
    "gib": 1024**3,
    "gb": 1000**3,
}


def parse_size(text: str) -> int:
    """Bytes from ``16MiB``, ``64k``, ``1.5M``, ``2MB`` or a plain number.

    ``K``/``M``/``G`` and ``KiB``/``MiB``/``GiB`` are powers of 1024;
    ``KB``/``MB``/``GB`` powers of 1000.  Raises ``ValueError`` with a
    message for a user when the text is not a positive size.
    """
    m = _SIZE.match(text)
    unit = m.group(2).lower() if m else ""
    if m is None or unit not in _SIZE_UNITS:
        raise ValueError(
            f"{text!r} is not a size: write a number of bytes, optionally with a unit "
            "(64KiB, 16MiB, 1GiB, 16M, 10MB)"
        )
    size = int(float(m.group(1)) * _SIZE_UNITS[unit])
    if size < 1:
        raise ValueError(f"a size must be at least 1 byte, got {text!r}")
    return size


def size_arg(text: str) -> int:
    """argparse type of a byte size such as 64KiB."""
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def step_timeout_arg(text: str) -> float:
    """argparse type of a step timeout: a duration above 0."""
    from .durations import parse_duration

    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"the step timeout must be more than 0, got {text!r}")
    return seconds


def seed_arg(text: str) -> int:
    """argparse type of a seed: a whole number from 0 to 2**64 - 1."""
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= seed < 2**64:
        raise argparse.ArgumentTypeError(f"a seed is from 0 to 2**64 - 1, got {text!r}")
    return seed


def jobs_arg(text: str) -> int:
    """argparse type of a job count: a number, 0 or ``auto`` both giving 0, which ``RunOptions``
    takes as auto (the engine's ``default_jobs()``, then the CPU decides)."""
    if text.strip().lower() == "auto":
        return 0
    return _whole_number(
        text,
        0,
        f"{text!r} is not a whole number nor 'auto'",
        f"must be 0 (automatic) or more, or auto, got {text!r}",
    )


def _count_arg(text: str) -> int:
    """argparse type of a count above 0."""
    return _whole_number(
        text, 1, f"{text!r} is not a whole number", f"must be 1 or more, got {text!r}"
    )


def _whole_number(text: str, least: int, not_whole: str, too_small: str) -> int:
    """*text* as an int of at least *least*; the given argparse message when it is not."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(not_whole) from None
    if number < least:
        raise argparse.ArgumentTypeError(too_small)
    return number


def _default_max_buffer() -> int:
    from .model import DEFAULT_MAX_BUFFER

    return DEFAULT_MAX_BUFFER


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class RunOption:
    """One ``RunOptions`` field and how each face spells it (no flag: that face lacks it)."""

    field: str
    cli_flags: tuple[str, ...]
    plugin_flag: str | None
    help: str
    #: argparse type; None for an on/off switch.
    parse: Callable[[str], Any] | None = None
    metavar: str | None = None
    #: The CLI's default, computed when the parser is built (None: argparse's own).
    cli_default: Callable[[], Any] | None = None
    #: The plugin's help where it words the option differently.
    plugin_help: str | None = None

    @property
    def cli_dest(self) -> str:
        """The ``argparse.Namespace`` attribute of the CLI flag."""
        return self.cli_flags[-1].lstrip("-").replace("-", "_")

    @property
    def plugin_dest(self) -> str:
        """The ``config.getoption`` name of the plugin flag."""
        assert self.plugin_flag is not None
        return self.plugin_flag.lstrip("-").replace("-", "_")

    def _kwargs(self, default: Any, help_text: str) -> dict[str, Any]:
        if self.parse is None:
            return {"action": "store_true", "help": help_text}
        return {"type": self.parse, "default": default, "metavar": self.metavar, "help": help_text}


RUN_OPTIONS: tuple[RunOption, ...] = (
    RunOption(
        "jobs",
        ("-j", "--jobs"),
        None,
        "run at most N scenarios at once (default auto: a limit from the CPU count; 0 is auto too)",
        parse=jobs_arg,
        metavar="N",
        cli_default=lambda: 0,
    ),
    RunOption(
        "exitfirst",
        ("-x", "--exitfirst"),
        None,
        "start no new scenario after the first failure or error (the rest are skipped)",
    ),
    RunOption(
        "maxfail",
        ("--maxfail",),
        None,
        "start no new scenario after N failures or errors (the rest are skipped; "
        "-x is --maxfail 1)",
        parse=_count_arg,
        metavar="N",
        cli_default=lambda: 0,
    ),
    RunOption(
        "step_timeout",
        ("--timeout",),
        "--sockscen-timeout",
        "default timeout of each step, e.g. 500ms, 2s, 1m (default 5s; a step's own "
        "'timeout:' still wins)",
        parse=step_timeout_arg,
        metavar="DURATION",
        plugin_help="default timeout of each scenario step, e.g. 500ms, 2s (default 5s; a "
        "step's own 'timeout:' still wins)",
    ),
    RunOption(
        "max_buffer",
        ("--max-buffer",),
        "--sockscen-max-buffer",
        "most unread data kept per connection before an expect fails, e.g. 64KiB, "
        "16MiB (default 16MiB)",
        parse=size_arg,
        metavar="SIZE",
        cli_default=_default_max_buffer,
    ),
    RunOption(
        "seed",
        ("--seed",),
        "--sockscen-seed",
        "seed of every random fault decision (default: a random one, printed with any "
        "failure and written into reports); the same seed replays the same faults",
        parse=seed_arg,
        metavar="N",
    ),
)


class _AddArgument(Protocol):
    def add_argument(self, *flags: str, **kwargs: Any) -> Any: ...


class _AddOption(Protocol):
    def addoption(self, *flags: str, **kwargs: Any) -> Any: ...


def add_cli_options(group: _AddArgument) -> None:
    """Add the ``sockscen run`` flags of every option the CLI offers to *group*."""
    for option in RUN_OPTIONS:
        if option.cli_flags:
            default = option.cli_default() if option.cli_default is not None else None
            group.add_argument(*option.cli_flags, **option._kwargs(default, option.help))


def add_plugin_options(group: _AddOption) -> None:
    """Add the pytest flags of every option the plugin offers to *group* (default None: unset)."""
    for option in RUN_OPTIONS:
        if option.plugin_flag is not None:
            help_text = option.plugin_help or option.help
            group.addoption(option.plugin_flag, **option._kwargs(None, help_text))


def cli_values(args: argparse.Namespace) -> dict[str, Any]:
    """The ``RunOptions`` fields given by parsed ``sockscen run`` arguments."""
    return {o.field: getattr(args, o.cli_dest) for o in RUN_OPTIONS if o.cli_flags}


def plugin_values(getoption: Callable[[str, Any], Any]) -> dict[str, Any]:
    """The ``RunOptions`` fields set on the pytest command line (unset ones left out)."""
    values = {}
    for option in RUN_OPTIONS:
        if option.plugin_flag is not None:
            value = getoption(option.plugin_dest, None)
            if value is not None:
                values[option.field] = value
    return values


def build_run_options(*layers: Mapping[str, Any]) -> RunOptions:
    """A ``RunOptions`` from field values; a later mapping wins over an earlier one."""
    from .engine import RunOptions

    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update(layer)
    return RunOptions(**merged)
