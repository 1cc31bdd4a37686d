"""Report files of a pytest session: the plugin flags of the registered reporters.

Every reporter of ``sockscen.reporting.REPORT_FILES`` brings a plugin flag
(``--sockscen-json PATH`` ...).  When one is given, a ``SessionReports`` is
registered as a pytest plugin: it keeps the result of each scenario item and
writes the reports when the session finishes, like ``sockscen run`` does.

The results live in the process that ran the scenarios, so with pytest-xdist
(``-n``) each worker would hold a part of them: the flags are refused there
with a usage error rather than writing partial reports.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from .reporting import REPORT_FILES, ReportFile

if TYPE_CHECKING:
    from .results import ScenarioResult

__all__ = ["REPORTS_KEY", "SessionReports", "add_report_options", "configure_reports"]


class _AddOption(Protocol):
    def addoption(self, *flags: str, **kwargs: Any) -> Any: ...


def add_report_options(group: _AddOption) -> None:
    """Add the plugin flag of every registered report file to *group*."""
    for spec in REPORT_FILES.values():
        group.addoption(
            spec.plugin_option,
            dest=spec.plugin_dest,
            default=None,
            metavar=spec.metavar,
            help=f"{spec.help}, of the sockscen scenarios (not with pytest-xdist -n)",
        )
        if spec.switch:
            group.addoption(
                spec.plugin_switch,
                dest=spec.plugin_switch_dest,
                action="store_true",
                help=f"{spec.switch_help} ({spec.plugin_option})",
            )


class SessionReports:
    """The results of a session's scenario items, and the report files to write at its end."""

    def __init__(self, targets: list[tuple[ReportFile, Path, bool]]) -> None:
        self.targets = targets
        self.results: list[ScenarioResult] = []
        self.started_at = time.time()

    def add(self, result: ScenarioResult) -> None:
        """Keep the result of one scenario item (in the order they ran)."""
        self.results.append(result)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from .options import build_run_options, plugin_values
        from .results import RunResult

        options = build_run_options(plugin_values(session.config.getoption)).as_dict()
        run = RunResult(
            scenarios=self.results,
            started_at=self.started_at,
            duration=time.time() - self.started_at,
            options=options,
        )
        terminal = session.config.pluginmanager.get_plugin("terminalreporter")
        for spec, target, switched in self.targets:
            try:
                spec.load_writer(switched)(run, target)
            except OSError as exc:
                message = (
                    f"sockscen: {spec.plugin_option} {target}: could not write the report: "
                    f"{exc.strerror or exc}"
                )
                if terminal is not None:
                    terminal.write_line(message, red=True)
                session.exitstatus = pytest.ExitCode.USAGE_ERROR


REPORTS_KEY = pytest.StashKey["SessionReports"]()


def _distributed(config: pytest.Config) -> bool:
    if hasattr(config, "workerinput"):
        return True
    return bool(config.getoption("numprocesses", None)) or config.getoption("dist", "no") != "no"


def _switched(config: pytest.Config, spec: ReportFile) -> bool:
    return bool(spec.switch and config.getoption(spec.plugin_switch_dest, False))


def configure_reports(config: pytest.Config) -> None:
    """Register a ``SessionReports`` when a report flag is given, its targets checked writable."""
    for spec in REPORT_FILES.values():
        # As ``sockscen run`` does: a switch alone would change nothing, silently.
        if _switched(config, spec) and not config.getoption(spec.plugin_dest, None):
            raise pytest.UsageError(f"{spec.plugin_switch} needs {spec.plugin_option} PATH")
    asked = [
        (spec, value)
        for spec in REPORT_FILES.values()
        if (value := config.getoption(spec.plugin_dest, None))
    ]
    if not asked:
        return
    if _distributed(config):
        raise pytest.UsageError(
            f"{asked[0][0].plugin_option}: sockscen report files are written by one pytest "
            "process; run without pytest-xdist (-n)"
        )
    from .cli.common import UsageError, prepare_output

    try:
        targets = [
            (s, prepare_output(s.plugin_option, v, folder=s.folder), _switched(config, s))
            for s, v in asked
        ]
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    reports = SessionReports(targets)
    config.stash[REPORTS_KEY] = reports
    config.pluginmanager.register(reports, "sockscen-reports")
