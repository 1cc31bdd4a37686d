"""The argument parser of the ``sockscen`` command and its subcommands."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from typing import NoReturn

from ..options import add_cli_options
from ..reporting import FORMATS, REPORT_FILES
from . import help as texts
from .exits import EXIT_USAGE


class _Parser(argparse.ArgumentParser):
    """argparse with a hint to ``--help`` after a usage error."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\nTry '{self.prog} --help'.\n")


def _version_text() -> str:
    import sockscen

    return f"sockscen {sockscen.__version__} (Python {sys.version.split()[0]})"


class _VersionAction(argparse.Action):
    """``--version``: reads the package metadata only when asked (13 ms every command else)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(
            option_strings,
            dest=dest,
            default=argparse.SUPPRESS,
            nargs=0,
            help="show program's version number and exit",
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        print(_version_text())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``sockscen`` command and its subcommands."""
    parser = _Parser(
        prog="sockscen",
        description=texts.MAIN_DESCRIPTION,
        epilog=texts.MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction)
    selection, output = _selection_parent(), _output_parent()
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )
    commands = [
        ("run", [selection, output], "run scenarios and report (the default workflow)",
         texts.RUN_DESCRIPTION, texts.RUN_EPILOG),
        ("validate", [output], "check scenario files without running them",
         "Validate scenario files and report every problem of every file.",
         texts.VALIDATE_EPILOG),
        ("list", [selection, output], "list scenarios with their file:line and tags",
         "List the scenarios of the given files and directories.", texts.LIST_EPILOG),
        ("serve", [selection, output], "keep one scenario's servers up for other programs",
         texts.SERVE_DESCRIPTION, texts.SERVE_EPILOG),
        ("schema", [output], "print the JSON Schema of scenario files",
         "Print the JSON Schema of scenario files on stdout.", texts.SCHEMA_EPILOG),
        ("record", [output], "record a client/server conversation as a scenario",
         "Run a proxy from --listen to --upstream; when stopped (Ctrl-C, --duration, "
         "--connections), write a scenario replaying what went through it.", None),
    ]  # fmt: skip
    for name, parents, summary, description, epilog in commands:
        command = sub.add_parser(
            name,
            parents=parents,
            help=summary,
            description=description,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if name == "record":
            from .record import add_record_options

            add_record_options(command)
        elif name != "schema":
            command.add_argument("paths", nargs="*", metavar="PATH", help=texts.PATHS_HELP)
            _add_cache_options(command)
        if name in ("run", "serve"):
            _add_run_options(command)
        if name == "validate":
            group = command.add_argument_group("reports")
            group.add_argument(
                "--format", choices=list(FORMATS), default=None, help=texts.VALIDATE_FORMAT_HELP
            )
        if name == "serve":
            _add_serve_options(command)
        command.set_defaults(handler=_handler(name))
    return parser


def _handler(name: str) -> Callable[[argparse.Namespace], int]:
    """The function ``cmd_NAME`` of the module ``cli/NAME.py``, imported when the command runs.

    Only the chosen command's module (and what it imports) is loaded, so
    ``--version``, ``--help`` and ``import sockscen.cli`` stay light.
    """

    def run_command(args: argparse.Namespace) -> int:
        module = importlib.import_module(f".{name}", __package__)
        code: int = getattr(module, f"cmd_{name}")(args)
        return code

    return run_command


def _selection_parent() -> _Parser:
    # Options shared by several commands live in parent parsers so --help shows them in place.
    selection = _Parser(add_help=False)
    group = selection.add_argument_group("selection")
    group.add_argument("-k", dest="keyword", metavar="EXPR", help=texts.KEYWORD_HELP)
    group.add_argument(
        "--tag", dest="tags", action="append", default=[], metavar="EXPR", help=texts.TAG_HELP
    )
    group.add_argument("--shard", type=_shard_arg, metavar="K/N", help=texts.SHARD_HELP)
    return selection


def _shard_arg(text: str) -> tuple[int, int]:
    from ..selection import parse_shard

    try:
        return parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _output_parent() -> _Parser:
    output = _Parser(add_help=False)
    group = output.add_argument_group("output")
    group.add_argument("-v", "--verbose", action="count", default=0, help=texts.VERBOSE_HELP)
    group.add_argument("-q", "--quiet", action="count", default=0, help=texts.QUIET_HELP)
    return output


def _add_run_options(run: argparse.ArgumentParser) -> None:
    add_cli_options(run.add_argument_group("execution"))
    report = run.add_argument_group("reports")
    report.add_argument("--format", choices=list(FORMATS), default=None, help=texts.FORMAT_HELP)
    colors = ["auto", "yes", "no"]
    report.add_argument("--color", choices=colors, default="auto", help=texts.COLOR_HELP)
    report.add_argument("--transcript", action="store_true", help=texts.TRANSCRIPT_HELP)
    # Folders (transcripts) next to --transcript, files last: the order --help always had.
    folders = [spec for spec in REPORT_FILES.values() if spec.folder]
    files = [spec for spec in REPORT_FILES.values() if not spec.folder]
    for spec in folders:
        report.add_argument(spec.flag, dest=spec.attribute, metavar=spec.metavar, help=spec.help)
    report.add_argument("--show-output", action="store_true", help=texts.SHOW_OUTPUT_HELP)
    for spec in files:
        flags = (spec.flag, *spec.aliases)
        report.add_argument(*flags, dest=spec.attribute, metavar=spec.metavar, help=spec.help)
        if spec.switch:
            report.add_argument(spec.switch, action="store_true", help=spec.switch_help)


def _add_cache_options(command: argparse.ArgumentParser) -> None:
    group = command.add_argument_group("load cache")
    group.add_argument(
        "--no-cache",
        dest="use_cache",
        action="store_false",
        help="load every file afresh: neither read nor write .sockscen_cache/ (by default "
        "unchanged valid files are read back from it, in the project's root)",
    )
    group.add_argument(
        "--cache-clear", action="store_true", help="empty .sockscen_cache/ before loading"
    )


def _add_serve_options(serve: argparse.ArgumentParser) -> None:
    group = serve.add_argument_group("serving")
    group.add_argument("--duration", metavar="D", help=texts.DURATION_HELP)
    group.add_argument("--addresses-json", metavar="PATH", help=texts.ADDRESSES_JSON_HELP)


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommand parsers of *parser*, by name."""
    for action in parser._actions:  # argparse keeps subparsers only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}
