"""The ``sockscen_run`` fixture: a scenario file or YAML text run from a Python test.

A path given as a string is looked for where users expect it whatever the
current directory is (pytest is often started from elsewhere: an IDE, a
parent folder, ``--rootdir``): the current directory, then the test file's
folder (where ``sockscen_servers`` and inline ``file:`` payloads look), then
the rootdir.  A one-line string that names no file is a missing file, said
so, not YAML text: a one-line scenario would be a ``{...}`` flow mapping.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .options import plugin_values
from .plugin_timeout import capped, paused_timer

if TYPE_CHECKING:
    from .model import Scenario
    from .results import RunResult

__all__ = ["run_options", "scenario_file", "sockscen_run"]


def run_options(config: pytest.Config, overrides: dict[str, Any]) -> dict[str, Any]:
    """The run options of the plugin flags (``--sockscen-timeout``...), *overrides* winning."""
    return {**plugin_values(config.getoption), **overrides}


def scenario_file(source: str | os.PathLike[str], request: pytest.FixtureRequest) -> Path | None:
    """The file *source* names, or None when *source* is YAML text.

    Raises ``ConfigError`` (located at the path given) for a path that names no file.
    """
    from .errors import ConfigError, Problem

    if isinstance(source, str) and ("\n" in source or source.lstrip().startswith("{")):
        return None
    given = Path(source)
    if given.is_absolute():
        places = [given.parent]
    else:
        places = [Path.cwd(), Path(request.path).parent, request.config.rootpath]
    for place in dict.fromkeys(places):
        if _exists(place / given):
            return given if given.is_absolute() else place / given
    looked = ", ".join(str(p) for p in dict.fromkeys(places))
    raise ConfigError([Problem(None, f"{source}: no such file or directory (looked in {looked})")])


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long, say: then it names nothing
        return False


def _load(source: str | os.PathLike[str], request: pytest.FixtureRequest) -> list[Scenario]:
    from .api import load
    from .loader import load_text

    path = scenario_file(source, request)
    if path is not None:
        return load([path])
    # Text in a triple-quoted string is usually indented like the test around it.
    text = textwrap.dedent(str(source))
    return load_text(text, f"<{request.node.name}>", str(Path(request.path).parent.resolve()))


#: Why ``sockscen_run`` refuses to run in an async trio test, and what to do instead.
_INSIDE_TRIO = (
    "sockscen_run blocks until its scenarios end, so it cannot be called from inside a "
    "running trio loop (an async trio test): call it in a worker thread, "
    "`await trio.to_thread.run_sync(sockscen_run, PATH)`"
)


@pytest.fixture
def sockscen_run(request: pytest.FixtureRequest) -> Callable[..., RunResult]:
    """Run a scenario file, or YAML text, from a Python test and return the ``RunResult``.

    ``run(path_or_text, **options)``: a ``pathlib.Path`` or a one-line string
    is a file, looked for in the current directory, then the test file's
    folder, then the rootdir; any other string is scenario YAML, dedented
    (relative ``file:`` payloads are then resolved against the test file's
    folder).  ``options`` are those of ``sockscen.run_paths`` (``keyword``,
    ``tags``, ``jobs``, ``step_timeout``, ``exitfirst``, ``maxfail``, ``max_buffer``,
    ``seed``); ``--sockscen-timeout`` and ``--sockscen-max-buffer`` give the defaults.
    A failing scenario is a result to inspect, not an exception; a missing
    or invalid file raises ``ConfigError``.  Under pytest-timeout the test's
    timer is paused while the scenarios run and its time left is their deadline.
    """
    from .errors import ConfigError

    config = request.config

    def run(source: str | os.PathLike[str], **options: Any) -> RunResult:
        # A wrong argument, file or selection is the test's: its line is the place to show.
        __tracebackhide__ = True
        from .api import NoScenarioError, check_keywords, refuse_inside_trio, run_scenarios

        refuse_inside_trio(_INSIDE_TRIO)
        try:
            check_keywords("sockscen_run", options)
        except (TypeError, ValueError) as exc:
            raise exc.with_traceback(None) from None
        merged = run_options(config, options)
        try:
            scenarios = _load(source, request)
        except ConfigError as exc:
            raise exc.with_traceback(None) from None
        # pytest-timeout must not fire inside the trio run: its time left is the deadline.
        with paused_timer(request.node) as deadline:
            try:
                return run_scenarios(capped(scenarios, deadline), **merged)
            except NoScenarioError as exc:
                raise exc.with_traceback(None) from None

    return run
