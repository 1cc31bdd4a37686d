"""The library face of sockscen: load scenario files and run them from Python.

```python
import sockscen

result = sockscen.run_file("scenarios/echo.yaml")
assert result.ok, [s.id for s in result.scenarios if s.outcome is not sockscen.Outcome.PASSED]
```

These functions never touch signal handlers (Ctrl-C raises ``KeyboardInterrupt``
after every scenario cleaned up), so they are safe in any thread and inside
test frameworks.  The engine (and trio) is imported on first use only.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Union

from .errors import SockscenError
from .model import DEFAULT_MAX_BUFFER, Scenario

if TYPE_CHECKING:
    from .results import RunResult

__all__ = [
    "NoScenarioError",
    "PathArg",
    "load",
    "raise_open_file_limit",
    "run_file",
    "run_paths",
    "run_scenarios",
    "run_text",
]

PathArg = Union[str, "os.PathLike[str]"]


class NoScenarioError(SockscenError, LookupError):
    """Raised by the ``run_*`` functions when there is nothing to run.

    The paths held no scenario, or ``keyword``/``tags`` kept none.  A silent
    empty result would let ``assert result.ok`` pass without testing anything.
    """


def _as_list(paths: PathArg | Iterable[PathArg]) -> list[str]:
    # A lone string is one path, not an iterable of one-letter paths.
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


def load(paths: PathArg | Iterable[PathArg]) -> list[Scenario]:
    """Load every scenario of the given files and directories (directories recursively).

    Raises ``ConfigError`` holding every problem of every file when any is invalid.
    """
    from .loader import load_paths

    return load_paths(_as_list(paths))


def raise_open_file_limit() -> None:
    """Raise the soft ``RLIMIT_NOFILE`` to the hard limit.

    Each loopback connection costs two descriptors, so a scenario with a few
    hundred clients exceeds the common soft limit of 1024.  Failure to raise
    it is not an error: the run may still fit.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return
    # An infinite hard limit is refused as a soft limit on some systems (macOS): try
    # large finite values, highest first.
    candidates = [hard] if hard != resource.RLIM_INFINITY else [1 << 20, 65536, 10240]
    for target in candidates:
        if target <= soft:
            return
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            continue
        return


def run_scenarios(
    scenarios: Sequence[Scenario],
    *,
    keyword: str | None = None,
    tags: Sequence[str] = (),
    jobs: int = 0,
    step_timeout: float | None = None,
    exitfirst: bool = False,
    max_buffer: int = DEFAULT_MAX_BUFFER,
) -> RunResult:
    """Select among already loaded ``scenarios`` and run them; see ``run_paths``."""
    from .engine import RunOptions, run
    from .selection import select

    selected = select(scenarios, keyword, tags)
    if not selected:
        raise NoScenarioError(_why_none(len(scenarios), keyword, tags))
    raise_open_file_limit()
    options = RunOptions(
        jobs=jobs, step_timeout=step_timeout, exitfirst=exitfirst, max_buffer=max_buffer
    )
    return run(selected, options, handle_signals=False)


def _why_none(total: int, keyword: str | None, tags: Sequence[str]) -> str:
    if total == 0:
        return "no scenario selected: the given paths hold no scenario"
    criteria = []
    if keyword is not None:
        criteria.append(f"keyword {keyword!r}")
    if tags:
        criteria.append("tags " + ", ".join(repr(t) for t in tags))
    return f"no scenario selected: {' and '.join(criteria)} matched none of the {total} scenarios"


def run_paths(
    paths: PathArg | Iterable[PathArg],
    *,
    keyword: str | None = None,
    tags: Sequence[str] = (),
    jobs: int = 0,
    step_timeout: float | None = None,
    exitfirst: bool = False,
    max_buffer: int = DEFAULT_MAX_BUFFER,
) -> RunResult:
    """Load the scenario files and directories ``paths``, select and run them.

    ``keyword`` is a ``-k`` expression and ``tags`` keeps scenarios having any
    of them (see ``sockscen.selection``); ``jobs`` bounds how many scenarios
    run at once (0: the engine's default); ``step_timeout`` replaces the 5 s
    default of steps that have no ``timeout`` of their own; ``exitfirst``
    stops starting scenarios after the first failure (the rest are SKIPPED);
    ``max_buffer`` bounds unread stream data per connection, in bytes.

    Returns the ``RunResult``; a failing scenario is a result, not an
    exception.  Raises ``ConfigError`` for invalid files, ``KeywordError`` for
    a malformed ``keyword`` and ``NoScenarioError`` when nothing is selected.
    """
    return run_scenarios(
        load(paths),
        keyword=keyword,
        tags=tags,
        jobs=jobs,
        step_timeout=step_timeout,
        exitfirst=exitfirst,
        max_buffer=max_buffer,
    )


def run_file(
    path: PathArg,
    *,
    keyword: str | None = None,
    tags: Sequence[str] = (),
    jobs: int = 0,
    step_timeout: float | None = None,
    exitfirst: bool = False,
    max_buffer: int = DEFAULT_MAX_BUFFER,
) -> RunResult:
    """Run every scenario of one file; the options are those of ``run_paths``."""
    return run_paths(
        [path],
        keyword=keyword,
        tags=tags,
        jobs=jobs,
        step_timeout=step_timeout,
        exitfirst=exitfirst,
        max_buffer=max_buffer,
    )


def run_text(
    text: str,
    *,
    path: str = "<text>",
    directory: PathArg | None = None,
    keyword: str | None = None,
    tags: Sequence[str] = (),
    jobs: int = 0,
    step_timeout: float | None = None,
    exitfirst: bool = False,
    max_buffer: int = DEFAULT_MAX_BUFFER,
) -> RunResult:
    """Run the scenarios of YAML ``text`` as if it were the file ``path``.

    ``directory`` is where relative ``file:`` payloads and process ``cwd``
    are resolved (default: the current directory).  The options are those of
    ``run_paths``.
    """
    from .loader import load_text

    base = Path(directory) if directory is not None else Path.cwd()
    return run_scenarios(
        load_text(text, path, str(base.resolve())),
        keyword=keyword,
        tags=tags,
        jobs=jobs,
        step_timeout=step_timeout,
        exitfirst=exitfirst,
        max_buffer=max_buffer,
    )
