"""What the commands share: finding, loading and selecting scenarios, and the user errors."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..errors import ConfigError
from .help import DEFAULT_PATH

if TYPE_CHECKING:
    from ..loadcache import LoadCache
    from ..model import Scenario


class UsageError(Exception):
    """A mistake on the command line found after parsing (a path, a report file): exit 2."""


class NothingSelected(Exception):
    """No scenario to run or list: exit 5 with the reason."""


class EmptyShard(Exception):
    """``--shard K/N`` with more shards than files left this one none: nothing to do, exit 0.

    A CI matrix keeps its N while the suite shrinks; its spare jobs must not fail.
    """


def verbosity(args: argparse.Namespace) -> int:
    """-1 (quiet) to 2 (-vv) from the counted -v and -q."""
    level: int = args.verbose - args.quiet
    return max(-1, min(2, level))


def plural(count: int, word: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def paths(args: argparse.Namespace) -> list[str]:
    """The paths to load; a missing default directory is 'nothing selected', not a usage error."""
    given: list[str] = args.paths
    if given:
        return given
    if not Path(DEFAULT_PATH).exists():
        raise NothingSelected(
            f"there is no {DEFAULT_PATH}/ directory in {Path.cwd()} "
            f"(name the scenario files or directories: sockscen {args.command} PATH...)"
        )
    return [DEFAULT_PATH]


#: The path that means "standard input", and how reports name it.
STDIN = "-"
STDIN_NAME = "<stdin>"


def _load_stdin() -> list[Scenario]:
    from ..loader import load_stream

    if sys.stdin is None:
        # Started with standard input closed (`<&-`, some service managers): Python has none.
        raise UsageError("standard input is closed: give the scenario as a file, or pipe it in")
    # Relative ``file:`` payloads and process ``cwd`` are resolved against the current folder.
    return load_stream(sys.stdin.buffer, STDIN_NAME, os.getcwd())


#: The project file whose folder holds the project's defaults and load cache.
FILE = "pyproject.toml"


def find_pyproject(start: Path) -> Path | None:
    """The first ``pyproject.toml`` in *start* or a folder above it."""
    for folder in (start, *start.parents):
        candidate = folder / FILE
        if candidate.is_file():
            return candidate
    return None


def load_cache(args: argparse.Namespace) -> LoadCache | None:
    """The load cache the command's options ask for (``--no-cache``, ``--cache-clear``).

    It lives in ``.sockscen_cache/`` beside the project's ``pyproject.toml``, or in the
    current folder when there is none (where pytest's rootdir would be).
    """
    from ..loadcache import CACHE_DIR, LoadCache

    project = find_pyproject(Path.cwd())
    cache = LoadCache((project.parent if project is not None else Path.cwd()) / CACHE_DIR)
    if getattr(args, "cache_clear", False):
        cache.clear()
    return cache if getattr(args, "use_cache", True) else None


def _with_stdin(
    paths: Sequence[str], shard: tuple[int, int] | None, cache: LoadCache | None
) -> tuple[int, list[Scenario]]:
    others = [p for p in paths if p != STDIN]
    errors: list[ConfigError] = []
    try:
        from_stdin = _load_stdin()
    except ConfigError as exc:
        errors.append(exc)
        from_stdin = []
    count = 0
    rest: list[Scenario] = []
    try:
        if others:
            count, rest = load(others, shard, cache)
    except ConfigError as exc:
        errors.append(exc)
    if errors:
        raise ConfigError.merge(errors)
    for scenario in from_stdin:
        for warning in scenario.warnings:
            print(warning, file=sys.stderr)
    return count + 1, from_stdin + rest


def load(
    paths: Sequence[str],
    shard: tuple[int, int] | None = None,
    cache: LoadCache | None = None,
) -> tuple[int, list[Scenario]]:
    """(number of files, scenarios) of the files (of the *shard*, ``--shard K/N``) under *paths*.

    Raises ConfigError (missing path included).  A shard reads only its own
    files: the others are another job's to check.  ``-`` is standard input,
    read once, named ``<stdin>`` in reports (and never left out by a shard).
    Files (not standard input) are read back from *cache* when unchanged.
    """
    if STDIN in paths:
        return _with_stdin(paths, shard, cache)
    from ..loader import discover, display_path, load_paths
    from ..selection import shard as shard_of

    try:
        files = discover(paths)
    except ConfigError:
        # A missing path must not hide the problems of the files that exist:
        # load_paths reports them all together.
        load_paths(paths)
        raise
    if not files:
        raise NothingSelected(
            "no scenario files (*.yaml, *.yml) found in " + ", ".join(repr(p) for p in paths)
        )
    if shard is not None:
        shown = {display_path(f): f for f in files}
        files = [shown[name] for name in shard_of(list(shown), *shard)]
        if not files:
            raise EmptyShard(f"shard {shard[0]}/{shard[1]}: no file of the {len(shown)} found")
    scenarios = load_paths(files, cache=cache)
    for scenario in scenarios:
        for warning in scenario.warnings:
            print(warning, file=sys.stderr)
    return len(files), scenarios


def select(args: argparse.Namespace, scenarios: list[Scenario], file_count: int) -> list[Scenario]:
    """The scenarios kept by -k and --tag; raises NothingSelected, saying why, when none is."""
    from ..selection import select as select_scenarios

    selected = select_scenarios(scenarios, args.keyword, args.tags)
    if selected:
        return selected
    if not scenarios:
        holds = "holds" if file_count == 1 else "hold"
        raise NothingSelected(f"the {plural(file_count, 'file')} found {holds} no scenario")
    criteria = []
    if args.keyword is not None:
        criteria.append(f"-k {args.keyword!r}")
    if args.tags:
        criteria.append(" ".join(f"--tag {shlex.quote(t)}" for t in args.tags))
    raise NothingSelected(
        f"{' and '.join(criteria)} matched none of the {plural(len(scenarios), 'scenario')}"
    )


def github_format(args: argparse.Namespace) -> bool:
    """Whether GitHub annotations are wanted: ``--format github``, or GITHUB_ACTIONS=true."""
    from ..reporting.github import github_enabled

    chosen = getattr(args, "format", None)
    if chosen is None:
        return github_enabled(os.environ)
    return bool(chosen == "github")


def report_invalid(error: ConfigError, args: argparse.Namespace, *, ran_nothing: bool) -> None:
    """Report invalid files: problems on stderr; with GitHub, annotations and a job summary."""
    report_problems(error, sys.stderr, ran_nothing=ran_nothing)
    if not github_format(args):
        return
    from ..reporting.github import problem_annotations
    from ..reporting.step_summary import problems_markdown, write_step_summary

    for line in problem_annotations(error.problems):
        print(line)
    sys.stdout.flush()
    failed = write_step_summary(problems_markdown(error.problems))
    if failed:
        print(failed, file=sys.stderr)


def report_problems(error: ConfigError, stream: TextIO, *, ran_nothing: bool) -> None:
    """Print every problem of an invalid file set, then a one-line count."""
    for problem in error.problems:
        print(problem, file=stream)
    files = {p.location.path for p in error.problems if p.location is not None}
    summary = f"sockscen: {plural(len(error.problems), 'problem')}"
    if files:
        summary += f" in {plural(len(files), 'file')}"
    if ran_nothing:
        summary += "; nothing was run"
    print(summary, file=stream)


def prepare_output(option: str, value: str, *, folder: bool) -> Path:
    """Make sure a report can be written at *value* (a file, or a *folder*) before running.

    The folder (a file's parent) is created; raises UsageError, naming the option,
    when that fails or the place is not writable.
    """
    path = Path(value)
    if not folder and path.is_dir():
        raise UsageError(f"{option} {value}: is a directory; give a file name")
    try:
        (path if folder else path.parent).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if folder and isinstance(exc, FileExistsError):
            raise UsageError(f"{option} {value}: exists and is not a directory") from None
        what = "it" if folder else "its folder"
        raise UsageError(f"{option} {value}: cannot create {what}: {exc.strerror}") from None
    if folder:
        if not os.access(path, os.W_OK | os.X_OK):
            raise UsageError(f"{option} {value}: not writable (check its permissions)")
        return path
    parent = path.parent
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"{option} {value}: not writable (check the permissions of {parent}/)")
    return path
