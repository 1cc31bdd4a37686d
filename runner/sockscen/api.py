"""The library face of sockscen: load scenario files and run them from Python.

```python
import sockscen

result = sockscen.run_file("scenarios/echo.yaml")
assert result.ok, [s.id for s in result.scenarios if s.outcome is not sockscen.Outcome.PASSED]
```

These functions never touch signal handlers (Ctrl-C raises ``KeyboardInterrupt``
after every scenario cleaned up), so they are safe in any thread and inside
test frameworks.  They run trio themselves: from inside a trio program, call
them in a thread (``await trio.to_thread.run_sync(sockscen.run_file, path)``);
from asyncio they may be called directly (they block that loop meanwhile).
The engine (and trio) is imported on first use only.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, Union

from .errors import SockscenError
from .model import Scenario

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .results import RunResult

__all__ = [
    "NoScenarioError",
    "PathArg",
    "RunKeywords",
    "load",
    "raise_open_file_limit",
    "refuse_inside_trio",
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


class RunKeywords(TypedDict, total=False):
    """The keyword options of every ``run_*`` function; each may be left out.

    ``keyword`` is a ``-k`` expression and ``tags`` keeps scenarios matching
    any of these tag expressions (``"tcp and not slow"``, see
    ``sockscen.selection``); ``jobs`` bounds how many scenarios run at once
    (0: the engine's default); ``step_timeout`` replaces the 5 s default of
    steps that have no ``timeout`` of their own; ``exitfirst`` stops starting
    scenarios after the first failure, ``maxfail`` after that many (the rest
    are SKIPPED); ``max_buffer`` bounds unread stream data per connection, in
    bytes; ``seed`` fixes the faults' random decisions (as ``--seed``; None:
    a random seed, in the results).  The defaults of the last six are those
    of ``sockscen.RunOptions``, which raises ``ValueError`` naming a wrong value.
    """

    keyword: str | None
    tags: Sequence[str]
    jobs: int
    step_timeout: float | None
    exitfirst: bool
    maxfail: int
    max_buffer: int
    seed: int | None


#: The keywords that select scenarios; the others are ``RunOptions`` fields.
_SELECTION = ("keyword", "tags")


def run_scenarios(scenarios: Sequence[Scenario], **options: Unpack[RunKeywords]) -> RunResult:
    """Select among already loaded ``scenarios`` and run them; see ``run_paths``."""
    from .engine import run
    from .options import build_run_options
    from .selection import select

    check_keywords("run_scenarios", options)
    refuse_inside_trio(
        "the sockscen run_* functions start their own trio run, and trio runs cannot nest: "
        "from a trio program, call them in a thread, e.g. "
        "`await trio.to_thread.run_sync(sockscen.run_file, path)`"
    )
    keyword, tags = options.get("keyword"), options.get("tags", ())
    selected = select(scenarios, keyword, tags)
    if not selected:
        raise NoScenarioError(_why_none(len(scenarios), keyword, tags))
    raise_open_file_limit()
    engine_options = {k: v for k, v in options.items() if k not in _SELECTION}
    return run(selected, build_run_options(engine_options), handle_signals=False)


def refuse_inside_trio(message: str) -> None:
    """Raise ``RuntimeError(message)`` when called inside a running trio loop.

    trio's own "Attempted to call run() from inside a run()" names no way out:
    *message* says what to do instead.
    """
    import trio

    try:
        trio.lowlevel.current_task()
    except RuntimeError:
        return  # not inside trio: the usual case
    raise RuntimeError(message)


def check_keywords(function: str, options: Mapping[str, object]) -> None:
    """Refuse an option *function* does not take (a ``TypeError`` naming the ones it takes),
    and ``tags`` given as one string (a ``ValueError``): ``**options`` accepts any name at
    run time, where a signature would refuse a typo."""
    known = RunKeywords.__annotations__
    for name in options:
        if name not in known:
            raise TypeError(
                f"{function}() got an unexpected keyword argument {name!r} "
                f"(its options: {', '.join(known)})"
            )
    tags = options.get("tags")
    if isinstance(tags, str | bytes):
        # A string is a sequence of one-letter tags: tags="tcp" selected 't', 'c' or 'p'.
        raise ValueError(
            f"tags must be a list of tag expressions ([{tags!r}]), not the string {tags!r}"
        )


def _why_none(total: int, keyword: str | None, tags: Sequence[str]) -> str:
    if total == 0:
        return "no scenario selected: the given paths hold no scenario"
    criteria = []
    if keyword is not None:
        criteria.append(f"keyword {keyword!r}")
    if tags:
        criteria.append("tags " + ", ".join(repr(t) for t in tags))
    return f"no scenario selected: {' and '.join(criteria)} matched none of the {total} scenarios"


def run_paths(paths: PathArg | Iterable[PathArg], **options: Unpack[RunKeywords]) -> RunResult:
    """Load the scenario files and directories ``paths``, select and run them.

    ``options`` are the ``RunKeywords``: ``keyword``, ``tags``, ``jobs``,
    ``step_timeout``, ``exitfirst``, ``maxfail``, ``max_buffer``, ``seed``.

    Returns the ``RunResult``; a failing scenario is a result, not an
    exception.  Raises ``ConfigError`` for invalid files, ``KeywordError`` for
    a malformed ``keyword`` and ``NoScenarioError`` when nothing is selected.
    """
    check_keywords("run_paths", options)
    return run_scenarios(load(paths), **options)


def run_file(path: PathArg, **options: Unpack[RunKeywords]) -> RunResult:
    """Run every scenario of one file; the options are those of ``run_paths``."""
    check_keywords("run_file", options)
    return run_paths([path], **options)


def run_text(
    text: str,
    *,
    path: str = "<text>",
    directory: PathArg | None = None,
    **options: Unpack[RunKeywords],
) -> RunResult:
    """Run the scenarios of YAML ``text`` as if it were the file ``path``.

    ``directory`` is where relative ``file:`` payloads and process ``cwd``
    are resolved (default: the current directory).  The options are those of
    ``run_paths``.
    """
    from .loader import load_text

    check_keywords("run_text", options)
    base = Path(directory) if directory is not None else Path.cwd()
    return run_scenarios(load_text(text, path, str(base.resolve())), **options)
