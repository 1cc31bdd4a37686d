"""``sockscen run``: load, select and run scenarios, then report."""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import ProcessClient, ProcessServer
from ..options import build_run_options, cli_values
from ..reporting import REPORT_FILES, ReportFile, format_lines
from . import common
from .exits import EXIT_USAGE, run_exit_code

if TYPE_CHECKING:
    from ..model import Scenario
    from ..reporting.console import ConsoleReporter
    from ..results import RunResult

_COLOR = {"auto": None, "yes": True, "no": False}
#: Seconds between redraws of the live status line on a terminal.
_TICK = 0.5


def cmd_run(args: argparse.Namespace) -> int:
    """Run the selected scenarios with the console report, then write the report files."""
    from ..api import raise_open_file_limit
    from ..engine import run
    from ..reporting.github import github_enabled

    paths = common.paths(args)
    file_count, scenarios = common.load(paths, args.shard, common.load_cache(args))
    selected = common.select(args, scenarios, file_count)
    # Mocks without clients are for ``serve`` and the fixture: counted, not run.
    mocks = sum(1 for s in selected if s.mock and not s.clients)
    selected = [s for s in selected if not (s.mock and not s.clients)]

    # Checked before running so a long run is never lost to a typo in a report path.
    targets = _report_targets(args)
    fmt = args.format if args.format is not None else _auto_format(github_enabled(os.environ))

    verbosity = common.verbosity(args)
    reporter = console_reporter(
        args, verbosity, progress=False if verbosity < 0 else None, tick=_TICK
    )
    options = build_run_options(cli_values(args))
    raise_open_file_limit()
    # The loaded scenarios live until the process exits: moving them out of the
    # collector's generations spares it rescanning them during the run.
    gc.collect()
    gc.freeze()
    if any(_runs_programs(scenario) for scenario in selected):
        from ..processes import adopt_orphans

        # This process starts no children but the scenarios' programs: orphans of
        # theirs (daemons) may become ours, so they can be found and stopped.
        adopt_orphans()
    if verbosity >= 1:
        for line in all_interfaces_notes(selected):
            print(line, file=sys.stderr)
    reporter.run_started(len(selected))
    try:
        result = run(
            selected,
            options,
            on_start=lambda s: reporter.scenario_started(s.id, s.name),
            on_result=reporter.scenario_finished,
            handle_signals=True,
        )
    finally:
        reporter.close()
    if mocks:
        result.options["mock_not_run"] = mocks
    reporter.run_finished(result)
    sys.stdout.flush()
    # The selection belongs in the reports' run metadata next to the engine's options.
    result.options.setdefault("paths", list(paths))
    if args.keyword is not None:
        result.options.setdefault("keyword", args.keyword)
    if args.tags:
        result.options.setdefault("tags", list(args.tags))

    write_failed = _write_reports(result, targets)
    extra = format_lines(fmt)
    if extra is not None:
        for line in extra(result):
            print(line)
    if fmt == "github":
        _step_summary(result)
    if write_failed:
        return EXIT_USAGE
    return run_exit_code(result)


def _step_summary(result: RunResult) -> None:
    """Append the run to GitHub's job summary when $GITHUB_STEP_SUMMARY is set.

    A summary that cannot be written is said on stderr; it changes no exit code.
    """
    from ..reporting.step_summary import run_markdown, write_step_summary

    failed = write_step_summary(run_markdown(result))
    if failed:
        print(failed, file=sys.stderr)


def console_reporter(
    args: argparse.Namespace, verbosity: int, *, progress: bool | None, tick: float | None = None
) -> ConsoleReporter:
    """The console report on stdout as the shared flags (``--color``, ``-v``...) ask for it."""
    from ..reporting.console import ConsoleReporter

    return ConsoleReporter(
        sys.stdout,
        color=_COLOR[args.color],
        verbosity=verbosity,
        transcripts=args.transcript or verbosity >= 2,
        show_output=args.show_output or verbosity >= 1,
        progress=progress,
        tick=tick,
    )


def _auto_format(github: bool) -> str:
    # Inside GitHub Actions the annotations come without asking.
    return "github" if github else "console"


def _report_targets(args: argparse.Namespace) -> list[tuple[ReportFile, Path, bool]]:
    """The report files asked for (with their switch), each checked writable (UsageError)."""
    targets = []
    for report in REPORT_FILES.values():
        value = getattr(args, report.attribute)
        switched = bool(report.switch and getattr(args, report.switch_attribute, False))
        if value:
            path = common.prepare_output(report.flag, value, folder=report.folder)
            targets.append((report, path, switched))
        elif switched:
            raise common.UsageError(f"{report.switch} needs {report.flag} PATH")
    return targets


def _write_reports(result: RunResult, targets: list[tuple[ReportFile, Path, bool]]) -> bool:
    """Write the report files; True when one could not be written (the error is printed)."""
    failed = False
    for report, target, switched in targets:
        try:
            report.load_writer(switched)(result, target)
        except OSError as exc:
            print(
                f"sockscen: {report.flag} {target}: could not write the report: "
                f"{exc.strerror or exc}",
                file=sys.stderr,
            )
            failed = True
    return failed


#: Hosts that mean "every interface" when a server listens on them.
_ALL_INTERFACES = frozenset({"0.0.0.0", "::", "*", "0:0:0:0:0:0:0:0"})
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def all_interfaces_notes(scenarios: list[Scenario]) -> list[str]:
    """A located note for each server listening on every interface (reachable from outside)."""
    from ..addresses import AddressError, parse_address
    from ..model import ScriptedServer

    notes = []
    for scenario in scenarios:
        for server in scenario.servers:
            listens = (server.listen,) if isinstance(server, ScriptedServer) else server.listen
            for listen in listens:
                # Only the host matters: a placeholder (a port, say) stands for any value.
                text = _PLACEHOLDER.sub("1", listen.template.source)
                try:
                    address = parse_address(text)
                except AddressError:
                    continue
                if not address.is_unix and address.host in _ALL_INTERFACES:
                    notes.append(
                        f"{listen.location}: note: server '{server.name}' listens on every "
                        f"interface ({address.host}): other machines can reach it, not only "
                        "this one; use 127.0.0.1 or [::1] unless that is the point"
                    )
    return notes


def _runs_programs(scenario: Scenario) -> bool:
    actors = (*scenario.servers, *scenario.clients)
    return any(isinstance(actor, (ProcessServer, ProcessClient)) for actor in actors)
