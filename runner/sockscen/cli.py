"""The ``sockscen`` command: run, validate, list scenario files and print the schema.

``main(argv)`` returns the exit code and never raises (argparse's own usage
errors included), so the console script can be ``sys.exit(main())``:

====  =========================================================================
 0    every selected scenario passed (validate: every file is valid)
 1    a scenario failed or could not be set up
 2    usage error, or an invalid scenario file (nothing was run)
 3    internal error: a bug in sockscen
 5    no scenario selected
130   interrupted by Ctrl-C (SIGINT), after cleanup and a partial report
143   stopped by SIGTERM, after cleanup and a partial report
====  =========================================================================

Heavy modules (loader, engine, reporters) are imported inside the commands,
so ``sockscen --help`` and ``sockscen schema`` start quickly.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import textwrap
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from .durations import parse_duration
from .errors import ConfigError
from .model import DEFAULT_MAX_BUFFER, ProcessClient, ProcessServer
from .selection import KeywordError, compile_keyword

if TYPE_CHECKING:
    from .model import Scenario
    from .results import RunResult

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_NO_SCENARIO",
    "EXIT_OK",
    "EXIT_SIGINT",
    "EXIT_SIGTERM",
    "EXIT_USAGE",
    "build_parser",
    "main",
    "parse_size",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_NO_SCENARIO = 5
EXIT_SIGINT = 130
EXIT_SIGTERM = 143

DEFAULT_PATH = "scenarios"

_EXIT_CODES = """\
exit codes:
  0    every selected scenario passed
  1    a scenario failed, or errored (a server did not start, ...)
  2    usage error, or an invalid scenario file (nothing was run)
  3    internal error (a bug in sockscen: please report it)
  5    no scenario selected (no files found, or -k/--tag matched nothing)
  130  interrupted by Ctrl-C, after cleanup and a partial report
  143  stopped by SIGTERM, after cleanup and a partial report
"""

_MAIN_EPILOG = f"""\
examples:
  sockscen run                          run every scenario under scenarios/
  sockscen run scenarios/echo.yaml -v   one file, with the reason of each failure
  sockscen run -k "echo and not udp"    select by substring of 'path::name'
  sockscen validate scenarios/          check files without running anything
  sockscen list --tag smoke             show the scenarios tagged smoke
  sockscen schema > scenario.schema.json

Run 'sockscen COMMAND --help' for the options of a command.

{_EXIT_CODES}"""

_RUN_EPILOG = f"""\
how selection works:
  -k EXPR matches words against the scenario id 'path::name' as case-insensitive
  substrings, combined with and / or / not and parentheses, like pytest's -k;
  quote a word that holds spaces: -k '"returns each line" or udp'.
  --tag TAG keeps scenarios having ANY of the given tags (repeat the option);
  with both, a scenario must satisfy both.

examples:
  sockscen run                               every scenario under scenarios/
  sockscen run scenarios/echo.yaml tests/net/
  sockscen run -k echo -x                    stop after the first failure
  sockscen run --tag smoke --tag tcp -j 8    tagged smoke or tcp, 8 at a time
  sockscen run --timeout 500ms               a shorter default step timeout
  sockscen run -q --junit-xml reports/junit.xml --json reports/run.json
  sockscen run -vv                           every step and every transcript
  sockscen run --transcript-dir transcripts/ one transcript file per scenario
  sockscen run --format github               also print GitHub annotations
                                             (automatic when GITHUB_ACTIONS=true)

environment:
  NO_COLOR=1        no colour (FORCE_COLOR=1 forces it; --color overrides both)
  GITHUB_ACTIONS    'true' turns on --format github unless --format is given
  SOCKSCEN_DEBUG=1  print the traceback of internal errors

{_EXIT_CODES}"""

_VALIDATE_EPILOG = """\
Loads every file as 'run' would (YAML, schema and the checks the schema
cannot express) and reports every problem of every file as
'path:line:col: error: message', without running anything.

examples:
  sockscen validate                      every file under scenarios/
  sockscen validate scenarios/ extra.yaml

exit codes:
  0    every file is valid
  2    a file is invalid or a path does not exist (problems on stderr)
  3    internal error (a bug in sockscen: please report it)
"""

_LIST_EPILOG = """\
Prints 'path:line: name [tags]' for each selected scenario (with -q only
the ids 'path::name', one per line, for scripts).  -k and --tag select as
in 'sockscen run'.

examples:
  sockscen list
  sockscen list -k echo --tag tcp
  sockscen list -q scenarios/ | wc -l

exit codes:
  0    scenarios were listed
  2    usage error, or an invalid scenario file
  3    internal error (a bug in sockscen: please report it)
  5    no scenario selected
"""

_SCHEMA_EPILOG = """\
Prints the JSON Schema (Draft 2020-12) of scenario files.  Point your
editor's YAML language server at it for completion and checking, e.g. with
a first line '# yaml-language-server: $schema=scenario.schema.json'.

examples:
  sockscen schema > scenario.schema.json

exit codes:
  0    the schema was printed
"""


class UsageError(Exception):
    """A mistake on the command line found after parsing (a path, a report file): exit 2."""


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
    """argparse type of a byte size such as 64KiB (also used by the pytest plugin)."""
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def step_timeout_arg(text: str) -> float:
    """argparse type of a step timeout: a duration above 0 (also used by the pytest plugin)."""
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"the step timeout must be more than 0, got {text!r}")
    return seconds


def _jobs_arg(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if jobs < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (automatic) or more, got {text!r}")
    return jobs


# --------------------------------------------------------------------------- the parser


class _Parser(argparse.ArgumentParser):
    """argparse with a hint to ``--help`` after a usage error."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\nTry '{self.prog} --help'.\n")


def _wrap(text: str) -> str:
    # RawDescriptionHelpFormatter keeps the epilogs' layout but wraps nothing itself.
    return textwrap.fill(text, width=78)


def _version_text() -> str:
    import sockscen

    return f"sockscen {sockscen.__version__} (Python {sys.version.split()[0]})"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``sockscen`` command and its subcommands."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog="sockscen",
        description=_wrap(
            "Declarative scenario tests for TCP, UDP and Unix-socket programs: YAML files "
            "describe servers to start, clients to connect, bytes to send and replies to expect."
        ),
        epilog=_MAIN_EPILOG,
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=_version_text())

    # Options shared by several commands live in parent parsers so --help shows them in place.
    selection = _Parser(add_help=False)
    group = selection.add_argument_group("selection")
    group.add_argument(
        "-k",
        dest="keyword",
        metavar="EXPR",
        help="only scenarios whose 'path::name' matches EXPR (substrings, and/or/not, "
        "parentheses; case-insensitive)",
    )
    group.add_argument(
        "--tag",
        dest="tags",
        action="append",
        default=[],
        metavar="TAG",
        help="only scenarios having this tag; repeat for several (ANY of them matches)",
    )

    output = _Parser(add_help=False)
    out = output.add_argument_group("output")
    out.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more detail: -v the reason under each failing scenario and the output of "
        "passing scenarios' processes, -vv every step and every transcript; also shows the "
        "traceback of internal errors",
    )
    out.add_argument(
        "-q",
        "--quiet",
        action="count",
        default=0,
        help="less output: only failures and the summary",
    )

    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )

    run = sub.add_parser(
        "run",
        parents=[selection, output],
        help="run scenarios and report (the default workflow)",
        description=_wrap(
            "Run the scenarios of the given files and directories (directories are searched "
            "recursively for *.yaml and *.yml) and report each result. Every file is validated "
            "first: if any is invalid, nothing runs (exit 2)."
        ),
        epilog=_RUN_EPILOG,
        formatter_class=formatter,
    )
    _add_paths(run)
    execution = run.add_argument_group("execution")
    execution.add_argument(
        "-j",
        "--jobs",
        type=_jobs_arg,
        default=0,
        metavar="N",
        help="run at most N scenarios at once (default 0: an automatic limit)",
    )
    execution.add_argument(
        "-x",
        "--exitfirst",
        action="store_true",
        help="start no new scenario after the first failure or error (the rest are skipped)",
    )
    execution.add_argument(
        "--timeout",
        type=step_timeout_arg,
        metavar="DURATION",
        help="default timeout of each step, e.g. 500ms, 2s, 1m (default 5s; a step's own "
        "'timeout:' still wins)",
    )
    execution.add_argument(
        "--max-buffer",
        type=size_arg,
        default=DEFAULT_MAX_BUFFER,
        metavar="SIZE",
        help="most unread data kept per connection before an expect fails, e.g. 64KiB, "
        "16MiB (default 16MiB)",
    )
    report = run.add_argument_group("reports")
    report.add_argument(
        "--format",
        choices=["console", "github"],
        default=None,
        help="github: after the console report, print failures as GitHub Actions "
        "annotations (default: github when GITHUB_ACTIONS=true, else console)",
    )
    report.add_argument(
        "--color",
        choices=["auto", "yes", "no"],
        default="auto",
        help="colour the console report (default auto: on a terminal, unless NO_COLOR is set)",
    )
    report.add_argument(
        "--transcript",
        action="store_true",
        help="print the transcript of every scenario, passing ones too (also -vv)",
    )
    report.add_argument(
        "--transcript-dir",
        metavar="DIR",
        help="write one transcript file per scenario into DIR (created if missing)",
    )
    report.add_argument(
        "--show-output",
        action="store_true",
        help="print the output of processes of passing scenarios too (failing ones always; "
        "-v does it as well)",
    )
    report.add_argument(
        "--junit-xml", metavar="PATH", help="write a JUnit XML report to PATH (for CI systems)"
    )
    report.add_argument(
        "--json", dest="json_path", metavar="PATH", help="write a JSON report to PATH (for scripts)"
    )
    run.set_defaults(handler=_cmd_run)

    validate = sub.add_parser(
        "validate",
        parents=[output],
        help="check scenario files without running them",
        description="Validate scenario files and report every problem of every file.",
        epilog=_VALIDATE_EPILOG,
        formatter_class=formatter,
    )
    _add_paths(validate)
    validate.set_defaults(handler=_cmd_validate)

    lister = sub.add_parser(
        "list",
        parents=[selection, output],
        help="list scenarios with their file:line and tags",
        description="List the scenarios of the given files and directories.",
        epilog=_LIST_EPILOG,
        formatter_class=formatter,
    )
    _add_paths(lister)
    lister.set_defaults(handler=_cmd_list)

    schema = sub.add_parser(
        "schema",
        parents=[output],
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files on stdout.",
        epilog=_SCHEMA_EPILOG,
        formatter_class=formatter,
    )
    schema.set_defaults(handler=_cmd_schema)
    return parser


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help=f"scenario files or directories (searched recursively); default: {DEFAULT_PATH}/",
    )


# --------------------------------------------------------------------------- helpers


def _verbosity(args: argparse.Namespace) -> int:
    level: int = args.verbose - args.quiet
    return max(-1, min(2, level))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _paths(args: argparse.Namespace) -> list[str]:
    """The paths to load; a missing default directory is 'nothing selected', not a usage error."""
    paths: list[str] = args.paths
    if paths:
        return paths
    if not Path(DEFAULT_PATH).exists():
        raise _NothingSelected(
            f"there is no {DEFAULT_PATH}/ directory in {Path.cwd()} "
            f"(name the scenario files or directories: sockscen {args.command} PATH...)"
        )
    return [DEFAULT_PATH]


class _NothingSelected(Exception):
    """No scenario to run or list: exit 5 with the reason."""


def _load(paths: Sequence[str]) -> tuple[int, list[Scenario]]:
    """(number of files, scenarios); raises ConfigError (missing path included)."""
    from .loader import discover, load_paths

    try:
        files = discover(paths)
    except ConfigError:
        # A missing path must not hide the problems of the files that exist:
        # load_paths reports them all together.
        load_paths(paths)
        raise
    if not files:
        raise _NothingSelected(
            "no scenario files (*.yaml, *.yml) found in " + ", ".join(repr(p) for p in paths)
        )
    return len(files), load_paths(files)


def _select(args: argparse.Namespace, scenarios: list[Scenario], file_count: int) -> list[Scenario]:
    from .selection import select

    selected = select(scenarios, args.keyword, args.tags)
    if selected:
        return selected
    if not scenarios:
        raise _NothingSelected(f"the {_plural(file_count, 'file')} found hold no scenario")
    criteria = []
    if args.keyword is not None:
        criteria.append(f"-k {args.keyword!r}")
    if args.tags:
        criteria.append(" ".join(f"--tag {t}" for t in args.tags))
    raise _NothingSelected(
        f"{' and '.join(criteria)} matched none of the {_plural(len(scenarios), 'scenario')}"
    )


def _report_problems(error: ConfigError, stream: TextIO, *, ran_nothing: bool) -> None:
    for problem in error.problems:
        print(problem, file=stream)
    files = {p.location.path for p in error.problems if p.location is not None}
    summary = f"sockscen: {_plural(len(error.problems), 'problem')}"
    if files:
        summary += f" in {_plural(len(files), 'file')}"
    if ran_nothing:
        summary += "; nothing was run"
    print(summary, file=stream)


def _prepare_output_file(option: str, value: str) -> Path:
    """Make sure a report can be written at *value* (creating its folder) before running."""
    path = Path(value)
    if path.is_dir():
        raise UsageError(f"{option} {value}: is a directory; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{option} {value}: cannot create its folder: {exc.strerror}") from None
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"{option} {value}: not writable (check the permissions of {folder}/)")
    return path


def _prepare_output_dir(option: str, value: str) -> Path:
    path = Path(value)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(f"{option} {value}: exists and is not a directory") from None
    except OSError as exc:
        raise UsageError(f"{option} {value}: cannot create it: {exc.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {value}: not writable (check its permissions)")
    return path


def _exit_code(run: RunResult) -> int:
    if run.interrupted:
        return EXIT_SIGTERM if run.options.get("signal") == "SIGTERM" else EXIT_SIGINT
    return EXIT_OK if run.ok else EXIT_FAILED


# --------------------------------------------------------------------------- commands


def _cmd_run(args: argparse.Namespace) -> int:
    from .api import raise_open_file_limit
    from .engine import RunOptions, run
    from .reporting.console import ConsoleReporter
    from .reporting.github import github_annotations, github_enabled

    paths = _paths(args)
    file_count, scenarios = _load(paths)
    selected = _select(args, scenarios, file_count)

    # Checked before running so a long run is never lost to a typo in a report path.
    junit = _prepare_output_file("--junit-xml", args.junit_xml) if args.junit_xml else None
    json_path = _prepare_output_file("--json", args.json_path) if args.json_path else None
    transcript_dir = (
        _prepare_output_dir("--transcript-dir", args.transcript_dir)
        if args.transcript_dir
        else None
    )
    github = github_enabled(os.environ) if args.format is None else args.format == "github"

    verbosity = _verbosity(args)
    reporter = ConsoleReporter(
        sys.stdout,
        color={"auto": None, "yes": True, "no": False}[args.color],
        verbosity=verbosity,
        transcripts=args.transcript or verbosity >= 2,
        show_output=args.show_output or verbosity >= 1,
        progress=False if verbosity < 0 else None,
    )
    options = RunOptions(
        jobs=args.jobs,
        step_timeout=args.timeout,
        exitfirst=args.exitfirst,
        max_buffer=args.max_buffer,
    )
    raise_open_file_limit()
    # The loaded scenarios live until the process exits: moving them out of the
    # collector's generations spares it rescanning them during the run.
    gc.collect()
    gc.freeze()
    if any(_runs_programs(scenario) for scenario in selected):
        from .processes import adopt_orphans

        # This process starts no children but the scenarios' programs: orphans of
        # theirs (daemons) may become ours, so they can be found and stopped.
        adopt_orphans()
    reporter.run_started(len(selected))
    result = run(selected, options, on_result=reporter.scenario_finished, handle_signals=True)
    reporter.run_finished(result)
    sys.stdout.flush()
    # The selection belongs in the reports' run metadata next to the engine's options.
    result.options.setdefault("paths", list(paths))
    if args.keyword is not None:
        result.options.setdefault("keyword", args.keyword)
    if args.tags:
        result.options.setdefault("tags", list(args.tags))

    write_failed = _write_reports(result, junit, json_path, transcript_dir)
    if github:
        for line in github_annotations(result):
            print(line)
    if write_failed:
        return EXIT_USAGE
    return _exit_code(result)


def _write_reports(
    result: RunResult, junit: Path | None, json_path: Path | None, transcript_dir: Path | None
) -> bool:
    """Write the report files; True when one could not be written (the error is printed)."""
    from .reporting.json_report import write_json
    from .reporting.junit import write_junit
    from .reporting.transcript import write_transcript_dir

    failed = False
    jobs: list[tuple[str, Path, Callable[[RunResult, Path], object]]] = []
    if junit is not None:
        jobs.append(("--junit-xml", junit, write_junit))
    if json_path is not None:
        jobs.append(("--json", json_path, write_json))
    if transcript_dir is not None:
        jobs.append(("--transcript-dir", transcript_dir, write_transcript_dir))
    for option, target, writer in jobs:
        try:
            writer(result, target)
        except OSError as exc:
            print(
                f"sockscen: {option} {target}: could not write the report: {exc.strerror or exc}",
                file=sys.stderr,
            )
            failed = True
    return failed


def _cmd_validate(args: argparse.Namespace) -> int:
    try:
        file_count, scenarios = _load(_paths(args))
    except ConfigError as exc:
        _report_problems(exc, sys.stderr, ran_nothing=False)
        return EXIT_USAGE
    except _NothingSelected as exc:
        # Nothing to validate is not "invalid": say so, but exit like pytest with no tests.
        print(f"sockscen: nothing to validate: {exc}", file=sys.stderr)
        return EXIT_NO_SCENARIO
    print(f"{_plural(file_count, 'file')}, {_plural(len(scenarios), 'scenario')} valid")
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    file_count, scenarios = _load(_paths(args))
    selected = _select(args, scenarios, file_count)
    quiet = _verbosity(args) < 0
    for s in selected:
        if quiet:
            print(s.id)
            continue
        tags = f"  [{', '.join(s.tags)}]" if s.tags else ""
        print(f"{s.location.short}: {s.name}{tags}")
    if not quiet:
        files = {s.path for s in selected}
        print(f"\n{_plural(len(selected), 'scenario')} in {_plural(len(files), 'file')}")
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from .schema import schema_text

    text = schema_text()
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


# --------------------------------------------------------------------------- entry point


#: An internal error's message is cut to this many characters unless -v asks for everything.
_INTERNAL_MESSAGE_LIMIT = 500


def _internal_error(exc: BaseException, verbose: bool) -> int:
    message = str(exc)
    if not verbose and len(message) > _INTERNAL_MESSAGE_LIMIT:
        message = message[:_INTERNAL_MESSAGE_LIMIT] + "..."
    print(
        "sockscen: internal error (this is a bug in sockscen, please report it): "
        f"{type(exc).__name__}: {message}",
        file=sys.stderr,
    )
    if verbose:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    else:
        print("(run with -v or SOCKSCEN_DEBUG=1 to see the traceback)", file=sys.stderr)
    return EXIT_INTERNAL


def _runs_programs(scenario: Scenario) -> bool:
    actors = (*scenario.servers, *scenario.clients)
    return any(isinstance(actor, (ProcessServer, ProcessClient)) for actor in actors)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps subparsers only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line *argv* (default ``sys.argv[1:]``) and return the exit code."""
    parser = build_parser()
    debug = os.environ.get("SOCKSCEN_DEBUG", "") not in ("", "0")
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            # Unknown options of a command are that command's usage error, not the top level's.
            commands = _subcommands(parser)
            chosen = commands.get(getattr(args, "command", None) or "", parser)
            chosen.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:
        # argparse exits for --help, --version and usage errors; turn that into a return value.
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    verbose = debug or args.verbose > 0
    try:
        if getattr(args, "keyword", None) is not None:
            # A typo in -k is reported before any file is read.
            compile_keyword(args.keyword)
        code: int = args.handler(args)
        sys.stdout.flush()
        return code
    except ConfigError as exc:
        _report_problems(exc, sys.stderr, ran_nothing=args.command == "run")
        return EXIT_USAGE
    except _NothingSelected as exc:
        print(f"sockscen: no scenario selected: {exc}", file=sys.stderr)
        return EXIT_NO_SCENARIO
    except (UsageError, KeywordError) as exc:
        print(f"sockscen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        # Ctrl-C before the engine took over its signals (while loading): nothing to clean up.
        print("\nsockscen: interrupted", file=sys.stderr)
        return EXIT_SIGINT
    except BrokenPipeError:
        # The reader went away (`sockscen list | head`): stop quietly.  Python would
        # complain again when flushing stdout at exit, so point it at /dev/null.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as exc:
        return _internal_error(exc, verbose)
