"""The pytest plugin: scenario files collected and run as pytest items.

Installed through the ``pytest11`` entry point, so it is loaded in *every*
pytest run of an environment where sockscen is installed.  Hence:

* only files meant for sockscen are collected (see ``is_scenario_file``);
* this module imports only pytest, the standard library and the light ``sockscen.options``
  table (shared with the CLI); the loader (YAML, JSON Schema) is imported when a
  scenario file is collected, the engine (trio) when a scenario item runs.

Collection, by default: ``*.yaml``/``*.yml`` files below a directory named
``scenarios`` and any ``*.scn.yaml``/``*.scn.yml`` file.  The ini option
``sockscen_files`` (glob patterns relative to the rootdir) replaces that
rule.  A YAML file named on the command line is always collected.

Each scenario is one item, ``path/file.yaml::scenario name``, located at the
scenario's line.  The scenario runs in the item's *setup* phase, so a setup
error (a server that did not start) is a pytest ERROR and a misbehaving
system under test a FAILURE, each shown with the same diagnosis as the
``sockscen`` console report.

Items hold nothing but their ``Scenario`` and the result of their own run, so each
pytest-xdist worker re-creates them by collecting the files itself; only the load
cache (``plugin_cache``: unchanged valid files are not validated again) outlives a session.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .options import add_plugin_options, build_run_options
from .plugin_cache import add_cache_option, clear_if_asked, load_cache
from .plugin_failures import (
    JunitClassnames,
    add_result_sections,
    diagnosis,
    scenario_repr,
    timeout_note,
)
from .plugin_hints import uncollected_hint
from .plugin_markers import marker_clashes, register_tags
from .plugin_reports import REPORTS_KEY, add_report_options, configure_reports
from .plugin_run_fixture import run_options, sockscen_run
from .plugin_timeout import (
    capped,
    item_timeout,
    pytest_timeout_cancel_timer,
    pytest_timeout_set_timer,
)
from .servers_fixture import sockscen_servers

if TYPE_CHECKING:
    from .model import Scenario
    from .results import ScenarioResult

__all__ = [
    "ScenarioFailed",
    "ScenarioFile",
    "ScenarioItem",
    "diagnosis",
    "glob_match",
    "is_scenario_file",
    "pytest_timeout_cancel_timer",
    "pytest_timeout_set_timer",
    "sockscen_run",
    "sockscen_servers",
]

#: The name of the distribution, as pytest's header lists it (``plugins: sockscen-0.1.0``).
DISTRIBUTION = "sockscen"
INI_FILES = "sockscen_files"
SCENARIO_DIR = "scenarios"
YAML_SUFFIXES = (".yaml", ".yml")
SCN_SUFFIXES = (".scn.yaml", ".scn.yml")

_explicit_key = pytest.StashKey[tuple[frozenset[Path], frozenset[Path]]]()
_collected_key = pytest.StashKey[set[Path]]()


# --------------------------------------------------------------------------- options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sockscen", "sockscen scenario files")
    # The run options' flags, types and help come from the table the CLI reads too.
    add_plugin_options(group)
    # Each registered reporter brings its flag (--sockscen-json ...).
    add_report_options(group)
    add_cache_option(group)
    parser.addini(
        INI_FILES,
        type="linelist",
        default=[],
        help="glob patterns of sockscen scenario files, relative to the rootdir ('**' spans "
        "folders; a pattern without '/' matches file names at any depth). Replaces the "
        "default: *.yaml/*.yml below a 'scenarios' folder, and *.scn.yaml/*.scn.yml anywhere.",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.is_blocked(DISTRIBUTION):
        # ``-p no:sockscen``, the name pytest's header shows, turns the plugin off as
        # its entry point's name does (pytest only knows that one); the options stay
        # known, so an ``addopts`` holding ``--sockscen-*`` flags keeps working.
        config.pluginmanager.unregister(sys.modules[__name__])
        return
    config.pluginmanager.register(JunitClassnames(config), "sockscen-junit-classnames")
    config.addinivalue_line("markers", "sockscen: a scenario collected from a sockscen YAML file")
    configure_reports(config)
    clear_if_asked(config)


# --------------------------------------------------------------------------- collection rules


@functools.lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a path glob: ``*`` and ``?`` stay within one folder, ``**`` spans folders."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z")


def glob_match(pattern: str, relative: str) -> bool:
    """Whether the ``/``-separated *relative* path matches *pattern*.

    A pattern without ``/`` is matched against the file name alone (like
    pytest's ``python_files``); otherwise against the whole relative path.
    """
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    if "/" not in pattern:
        return _glob_regex(pattern).match(relative.rsplit("/", 1)[-1]) is not None
    return _glob_regex(pattern).match(relative) is not None


def _explicit(config: pytest.Config) -> tuple[frozenset[Path], frozenset[Path]]:
    """(paths named on the command line, the same paths resolved), computed once per session."""
    cached = config.stash.get(_explicit_key, None)
    if cached is not None:
        return cached
    named: set[Path] = set()
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        base = config.invocation_params.dir
        for arg in config.args:
            # ``file.yaml::name`` selects inside a file; the file itself is what was named.
            path_part = arg.split("::", 1)[0]
            if path_part:
                named.add(Path(os.path.abspath(base / path_part)))
    result = (frozenset(named), frozenset(p.resolve() for p in named))
    config.stash[_explicit_key] = result
    return result


def _is_named(path: Path, config: pytest.Config) -> bool:
    raw, resolved = _explicit(config)
    return path in raw or path.resolve() in resolved


def _strictly_inside(path: Path, anchor: Path) -> bool:
    return path != anchor and path.is_relative_to(anchor)


def _in_scenarios_dir(path: Path, config: pytest.Config) -> bool:
    # Only a ``scenarios`` folder inside the project (rootdir or current directory) or
    # one named on the command line counts: a project that happens to live in
    # ~/scenarios/ must not have its CI and compose files collected.
    anchors = (config.rootpath, config.invocation_params.dir)
    for folder in path.parents:
        if folder.name != SCENARIO_DIR:
            continue
        if any(_strictly_inside(folder, a) for a in anchors) or _is_named(folder, config):
            return True
        if folder == config.invocation_params.dir == config.rootpath and config.inipath is None:
            # ``cd scenarios && pytest`` with no configuration file anywhere: pytest took
            # the folder itself as the rootdir, and the user stands in it.
            return True
    return False


def _relative_posix(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def is_scenario_file(path: Path, config: pytest.Config) -> bool:
    """Whether the plugin collects *path* (see the module docstring for the rules)."""
    if path.suffix not in YAML_SUFFIXES:
        return False
    if _is_named(path, config):
        return True
    patterns: list[str] = config.getini(INI_FILES)
    if patterns:
        relative = _relative_posix(path, config.rootpath)
        return any(glob_match(p, relative) for p in patterns if p.strip())
    if path.name.endswith(SCN_SUFFIXES):
        return True
    return _in_scenarios_dir(path, config)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    if is_scenario_file(file_path, parent.config):
        parent.config.stash.setdefault(_collected_key, set()).add(file_path)
        file: ScenarioFile = ScenarioFile.from_parent(parent, path=file_path)
        return file
    return None


def pytest_report_collectionfinish(config: pytest.Config) -> list[str]:
    """Say, once, when a folder named on the command line holds scenarios left uncollected."""
    collected = config.stash.get(_collected_key, set())
    hint = uncollected_hint(config, collected, config.getini(INI_FILES))
    return [hint] if hint else []


# --------------------------------------------------------------------------- nodes


class ScenarioFile(pytest.File):
    """A YAML scenario file; collecting it loads and validates every scenario in it."""

    def collect(self) -> Iterator[ScenarioItem]:
        from .errors import ConfigError
        from .loader import load_file

        try:
            scenarios = load_file(self.path, cache=load_cache(self.config))
            clashes = marker_clashes(self.config, self.path, scenarios)
            if clashes:
                raise ConfigError(clashes)
        except ConfigError as exc:
            # CollectError's text is shown as is, without a traceback.
            count = len(exc.problems)
            raise self.CollectError(
                f"{exc.render()}\n{count} problem{'s' if count != 1 else ''} in this scenario file"
            ) from None
        register_tags(self.config, {tag for s in scenarios for tag in s.tags})
        for scenario in scenarios:
            for warning in scenario.warnings:
                # Shown in pytest's warnings summary, at the scenario's line; never a failure.
                where = warning.location
                try:
                    warnings.warn_explicit(
                        ScenarioWarning(str(warning)),
                        ScenarioWarning,
                        where.path if where is not None else str(self.path),
                        where.line if where is not None else 1,
                    )
                except ScenarioWarning as exc:
                    # ``-W error`` (or a filterwarnings "error"): the file's error, located,
                    # as its problems are shown, not a traceback through this collector.
                    raise self.CollectError(f"{exc}\n{_WARNING_AS_ERROR}") from None
            if scenario.mock and not scenario.clients:
                continue  # for ``sockscen serve`` and the ``sockscen_servers`` fixture
            yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)


_WARNING_AS_ERROR = (
    "(a warning made an error by -W error or filterwarnings; to keep these warnings "
    "warnings, add -W default::sockscen.pytest_plugin.ScenarioWarning after it)"
)


class ScenarioWarning(UserWarning):
    """A located warning about a scenario file (``file:line:col: warning: ...``)."""


class ScenarioFailed(Exception):
    """Raised by ``ScenarioItem.runtest`` when the scenario failed; carries the result."""

    def __init__(self, result: ScenarioResult) -> None:
        super().__init__(result.id)
        self.result = result


class ScenarioItem(pytest.Item):
    """One scenario of a file, run by the sockscen engine."""

    #: pytest-timeout's timer becomes the scenario's deadline (see ``plugin_timeout``).
    sockscen_owns_timer = True

    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.result: ScenarioResult | None = None
        self.note = ""
        self.add_marker("sockscen")
        for tag in scenario.tags:
            self.add_marker(tag)

    def setup(self) -> None:
        # The scenario runs here, not in runtest: an exception in setup is what
        # pytest reports as an ERROR, which is what a setup error is.
        if self.config.getoption("setuponly", False):
            return
        from .results import Outcome

        deadline = item_timeout(self)
        self.result = _run_scenarios(capped([self.scenario], deadline), self.config)[0]
        reports = self.config.stash.get(REPORTS_KEY, None)
        if reports is not None:
            reports.add(self.result)
        add_result_sections(self, self.result)
        self.note = timeout_note(self.result, deadline, self.scenario.timeout)
        if self.result.outcome is Outcome.ERROR:
            pytest.fail(diagnosis(self.result) + self.note, pytrace=False)
        if self.result.outcome is Outcome.SKIPPED:
            pytest.skip(self.result.error or "the scenario was not run")

    def runtest(self) -> None:
        from .results import Outcome

        if self.result is None:
            raise RuntimeError("sockscen: the scenario did not run in the setup phase")
        if self.result.outcome is Outcome.FAILED:
            raise ScenarioFailed(self.result)

    def teardown(self) -> None:
        # Transcripts can be large; a long session should not keep every one of them.
        self.result = None

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> Any:
        if isinstance(excinfo.value, ScenarioFailed):
            tbstyle = str(self.config.getoption("tbstyle", "auto"))
            return scenario_repr(excinfo.value.result, self.note, style=tbstyle)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.location.line - 1, self.name


def _run_scenarios(
    scenarios: Sequence[Scenario], config: pytest.Config, **overrides: Any
) -> list[ScenarioResult]:
    from .api import raise_open_file_limit
    from .engine import run

    raise_open_file_limit()
    options = build_run_options(run_options(config, overrides))
    # No signal handling: Ctrl-C becomes KeyboardInterrupt after cleanup, which pytest handles.
    return run(scenarios, options, handle_signals=False).scenarios
